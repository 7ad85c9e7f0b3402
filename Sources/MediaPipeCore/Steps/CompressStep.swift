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

  /// `quality=auto`, `auto:high`, `auto:low`: the lowest quality whose output
  /// keeps this SSIM (luma, against the image as it was before encoding).
  public enum AutoQuality: String, Sendable, Hashable, CaseIterable {
    case standard = "auto"
    case high = "auto:high"
    case low = "auto:low"

    /// The SSIM the output must reach (see docs/pipeline-format.md, `compress`).
    public var ssimFloor: Double {
      switch self {
      case .low: return 0.94
      case .standard: return 0.96
      case .high: return 0.98
      }
    }

    /// What the search aims at: the floor plus a margin, so that an SSIM computed
    /// another way (its window's size and cut-off, its edges) also finds the output
    /// above the floor. bench/quality_calibration.py measured gaussian SSIMs up to
    /// 0.0017 below mediapipe's on the corpus.
    public var searchTarget: Double { ssimFloor + 0.003 }
  }

  /// The formats whose quality `max_bytes` and `quality=auto` search.
  public static let searchableFormats: Set<Format> = [.jpeg, .webp, .avif, .jxl]
  /// The lowest quality `max_bytes` and `quality=auto` go to without `min_quality`.
  public static let defaultMinQuality = 30

  public var format: Format = .same
  /// 1–100 for jpeg, webp, avif, jxl; nil means the format's default. With
  /// `maxBytes`, the highest quality the search tries.
  public var quality: Int?
  /// `quality=auto`: search for the lowest quality that keeps `ssimFloor`.
  public var autoQuality: AutoQuality?
  /// `max_bytes=`: the output's largest size; the quality is the highest that fits.
  public var maxBytes: Int?
  /// `min_quality=`: the lowest quality the searches try; an image that does not
  /// fit `maxBytes` even there fails (it is not shrunk).
  public var minQuality = Compress.defaultMinQuality
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

  /// Whether the quality is searched for (`max_bytes`, `quality=auto`) rather than given.
  public var searchesQuality: Bool { maxBytes != nil || autoQuality != nil }

  /// The quality for `format`, for formats that have one.
  public func quality(for format: Format) -> Int {
    quality ?? Compress.defaultQuality[format] ?? 80
  }

  /// The quality an output in `format` is written at, in a word or two ("80",
  /// "distance 1", "lossless", "palette"), when no search chose it.
  public func qualityLabel(writing format: Format) -> String {
    switch format {
    // Quantised to at most 256 colours: not lossless for a photo.
    case .png where palette, .gif: return "palette"
    case .png: return "lossless"
    // JPEG inside a TIFF: libvips's tiffsave default quality (no option sets another).
    case .tiff: return tiffCompression == .jpeg ? "75" : "lossless"
    case .webp where lossless, .jxl where lossless: return "lossless"
    case .jxl: return quality.map(String.init) ?? "distance \(formatNumber(distance ?? 1))"
    // `.same` writes JPEG for what it cannot write as it came.
    case .jpeg, .webp, .avif, .same: return "\(quality(for: format == .same ? .jpeg : format))"
    }
  }

  /// Which options each format takes.
  static let keysByFormat: [Format: [String]] = [
    .jpeg: ["quality", "progressive", "subsample", "optimize", "background", "max_bytes", "min_quality"],
    .png: ["level", "palette", "depth"],
    .webp: ["quality", "lossless", "effort", "max_bytes", "min_quality"],
    .avif: ["quality", "effort", "max_bytes", "min_quality"],
    .tiff: ["compression", "depth"],
    .gif: [],
    .jxl: ["quality", "distance", "effort", "lossless", "depth", "max_bytes", "min_quality"],
    .same: ["quality", "background", "depth"],
  ]

  public static let name = "compress"
  public static let kind = StepKind.outputSetting
  public static let schema = StepSchema(
    keys: [
      "quality", "progressive", "subsample", "optimize", "level", "palette", "lossless", "effort", "compression",
      "background", "distance", "depth", "max_bytes", "min_quality",
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
    compress.parseQuality(&reader)
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
    compress.parseBudget(&reader)
    return compress
  }

  /// `quality=N` or `quality=auto[:high|:low]`.
  private mutating func parseQuality(_ reader: inout ArgumentReader) {
    // A format without a quality has had its `does not apply` already.
    guard let argument = reader.argument("quality"), Self.keysByFormat[format]?.contains("quality") == true else {
      return
    }
    let text = argument.value.value.lowercased()
    if let n = NumberSyntax.integer(text), (1...100).contains(n) {
      quality = n
      return
    }
    let autos = AutoQuality.allCases.map(\.rawValue)
    if let auto = AutoQuality(rawValue: text), Self.searchableFormats.contains(format) {
      autoQuality = auto
      return
    }
    if text.hasPrefix("auto"), !Self.searchableFormats.contains(format) {
      reader.error(
        "`quality=\(argument.value.value)` does not apply to \(format.rawValue); "
          + "it searches the quality of jpeg, webp, avif and jxl",
        at: argument.value.location)
      return
    }
    reader.invalid(
      "a whole number from 1 to 100, or \(autos.joined(separator: ", "))", argument, key: "quality",
      notes: text.hasPrefix("auto") ? Suggestions.notes(for: text, in: autos) : [],
      digits: text.hasPrefix("auto") ? .none : .decimal)
  }

  /// `max_bytes=` and `min_quality=`, and how they sit with the other keys.
  private mutating func parseBudget(_ reader: inout ArgumentReader) {
    guard Self.keysByFormat[format]?.contains("max_bytes") == true else { return }
    if let argument = reader.argument("max_bytes") {
      if let bytes = ByteCount.parse(argument.value.value) {
        maxBytes = bytes
      } else {
        reader.invalid(
          "a size like 150000, 200k or 1.5M (k = 1000 bytes, M = 1,000,000)", argument, key: "max_bytes")
      }
    }
    let minimum = reader.int("min_quality", in: 1...100)
    minQuality = minimum ?? Self.defaultMinQuality
    let searched = reader.has("max_bytes") || autoQuality != nil
    if let argument = reader.argument("min_quality"), !searched {
      reader.error(
        "`min_quality` applies only with `max_bytes` or `quality=auto`", at: argument.location)
    }
    guard searched else { return }
    let key = reader.argument("max_bytes") ?? reader.argument("quality")!
    let name = reader.has("max_bytes") ? "max_bytes" : "quality=auto"
    if lossless, reader.has("lossless") {
      reader.error("`\(name)` searches a lossy quality; it cannot be used with `lossless=yes`", at: key.location)
    }
    if let distance = reader.argument("distance"), !reader.has("quality") {
      reader.error(
        "`\(name)` searches the quality; it cannot be used with `distance` (column \(distance.location.column))",
        at: key.location)
    }
    if let quality, let minimum, minimum > quality, let argument = reader.argument("min_quality") {
      reader.error(
        "`min_quality=\(minimum)` is above `quality=\(quality)`, the highest quality `max_bytes` tries",
        at: argument.location)
    }
  }

  /// How the quality is chosen, for `summary`: "quality 80", "quality auto (SSIM
  /// at least 0.96), at most 200.0 KB (quality 30 to 100)".
  private func qualityText(_ format: Format) -> String {
    guard searchesQuality else { return "quality \(quality(for: format))" }
    var parts: [String] = []
    if let autoQuality {
      parts.append("quality \(autoQuality.rawValue) (SSIM at least \(formatNumber(autoQuality.ssimFloor)))")
    }
    if let maxBytes {
      parts.append("at most \(ByteCount.text(maxBytes)) (quality \(minQuality) to \(quality ?? 100))")
    } else {
      parts.append("quality \(minQuality) to 100")
    }
    return parts.joined(separator: ", ")
  }

  public var summary: String {
    var parts: [String] = []
    switch format {
    case .jpeg:
      parts = [qualityText(.jpeg)]
      if progressive { parts.append("progressive") }
      if optimize { parts.append("optimised Huffman tables") }
      if subsample != .auto { parts.append("chroma subsampling \(subsample.rawValue)") }
    case .png:
      parts = ["level \(level)"]
      if palette { parts.append("palette") }
    case .webp:
      parts = [lossless ? "lossless" : qualityText(.webp)]
      if let effort { parts.append("effort \(effort)") }
    case .avif:
      parts = [qualityText(.avif)]
      if let effort { parts.append("effort \(effort)") }
    case .tiff: parts = ["\(tiffCompression.rawValue) compression"]
    case .gif: break
    case .jxl:
      if lossless {
        parts = ["lossless"]
      } else if searchesQuality {
        parts = [qualityText(.jxl)]
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
