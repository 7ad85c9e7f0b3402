/// Steps without arguments: `flip` (upside down), `flop` (mirror left-right)
/// and `autorotate` (apply the EXIF orientation now).
enum SimpleSteps {
  static func parse(_ statement: Statement, as step: Step) -> (Step?, DiagnosticBag) {
    let reader = ArgumentReader(statement, keys: [], positionals: 0...0)
    return (reader.diagnostics.hasErrors ? nil : step, reader.diagnostics)
  }
}
