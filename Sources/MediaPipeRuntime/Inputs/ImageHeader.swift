import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// An image's width and height as its file header states them, read without
/// decoding: what the pool's memory-aware admission and its largest-first
/// order go by.
///
/// JPEG (the first SOF marker, found by skipping segments), PNG (IHDR), GIF
/// (the logical screen), WebP (VP8, VP8L and VP8X), TIFF (the first IFD) and
/// BMP are read; other formats, and headers that make no sense, give nil. It is
/// an estimate for scheduling only: the worker reads the real header again.
public struct ImageDimensions: Sendable, Hashable {
  public var width: Int
  public var height: Int

  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  public var pixels: Int { width * height }

  /// The dimensions from a file's first bytes (`head`, as read for sniffing) and,
  /// where the header lies further in (a JPEG's SOF after a large EXIF block, a
  /// TIFF's IFD), reads at an offset through `read(offset, count)`.
  /// - Returns: nil when the format has no parser here, or the header is not sane.
  public static func parse(
    format: ImageFormat, head: UnsafeRawBufferPointer, read: (_ offset: Int, _ count: Int) -> [UInt8]? = { _, _ in nil }
  ) -> ImageDimensions? {
    let found: ImageDimensions? = withoutActuallyEscaping(read) { read in
      var reader = HeaderReader(head: head, read: read)
      switch format {
      case .jpeg: return jpeg(&reader)
      case .png: return png(&reader)
      case .gif: return gif(&reader)
      case .webp: return webp(&reader)
      case .tiff: return tiff(&reader)
      case .bmp: return bmp(&reader)
      default: return nil
      }
    }
    guard let found, found.width > 0, found.height > 0, found.width <= 1 << 20, found.height <= 1 << 20 else {
      return nil
    }
    return found
  }

  /// The dimensions of the file at `path` (opened and read here).
  public static func read(_ path: String, format: ImageFormat) -> ImageDimensions? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var head = [UInt8](repeating: 0, count: 512)
    let n = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 512) }
    guard n > 0 else { return nil }
    return head.withUnsafeBytes {
      parse(format: format, head: UnsafeRawBufferPointer(rebasing: $0[0..<n]), read: pread(fd))
    }
  }

  /// A reader at an offset of an open file (for `parse`).
  static func pread(_ fd: Int32) -> (Int, Int) -> [UInt8]? {
    { offset, count in
      var bytes = [UInt8](repeating: 0, count: count)
      let n = bytes.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, count, off_t(offset)) }
      return n == count ? bytes : nil
    }
  }

  // MARK: - Formats

  private static func jpeg(_ r: inout HeaderReader) -> ImageDimensions? {
    var offset = 2
    // Segments until the first SOF; a sane file reaches it within a few (APPn, DQT, DHT).
    for _ in 0..<256 {
      guard let marker = r.bytes(at: offset, count: 4), marker[0] == 0xFF else { return nil }
      let code = marker[1]
      if code == 0xFF {  // fill byte
        offset += 1
        continue
      }
      if code == 0x01 || (0xD0...0xD8).contains(code) {  // markers without a length
        offset += 2
        continue
      }
      let length = Int(marker[2]) << 8 | Int(marker[3])
      guard length >= 2 else { return nil }
      let isSOF = (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC
      if isSOF {
        guard let sof = r.bytes(at: offset + 5, count: 4) else { return nil }
        return ImageDimensions(width: Int(sof[2]) << 8 | Int(sof[3]), height: Int(sof[0]) << 8 | Int(sof[1]))
      }
      if code == 0xD9 || code == 0xDA { return nil }  // end of image, or scan data before any SOF
      offset += 2 + length
    }
    return nil
  }

  private static func png(_ r: inout HeaderReader) -> ImageDimensions? {
    guard let ihdr = r.bytes(at: 12, count: 12), ihdr[0..<4].elementsEqual("IHDR".utf8) else { return nil }
    return ImageDimensions(width: bigEndian32(ihdr, 4), height: bigEndian32(ihdr, 8))
  }

  private static func gif(_ r: inout HeaderReader) -> ImageDimensions? {
    guard let screen = r.bytes(at: 6, count: 4) else { return nil }
    return ImageDimensions(width: Int(screen[0]) | Int(screen[1]) << 8, height: Int(screen[2]) | Int(screen[3]) << 8)
  }

  private static func webp(_ r: inout HeaderReader) -> ImageDimensions? {
    guard let chunk = r.bytes(at: 12, count: 18) else { return nil }
    let kind = String(decoding: chunk[0..<4], as: UTF8.self)
    switch kind {
    case "VP8 ":
      // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height.
      guard chunk[11] == 0x9D, chunk[12] == 0x01, chunk[13] == 0x2A else { return nil }
      return ImageDimensions(
        width: (Int(chunk[14]) | Int(chunk[15]) << 8) & 0x3FFF, height: (Int(chunk[16]) | Int(chunk[17]) << 8) & 0x3FFF)
    case "VP8L":
      guard chunk[8] == 0x2F else { return nil }
      let bits = Int(chunk[9]) | Int(chunk[10]) << 8 | Int(chunk[11]) << 16 | Int(chunk[12]) << 24
      return ImageDimensions(width: (bits & 0x3FFF) + 1, height: (bits >> 14 & 0x3FFF) + 1)
    case "VP8X":
      let width = Int(chunk[12]) | Int(chunk[13]) << 8 | Int(chunk[14]) << 16
      let height = Int(chunk[15]) | Int(chunk[16]) << 8 | Int(chunk[17]) << 16
      return ImageDimensions(width: width + 1, height: height + 1)
    default:
      return nil
    }
  }

  private static func tiff(_ r: inout HeaderReader) -> ImageDimensions? {
    guard let start = r.bytes(at: 0, count: 8) else { return nil }
    let little = start[0] == 0x49
    func u16(_ b: [UInt8], _ i: Int) -> Int { little ? Int(b[i]) | Int(b[i + 1]) << 8 : Int(b[i]) << 8 | Int(b[i + 1]) }
    func u32(_ b: [UInt8], _ i: Int) -> Int {
      little ? u16(b, i) | u16(b, i + 2) << 16 : u16(b, i) << 16 | u16(b, i + 2)
    }
    let ifd = u32(start, 4)
    guard ifd >= 8, let countBytes = r.bytes(at: ifd, count: 2) else { return nil }
    let count = min(u16(countBytes, 0), 512)
    guard let entries = r.bytes(at: ifd + 2, count: count * 12) else { return nil }
    var width: Int?
    var height: Int?
    for index in 0..<count {
      let e = 12 * index
      let tag = u16(entries, e)
      let type = u16(entries, e + 2)
      let value = type == 3 ? u16(entries, e + 8) : type == 4 ? u32(entries, e + 8) : nil
      if tag == 256 { width = value }
      if tag == 257 { height = value }
    }
    guard let width, let height else { return nil }
    return ImageDimensions(width: width, height: height)
  }

  private static func bmp(_ r: inout HeaderReader) -> ImageDimensions? {
    guard let info = r.bytes(at: 18, count: 8) else { return nil }
    let width = Int32(
      bitPattern: UInt32(info[0]) | UInt32(info[1]) << 8 | UInt32(info[2]) << 16 | UInt32(info[3]) << 24)
    let height = Int32(
      bitPattern: UInt32(info[4]) | UInt32(info[5]) << 8 | UInt32(info[6]) << 16 | UInt32(info[7]) << 24)
    return ImageDimensions(width: Int(width.magnitude), height: Int(height.magnitude))
  }

  private static func bigEndian32(_ b: ArraySlice<UInt8>, _ i: Int) -> Int {
    let s = b.startIndex + i
    return Int(b[s]) << 24 | Int(b[s + 1]) << 16 | Int(b[s + 2]) << 8 | Int(b[s + 3])
  }

  private static func bigEndian32(_ b: [UInt8], _ i: Int) -> Int { bigEndian32(b[...], i) }
}

/// Bytes of a file's header: from the first bytes already read, else through `read`.
private struct HeaderReader {
  let head: UnsafeRawBufferPointer
  let read: (Int, Int) -> [UInt8]?
  /// At most this many bytes are read beyond the head, wherever they lie (a TIFF's
  /// directory may follow its pixels, hundreds of megabytes in).
  var budget = 1 << 20

  mutating func bytes(at offset: Int, count: Int) -> [UInt8]? {
    guard offset >= 0, count >= 0 else { return nil }
    if offset + count <= head.count { return Array(head[offset..<offset + count]) }
    guard budget >= count else { return nil }
    budget -= count
    return read(offset, count)
  }
}
