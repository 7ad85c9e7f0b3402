/// `trim` or `trim threshold=20 background=white`: cut away a uniform border.
///
/// libvips's `find_trim`, as sharp's `trim()` and imgproxy's `trim` use it:
/// after a 3x3 median (which ignores specks and JPEG noise), every row and
/// column from each edge inwards whose pixels all stay within `threshold` of
/// the background colour is cut. The background is the top-left pixel's colour
/// unless given. Transparent pixels count as that colour, so a transparent
/// border is trimmed too. An image that is all background is left as it is
/// (as sharp and imgproxy do): nothing would remain.
public struct Trim: PipelineStep {
  /// The largest difference from the background, on 0-255 per band, that still counts as background.
  public var threshold: Double
  /// The border's colour; nil for the top-left pixel's.
  public var background: Color?

  public init(threshold: Double = Trim.defaultThreshold, background: Color? = nil) {
    self.threshold = threshold
    self.background = background
  }

  /// libvips's, sharp's and imgproxy's default.
  public static let defaultThreshold = 10.0

  public static let name = "trim"
  public static let kind = StepKind.image
  public static let schema = StepSchema(keys: ["threshold", "background"])
  public static let documentation = StepDocumentation(
    syntax: "trim [threshold=10] [background=...]",
    description: "Cut away a uniform border (of the top-left pixel's colour, or `background`).")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Trim? {
    Trim(
      threshold: reader.double("threshold", in: 0...255) ?? defaultThreshold,
      background: reader.color("background"))
  }

  public var summary: String {
    let colour = background.map { "of \($0.hex)" } ?? "of the top-left pixel's colour"
    return "trim: cut away borders \(colour), threshold \(formatNumber(threshold))"
  }
}
