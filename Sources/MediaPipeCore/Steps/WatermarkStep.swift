import Foundation

/// `watermark text="© 2026" size=2% ...` or `watermark image=logo.png width=20% ...`:
/// stamp text or a logo onto the image.
public struct Watermark: PipelineStep {
  /// What is stamped.
  public enum Mark: Sendable, Hashable {
    /// Text in `font` at `size` (pixels, or % of the image height), in `color`.
    case text(String, font: String, size: Length, color: Color)
    /// A logo file (absolute path) scaled to `width` (pixels, or % of the image width).
    case image(path: String, width: Length)
  }

  /// Where the stamp goes.
  public enum Placement: Sendable, Hashable {
    case anchor(Anchor)
    /// Repeated over the whole image, `margin` apart.
    case tile
  }

  public var mark: Mark
  /// 0 (invisible) to 1 (opaque); multiplies the colour's or logo's own alpha.
  public var opacity: Double
  public var placement: Placement
  /// Distance from the edges: pixels, or % of the image's shorter side.
  public var margin: Length

  public static let defaultFont = "DejaVu Sans"

  /// Longer texts render wider than any image; longer font names are no font.
  static let maxTextCharacters = 1000
  static let maxFontCharacters = 200

  static let textKeys = ["text", "font", "size", "color", "opacity", "position", "margin"]
  static let imageKeys = ["image", "width", "opacity", "position", "margin"]

  public static let name = "watermark"
  public static let kind = StepKind.image
  public static let schema = StepSchema(keys: Array(Set(textKeys + imageKeys)).sorted())
  public static let documentation = StepDocumentation(
    syntax: "watermark text=\"...\" [font=...] [size=...] [color=...] [opacity=...] [position=...] [margin=...]"
      + " | watermark image=FILE [width=...] [opacity=...] [position=...] [margin=...]",
    description: "Stamp a text or a logo onto the image, at a position or tiled.")

  /// The keys of the form the statement uses: a text form's keys, an image
  /// form's, or both when it names neither or both (an error of its own).
  public static func schema(for statement: Statement) -> StepSchema {
    let isImage = statement.arguments.contains { $0.key?.value == "image" }
    let isText = statement.arguments.contains { $0.key?.value == "text" }
    if isImage && !isText { return StepSchema(keys: imageKeys) }
    if isText && !isImage { return StepSchema(keys: textKeys) }
    return schema
  }

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Watermark? {
    let statement = reader.statement
    let baseDirectory = context.baseDirectory
    let isImage = statement.arguments.contains { $0.key?.value == "image" }
    let isText = statement.arguments.contains { $0.key?.value == "text" }
    if isImage && isText, let arg = reader.argument("image") {
      reader.error("give either text= or image=, not both; use two watermark lines for both", at: arg.location)
    }
    if !isImage && !isText {
      reader.error("'watermark' needs text=\"...\" or image=FILE", at: statement.location)
    }
    let opacity = reader.double("opacity", in: 0...1) ?? 1
    var placement = Placement.anchor(.southEast)
    if let argument = reader.argument("position") {
      if argument.value.value.lowercased() == "tile" {
        placement = .tile
      } else if let gravity = reader.gravity("position", smart: false), case .anchor(let a) = gravity {
        placement = .anchor(a)
      }
    }
    let margin = reader.length("margin", percentRange: 0...50, allowZero: true) ?? .percent(2)
    var mark: Mark?
    if isImage, let argument = reader.argument("image") {
      let name = argument.value.value
      let path =
        name.hasPrefix("/") ? name : URL(fileURLWithPath: baseDirectory).appendingPathComponent(name).standardized.path
      if name.isEmpty {
        reader.error("expected a file name for `image`", at: argument.value.location)
      } else if !FileManager.default.isReadableFile(atPath: path) {
        reader.error(
          "cannot read the watermark image '\(excerpt(name))' (looked for \(excerpt(path, limit: 200)))",
          at: argument.value.location,
          notes: ["a relative path is taken from the pipeline file's folder"])
      }
      mark = .image(path: path, width: reader.length("width", percentRange: 0...100) ?? .percent(20))
    } else if isText, let argument = reader.argument("text") {
      let text = argument.value.value
      if text.isEmpty { reader.error("the watermark text is empty", at: argument.value.location) }
      let length = text.count
      if length > maxTextCharacters {
        reader.error(
          "expected a watermark text of at most \(maxTextCharacters) characters, found \(length)",
          at: argument.value.location)
      }
      let font = reader.string("font") ?? defaultFont
      if let fontArgument = reader.argument("font"), font.count > maxFontCharacters {
        reader.error(
          "expected a font name of at most \(maxFontCharacters) characters for `font`, found \(font.count)",
          at: fontArgument.value.location)
      }
      mark = .text(
        text, font: font,
        size: reader.length("size", percentRange: 0...100, maxPixels: PipelineLimits.maxTextPixels) ?? .percent(3),
        color: reader.color("color") ?? .white)
    }
    guard let mark else { return nil }
    return Watermark(mark: mark, opacity: opacity, placement: placement, margin: margin)
  }

  /// The logo of an image watermark.
  public var referencedFiles: [String] {
    if case .image(let path, _) = mark { return [path] }
    return []
  }

  public var summary: String {
    let what: String
    switch mark {
    case .text(let text, let font, let size, let color):
      what = "text \"\(text)\" in \(font) \(size.description) (of height), \(color.description)"
    case .image(let path, let width):
      what = "image \((path as NSString).lastPathComponent) at \(width.description) of the width"
    }
    let place: String
    switch placement {
    case .tile: place = "tiled"
    case .anchor(let a): place = "\(a.name), margin \(margin.description)"
    }
    return "watermark: \(what), \(place), opacity \(formatNumber(opacity))"
  }
}
