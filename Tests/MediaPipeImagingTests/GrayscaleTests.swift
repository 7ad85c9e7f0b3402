import CVips
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

@Suite(.serialized) struct GrayscaleTests {
  /// Four 20x20 squares: red, green / blue, white; `alpha` makes the top row half transparent.
  func squares(alpha: Bool = false) throws -> String {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let image = try generatedImage(width: 40, height: 40, bands: alpha ? 4 : 3) { x, y in
      let rgb: [UInt8] = y < 20 ? (x < 20 ? [255, 0, 0] : [0, 255, 0]) : (x < 20 ? [0, 0, 255] : [255, 255, 255])
      return alpha ? rgb + [y < 20 ? 128 : 255] : rgb
    }
    return try savedPNG(image)
  }

  func isGrey(_ pixel: [Int], tolerance: Int = 0) -> Bool {
    pixel.count >= 3 && abs(pixel[0] - pixel[1]) <= tolerance && abs(pixel[1] - pixel[2]) <= tolerance
  }

  @Test func coloursBecomeTheirLuminance() throws {
    let image = try single("grayscale\ncompress png", try squares())
    #expect((image.width, image.height, image.bands) == (40, 40, 3))
    #expect(image.interpretation == VIPS_INTERPRETATION_sRGB)
    // Luminance in linear light, gamma-encoded: green is far lighter than red, blue darkest.
    let red = try image.rgb(10, 10), green = try image.rgb(30, 10), blue = try image.rgb(10, 30)
    #expect(isGrey(red) && isGrey(green) && isGrey(blue), "\(red) \(green) \(blue)")
    #expect(
      close(red, [124, 124, 124], tolerance: 3) && close(green, [218, 218, 218], tolerance: 3), "\(red) \(green)")
    #expect(close(blue, [89, 89, 89], tolerance: 3), "\(blue)")
    #expect(try image.rgb(30, 30) == [255, 255, 255])
  }

  @Test func alphaIsKept() throws {
    let image = try single("grayscale\ncompress png", try squares(alpha: true))
    #expect(image.bands == 4)
    let red = try image.rgb(10, 10)
    #expect(isGrey(red) && red[3] == 128, "\(red)")
    #expect(try image.rgb(30, 30) == [255, 255, 255, 255])
  }

  @Test func everyKindOfInputGivesSRGBThatEveryFormatWrites() throws {
    for (name, x, y) in [
      ("cmyk.jpg", 150, 100), ("rgb16.png", 100, 100), ("grey.jpg", 100, 100), ("photo.jpg", 60, 60),
    ] {
      for format in ["png", "jpeg", "webp"] {
        let image = try single("grayscale\ncompress \(format)", name)
        #expect(image.bands == 3, "\(name) as \(format): \(image.bands) bands")
        // Lossy formats may wobble a level between the bands.
        let pixel = try image.rgb(x, y)
        #expect(isGrey(pixel, tolerance: format == "png" ? 0 : 3), "\(name) as \(format): \(pixel)")
      }
    }
    #expect(try single("grayscale\ncompress png", "rgb16.png").bandFormat == VIPS_FORMAT_USHORT)
  }
}
