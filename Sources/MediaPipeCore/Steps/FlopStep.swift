/// `flop`: mirror the image left to right.
public struct Flop: PipelineStep {
  public init() {}

  public static let name = "flop"
  public static let kind = StepKind.image
  public static let schema = StepSchema.none
  public static let documentation = StepDocumentation(syntax: "flop", description: "Mirror the image left to right.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Flop? { Flop() }

  public var summary: String { "flop: mirror left to right" }
}
