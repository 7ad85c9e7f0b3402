import CVips
import CVipsShims
import Testing

@testable import MediaPipeImaging

@Suite struct ResizeTests {
  @Test func insideKeepsTheAspectRatio() throws {
    let image = try single("resize 300x300", "photo.jpg")
    #expect((image.width, image.height) == (300, 225))
  }

  @Test func neverEnlargesUnlessAsked() throws {
    let small = try single("resize 1000x1000", "grey.jpg")
    #expect((small.width, small.height) == (320, 240))
    let large = try single("resize 1000x1000 enlarge=yes", "grey.jpg")
    #expect((large.width, large.height) == (1000, 750))
  }

  @Test func coverFillsTheBox() throws {
    let image = try single("resize 200x200 fit=cover", "photo.jpg")
    #expect((image.width, image.height) == (200, 200))
    let smart = try single("resize 200x100 fit=cover gravity=attention", "photo-large.jpg")
    #expect((smart.width, smart.height) == (200, 100))
  }

  @Test func coverWithGravityKeepsThatSide() throws {
    // orient-1 (upright 300x200): red square top-left, blue square bottom-right.
    let west = try single("resize 100x100 fit=cover gravity=left", "orient-1.jpg")
    #expect((west.width, west.height) == (100, 100))
    #expect(close(try west.rgb(5, 5), [255, 0, 0], tolerance: 40))
    let east = try single("resize 100x100 fit=cover gravity=right", "orient-1.jpg")
    #expect(close(try east.rgb(95, 95), [0, 0, 255], tolerance: 40))
  }

  @Test func containPadsWithTheBackground() throws {
    let image = try single("resize 200x200 fit=contain background=red", "photo.jpg")
    #expect((image.width, image.height) == (200, 200))
    // 640x480 -> 200x150 centred: 25 px of padding above and below.
    #expect(close(try image.rgb(100, 5), [255, 0, 0]))
    #expect(close(try image.rgb(100, 195), [255, 0, 0]))
  }

  @Test func fillStretchesAndOutsideCovers() throws {
    let fill = try single("resize 200x100 fit=fill", "photo.jpg")
    #expect((fill.width, fill.height) == (200, 100))
    let outside = try single("resize 200x200 fit=outside", "photo.jpg")
    #expect((outside.width, outside.height) == (267, 200))
  }

  @Test func percentAndOneSide() throws {
    let half = try single("resize 50%", "photo.jpg")
    #expect((half.width, half.height) == (320, 240))
    let tall = try single("resize x120", "photo.jpg")
    #expect((tall.width, tall.height) == (160, 120))
  }

  @Test func aSecondResizeAfterOtherSteps() throws {
    let image = try single("resize 320x\nrotate 90\nresize 120x", "photo.jpg")
    #expect((image.width, image.height) == (120, 160))
  }
}

/// `Image.resized` takes its own route for 8-bit downsizes (both passes through
/// libvips's vertical reducer, transposing in between, lanczos3 over the whole
/// reduction): it must be as close to the exact (floating-point) lanczos3 result
/// as libvips's own 8-bit `vips_resize` is.
@Suite struct TransposedResizeTests {
  private func floats(_ image: Image) throws -> [Float] {
    let bytes = try pixels(image.cast(VIPS_FORMAT_FLOAT))
    return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
  }

  /// The largest and the mean difference from `exact`.
  private func error(_ image: Image, from exact: [Float]) throws -> (max: Float, mean: Float) {
    let values = try floats(image)
    let differences = zip(values, exact).map { abs($0 - $1) }
    return (differences.max()!, differences.reduce(0, +) / Float(differences.count))
  }

  @Test(arguments: [(1000, 750), (300, 225), (1600, 600), (123, 1200)])
  func asCloseToTheExactResultAsVipsResize(width: Int, height: Int) throws {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let source = try Image.open(fixture("photo-large.jpg"), sequential: false).materialized()
    let (hscale, vscale) = (Double(width) / Double(source.width), Double(height) / Double(source.height))
    let ours = try source.resized(width: width, height: height, route: .fast)
    let vips = try Image.call("resize") { cvips_resize(source.pointer, $0, hscale, vscale, 0) }
    let floatSource = try source.cast(VIPS_FORMAT_FLOAT)
    let exactImage = try Image.call("resize") { cvips_resize(floatSource.pointer, $0, hscale, vscale, 0) }
    #expect((ours.width, ours.height, ours.bands) == (width, height, 3))
    #expect((vips.width, vips.height) == (width, height))
    let exact = try floats(exactImage)
    let (oursError, vipsError) = (try error(ours, from: exact), try error(vips, from: exact))
    #expect(oursError.max <= vipsError.max + 3)
    #expect(oursError.mean <= vipsError.mean + 0.15)
  }
}
