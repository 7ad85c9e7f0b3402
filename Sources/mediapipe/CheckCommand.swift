import ArgumentParser
import MediaPipe

struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate a pipeline file and say what it does.",
    discussion:
      "Prints every problem as FILE:LINE:COLUMN with a suggestion for near misses. Exit code 0 if the pipeline is valid, 2 if not."
  )

  @ArgumentParser.Argument(help: "The pipeline file.")
  var pipeline: String

  func run() throws {
    let result = try Console.attempt { try Engine.compile(pipeline) }
    guard let compiled = result.pipeline else {
      throw Console.fail(EngineError.invalidPipeline(path: pipeline, result))
    }
    if !result.diagnostics.isEmpty { printError(result.renderedDiagnostics(), newline: false) }
    print("\(pipeline): valid\n\(compiled.summary)")
  }
}
