/// `blur sigma=3`: a gaussian blur.
///
/// libvips's `gaussblur`, as sharp's `blur(sigma)` and imgproxy's `blur:%sigma`
/// call it. `sigma` is the gaussian's standard deviation in pixels: 1 softens,
/// 10 turns a 1600-pixel photo into a background, 50 leaves only colours.
public struct Blur: PipelineStep {
  /// The gaussian's standard deviation, in pixels.
  public var sigma: Double

  public init(sigma: Double) {
    self.sigma = sigma
  }

  /// sharp's lower bound (below it the mask is one pixel: no blur); past 100
  /// the mask is hundreds of pixels wide and a large photo takes seconds, for
  /// a result that a smaller image blurred less would give.
  static let sigmaRange = 0.3...100.0

  public static let name = "blur"
  public static let kind = StepKind.image
  public static let schema = StepSchema(keys: ["sigma"])
  public static let documentation = StepDocumentation(
    syntax: "blur sigma=N", description: "Blur the image (gaussian); `sigma` is in pixels, 0.3 to 100.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Blur? {
    guard reader.has("sigma") else {
      // Other arguments in its place were reported already, with what 'blur' takes.
      if reader.statement.arguments.isEmpty {
        reader.error("'blur' needs a strength, like 'blur sigma=2'", at: reader.statement.location)
      }
      return nil
    }
    return reader.double("sigma", in: sigmaRange).map(Blur.init)
  }

  public var summary: String { "blur: gaussian, sigma \(formatNumber(sigma)) px" }
}
