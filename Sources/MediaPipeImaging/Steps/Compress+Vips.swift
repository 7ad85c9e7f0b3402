import CVips
import CVipsShims
import MediaPipeCore

extension Compress {
  /// Writes `image` to `path` as `format` with these options.
  /// - Parameter strip: drop all metadata.
  func save(_ image: Image, as format: Compress.Format, to path: String, strip: Bool) throws {
    var image = image
    switch bitsPerSample(for: format, of: image) {
    case .eight: image = try image.eightBit()  // an 8-bit image passes untouched
    case .sixteen: image = try image.sixteenBit()
    }
    let s: Int32 = strip ? 1 : 0
    switch format {
    case .jpeg, .same:
      if image.hasAlpha { image = try image.flattened(onto: image.values(for: background).dropLastAlpha(image)) }
      let mode: VipsForeignSubsample
      switch subsample {
      case .auto: mode = VIPS_FOREIGN_SUBSAMPLE_AUTO
      case .on: mode = VIPS_FOREIGN_SUBSAMPLE_ON
      case .off: mode = VIPS_FOREIGN_SUBSAMPLE_OFF
      }
      try Image.check(
        "jpegsave",
        cvips_jpegsave(
          image.pointer, path, Int32(quality(for: .jpeg)), progressive ? 1 : 0, Int32(mode.rawValue), optimize ? 1 : 0,
          s))
    case .png:
      try Image.check("pngsave", cvips_pngsave(image.pointer, path, Int32(level), palette ? 1 : 0, s))
    case .webp:
      try Image.check(
        "webpsave",
        cvips_webpsave(image.pointer, path, Int32(quality(for: .webp)), lossless ? 1 : 0, Int32(effort ?? 4), s))
    case .avif:
      try Image.check(
        "heifsave", cvips_avifsave(image.pointer, path, Int32(quality(for: .avif)), Int32(effort ?? 4), s))
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
      // libvips 8.14 takes efforts 3-9 (and ignores others with a GLib warning);
      // libjxl's 1 and 2 are its fastest, so they run as 3, the fastest here.
      let effort = Int32(max(Self.lowestJXLEffort, self.effort ?? 7))
      try Image.check(
        "jxlsave",
        cvips_jxlsave(image.pointer, path, Int32(quality ?? 0), distance ?? 1, effort, lossless ? 1 : 0, s))
    }
  }

  /// The lowest JPEG XL effort libvips 8.14's `jxlsave` accepts.
  static let lowestJXLEffort = 3

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
