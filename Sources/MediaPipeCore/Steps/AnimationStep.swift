/// `animation keep | first`: what an output makes of an animated input.
///
/// An output setting, like `compress`: it applies to its whole section and a
/// variant's line replaces the shared one. With `keep` (the default) an
/// animated GIF or WebP stays animated when the output format can animate
/// (GIF, WebP), every frame processed alike; other formats get the first
/// frame. `first` writes the first frame whatever the format (a still poster
/// beside an animated variant). Still images are not affected.
public enum Animation: String, PipelineStep, CaseIterable {
  /// Every frame, where the output format can hold them.
  case keep
  /// The first frame only.
  case first

  public static let name = "animation"
  public static let kind = StepKind.outputSetting
  public static let schema = StepSchema(positionals: 1...1, positionalHint: "keep or first")
  public static let documentation = StepDocumentation(
    syntax: "animation keep | first",
    description:
      "For animated GIF and WebP input: keep every frame where the output can animate (`keep`, the default), or write the first frame only."
  )

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Animation? {
    guard let argument = reader.positionals.first else { return nil }
    return reader.choice(argument, key: nil, ["keep": Animation.keep, "first": .first])
  }

  public var summary: String {
    switch self {
    case .keep: return "animation: every frame where the output format can animate"
    case .first: return "animation: the first frame only"
    }
  }
}

extension Compress.Format {
  /// Whether the format holds several frames (an animation); the others get the first frame.
  public var canAnimate: Bool { self == .gif || self == .webp }
}
