import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

/// Width and height from headers, for the pool's admission: the fixtures, and
/// headers built here byte by byte (one for each way a format states its size).
@Suite struct ImageDimensionsTests {
  let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures").path

  func parse(_ format: ImageFormat, _ bytes: [UInt8], more: [UInt8]? = nil) -> ImageDimensions? {
    bytes.withUnsafeBytes { head in
      ImageDimensions.parse(format: format, head: head) { offset, count in
        guard let more, offset + count <= more.count else { return nil }
        return Array(more[offset..<offset + count])
      }
    }
  }

  @Test func fixturesAsLibvipsReadsThem() {
    let expected: [(String, ImageFormat, Int, Int)] = [
      ("photo.jpg", .jpeg, 640, 480), ("photo-large.jpg", .jpeg, 1600, 1200), ("grey.jpg", .jpeg, 320, 240),
      ("cmyk.jpg", .jpeg, 300, 200), ("orient-6.jpg", .jpeg, 200, 300), ("alpha.png", .png, 400, 300),
      ("rgb16.png", .png, 256, 192), ("photo.webp", .webp, 400, 300), ("photo.tiff", .tiff, 200, 150),
    ]
    for (name, format, width, height) in expected {
      #expect(
        ImageDimensions.read(fixtures + "/" + name, format: format) == ImageDimensions(width: width, height: height),
        "\(name)")
    }
  }

  @Test func aJPEGsFrameHeaderAfterALargeExifBlockIsReadFurtherIn() {
    // SOI, an APP1 of 40,000 bytes, then SOF0 (8 bits, 3000 high, 4000 wide).
    var file: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0x9C, 0x40]
    file += [UInt8](repeating: 0, count: 40_000 - 2)
    file += [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x0B, 0xB8, 0x0F, 0xA0, 0x03]
    let head = Array(file.prefix(512))
    #expect(parse(.jpeg, head, more: file) == ImageDimensions(width: 4000, height: 3000))
    #expect(parse(.jpeg, head) == nil, "without reading further, nothing is guessed")
  }

  @Test func aProgressiveJPEGsFrameHeaderCounts() {
    let file: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC2, 0x00, 0x11, 0x08, 0x00, 0x30, 0x00, 0x40, 0x03]
    #expect(parse(.jpeg, file) == ImageDimensions(width: 64, height: 48))
  }

  @Test func aHuffmanTableIsNotAFrameHeader() {
    // DHT (C4) before the SOF: skipped by its length.
    let file: [UInt8] = [
      0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00, 0x03,
    ]
    #expect(parse(.jpeg, file) == ImageDimensions(width: 3, height: 2))
  }

  @Test func webpInItsThreeForms() {
    func riff(_ chunk: String, _ body: [UInt8]) -> [UInt8] {
      Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP".utf8) + Array(chunk.utf8) + [0, 0, 0, 0] + body
    }
    // Lossy: frame tag, start code, 14-bit sizes.
    #expect(
      parse(.webp, riff("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, 0x90, 0x01, 0x2C, 0x01]))
        == ImageDimensions(width: 400, height: 300))
    // Lossless: signature 0x2F, then width-1 and height-1 in 14 bits each.
    let bits = (400 - 1) | (300 - 1) << 14
    let lossless = [0x2F, UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), 0, 0, 0, 0, 0, 0]
    #expect(parse(.webp, riff("VP8L", lossless)) == ImageDimensions(width: 400, height: 300))
    // Extended: canvas width-1 and height-1 in 24 bits each.
    #expect(
      parse(.webp, riff("VP8X", [0, 0, 0, 0, 0x1F, 0x4E, 0x00, 0x0F, 0x27, 0x00]))
        == ImageDimensions(width: 20000, height: 10000))
  }

  @Test func gifAndBmp() {
    #expect(parse(.gif, Array("GIF89a".utf8) + [0x40, 0x01, 0xF0, 0x00]) == ImageDimensions(width: 320, height: 240))
    var bmp = Array("BM".utf8) + [UInt8](repeating: 0, count: 16)
    bmp += [0x20, 0x00, 0x00, 0x00, 0xF0, 0xFF, 0xFF, 0xFF]  // 32 wide, -16 high (top-down)
    #expect(parse(.bmp, bmp) == ImageDimensions(width: 32, height: 16))
  }

  @Test func bigEndianTiff() {
    // "MM", 42, IFD at 8: two entries, ImageWidth (SHORT 300) and ImageLength (LONG 70000).
    var file: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x02]
    file += [0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x01, 0x2C, 0x00, 0x00]
    file += [0x01, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x11, 0x70]
    #expect(parse(.tiff, file) == ImageDimensions(width: 300, height: 70000))
  }

  /// libtiff writes the IFD after the pixels: in a 300 MB TIFF it lies 300 MB in, and
  /// the header is still read there (one small read, wherever it is).
  @Test func aTiffsDirectoryAfterItsPixelsIsReadThere() {
    let ifd = 300_000_000
    let head: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + (0..<4).map { UInt8(truncatingIfNeeded: ifd >> (8 * $0)) }
    // Two entries: ImageWidth and ImageLength, LONG 10000 and 7500.
    let directory: [UInt8] =
      [0x02, 0x00] + [0x00, 0x01, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00]
      + [0x01, 0x01, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x4C, 0x1D, 0x00, 0x00]
    let found = head.withUnsafeBytes { bytes in
      ImageDimensions.parse(format: .tiff, head: bytes) { offset, count in
        guard offset >= ifd, offset + count <= ifd + directory.count else { return nil }
        return Array(directory[(offset - ifd)..<(offset - ifd + count)])
      }
    }
    #expect(found == ImageDimensions(width: 10000, height: 7500))
  }

  @Test func nonsenseGivesNothing() {
    #expect(parse(.jpeg, [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02]) == nil, "scan data before any frame header")
    #expect(parse(.png, Array("\u{89}PNG".utf8)) == nil, "cut short")
    #expect(parse(.gif, Array("GIF89a".utf8) + [0, 0, 0, 0]) == nil, "zero wide")
    #expect(parse(.heif, [UInt8](repeating: 0, count: 64)) == nil, "no parser for the format")
  }
}
