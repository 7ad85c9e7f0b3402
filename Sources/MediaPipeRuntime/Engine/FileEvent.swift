import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// What happened to one input: the one event `run` and `watch` emit per file.
///
/// The progress bar, the summary, the JSON report and the JSON log
/// lines are all built from these, so every consumer sees the same
/// fields. Encoded (JSON) as `time`, `input`, `status`, `reason`, `message`,
/// `detail`, `outputs`, `milliseconds`, `movedTo`, `inputBytes`; the typed fields below them
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
    /// What --verbose says about it: an animation written as its first frame.
    public var note: String?
    /// The quality it was written with, for formats that have one (chosen by
    /// `max_bytes` or `quality=auto` when given).
    public var quality: Int?
    /// `quality=auto`: the SSIM of the output against the image before encoding.
    public var score: Double?
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
  /// Where the watcher moved the original (the done and failed folders).
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

  /// The time now as ISO 8601 in UTC with milliseconds ("2026-11-25T18:27:30.123Z"), as
  /// ISO8601DateFormatter writes it with fractional seconds. Formatted here: making a
  /// formatter for each event cost ~60 µs, six seconds of a re-run over 100,000 files.
  static func now() -> String {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return iso8601(seconds: spec.tv_sec, milliseconds: Int(spec.tv_nsec / 1_000_000))
  }

  /// `seconds` since 1970 (UTC) and the milliseconds after them, as ISO 8601.
  static func iso8601(seconds: Int, milliseconds: Int) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    var text: [UInt8] = []
    text.reserveCapacity(24)
    func digits(_ value: Int, _ count: Int) {
      var divisor = 1
      for _ in 1..<count { divisor *= 10 }
      var value = value
      if value >= divisor * 10 { text.append(contentsOf: String(value / (divisor * 10)).utf8) }
      value %= divisor * 10
      while divisor > 0 {
        text.append(UInt8(ascii: "0") + UInt8(value / divisor))
        value %= divisor
        divisor /= 10
      }
    }
    digits(Int(parts.tm_year) + 1900, 4)
    text.append(UInt8(ascii: "-"))
    digits(Int(parts.tm_mon) + 1, 2)
    text.append(UInt8(ascii: "-"))
    digits(Int(parts.tm_mday), 2)
    text.append(UInt8(ascii: "T"))
    digits(Int(parts.tm_hour), 2)
    text.append(UInt8(ascii: ":"))
    digits(Int(parts.tm_min), 2)
    text.append(UInt8(ascii: ":"))
    digits(Int(parts.tm_sec), 2)
    text.append(UInt8(ascii: "."))
    digits(milliseconds, 3)
    text.append(UInt8(ascii: "Z"))
    return String(decoding: text, as: UTF8.self)
  }
}

extension FileEvent: Codable {
  private enum CodingKeys: String, CodingKey {
    case time, input, status, reason, message, detail, outputs, milliseconds, movedTo, inputBytes
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
    try container.encode(inputBytes, forKey: .inputBytes)
  }

  /// An event as a report or a JSON log line holds it (to merge reports): the typed
  /// failure comes back from its stable reason code, with the detail as written.
  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    time = try container.decode(String.self, forKey: .time)
    input = try container.decode(String.self, forKey: .input)
    status = try container.decode(Status.self, forKey: .status)
    reason = try container.decodeIfPresent(String.self, forKey: .reason)
    message = try container.decodeIfPresent(String.self, forKey: .message)
    outputs = try container.decodeIfPresent([Output].self, forKey: .outputs) ?? []
    milliseconds = try container.decodeIfPresent(Int.self, forKey: .milliseconds) ?? 0
    movedTo = try container.decodeIfPresent(String.self, forKey: .movedTo)
    inputBytes = try container.decodeIfPresent(Int.self, forKey: .inputBytes) ?? 0
    let detail = try container.decodeIfPresent(String.self, forKey: .detail)
    failure =
      status == .failed
      ? TaskFailure(reason: reason.flatMap(FailureReason.init(rawValue:)) ?? .processingFailed, detail: detail ?? "")
      : nil
    workerOutput = nil
    upFront = false
    relativeDirectory = ""
    processed = nil
  }
}
