import Foundation
import MediaPipeCore

/// A record of one run for scripts (what the command line writes as its JSON report): every
/// input's `FileEvent` and a summary.
///
/// `status` is `done`, `skipped` or `failed`; `reason` is one of the stable
/// codes of `FailureReason` for failures (`not-an-image`, `truncated`,
/// `timed-out`, ...), and a short phrase for skips (`up to date`, `not started:
/// interrupted`). `message` is the plain sentence; `detail` libvips's or the
/// system's own words.
public struct RunReport: Encodable, Sendable {
  public struct Summary: Encodable, Sendable {
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
  public var entries: [FileEvent] = []

  public init(pipeline: String) {
    self.pipeline = pipeline
    self.started = ISO8601DateFormatter().string(from: Date())
  }

  /// Adds one input's event.
  public mutating func add(_ event: FileEvent) {
    switch event.status {
    case .done:
      summary.done += 1
      summary.inputBytes += event.inputBytes
      summary.outputBytes += event.outputs.reduce(0) { $0 + $1.bytes }
    case .failed: summary.failed += 1
    case .skipped: summary.skipped += 1
    }
    entries.append(event)
  }

  /// Writes the report atomically (temporary file, then rename).
  public func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(self)
    try data.write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}
