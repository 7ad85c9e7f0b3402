import CVips
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

@Suite(.serialized) struct PadTests {
  @Test func aSquareCanvasWithTheImageInTheMiddle() throws {
    let original = try single("compress png", "photo.jpg")  // 640x480
    let image = try single("pad 1:1\ncompress png", "photo.jpg")
    #expect((image.width, image.height, image.bands) == (640, 640, 3))
    // White bands above and below, 80 rows each; the photo between, unchanged.
    for (x, y) in [(0, 0), (639, 0), (0, 79), (320, 40), (0, 639), (639, 639), (320, 600)] {
      #expect(try image.rgb(x, y) == [255, 255, 255], "(\(x), \(y))")
    }
    for (x, y) in [(0, 0), (320, 240), (639, 479)] {
      #expect(try close(image.rgb(x, y + 80), original.rgb(x, y), tolerance: 0), "(\(x), \(y))")
    }
  }

  @Test func aSizeWithAColourAndAGravity() throws {
    let original = try single("compress png", "photo.jpg")
    let image = try single("pad 800x600 background=red gravity=top-left\ncompress png", "photo.jpg")
    #expect((image.width, image.height) == (800, 600))
    for (x, y) in [(799, 599), (700, 10), (10, 500)] { #expect(try image.rgb(x, y) == [255, 0, 0], "(\(x), \(y))") }
    #expect(try image.rgb(0, 0) == original.rgb(0, 0) && image.rgb(639, 479) == original.rgb(639, 479))
    // bottom-right: the photo ends in the corner.
    let corner = try single("pad 800x600 gravity=bottom-right\ncompress png", "photo.jpg")
    #expect(try corner.rgb(0, 0) == [255, 255, 255] && corner.rgb(799, 599) == original.rgb(639, 479))
  }

  @Test func neverCuts() throws {
    let image = try single("pad 100x100\ncompress png", "photo.jpg")
    #expect((image.width, image.height) == (640, 480))
    let wide = try single("pad 500x600\ncompress png", "photo.jpg")
    #expect((wide.width, wide.height) == (640, 600))
  }

  @Test func transparencyAlphaCMYKAndDepth() throws {
    let clear = try single("pad 1:1 background=transparent\ncompress png", "photo.jpg")
    #expect(try clear.bands == 4 && clear.rgb(5, 5)[3] == 0 && clear.rgb(320, 320)[3] == 255)
    let alpha = try single("pad 1:1 background=blue\ncompress png", "alpha.png")  // 400x300
    #expect((alpha.width, alpha.height, alpha.bands) == (400, 400, 4))
    #expect(try alpha.rgb(5, 5) == [0, 0, 255, 255])
    let cmyk = try single("pad 1:1 background=red\ncompress png", "cmyk.jpg")
    #expect(cmyk.interpretation == VIPS_INTERPRETATION_sRGB && cmyk.bands == 3)
    #expect(try close(cmyk.rgb(150, 5), [255, 0, 0], tolerance: 1))
    let deep = try single("pad 1:1 background=red\ncompress png", "rgb16.png")
    #expect(try deep.bandFormat == VIPS_FORMAT_USHORT && deep.rgb(5, 5) == [65535, 0, 0])
  }

  /// The fast route streams a JPEG decode; with the image at the bottom the
  /// background rows come first, then the decode's rows in order.
  @Test func theImageAtTheBottomOfAStreamedDecode() throws {
    let image = try single("pad 1:1 gravity=bottom\ncompress jpeg", "photo-large.jpg")  // 1600x1200
    #expect((image.width, image.height) == (1600, 1600))
    #expect(try close(image.rgb(800, 100), [255, 255, 255], tolerance: 3))
  }

  @Test func aCanvasPastTheSizeLimitFailsThatImage() throws {
    oneImageAtATime.lock()
    let path: String
    do {
      defer { oneImageAtATime.unlock() }
      try VipsRuntime.start()
      path = try savedPNG(try generatedImage(width: 2000, height: 1) { _, _ in [0, 0, 0] })
    }
    #expect(throws: ImagingError.self) { try single("pad 1:100", path) }
  }
}
