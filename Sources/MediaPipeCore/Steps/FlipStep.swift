/// `flip`: turn the image upside down.
public struct Flip: PipelineStep {
  public init() {}

  public static let name = "flip"
  public static let kind = StepKind.image
  public static let schema = StepSchema.none
  public static let documentation = StepDocumentation(syntax: "flip", description: "Turn the image upside down.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Flip? { Flip() }

  public var summary: String { "flip: upside down" }
}
