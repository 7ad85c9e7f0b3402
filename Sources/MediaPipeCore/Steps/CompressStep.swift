/// `compress jpeg quality=82 progressive=yes`: the output format and encoder options.
public struct Compress: PipelineStep {
  /// Formats mediapipe writes.
  public enum Format: String, Sendable, Hashable, CaseIterable {
    case jpeg, png, webp, avif, tiff, gif
    /// JPEG XL (libvips's `jxlsave`, libjxl).
    case jxl
    /// The input's own format when mediapipe writes it; HEIF becomes AVIF, and
    /// formats mediapipe cannot write (JPEG 2000, BMP, SVG, PDF) become PNG.
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

  /// Bits per sample of the written file.
  public enum Depth: Int, Sendable, Hashable {
    /// 8 bits: a 16-bit image is scaled down (65535 becomes 255), not cut off.
    case eight = 8
    /// 16 bits: an 8-bit image is scaled up (255 becomes 65535).
    case sixteen = 16
  }

  /// Formats whose files mediapipe writes with 16 bits per sample (the others take 8).
  public static let sixteenBitFormats: Set<Format> = [.png, .tiff, .jxl]

  /// TIFF compression.
  public enum TiffCompression: String, Sendable, Hashable {
    case none, lzw, deflate, jpeg
  }

  public var format: Format = .same
  /// 1–100 for jpeg, webp, avif, jxl; nil means the format's default.
  public var quality: Int?
  /// JPEG XL: the butteraugli distance, 0 (lossless-looking) to 15; excludes `quality`.
  /// Nil (and no `quality`) means libjxl's default, 1.
  public var distance: Double?
  /// Bits per sample for png, tiff and jxl; nil keeps the image's own (16-bit
  /// stays 16-bit, anything else is written with 8).
  public var depth: Depth?
  public var progressive = false
  /// JPEG: optimised Huffman tables (a few % smaller, a second pass slower).
  public var optimize = false
  public var subsample: Subsample = .auto
  /// PNG zlib level 0–9.
  public var level = 6
  /// PNG: quantise to a palette (smaller, lossy).
  public var palette = false
  public var lossless = false
  /// webp 0–6, avif 0–9, jxl 1–9; nil means the format's default.
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
    .png: ["level", "palette", "depth"],
    .webp: ["quality", "lossless", "effort"],
    .avif: ["quality", "effort"],
    .tiff: ["compression", "depth"],
    .gif: [],
    .jxl: ["quality", "distance", "effort", "lossless", "depth"],
    .same: ["quality", "background", "depth"],
  ]

  public static let name = "compress"
  public static let kind = StepKind.outputSetting
  public static let schema = StepSchema(
    keys: [
      "quality", "progressive", "subsample", "optimize", "level", "palette", "lossless", "effort", "compression",
      "background", "distance", "depth",
    ],
    positionals: 1...1, positionalHint: "jpeg, png, webp, avif, tiff, gif, jxl or same")
  public static let documentation = StepDocumentation(
    syntax: "compress FORMAT [quality=...] [...]",
    description:
      "The output format (`jpeg`, `png`, `webp`, `avif`, `tiff`, `gif`, `jxl` or `same`) and its encoder options.")

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
    let efforts: [Format: ClosedRange<Int>] = [.webp: 0...6, .jxl: 1...9]
    compress.effort = reader.int("effort", in: efforts[format] ?? 0...9)
    compress.distance = reader.double("distance", in: 0...15)
    if format == .jxl, let quality = reader.argument("quality"), let distance = reader.argument("distance") {
      // Reported at the later of the two, naming where the other one is.
      let (first, second) = quality.location < distance.location ? (quality, distance) : (distance, quality)
      let (firstName, secondName) = (first.key?.value ?? "", second.key?.value ?? "")
      reader.error(
        "`\(secondName)` and `\(firstName)` (column \(first.location.column)) both set how lossy JPEG XL is; "
          + "give one of them",
        at: second.location)
    }
    compress.tiffCompression =
      reader.choice("compression", ["none": .none, "lzw": .lzw, "deflate": .deflate, "jpeg": .jpeg]) ?? .lzw
    compress.depth = reader.choice("depth", ["8": .eight, "16": .sixteen])
    if compress.depth == .sixteen, let depth = reader.argument("depth") {
      // Palettes and JPEG-in-TIFF hold 8 bits per sample.
      if compress.palette {
        reader.error(
          "`depth=16` cannot be written with `palette=yes` (a palette holds 8-bit colours)", at: depth.location)
      } else if compress.tiffCompression == .jpeg && format == .tiff {
        reader.error("`depth=16` cannot be written with `compression=jpeg` (JPEG holds 8 bits)", at: depth.location)
      }
    }
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
    case .jxl:
      if lossless {
        parts = ["lossless"]
      } else if let distance {
        parts = ["distance \(formatNumber(distance))"]
      } else {
        parts = [quality.map { "quality \($0)" } ?? "distance 1"]
      }
      if let effort { parts.append("effort \(effort)") }
    case .same:
      parts = ["as the input (PNG for formats mediapipe cannot write)"]
      if let quality { parts.append("quality \(quality) where the format has one") }
    }
    if let depth, format == .same || Self.sixteenBitFormats.contains(format) {
      parts.append("\(depth.rawValue)-bit")
    }
    let name = format == .same ? "same format" : format == .jxl ? "JPEG XL" : format.rawValue.uppercased()
    return "compress: \(name)" + (parts.isEmpty ? "" : ", " + parts.joined(separator: ", "))
  }
}
