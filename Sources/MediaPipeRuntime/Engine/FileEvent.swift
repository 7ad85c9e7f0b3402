import Foundation
import MediaPipeCore

/// What happened to one input: the one event `run` and `watch` emit per file.
///
/// The progress bar, the summary, the `--report` file and the JSON lines of
/// `--log-format json` are all built from these, so every consumer sees the same
/// fields. Encoded (JSON) as `time`, `input`, `status`, `reason`, `message`,
/// `detail`, `outputs`, `milliseconds`, `movedTo`; the typed fields below them
/// (the failure with its remedy, the worker's raw output) are for Swift callers.
public struct FileEvent: Sendable {
  /// How the input ended.
  public enum Status: String, Codable, Sendable {
    /// Every output was written.
    case done
    /// Nothing was done to it: up to date, or not started (interrupted, the run stopped).
    case skipped
    /// It failed; `failure` says why.
    case failed
  }

  /// One file written.
  public struct Output: Codable, Sendable, Hashable {
    public var path: String
    public var variant: String
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int
  }

  /// When it ended (ISO 8601 with milliseconds).
  public var time: String
  /// The input's path as it was found.
  public var input: String
  public var status: Status
  /// A failure's stable code (`FailureReason`), or a skip's short phrase ("up to date").
  public var reason: String?
  /// A failure's plain sentence.
  public var message: String?
  public var outputs: [Output]
  public var milliseconds: Int
  /// Where the watcher moved the original (`--done`/`--failed` folders).
  public var movedTo: String?
  /// The failure, typed; nil unless `status` is `failed`.
  public var failure: TaskFailure?
  /// What the worker wrote on stdout and stderr during the image (libvips warnings, a
  /// crash's backtrace), if anything.
  public var workerOutput: String?
  /// The input's size in bytes.
  public var inputBytes: Int
  /// Failed before any worker saw it (not an image, a name clash, a limit).
  public var upFront: Bool
  /// The input's folder below its root ("" at the root).
  public var relativeDirectory: String
  /// The input as the worker read it (size, time), before processing.
  var processed: FileIdentity?

  /// The failure's detail, then what the worker wrote after a blank line; nil if neither.
  public var detail: String? {
    var text = failure?.detail ?? ""
    if status == .failed, let workerOutput, !workerOutput.isEmpty {
      text += (text.isEmpty ? "" : "\n\n") + "worker output:\n" + workerOutput
    }
    return text.isEmpty ? nil : text
  }

  init(input: InputFile, status: Status, reason: String? = nil, failure: TaskFailure? = nil) {
    time = FileEvent.now()
    self.input = input.path
    self.status = status
    self.reason = reason ?? failure?.reason.rawValue
    self.message = failure?.reason.sentence
    self.failure = failure
    outputs = []
    milliseconds = 0
    inputBytes = input.size
    upFront = false
    relativeDirectory = input.relativeDirectory
  }

  static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date())
  }
}

extension FileEvent: Encodable {
  private enum CodingKeys: String, CodingKey {
    case time, input, status, reason, message, detail, outputs, milliseconds, movedTo
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(time, forKey: .time)
    try container.encode(input, forKey: .input)
    try container.encode(status, forKey: .status)
    try container.encodeIfPresent(reason, forKey: .reason)
    try container.encodeIfPresent(message, forKey: .message)
    try container.encodeIfPresent(detail, forKey: .detail)
    try container.encode(outputs, forKey: .outputs)
    try container.encode(milliseconds, forKey: .milliseconds)
    try container.encodeIfPresent(movedTo, forKey: .movedTo)
  }
}
