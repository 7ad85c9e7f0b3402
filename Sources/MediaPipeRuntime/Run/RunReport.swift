import Foundation
import MediaPipeCore

/// The `--report FILE.json` record: one entry per input and a summary, for scripts.
///
/// `status` is `done`, `skipped` or `failed`; `reason` is one of the stable
/// codes of `FailureReason` for failures (`not-an-image`, `truncated`,
/// `timed-out`, ...), and a short phrase for skips (`up to date`, `not started:
/// interrupted`). `message` is the plain sentence; `detail` libvips's or the
/// system's own words.
public struct RunReport: Codable, Sendable {
  public struct Output: Codable, Sendable {
    public var path: String
    public var variant: String
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int
  }

  public struct Entry: Codable, Sendable {
    public var input: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var detail: String?
    public var outputs: [Output]
    public var milliseconds: Int
  }

  public struct Summary: Codable, Sendable {
    public var inputs = 0
    public var done = 0
    public var skipped = 0
    public var failed = 0
    public var milliseconds = 0
    public var inputBytes = 0
    public var outputBytes = 0
    public var interrupted = false
    public var exitCode: Int32 = 0
  }

  public var mediapipe = MediaPipeVersion.current
  public var pipeline: String
  public var started: String
  public var summary = Summary()
  public var entries: [Entry] = []

  init(pipeline: String) {
    self.pipeline = pipeline
    self.started = ISO8601DateFormatter().string(from: Date())
  }

  mutating func done(_ input: InputFile, _ result: TaskResult) {
    let outputs = result.outputs.map { output -> Output in
      let bytes = FileIdentity.of(output.path)?.size ?? 0
      summary.outputBytes += bytes
      return Output(path: output.path, variant: output.variant, format: output.format, width: output.width, height: output.height, bytes: bytes)
    }
    summary.done += 1
    summary.inputBytes += input.size
    entries.append(Entry(input: input.path, status: "done", outputs: outputs, milliseconds: result.milliseconds))
  }

  /// - Parameter workerOutput: what the worker wrote on stdout and stderr (a crash's
  ///   backtrace, assertions): added to `detail` after a blank line.
  mutating func failed(_ input: InputFile, _ failure: TaskFailure, milliseconds: Int, workerOutput: String? = nil) {
    summary.failed += 1
    var detail = failure.detail
    if let workerOutput, !workerOutput.isEmpty { detail += "\n\nworker output:\n" + workerOutput }
    entries.append(
      Entry(
        input: input.path, status: "failed", reason: failure.reason.rawValue, message: failure.reason.sentence,
        detail: detail.isEmpty ? nil : detail, outputs: [], milliseconds: milliseconds))
  }

  mutating func skipped(_ input: InputFile, why: String) {
    summary.skipped += 1
    entries.append(Entry(input: input.path, status: "skipped", reason: why, outputs: [], milliseconds: 0))
  }

  /// Writes the report atomically (temporary file, then rename).
  func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(self)
    try data.write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}
