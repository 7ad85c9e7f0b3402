/// One line of a pipeline, validated.
///
/// Image steps (`resize`, `crop`, `rotate`, `flip`, `flop`, `autorotate`,
/// `watermark`) change pixels and run in the order written. Output settings
/// (`compress`, `metadata`, `output`) describe how a result is written; they
/// apply to their section wherever they stand in it.
public enum Step: Sendable, Hashable {
  case autorotate
  case resize(Resize)
  case crop(Crop)
  case rotate(Rotate)
  case flip
  case flop
  case watermark(Watermark)
  case compress(Compress)
  case metadata(MetadataPolicy)
  case output(OutputTemplate)

  /// Every step name, for suggestions.
  public static let names = [
    "resize", "crop", "rotate", "flip", "flop", "autorotate", "watermark", "compress", "metadata", "output",
    "variant", "orientation", "version",
  ]

  /// Whether this step changes pixels (as opposed to describing the output).
  public var isImageStep: Bool {
    switch self {
    case .compress, .metadata, .output: return false
    default: return true
    }
  }

  public var summary: String {
    switch self {
    case .autorotate: return "autorotate: apply the EXIF orientation"
    case .resize(let r): return r.summary
    case .crop(let c): return c.summary
    case .rotate(let r): return "rotate: \(r.rawValue)° clockwise"
    case .flip: return "flip: upside down"
    case .flop: return "flop: mirror left to right"
    case .watermark(let w): return w.summary
    case .compress(let c): return c.summary
    case .metadata(let m): return m.summary
    case .output(let o): return "output: \"\(o.text)\""
    }
  }
}
