import Foundation
import Testing

@testable import MediaPipeCore

@Suite struct ImageFormatTests {
  @Test(arguments: [
    ("photo.jpg", ImageFormat.jpeg), ("alpha.png", .png), ("photo.webp", .webp), ("photo.tiff", .tiff),
    ("photo.svg", .svg), ("document.pdf", .pdf), ("cmyk.jpg", .jpeg),
  ])
  func fixturesAreRecognisedByContent(name: String, format: ImageFormat) throws {
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/\(name)"))
    #expect(ImageFormat.sniff(data) == format)
  }

  @Test func nonImagesAreNotRecognised() throws {
    #expect(ImageFormat.sniff([UInt8]()) == nil)
    let text = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/not-an-image.jpg"))
    #expect(ImageFormat.sniff(text) == nil)
  }

  @Test func sameFormatMapping() {
    #expect(ImageFormat.heif.writableFormat == .avif)
    #expect(ImageFormat.svg.writableFormat == .png)
    #expect(ImageFormat.jpeg.writableFormat == .jpeg)
  }
}
