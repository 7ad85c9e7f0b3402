/// `rotate 90|180|270`: turn the image clockwise.
public enum Rotate: Int, Sendable, Hashable {
  case quarter = 90
  case half = 180
  case threeQuarters = 270

  static func parse(_ statement: Statement) -> (Step?, DiagnosticBag) {
    var reader = ArgumentReader(statement, keys: [], positionals: 1...1, positionalHint: "90, 180 or 270")
    guard let argument = reader.positionals.first else { return (nil, reader.diagnostics) }
    let angle = reader.choice(argument, key: nil, ["90": Rotate.quarter, "180": .half, "270": .threeQuarters])
    return (angle.map(Step.rotate), reader.diagnostics)
  }
}
