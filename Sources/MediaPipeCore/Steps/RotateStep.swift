/// `rotate 90|180|270`: turn the image clockwise.
public enum Rotate: Int, PipelineStep {
  case quarter = 90
  case half = 180
  case threeQuarters = 270

  public static let name = "rotate"
  public static let kind = StepKind.image
  public static let schema = StepSchema(positionals: 1...1, positionalHint: "90, 180 or 270")
  public static let documentation = StepDocumentation(
    syntax: "rotate 90 | 180 | 270", description: "Turn the image clockwise.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Rotate? {
    guard let argument = reader.positionals.first else { return nil }
    return reader.choice(argument, key: nil, ["90": Rotate.quarter, "180": .half, "270": .threeQuarters])
  }

  public var summary: String { "rotate: \(rawValue)° clockwise" }
}
