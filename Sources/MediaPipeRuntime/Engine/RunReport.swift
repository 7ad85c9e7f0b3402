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
public struct RunReport: Codable, Sendable {
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

  /// The report as JSON (keys sorted, indented).
  public func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }

  /// Writes the report atomically (temporary file, then rename).
  public func write(to path: String) throws {
    try json().write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// Reads a report written by `write(to:)`.
  public static func read(from path: String) throws -> RunReport {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ReportError.unreadable(path: path, why: (error as NSError).localizedDescription)
    }
    do {
      return try JSONDecoder().decode(RunReport.self, from: data)
    } catch {
      throw ReportError.notAReport(path: path)
    }
  }

  /// Several reports as one: the reports of an array job's tasks (one per shard), or
  /// of the nights a job took to finish.
  ///
  /// Every input appears once. Where reports disagree on one, what was done to it
  /// (done or failed) outweighs a skip, and the later of two such wins: a skipped
  /// "up to date" on a second night never hides the first night's work, and a retry
  /// that succeeded replaces the failure. The summary is counted again from the entries;
  /// its time is the longest report's (the tasks ran side by side), `interrupted` is
  /// true if any was, and the exit code is the largest. Entries are sorted by input.
  /// - Throws: `ReportError.differentPipelines` for reports of different pipelines.
  public static func merged(_ reports: [RunReport]) throws -> RunReport {
    let pipelines = Set(reports.map(\.pipeline))
    guard pipelines.count <= 1 else { throw ReportError.differentPipelines(pipelines.sorted()) }
    var merged = RunReport(pipeline: reports.first?.pipeline ?? "")
    merged.mediapipe = reports.first?.mediapipe ?? merged.mediapipe
    merged.started = reports.map(\.started).min() ?? merged.started
    var kept: [String: FileEvent] = [:]
    for event in reports.flatMap(\.entries) {
      guard let earlier = kept[event.input] else {
        kept[event.input] = event
        continue
      }
      let didSomething = event.status != .skipped, earlierDidSomething = earlier.status != .skipped
      if didSomething != earlierDidSomething ? didSomething : event.time >= earlier.time { kept[event.input] = event }
    }
    for event in kept.values.sorted(by: { $0.input < $1.input }) {
      merged.summary.inputs += 1
      merged.add(event)
    }
    merged.summary.milliseconds = reports.map(\.summary.milliseconds).max() ?? 0
    merged.summary.interrupted = reports.contains { $0.summary.interrupted }
    merged.summary.exitCode = reports.map(\.summary.exitCode).max() ?? 0
    return merged
  }
}

/// Why reports cannot be read or merged.
public enum ReportError: Error, CustomStringConvertible {
  case unreadable(path: String, why: String)
  case notAReport(path: String)
  case differentPipelines([String])

  public var description: String {
    switch self {
    case .unreadable(let path, let why): return "cannot read \(path): \(why)"
    case .notAReport(let path): return "\(path) is not a mediapipe report (a JSON file written by run's report option)"
    case .differentPipelines(let pipelines):
      return
        "the reports are of different pipelines (\(pipelines.joined(separator: ", "))); merge each pipeline's apart"
    }
  }
}
