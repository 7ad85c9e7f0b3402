/// `compress jpeg quality=82 progressive=yes`: the output format and encoder options.
public struct Compress: PipelineStep {
  /// Formats mediapipe writes.
  public enum Format: String, Sendable, Hashable, CaseIterable {
    case jpeg, png, webp, avif, tiff, gif
    /// The input's own format when mediapipe writes it; HEIF becomes AVIF, and
    /// formats mediapipe cannot write (JPEG XL, JPEG 2000, BMP, SVG, PDF) become PNG.
    case same

    /// The file extension written for `{ext}`.
    public var fileExtension: String {
      switch self {
      case .jpeg: return "jpg"
      case .tiff: return "tif"
      default: return rawValue
      }
    }

    /// Whether `ext` (lowercased, no dot) names this format.
    public func matches(extension ext: String) -> Bool {
      switch self {
      case .jpeg: return ["jpg", "jpeg", "jpe"].contains(ext)
      case .tiff: return ["tif", "tiff"].contains(ext)
      case .same: return true
      default: return ext == rawValue
      }
    }
  }

  /// JPEG chroma subsampling.
  public enum Subsample: String, Sendable, Hashable {
    case auto, on, off
  }

  /// TIFF compression.
  public enum TiffCompression: String, Sendable, Hashable {
    case none, lzw, deflate, jpeg
  }

  public var format: Format = .same
  /// 1–100 for jpeg, webp, avif; nil means the format's default.
  public var quality: Int?
  public var progressive = false
  /// JPEG: optimised Huffman tables (a few % smaller, a second pass slower).
  public var optimize = false
  public var subsample: Subsample = .auto
  /// PNG zlib level 0–9.
  public var level = 6
  /// PNG: quantise to a palette (smaller, lossy).
  public var palette = false
  public var lossless = false
  /// webp 0–6, avif 0–9; nil means the format's default.
  public var effort: Int?
  public var tiffCompression: TiffCompression = .lzw
  /// What transparent pixels become in formats without alpha (JPEG).
  public var background: Color = .white

  public init(format: Format = .same) {
    self.format = format
  }

  public static let defaultQuality: [Format: Int] = [.jpeg: 80, .webp: 80, .avif: 50]

  /// The quality for `format`, for formats that have one.
  public func quality(for format: Format) -> Int {
    quality ?? Compress.defaultQuality[format] ?? 80
  }

  /// Which options each format takes.
  static let keysByFormat: [Format: [String]] = [
    .jpeg: ["quality", "progressive", "subsample", "optimize", "background"],
    .png: ["level", "palette"],
    .webp: ["quality", "lossless", "effort"],
    .avif: ["quality", "effort"],
    .tiff: ["compression"],
    .gif: [],
    .same: ["quality", "background"],
  ]

  public static let name = "compress"
  public static let kind = StepKind.outputSetting
  public static let schema = StepSchema(
    keys: [
      "quality", "progressive", "subsample", "optimize", "level", "palette", "lossless", "effort", "compression",
      "background",
    ],
    positionals: 1...1, positionalHint: "jpeg, png, webp, avif, tiff, gif or same")
  public static let documentation = StepDocumentation(
    syntax: "compress FORMAT [quality=...] [...]",
    description: "The output format (`jpeg`, `png`, `webp`, `avif`, `tiff`, `gif` or `same`) and its encoder options.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Compress? {
    let statement = reader.statement
    let allKeys = schema.keys
    guard let argument = reader.positionals.first else { return nil }
    let names = Format.allCases.map(\.rawValue)
    var choices = Format.allCases.map { ($0.rawValue, $0) }
    choices.append(("jpg", .jpeg))
    choices.append(("tif", .tiff))
    guard let format = choices.first(where: { $0.0 == argument.value.value.lowercased() })?.1 else {
      reader.invalid(
        "a format (\(names.joined(separator: ", ")))", argument,
        notes: Suggestions.notes(for: argument.value.value, in: names), digits: .none)
      return nil
    }
    let allowed = keysByFormat[format] ?? []
    for arg in statement.arguments {
      if let key = arg.key, allKeys.contains(key.value), !allowed.contains(key.value) {
        let takes = allowed.isEmpty ? "no options" : allowed.joined(separator: ", ")
        reader.error(
          "`\(key.value)` does not apply to \(format.rawValue); \(format.rawValue) takes \(takes)", at: key.location)
      }
    }
    var compress = Compress(format: format)
    compress.quality = reader.int("quality", in: 1...100)
    compress.progressive = reader.bool("progressive") ?? false
    compress.optimize = reader.bool("optimize") ?? false
    compress.subsample =
      reader.choice("subsample", ["auto": .auto, "on": .on, "4:2:0": .on, "off": .off, "4:4:4": .off]) ?? .auto
    compress.level = reader.int("level", in: 0...9) ?? 6
    compress.palette = reader.bool("palette") ?? false
    compress.lossless = reader.bool("lossless") ?? false
    compress.effort = reader.int("effort", in: 0...(format == .webp ? 6 : 9))
    compress.tiffCompression =
      reader.choice("compression", ["none": .none, "lzw": .lzw, "deflate": .deflate, "jpeg": .jpeg]) ?? .lzw
    compress.background = reader.color("background") ?? .white
    return compress
  }

  public var summary: String {
    var parts: [String] = []
    switch format {
    case .jpeg:
      parts = ["quality \(quality(for: .jpeg))"]
      if progressive { parts.append("progressive") }
      if optimize { parts.append("optimised Huffman tables") }
      if subsample != .auto { parts.append("chroma subsampling \(subsample.rawValue)") }
    case .png:
      parts = ["level \(level)"]
      if palette { parts.append("palette") }
    case .webp:
      parts = [lossless ? "lossless" : "quality \(quality(for: .webp))"]
      if let effort { parts.append("effort \(effort)") }
    case .avif:
      parts = ["quality \(quality(for: .avif))"]
      if let effort { parts.append("effort \(effort)") }
    case .tiff: parts = ["\(tiffCompression.rawValue) compression"]
    case .gif: break
    case .same:
      parts = ["as the input (PNG for formats mediapipe cannot write)"]
      if let quality { parts.append("quality \(quality) where the format has one") }
    }
    let name = format == .same ? "same format" : format.rawValue.uppercased()
    return "compress: \(name)" + (parts.isEmpty ? "" : ", " + parts.joined(separator: ", "))
  }
}
