/// `sharpen` or `sharpen sigma=1 flat=0.5 jagged=2`: sharpen edges, as after a downsize.
///
/// libvips's `sharpen`: an unsharp mask on the lightness (L* of LAB), with
/// separate strengths for flat and for jagged (detailed) areas, and bounded
/// overshoot (at most 10 L* brighter and 20 L* darker), so that halos stay
/// small. The defaults are libvips's own, which it suggests for screen output:
/// a mild sharpening of edges that leaves flat areas (sky, skin, JPEG noise)
/// alone. `sigma` is the width of the fringe: 0.5 suits screen resolution,
/// 1 to 1.5 print. sharp's `sharpen({ sigma, m1, m2 })` and imgproxy's
/// `sharpen:%sigma` call the same operation; `flat` is `m1`, `jagged` is `m2`.
public struct Sharpen: PipelineStep {
  /// The gaussian's sigma, in pixels: how wide the sharpened fringe is.
  public var sigma: Double
  /// How much flat areas are sharpened (libvips's `m1`).
  public var flat: Double
  /// How much jagged (detailed) areas are sharpened (libvips's `m2`).
  public var jagged: Double

  public init(
    sigma: Double = Sharpen.defaultSigma, flat: Double = Sharpen.defaultFlat, jagged: Double = Sharpen.defaultJagged
  ) {
    self.sigma = sigma
    self.flat = flat
    self.jagged = jagged
  }

  /// libvips's defaults for screen output.
  public static let defaultSigma = 0.5
  public static let defaultFlat = 0.0
  public static let defaultJagged = 3.0
  /// Below 0.1 a gaussian is a single pixel and nothing is sharpened; past 10
  /// the "fringe" is a blurred halo.
  static let sigmaRange = 0.1...10.0
  static let slopeRange = 0.0...100.0

  public static let name = "sharpen"
  public static let kind = StepKind.image
  public static let schema = StepSchema(keys: ["sigma", "flat", "jagged"])
  public static let documentation = StepDocumentation(
    syntax: "sharpen [sigma=0.5] [flat=0] [jagged=3]",
    description: "Sharpen edges (an unsharp mask on lightness); the defaults suit a downsized photo on screen.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Sharpen? {
    Sharpen(
      sigma: reader.double("sigma", in: sigmaRange) ?? defaultSigma,
      flat: reader.double("flat", in: slopeRange) ?? defaultFlat,
      jagged: reader.double("jagged", in: slopeRange) ?? defaultJagged)
  }

  public var summary: String {
    "sharpen: sigma \(formatNumber(sigma)), flat areas \(formatNumber(flat)), jagged areas \(formatNumber(jagged))"
  }
}
