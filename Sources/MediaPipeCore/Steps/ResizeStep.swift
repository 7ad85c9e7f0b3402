/// `resize 300x300 fit=cover gravity=attention`: scale the image to a box.
///
/// Forms: `WxH`, `Wx`, `xH`, `N%`, or `width=`/`height=` (pixels or % of the
/// image). Never enlarges unless `enlarge=yes`.
public struct Resize: PipelineStep {
  /// How the image meets the box.
  public enum Fit: String, Sendable, Hashable, CaseIterable {
    /// Fit inside the box, keeping the aspect ratio (the default).
    case inside
    /// Fill the box, keeping the aspect ratio, cropping what overflows.
    case cover
    /// Fit inside the box, then pad to exactly the box with `background`.
    case contain
    /// Stretch to exactly the box, ignoring the aspect ratio.
    case fill
    /// Cover the box, keeping the aspect ratio, without cropping.
    case outside
  }

  public var width: Length?
  public var height: Length?
  /// `N%`: scale both sides by N percent.
  public var scale: Double?
  public var fit: Fit = .inside
  public var gravity: Gravity = .anchor(.centre)
  public var enlarge = false
  public var background: Color = .black

  public init(width: Length? = nil, height: Length? = nil, scale: Double? = nil) {
    self.width = width
    self.height = height
    self.scale = scale
  }

  public static let name = "resize"
  public static let kind = StepKind.image
  public static let schema = StepSchema(
    keys: ["width", "height", "fit", "gravity", "enlarge", "background"], positionals: 0...1,
    positionalHint: "like 300x300, 300x, x200 or 50%")
  public static let documentation = StepDocumentation(
    syntax: "resize WxH | Wx | xH | N% | width=L height=L [fit=...] [gravity=...] [enlarge=yes] [background=...]",
    description: "Scale the image to fit a box (or cover, fill, pad it); never enlarges unless `enlarge=yes`.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Resize? {
    let statement = reader.statement
    var resize = Resize()
    if let box = reader.positionals.first {
      if reader.has("width") || reader.has("height") {
        reader.error(
          "give the size either as '\(excerpt(box.value.value))' or with width=/height=, not both", at: box.location)
      }
      parseBox(box, into: &resize, reader: &reader)
    } else {
      resize.width = reader.length("width", percentRange: 0...PipelineLimits.maxScalePercent)
      resize.height = reader.length("height", percentRange: 0...PipelineLimits.maxScalePercent)
      if !reader.has("width") && !reader.has("height") {
        reader.error(
          "'resize' needs a size, like 'resize 300x300', 'resize 50%' or 'resize width=800'", at: statement.location)
      }
    }
    let fit = reader.choice(
      "fit", ["inside": Resize.Fit.inside, "cover": .cover, "contain": .contain, "fill": .fill, "outside": .outside])
    resize.fit = fit ?? .inside
    let fitKnown = fit != nil || !reader.has("fit")
    if let gravity = reader.gravity("gravity", smart: true), fitKnown {
      resize.gravity = gravity
      if resize.fit != .cover && resize.fit != .contain, let arg = reader.argument("gravity") {
        reader.error("`gravity` applies only with fit=cover or fit=contain", at: arg.location)
      }
      if gravity.isSmart, resize.fit != .cover, let arg = reader.argument("gravity") {
        reader.error("`gravity=\(gravity.name)` (smart crop) needs fit=cover", at: arg.value.location)
      }
    }
    resize.enlarge = reader.bool("enlarge") ?? false
    if let background = reader.color("background") {
      resize.background = background
      if resize.fit != .contain, fitKnown, let arg = reader.argument("background") {
        reader.error("`background` applies only with fit=contain", at: arg.location)
      }
    }
    if let scale = resize.scale, scale > 100, !resize.enlarge, let box = reader.positionals.first {
      reader.error("'resize \(box.value.value)' would enlarge the image; add enlarge=yes", at: box.value.location)
    }
    for key in ["width", "height"] {
      if case .percent(let p)? = (key == "width" ? resize.width : resize.height), p > 100, !resize.enlarge,
        let arg = reader.argument(key)
      {
        reader.error("`\(key)=\(arg.value.value)` would enlarge the image; add enlarge=yes", at: arg.value.location)
      }
    }
    if resize.scale != nil {
      for key in ["fit", "gravity", "background"] {
        if let arg = reader.argument(key) {
          reader.error("`\(key)` does not apply to a percentage resize, which keeps the shape", at: arg.location)
        }
      }
    }
    let needsBoth: [Fit] = [.cover, .contain, .fill]
    if needsBoth.contains(resize.fit), !reader.diagnostics.hasErrors, resize.scale == nil,
      resize.width == nil || resize.height == nil
    {
      reader.error("fit=\(resize.fit.rawValue) needs both a width and a height, like 400x300", at: statement.location)
    }
    return resize
  }

  private static func parseBox(_ argument: Argument, into resize: inout Resize, reader: inout ArgumentReader) {
    let text = argument.value.value
    let expected = "a size like 300x300, 300x, x200 or 50%"
    let maxSide = PipelineLimits.maxSide, maxPercent = PipelineLimits.maxScalePercent
    if text.hasSuffix("%") {
      guard let p = NumberSyntax.decimal(text.dropLast()) else {
        reader.invalid(expected, argument)
        return
      }
      guard p > 0, p <= maxPercent else {
        reader.invalid("a percentage above 0% up to \(formatNumber(maxPercent))%", argument)
        return
      }
      resize.scale = p
      return
    }
    let parts = text.lowercased().split(separator: "x", maxSplits: 1, omittingEmptySubsequences: false)
    /// A side: nil if empty, .some(nil) if not digits, else the number (nil past `Int`).
    func digits(_ s: Substring) -> Int?? {
      if s.isEmpty { return nil }
      guard s.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return .some(nil) }
      return .some(NumberSyntax.integer(s) ?? Int.max)
    }
    guard parts.count == 2, parts[0].count + parts[1].count > 0 else {
      reader.invalid(expected, argument)
      return
    }
    let w = digits(parts[0]), h = digits(parts[1])
    if case .some(nil) = w {
      reader.invalid(expected, argument)
      return
    }
    if case .some(nil) = h {
      reader.invalid(expected, argument)
      return
    }
    let sides = [w, h].compactMap { $0 ?? nil }
    guard sides.allSatisfy({ (1...maxSide).contains($0) }) else {
      reader.invalid("each side from 1 to \(maxSide) pixels", argument)
      return
    }
    resize.width = (w ?? nil).map(Length.pixels)
    resize.height = (h ?? nil).map(Length.pixels)
  }

  public var summary: String {
    var box: String
    if let scale {
      box = "\(formatNumber(scale))%"
    } else {
      box = [width.map { "width \($0.description)" }, height.map { "height \($0.description)" }]
        .compactMap { $0 }.joined(separator: ", ")
    }
    switch fit {
    case .inside: box = "fit inside \(box)"
    case .cover: box = "cover \(box), cropping from \(gravity.name)"
    case .contain: box = "fit inside \(box), padded with \(background.description) (\(gravity.name))"
    case .fill: box = "stretch to \(box)"
    case .outside: box = "cover \(box) without cropping"
    }
    return "resize: " + box + (enlarge ? ", may enlarge" : ", never enlarging")
  }
}
