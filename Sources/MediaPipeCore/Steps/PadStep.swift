/// `pad 1000x1000` or `pad 1:1 background=white gravity=centre`: extend the
/// canvas to a size or an aspect ratio, never cutting the image.
///
/// The square canvas of shop photos: `resize 1000x1000` then `pad 1000x1000`
/// gives every product the same white square, whatever its shape.
public struct Pad: PipelineStep {
  /// What the canvas becomes.
  public enum Target: Sendable, Hashable {
    /// At least this size: each side the larger of this and the image's.
    case size(width: Int, height: Int)
    /// The smallest canvas of this aspect ratio (width:height) that holds the image.
    case ratio(width: Double, height: Double)
  }

  public var target: Target
  /// The colour of the added area.
  public var background: Color
  /// Where the image sits on the canvas.
  public var gravity: Anchor

  public init(_ target: Target, background: Color = .white, gravity: Anchor = .centre) {
    self.target = target
    self.background = background
    self.gravity = gravity
  }

  /// The canvas for an image of this size; never smaller than the image on either side.
  public func canvas(width: Int, height: Int) -> (width: Int, height: Int) {
    let width = max(1, width), height = max(1, height)
    switch target {
    case .size(let w, let h):
      return (max(width, w), max(height, h))
    case .ratio(let w, let h):
      let ratio = w / h
      if Double(width) / Double(height) < ratio {
        return (max(width, clampedInt((Double(height) * ratio).rounded())), height)
      }
      return (width, max(height, clampedInt((Double(width) / ratio).rounded())))
    }
  }

  /// Aspect ratios from 1:100 to 100:1.
  static let ratioRange = 0.01...100.0

  public static let name = "pad"
  public static let kind = StepKind.image
  public static let schema = StepSchema(
    keys: ["background", "gravity"], positionals: 1...1,
    positionalHint: "a size like 1000x1000, or an aspect ratio like 1:1")
  public static let documentation = StepDocumentation(
    syntax: "pad WxH | W:H [background=white] [gravity=centre]",
    description: "Extend the canvas to at least a size, or to an aspect ratio, with a colour; never cuts.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Pad? {
    guard let argument = reader.positionals.first else { return nil }
    let target = parseTarget(argument, reader: &reader)
    let background = reader.color("background") ?? .white
    var anchor = Anchor.centre
    if case .anchor(let a)? = reader.gravity("gravity", smart: false) { anchor = a }
    return target.map { Pad($0, background: background, gravity: anchor) }
  }

  private static func parseTarget(_ argument: Argument, reader: inout ArgumentReader) -> Target? {
    let text = argument.value.value.lowercased()
    let maxSide = PipelineLimits.maxSide
    if text.contains(":") {
      let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { NumberSyntax.decimal($0) }
      guard parts.count == 2, let w = parts[0], let h = parts[1], w > 0, h > 0, ratioRange.contains(w / h) else {
        reader.invalid("an aspect ratio from 1:100 to 100:1, like 1:1 or 4:3", argument)
        return nil
      }
      return .ratio(width: w, height: h)
    }
    let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { NumberSyntax.integer($0) }
    guard parts.count == 2, let w = parts[0], let h = parts[1] else {
      reader.invalid("a size like 1000x1000, or an aspect ratio like 1:1", argument)
      return nil
    }
    guard (1...maxSide).contains(w), (1...maxSide).contains(h) else {
      reader.invalid("each side from 1 to \(maxSide) pixels", argument)
      return nil
    }
    return .size(width: w, height: h)
  }

  public var summary: String {
    let to: String
    switch target {
    case .size(let w, let h): to = "to at least \(w)x\(h)"
    case .ratio(let w, let h): to = "to the aspect ratio \(formatNumber(w)):\(formatNumber(h))"
    }
    return "pad: \(to) with \(background.description), the image at \(gravity.name)"
  }
}
