import CVipsShims
import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

@Suite(.serialized) struct TrimTests {
  /// An image made and saved in one go (`format` is a libvips file suffix with options).
  func saved(
    width: Int = 80, height: Int = 60, bands: Int = 3, format: String = "png",
    _ pixel: (Int, Int) -> [UInt8]
  ) throws -> String {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let image = try generatedImage(width: width, height: height, bands: bands, pixel)
    let path = try temporaryFolder() + "/trim." + format
    try Image.check("save", cvips_save_with_options(image.pointer, path))
    return path.components(separatedBy: "[")[0]
  }

  /// White, with a dark-blue 40x30 box whose top-left corner is at (15, 10).
  func inBox(_ x: Int, _ y: Int) -> Bool { (15..<55).contains(x) && (10..<40).contains(y) }

  @Test func cutsAUniformBorder() throws {
    let path = try saved { x, y in inBox(x, y) ? [20, 30, 120] : [255, 255, 255] }
    let image = try single("trim\ncompress png", path)
    #expect((image.width, image.height) == (40, 30))
    #expect(try image.rgb(0, 0) == [20, 30, 120] && image.rgb(39, 29) == [20, 30, 120])
  }

  @Test func aWholeUniformImageIsLeftAsItIs() throws {
    let path = try saved { _, _ in [90, 90, 90] }
    let image = try single("trim\ncompress png", path)
    #expect((image.width, image.height) == (80, 60))
  }

  @Test func imagesUnderThreePixelsAcrossAreLeftAsTheyAre() throws {
    for (w, h) in [(1, 1), (2, 2), (1, 500), (500, 2)] {
      let path = try saved(width: w, height: h) { x, _ in x == 0 ? [255, 255, 255] : [0, 0, 0] }
      let image = try single("trim\ncompress png", path)
      #expect((image.width, image.height) == (w, h))
    }
  }

  @Test func theThresholdDecidesWhatCountsAsBorder() throws {
    // A grey 200 border with a 206 frame (10 px wide) around the box.
    let path = try saved { x, y in
      if inBox(x, y) { return [0, 0, 0] }
      return (5..<65).contains(x) && (0..<50).contains(y) ? [206, 206, 206] : [200, 200, 200]
    }
    #expect(try single("trim\ncompress png", path).width == 40)  // 6 is within the default 10
    let strict = try single("trim threshold=3\ncompress png", path)
    #expect((strict.width, strict.height) == (60, 50))
  }

  @Test func aGivenBackgroundInsteadOfTheCorner() throws {
    // A red mark in the top-left corner: taken as the background by default,
    // so nothing matches it and nothing is trimmed. With background=white the
    // white border goes, up to the box and the mark, which is not white either.
    let path = try saved { x, y in
      if x < 3 && y < 3 { return [255, 0, 0] }
      return inBox(x, y) ? [20, 30, 120] : [255, 255, 255]
    }
    #expect(try single("trim\ncompress png", path).width == 80)
    let image = try single("trim background=white\ncompress png", path)
    #expect((image.width, image.height) == (55, 40))
    #expect(try image.rgb(20, 15) == [20, 30, 120])
  }

  @Test func aTransparentBorderIsTrimmedAndAlphaKept() throws {
    // Transparent pixels hiding red, around an opaque blue box.
    let path = try saved(bands: 4) { x, y in inBox(x, y) ? [20, 30, 120, 255] : [255, 0, 0, 0] }
    let image = try single("trim\ncompress png", path)
    #expect((image.width, image.height, image.bands) == (40, 30, 4))
    #expect(try image.rgb(20, 15) == [20, 30, 120, 255])
  }

  /// The fast route decodes a JPEG sequentially; trim reads it once into memory.
  @Test func aStreamedJPEGWithNoise() throws {
    let path = try saved(format: "jpg[Q=85]") { x, y in inBox(x, y) ? [20, 30, 120] : [255, 255, 255] }
    let image = try single("trim\ncompress png", path)
    // JPEG ringing may keep a pixel or so around the box.
    #expect((40...42).contains(image.width) && (30...32).contains(image.height), "\(image.width)x\(image.height)")
  }

  @Test func everyKindOfInputKeepsItsBands() throws {
    for name in ["cmyk.jpg", "grey.jpg", "rgb16.png", "alpha.png"] {
      let plain = try single("compress png", name)
      let trimmed = try single("trim\ncompress png", name)
      #expect(trimmed.bands == plain.bands && trimmed.bandFormat == plain.bandFormat, "\(name)")
      #expect(trimmed.width <= plain.width && trimmed.height <= plain.height, "\(name)")
    }
  }
}
