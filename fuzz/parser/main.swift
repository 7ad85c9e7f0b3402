// libFuzzer target: the pipeline format, from text to a validated plan
// (Sources/MediaPipeCore). Built by scripts/fuzz.sh with
// `swiftc -sanitize=fuzzer,address` together with MediaPipeCore's sources, so
// this file is part of that module and may use its internals.
//
// The input bytes are decoded as UTF-8 (invalid sequences become U+FFFD) and
// compiled as a pipeline file; then everything `mediapipe check` and `run` do
// with the result before touching an image: render the diagnostics, describe
// the pipeline, name the outputs, size every resize for a few image sizes.
// Checked besides "no crash" (a Swift trap or an ASan report): as in
// Tests/MediaPipeCoreTests/ParserFuzzTests.swift, a pipeline comes back
// exactly when there is no error, and every diagnostic points at a real line
// and column. A failed check is a fatalError, which libFuzzer reports as a crash.
import Foundation

/// Where relative watermark paths are looked up (scripts/fuzz.sh points it at
/// pipelines/, which holds logo.png, so the fuzzer can reach the happy path).
private let baseDirectory = ProcessInfo.processInfo.environment["MEDIAPIPE_FUZZ_BASE"] ?? "/nonexistent"

/// Image sizes each resize is planned for: the smallest, a photo, and the
/// longest side the default 100-megapixel limit lets through.
private let imageSizes = [(1, 1), (4000, 3000), (100_000_000, 1)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipelineText(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  _ = ImageFormat.sniff(bytes)  // also pure Core code that reads untrusted bytes
  let source = String(decoding: bytes, as: UTF8.self)
  let result = PipelineCompiler.compile(source: source, file: "fuzz.pipeline", baseDirectory: baseDirectory)

  let hasErrors = result.diagnostics.contains { $0.severity == .error }
  guard (result.pipeline == nil) == hasErrors else {
    fatalError(
      "pipeline \(result.pipeline == nil ? "missing without" : "given despite") an error: \(source.debugDescription)")
  }
  let lineCount = max(1, source.lines.count)
  for d in result.diagnostics where d.location.line < 1 || d.location.line > lineCount || d.location.column < 1 {
    fatalError("\(d.location) is outside the text (\(lineCount) lines): \(d.message) in \(source.debugDescription)")
  }
  _ = result.diagnostics.rendered(source: source)

  guard let pipeline = result.pipeline else { return 0 }
  _ = pipeline.summary
  for variant in pipeline.variants {
    for format in [nil, ImageFormat.jpeg, .png] { _ = variant.outputFormat(forInput: format) }
    let values = OutputTemplate.Values(
      name: "photo.jpg", stem: "photo", ext: "jpg", dir: "a/b", variant: variant.name, width: 640, height: 480)
    _ = variant.output.path(root: "/out", values: values)
    _ = variant.output.literalExtension
    for step in pipeline.shared + variant.steps {
      _ = step.summary
      guard let resize = step.as(Resize.self) else { continue }
      for (width, height) in imageSizes {
        let geometry = ResizeGeometry(resize, width: width, height: height)
        _ = (geometry.outputWidth, geometry.outputHeight, geometry.isIdentity(width: width, height: height))
      }
    }
  }
  return 0
}
