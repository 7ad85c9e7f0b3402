import CVips
import CVipsShims
import Foundation
import MediaPipeCore

extension Compress {
  /// The quality a file was written with: searched for (`max_bytes`,
  /// `quality=auto`, with the SSIM reached for the latter) or as given.
  struct Chosen {
    var quality: Int?
    var score: Double?
  }

  /// Writes `image` to `path` as `format` with these options; what quality it took.
  /// - Parameter strip: drop all metadata.
  @discardableResult
  func save(_ image: Image, as format: Compress.Format, to path: String, strip: Bool) throws -> Chosen {
    var image = image
    switch bitsPerSample(for: format, of: image) {
    case .eight: image = try image.eightBit()  // an 8-bit image passes untouched
    case .sixteen: image = try image.sixteenBit()
    }
    if format == .jpeg || format == .same, image.hasAlpha {
      image = try image.flattened(onto: image.values(for: background).dropLastAlpha(image))
    }
    // libvips 8.14.1's webpsave ignores `strip` (GPS and copyright came through):
    // the metadata goes from the image itself, for every saver alike.
    if strip { image = try image.withoutMetadata() }
    if searchesQuality && Compress.searchableFormats.contains(format) {
      // Encoded in memory until one fits; the one kept is written as it is.
      var searching = try QualitySearch(compress: self, image: image, format: format, strip: strip)
      let search = try searching.run()
      do {
        try Data(search.bytes).write(to: URL(fileURLWithPath: path))
      } catch {
        throw ImagingError(
          operation: "write", detail: "\(path): \(error.localizedDescription)", reason: .cannotWriteOutput)
      }
      return Chosen(quality: search.quality, score: search.score)
    }
    let s: Int32 = strip ? 1 : 0
    switch format {
    case .jpeg, .same:
      try Image.check(
        "jpegsave",
        cvips_jpegsave(
          image.pointer, path, Int32(quality(for: .jpeg)), progressive ? 1 : 0, Int32(subsampleMode.rawValue),
          optimize ? 1 : 0, s))
      return Chosen(quality: quality(for: .jpeg))
    case .png:
      try Image.check("pngsave", cvips_pngsave(image.pointer, path, Int32(level), palette ? 1 : 0, s))
    case .webp:
      try Image.check(
        "webpsave",
        cvips_webpsave(image.pointer, path, Int32(quality(for: .webp)), lossless ? 1 : 0, Int32(effort ?? 4), s))
      return Chosen(quality: lossless ? nil : quality(for: .webp))
    case .avif:
      try Image.check(
        "heifsave", cvips_avifsave(image.pointer, path, Int32(quality(for: .avif)), Int32(effort ?? 4), s))
      return Chosen(quality: quality(for: .avif))
    case .tiff:
      let compression: VipsForeignTiffCompression
      switch tiffCompression {
      case .none: compression = VIPS_FOREIGN_TIFF_COMPRESSION_NONE
      case .lzw: compression = VIPS_FOREIGN_TIFF_COMPRESSION_LZW
      case .deflate: compression = VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE
      case .jpeg: compression = VIPS_FOREIGN_TIFF_COMPRESSION_JPEG
      }
      try Image.check("tiffsave", cvips_tiffsave(image.pointer, path, Int32(compression.rawValue), s))
    case .gif:
      try Image.check("gifsave", cvips_gifsave(image.pointer, path, s))
    case .jxl:
      try Image.check(
        "jxlsave",
        cvips_jxlsave(image.pointer, path, Int32(quality ?? 0), distance ?? 1, jxlEffort, lossless ? 1 : 0, s))
      return Chosen(quality: lossless ? nil : quality)
    }
    return Chosen()
  }

  var subsampleMode: VipsForeignSubsample {
    switch subsample {
    case .auto: return VIPS_FOREIGN_SUBSAMPLE_AUTO
    case .on: return VIPS_FOREIGN_SUBSAMPLE_ON
    case .off: return VIPS_FOREIGN_SUBSAMPLE_OFF
    }
  }

  /// `image` (prepared as `save` prepares it: its depth set, JPEG's alpha
  /// flattened) encoded in memory as `format` (jpeg, webp, avif or jxl) at
  /// `quality`, with the other options as for a file.
  func encoded(_ image: Image, as format: Compress.Format, quality: Int, strip: Bool) throws -> [UInt8] {
    var buffer: UnsafeMutableRawPointer?
    var length = 0
    let (q, s) = (Int32(quality), Int32(strip ? 1 : 0))
    let status: Int32
    let operation: String
    switch format {
    case .webp:
      operation = "webpsave_buffer"
      status = cvips_webpsave_buffer(image.pointer, &buffer, &length, q, 0, Int32(effort ?? 4), s)
    case .avif:
      operation = "heifsave_buffer"
      status = cvips_avifsave_buffer(image.pointer, &buffer, &length, q, Int32(effort ?? 4), s)
    case .jxl:
      operation = "jxlsave_buffer"
      status = cvips_jxlsave_buffer(image.pointer, &buffer, &length, q, jxlEffort, s)
    default:
      operation = "jpegsave_buffer"
      status = cvips_jpegsave_buffer(
        image.pointer, &buffer, &length, q, progressive ? 1 : 0, Int32(subsampleMode.rawValue), optimize ? 1 : 0, s)
    }
    defer { g_free(buffer) }
    try Image.check(operation, status)
    guard let buffer else { throw ImagingError(operation: operation, detail: "no output", reason: .processingFailed) }
    return Array(UnsafeRawBufferPointer(start: buffer, count: length))
  }

  /// The lowest JPEG XL effort libvips 8.14's `jxlsave` accepts.
  static let lowestJXLEffort = 3

  /// The JPEG XL effort to save with (7 unless given). libvips 8.14 takes efforts
  /// 3-9 (and ignores others with a GLib warning); libjxl's 1 and 2 are its
  /// fastest, so they run as 3, the fastest here.
  var jxlEffort: Int32 { Int32(max(Self.lowestJXLEffort, effort ?? 7)) }

  /// The bits per sample `image` is written with as `format`: `depth` when
  /// given, else 16 for a 16-bit image; always 8 for formats that hold no more
  /// (JPEG, WebP, AVIF, GIF), and for PNG palettes and JPEG-compressed TIFF.
  func bitsPerSample(for format: Compress.Format, of image: Image) -> Depth {
    guard Compress.sixteenBitFormats.contains(format) else { return .eight }
    if format == .png && palette || format == .tiff && tiffCompression == .jpeg { return .eight }
    return depth ?? (image.isSixteenBit ? .sixteen : .eight)
  }
}

extension Array where Element == Double {
  /// Background values for flattening: the colour bands without alpha.
  fileprivate func dropLastAlpha(_ image: Image) -> [Double] {
    Array(prefix(image.bands - 1))
  }
}
