/// An image file format recognised from a file's first bytes (its content, not its name).
public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
  case jpeg, png, webp, gif, tiff, heif, avif, jxl, jp2, bmp, svg, pdf

  /// The format of these leading bytes (16 are enough; 512 let SVG be seen
  /// past an XML prologue), or nil if they are not a known image.
  public static func sniff<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> ImageFormat? {
    let b = Array(bytes.prefix(512))
    func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
      b.count >= offset + magic.count && Array(b[offset..<offset + magic.count]) == magic
    }
    if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
    if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
    if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
    if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
    if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
    if starts(Array("ftyp".utf8), at: 4), b.count >= 12 {
      let brand = String(decoding: b[8..<12], as: UTF8.self)
      if ["avif", "avis"].contains(brand) { return .avif }
      if ["heic", "heix", "hevc", "hevx", "mif1", "msf1"].contains(brand) { return .heif }
    }
    if starts([0xFF, 0x0A]) || starts([0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return .jxl }
    if starts([0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) { return .jp2 }
    if starts(Array("BM".utf8)), b.count >= 26 { return .bmp }
    if starts(Array("%PDF".utf8)) { return .pdf }
    let head = String(decoding: b, as: UTF8.self).lowercased()
    let trimmed = head.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }
    if trimmed.hasPrefix("<svg") || (trimmed.hasPrefix("<?xml") && head.contains("<svg")) { return .svg }
    return nil
  }

  /// File extensions that say "this is meant to be an image": a file with one
  /// of these whose content is not an image is reported, not silently skipped.
  public static let imageExtensions: Set<String> = [
    "jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "tif", "tiff", "heic", "heif", "avif", "jxl", "jp2", "bmp",
    "svg", "pdf",
  ]

  /// Formats whose libvips loaders are hardened against hostile files.
  public var isTrusted: Bool {
    switch self {
    case .jpeg, .png, .webp, .gif, .tiff, .heif, .avif: return true
    case .jxl, .jp2, .bmp, .svg, .pdf: return false
    }
  }

  /// What `compress same` writes for this input format.
  public var writableFormat: Compress.Format {
    switch self {
    case .jpeg: return .jpeg
    case .png: return .png
    case .webp: return .webp
    case .gif: return .gif
    case .tiff: return .tiff
    case .avif, .heif: return .avif
    case .jxl: return .jxl
    case .jp2, .bmp, .svg, .pdf: return .png
    }
  }
}
