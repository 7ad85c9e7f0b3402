import MediaPipeCore
import Testing

@testable import MediaPipeImaging

@Suite(.serialized) struct BlurTests {
  /// A 60x30 image, black on the left half and white on the right (and, with
  /// alpha, a transparent left half whose hidden colour is pure red).
  func edge(alpha: Bool = false) throws -> String {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let image = try generatedImage(width: 60, height: 30, bands: alpha ? 4 : 3) { x, _ in
      if alpha { return x < 30 ? [255, 0, 0, 0] : [255, 255, 255, 255] }
      return x < 30 ? [0, 0, 0] : [255, 255, 255]
    }
    return try savedPNG(image)
  }

  @Test func softensAnEdgeAndKeepsTheSize() throws {
    let image = try single("blur sigma=2\ncompress png", try edge())
    #expect((image.width, image.height, image.bands) == (60, 30, 3))
    // Both sides of the edge move towards the middle; far from it, nothing changes.
    let left = try image.rgb(29, 15)[0], right = try image.rgb(30, 15)[0]
    #expect(left > 60 && left < 128 && right > 128 && right < 195, "\(left) \(right)")
    #expect(try image.rgb(2, 15) == [0, 0, 0] && image.rgb(57, 15) == [255, 255, 255])
    // A wider blur spreads further.
    let wide = try single("blur sigma=6\ncompress png", try edge())
    #expect(try wide.rgb(24, 15)[0] > image.rgb(24, 15)[0])
  }

  @Test func transparentColoursDoNotBleed() throws {
    let image = try single("blur sigma=2\ncompress png", try edge(alpha: true))
    #expect(image.bands == 4)
    // At the edge the alpha falls off, but the visible colour stays white: the
    // red under the transparent half must not tint it.
    let pixel = try image.rgb(30, 15)
    #expect(pixel[3] > 100 && pixel[3] < 250, "\(pixel)")
    #expect(pixel[0] >= 250 && pixel[1] >= 250 && pixel[2] >= 250, "\(pixel)")
    #expect(try image.rgb(57, 15) == [255, 255, 255, 255])
  }

  /// The fast route decodes sequentially: a wide mask must still read its rows.
  @Test func aWideBlurOnAStreamedPhoto() throws {
    let image = try single("blur sigma=100\ncompress jpeg", "photo.jpg")
    let plain = try single("compress jpeg", "photo.jpg")
    #expect((image.width, image.height) == (plain.width, plain.height))
  }

  @Test func onAPhotoOfEveryKind() throws {
    for name in ["cmyk.jpg", "grey.jpg", "rgb16.png", "alpha.png"] {
      let plain = try single("compress png", name)
      let blurred = try single("blur sigma=3\ncompress png", name)
      #expect((blurred.width, blurred.height, blurred.bands) == (plain.width, plain.height, plain.bands), "\(name)")
      #expect(blurred.bandFormat == plain.bandFormat, "\(name)")
    }
  }
}
