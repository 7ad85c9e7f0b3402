import Foundation
import Testing

@testable import MediaPipeImaging

@Suite struct OutputTests {
  @Test(arguments: [
    ("jpeg", "jpegload"), ("png", "pngload"), ("webp", "webpload"), ("avif", "heifload"), ("tiff", "tiffload"),
    ("gif", "gifload"),
  ])
  func formatsWritten(format: String, loader: String) throws {
    let outputs = try process("resize 100x100\ncompress \(format)", "photo.jpg")
    #expect(outputs[0].image.loader == loader)
    #expect((outputs[0].image.width, outputs[0].image.height) == (100, 75))
  }

  @Test func sameKeepsTheInputFormat() throws {
    #expect(try process("resize 50x50", "photo.webp")[0].image.loader == "webpload")
    #expect(try process("resize 50x50", "alpha.png")[0].image.loader == "pngload")
    #expect(try process("resize 50x50", "photo.tiff")[0].output.path.hasSuffix(".tif"))
  }

  @Test func transparentToJpegIsFlattenedOntoTheBackground() throws {
    // alpha.png: left half opaque, right half fully transparent (above y=260).
    let white = try single("compress jpeg", "alpha.png")
    #expect(white.bands == 3)
    #expect(close(try white.rgb(350, 100), [255, 255, 255]))
    let black = try single("compress jpeg background=black", "alpha.png")
    #expect(close(try black.rgb(350, 100), [0, 0, 0]))
  }

  @Test func pngKeepsAlpha() throws {
    let image = try single("compress png", "alpha.png")
    #expect(image.bands == 4)
    #expect(try image.rgb(350, 100)[3] == 0)
  }

  @Test func templatesUseTheOutputSize() throws {
    let outputs = try process("resize 100x100\noutput \"sized/{stem}-{width}x{height}.{ext}\"", "photo.jpg")
    #expect(outputs[0].output.path.hasSuffix("/sized/photo-100x75.jpg"))
    #expect(FileManager.default.fileExists(atPath: outputs[0].output.path))
  }

  @Test func variantsFromOneFile() throws {
    let source = """
      variant big
        resize 400x400
        compress jpeg
      variant small
        resize 100x100 fit=cover
        compress webp
      """
    let outputs = try process(source, "photo-large.jpg")
    #expect(outputs.map(\.output.variant) == ["big", "small"])
    #expect((outputs[0].image.width, outputs[0].image.height) == (400, 300))
    #expect((outputs[1].image.width, outputs[1].image.height) == (100, 100))
    #expect(outputs[0].output.path.hasSuffix("processed_photo-large_big.jpg"))
    #expect(outputs[1].output.path.hasSuffix("processed_photo-large_small.webp"))
  }

  /// Variants of a turned JPEG (EXIF orientation 6), one of them small enough
  /// for a scaled decode: both come out upright with the right size.
  @Test func variantsOfATurnedPhotoAreUpright() throws {
    let source = """
      variant big
        resize 300x300
        compress png
      variant small
        resize 36x36
        compress png
      """
    let outputs = try process(source, "orient-6.jpg")
    #expect((outputs[0].image.width, outputs[0].image.height) == (300, 200))
    #expect((outputs[1].image.width, outputs[1].image.height) == (36, 24))
    for (output, corner) in [(outputs[0].image, (290, 190)), (outputs[1].image, (33, 21))] {
      #expect(close(try output.rgb(2, 2), [255, 0, 0], tolerance: 60))
      #expect(close(try output.rgb(corner.0, corner.1), [0, 0, 255], tolerance: 60))
    }
  }
}
