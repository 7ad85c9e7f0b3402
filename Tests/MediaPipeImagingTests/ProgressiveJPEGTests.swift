import CVips
import Foundation
import Testing

@testable import MediaPipeImaging

/// Progressive JPEGs decoded at 1/8 from their DC scans alone must give exactly
/// the pixels libjpeg gives when it decodes the whole file at 1/8.
@Suite struct ProgressiveJPEGTests {
  /// `fixture` re-saved by the pipeline itself with `compress` options (and orientation kept).
  private func resaved(_ fixtureName: String, _ compress: String) throws -> String {
    let outputs = try process(
      "orientation keep\nmetadata keep=exif\ncompress \(compress)\noutput \"{stem}-resaved.jpg\"", fixtureName)
    return try #require(outputs.first).output.path
  }

  /// The DC-only decode and libvips's own 1/8 decode of the same file.
  private func bothDecodes(_ path: String) throws -> (dc: Image?, libvips: Image, header: Image) {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    let header = try Image.open(path, sequential: true)
    return (Image.jpegEighthFromDC(path, header: header), try Image.jpeg(path, shrink: 8, sequential: false), header)
  }

  @Test(arguments: [
    ("photo-large.jpg", "jpeg quality=90 progressive=yes subsample=off"),  // 4:4:4
    ("photo-large.jpg", "jpeg quality=75 progressive=yes subsample=on"),  // 4:2:0
    ("grey.jpg", "jpeg quality=90 progressive=yes"),  // one band
  ])
  func sameImageAsTheWholeFileAtAnEighth(fixtureName: String, compress: String) throws {
    let path = try resaved(fixtureName, compress)
    let (dc, full, header) = try bothDecodes(path)
    #expect(header.isInterlaced)
    let fromDC = try #require(dc, "the DC-only decode should apply to \(compress)")
    #expect((fromDC.width, fromDC.height, fromDC.bands) == (full.width, full.height, full.bands))
    #expect(fromDC.interpretation == full.interpretation)
    #expect(try pixels(fromDC) == pixels(full))
  }

  @Test func keepsTheMetadataOfTheFile() throws {
    let path = try resaved("orient-6.jpg", "jpeg quality=90 progressive=yes")
    let (dc, _, header) = try bothDecodes(path)
    #expect(header.orientation == 6)
    #expect(try #require(dc).orientation == 6)
  }

  @Test func baselineFilesAreLeftToLibvips() throws {
    let (dc, _, header) = try bothDecodes(fixture("photo-large.jpg"))
    #expect(!header.isInterlaced)
    #expect(dc == nil)
  }

  @Test func aTruncatedFileIsLeftToLibvips() throws {
    let path = try resaved("photo-large.jpg", "jpeg quality=90 progressive=yes")
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    // Cut in the last scan: the DC scans are whole, but the end-of-image marker is gone.
    try data.prefix(data.count - 2000).write(to: URL(fileURLWithPath: path))
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    let header = try Image.open(path, sequential: true)
    #expect(Image.jpegEighthFromDC(path, header: header) == nil)
  }

  @Test func aThumbnailOfAProgressiveFileIsTheThumbnailOfItsBaselineTwin() throws {
    // The same coefficients in another order: decoded at 1/8 (1600x1200 -> 200x150
    // covers 150x150), both must give the very same pixels.
    let progressive = try resaved("photo-large.jpg", "jpeg quality=95 progressive=yes")
    let baseline = try resaved("photo-large.jpg", "jpeg quality=95")
    let a = try single("resize 150x150\ncompress png", progressive)
    let b = try single("resize 150x150\ncompress png", baseline)
    #expect((a.width, a.height) == (150, 113))
    #expect(try pixels(a) == pixels(b))
  }
}
