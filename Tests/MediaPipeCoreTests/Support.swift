import Foundation

@testable import MediaPipeCore

/// The repository's root folder.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// Compiles pipeline text as if it were `test.pipeline` in the fixtures folder.
func compile(_ source: String, file: String = "test.pipeline") -> PipelineCompiler.Result {
  PipelineCompiler.compile(
    source: source, file: file, baseDirectory: repositoryRoot.appendingPathComponent("fixtures").path)
}

/// The errors as "line:column: message", for exact comparisons.
func errors(_ source: String) -> [String] {
  compile(source).diagnostics.filter { $0.severity == .error }.map {
    "\($0.location.line):\($0.location.column): \($0.message)"
  }
}
