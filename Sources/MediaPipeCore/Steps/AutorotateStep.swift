/// `autorotate`: apply the EXIF orientation at this point.
///
/// As the first shared step it is done while loading (like `orientation auto`);
/// later, after the steps before it, which then work on the pixels as stored.
public struct Autorotate: PipelineStep {
  public init() {}

  public static let name = "autorotate"
  public static let kind = StepKind.image
  public static let schema = StepSchema.none
  public static let documentation = StepDocumentation(
    syntax: "autorotate", description: "Apply the EXIF orientation here (useful after `orientation keep`).")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Autorotate? { Autorotate() }

  public var summary: String { "autorotate: apply the EXIF orientation" }
}
