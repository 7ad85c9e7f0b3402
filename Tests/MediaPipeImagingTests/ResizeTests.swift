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
/// libvips's vertical reducer, transposing in between): it must give what
/// `vips_resize` gives, within the rounding of the two reducers.
@Suite struct TransposedResizeTests {
  @Test(arguments: [(1000, 750), (300, 225), (1600, 600), (123, 1200)])
  func sameAsVipsResize(width: Int, height: Int) throws {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let source = try Image.open(fixture("photo-large.jpg"), sequential: false).materialized()
    let ours = try source.resized(width: width, height: height)
    let reference = try Image.call("resize") {
      cvips_resize(source.pointer, $0, Double(width) / Double(source.width), Double(height) / Double(source.height))
    }
    #expect((ours.width, ours.height, ours.bands) == (width, height, 3))
    #expect((reference.width, reference.height) == (width, height))
    let (a, b) = (try pixels(ours), try pixels(reference))
    let differences = zip(a, b).map { abs(Int($0) - Int($1)) }
    #expect(differences.max()! <= 6)
    #expect(Double(differences.reduce(0, +)) / Double(differences.count) < 0.2)
  }
}
