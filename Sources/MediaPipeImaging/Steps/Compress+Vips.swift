import CVips
import CVipsShims
import MediaPipeCore

extension Compress {
  /// Writes `image` to `path` as `format` with these options.
  /// - Parameter strip: drop all metadata.
  func save(_ image: Image, as format: Compress.Format, to path: String, strip: Bool) throws {
    var image = image
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
    }
  }
}

extension Array where Element == Double {
  /// Background values for flattening: the colour bands without alpha.
  fileprivate func dropLastAlpha(_ image: Image) -> [Double] {
    Array(prefix(image.bands - 1))
  }
}
