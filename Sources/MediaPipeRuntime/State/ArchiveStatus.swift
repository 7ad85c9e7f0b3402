import Foundation
import MediaPipeCore

/// How far the runs into one output root got: what every state store there
/// recorded (a run over everything, each shard of an array job), overall and per
/// store, and, given the inputs, what is not yet done. `mediapipe status` prints it.
///
/// An input counts once per pipeline: as done or failed by whichever store recorded
/// it last (a shard's failure that a later run over everything did is done). With
/// the inputs, every input no store recorded is not yet done; when the shard stores
/// are all of one N, each is counted under the shard it belongs to.
public struct ArchiveStatus: Codable, Sendable {
  /// One input's last failure.
  public struct Failure: Codable, Sendable, Hashable {
    public var input: String
    /// `FailureReason`'s stable code (`truncated`, `not-an-image`, ...).
    public var reason: String
    public var message: String
    /// When, ISO 8601.
    public var time: String
    /// The shard that recorded it (`3/16`), nil for a run over everything.
    public var shard: String?
  }

  /// What one store (one shard, or a run over everything) accounts for.
  public struct Part: Codable, Sendable, Hashable {
    /// The store's file name (`state.shard-3-of-16.sqlite`); nil for a shard with no store yet.
    public var store: String?
    /// `K/N`, or nil for a run over everything.
    public var shard: String?
    public var done = 0
    public var failed = 0
    /// Known when the inputs were given.
    public var notYetDone: Int?
    /// The newest record's time (ISO 8601).
    public var lastRecord: String?
  }

  /// One pipeline's progress (an output root usually holds one).
  public struct Progress: Codable, Sendable {
    /// The pipeline file's absolute path, as the runs recorded it.
    public var pipeline: String
    public var done = 0
    public var failed = 0
    /// Known when the inputs were given.
    public var notYetDone: Int?
    public var parts: [Part] = []
    public var failures: [Failure] = []
  }

  /// The output root, absolute.
  public var root: String
  /// The stores read, absolute.
  public var stores: [String]
  public var pipelines: [Progress]
  /// The inputs that were given (scanned), if any.
  public var inputs: Int?

  /// Reads every store under `root`'s `.mediapipe` (or beside `statePath`) and, when
  /// `inputPaths` are given, walks them as `run` would.
  /// - Throws: `ArchiveStatusError.noStore` when there is no store to read.
  public static func read(root: String, statePath: String? = nil, inputPaths: [String] = []) throws -> ArchiveStatus {
    let root = OutputPlan.normalise(root)
    let base = statePath.map(OutputPlan.normalise) ?? root + "/.mediapipe/state.sqlite"
    let paths = RunState.siblingStores(of: base)
    guard !paths.isEmpty else { throw ArchiveStatusError.noStore(root: root, base: base) }

    // The last word on each (pipeline, input), and which store said it.
    struct Last {
      var done: Bool
      var time: Int
      var store: Int
      var failure: (reason: String, message: String)?
    }
    var last: [String: [String: Last]] = [:]
    var outputs = Set<String>()
    // With PATHs: the inputs the stores know, so that an unchanged file is not read.
    var known: [String: (size: Int, modified: Int, format: String)] = [:]
    var newest = [Int](repeating: 0, count: paths.count)
    var shards: [Shard?] = []
    for (index, path) in paths.enumerated() {
      let store: StateStore
      do { store = try StateStore.reading(path) } catch {
        throw ArchiveStatusError.unreadable(path: path, why: "\(error)")
      }
      shards.append(Shard(storeName: (path as NSString).lastPathComponent))
      for row in try store.history() {
        newest[index] = max(newest[index], row.time)
        let word = Last(
          done: row.failure == nil, time: row.time, store: index, failure: row.failure.map { ($0.reason, $0.message) })
        if let earlier = last[row.pipeline]?[row.input],
          earlier.time > row.time || (earlier.time == row.time && earlier.done && !word.done)
        {
          continue
        }
        last[row.pipeline, default: [:]][row.input] = word
      }
      outputs.formUnion(try store.load(pipeline: nil).outputs)
      if !inputPaths.isEmpty { known.merge(try store.doneInputs()) { first, _ in first } }
    }

    var found: [InputFile]?
    if !inputPaths.isEmpty {
      var scanner = InputScanner(excludedDirectories: [InputScanner.canonical(root + "/.mediapipe")])
      scanner.knownFormat = { path, size, modified in
        guard let input = known[path], input.size == size, input.modified == modified else { return nil }
        return ImageFormat(rawValue: input.format)
      }
      // A file a store knows as an input is not an output: no need to read its mark.
      found = try scanner.scan(inputPaths).inputs.filter {
        !outputs.contains($0.canonicalPath) && !outputs.contains(OutputPlan.normalise($0.path))
          && ($0.knownUnchanged || OutputMarker.read($0.path) == nil)
      }
    }
    // Per-shard counts of what is not yet done need one N for every shard store.
    let counts = Set(shards.compactMap { $0?.count })
    let count = counts.count == 1 ? counts.first : nil

    var progress: [Progress] = []
    for (pipeline, inputs) in last.sorted(by: { $0.key < $1.key }) {
      var item = Progress(pipeline: pipeline)
      var parts = paths.indices.map { index in
        Part(
          store: (paths[index] as NSString).lastPathComponent, shard: shards[index]?.description,
          lastRecord: newest[index] > 0 ? Self.time(newest[index]) : nil)
      }
      for (input, word) in inputs {
        if word.done {
          item.done += 1
          parts[word.store].done += 1
        } else {
          item.failed += 1
          parts[word.store].failed += 1
          item.failures.append(
            Failure(
              input: input, reason: word.failure?.reason ?? "", message: word.failure?.message ?? "",
              time: Self.time(word.time), shard: shards[word.store]?.description))
        }
      }
      if let found {
        let waiting = found.filter { inputs[$0.canonicalPath] == nil }
        item.notYetDone = waiting.count
        if let count {
          for index in parts.indices where shards[index] != nil { parts[index].notYetDone = 0 }
          for file in waiting {
            let relative = file.relativeDirectory.isEmpty ? file.name : file.relativeDirectory + "/" + file.name
            let shard = Shard.bucket(ofRelativePath: relative, count: count)
            if let index = shards.firstIndex(where: { $0?.index == shard && $0?.count == count }) {
              parts[index].notYetDone? += 1
            } else if let index = parts.firstIndex(where: { $0.store == nil && $0.shard == "\(shard)/\(count)" }) {
              parts[index].notYetDone? += 1
            } else {
              parts.append(Part(store: nil, shard: "\(shard)/\(count)", notYetDone: 1))
            }
          }
        }
      }
      item.parts = parts.sorted {
        ($0.shard.map(Self.order) ?? [-1]).lexicographicallyPrecedes($1.shard.map(Self.order) ?? [-1])
      }
      item.failures.sort { $0.input < $1.input }
      progress.append(item)
    }
    if progress.isEmpty, let found {
      progress.append(Progress(pipeline: "", notYetDone: found.count))
    }
    return ArchiveStatus(root: root, stores: paths, pipelines: progress, inputs: found?.count)
  }

  /// Seconds since 1970 as ISO 8601 ("2026-12-05T01:14:09Z"): the stores keep whole seconds.
  private static func time(_ seconds: Int) -> String {
    FileEvent.iso8601(seconds: seconds, milliseconds: 0).replacingOccurrences(of: ".000Z", with: "Z")
  }

  /// `K/N` as numbers, for sorting shards in order.
  private static func order(_ shard: String) -> [Int] {
    shard.split(separator: "/").map { Int($0) ?? 0 }.reversed()
  }

  /// Whether everything given is done: no failure, and nothing known to be waiting.
  public var isComplete: Bool {
    pipelines.allSatisfy { $0.failed == 0 && ($0.notYetDone ?? 0) == 0 }
  }
}

/// Why the status of an output root cannot be read.
public enum ArchiveStatusError: Error, CustomStringConvertible {
  case noStore(root: String, base: String)
  case unreadable(path: String, why: String)

  public var description: String {
    switch self {
    case .noStore(let root, let base):
      return "no state store in \(root) (looked for \(base) and its shards' stores): nothing has run into it yet, "
        + "or the runs kept their state elsewhere"
    case .unreadable(let path, let why): return "cannot read the state store \(path): \(why)"
    }
  }
}

extension Shard {
  /// The shard whose store is named `state.shard-K-of-N.sqlite`; nil for another name.
  init?(storeName: String) {
    guard let range = storeName.range(of: ".shard-") else { return nil }
    let rest = storeName[range.upperBound...].split(separator: ".").first ?? ""
    let parts = rest.components(separatedBy: "-of-")
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
      let shard = try? Shard(index: index, count: count)
    else { return nil }
    self = shard
  }
}
