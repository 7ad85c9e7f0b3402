import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// The incremental-run bookkeeping of one run: the locks of its output roots,
/// their state stores, and the decision for each input whether it is up to date.
///
/// A re-run compares size and modification time first; only when they differ
/// is the content hashed, so a no-op re-run over 100,000 files reads no image
/// data, and a file that was only touched is not redone (its new time is recorded).
final class RunState {
  /// Whether an input needs processing, and why.
  enum Decision: Equatable {
    case process(String)
    case skip(String)

    var reason: String {
      switch self {
      case .process(let why), .skip(let why): return why
      }
    }
  }

  private var locks: [RunLock] = []
  private var stores: [String: StateStore] = [:]
  private var records: [String: StateRecord] = [:]
  private var storeOfRoot: [String: String] = [:]
  let pipelineID: String
  let fingerprint: String
  let force: Bool
  /// False for a dry run: nothing may be written, not even a refreshed time.
  let lockTaken: Bool
  /// Every output the stores know of: never taken as an input.
  private(set) var knownOutputs = Set<String>()

  /// Opens the stores of `roots` (and takes their locks unless `lock` is false).
  /// - Parameters:
  ///   - statePath: one store for every root (`--state`), instead of one per root.
  ///   - onUnusable: a root where neither lock nor store can be created (read-only, full):
  ///     the run goes on there without them, and each image reports its own write error.
  init(
    roots: [String], statePath: String?, pipelineID: String, fingerprint: String, force: Bool, lock: Bool, wait: Bool,
    onWait: (String, RunLock.Holder?) -> Void, onTakeOver: (String, RunLock.Holder) -> Void,
    onUnusable: (String, String) -> Void, interrupted: () -> Bool
  ) throws {
    self.pipelineID = pipelineID
    self.fingerprint = fingerprint
    self.force = force
    self.lockTaken = lock
    for root in Set(roots).sorted() {
      if lock {
        do {
          let taken = try RunLock.acquire(root: root, wait: wait, onWait: { onWait(root, $0) }, interrupted: interrupted)
          if let crashed = taken.crashedHolder { onTakeOver(root, crashed) }
          locks.append(taken)
        } catch RunLock.Failure.cannotCreate(_, let why) {
          onUnusable(root, why)
          continue
        }
      }
      let path = statePath ?? root + "/.mediapipe/state.sqlite"
      // Without the lock (a dry run) nothing is created: a missing store means nothing was done yet.
      if stores[path] == nil && (lock || FileManager.default.fileExists(atPath: path)) {
        do {
          let store = try StateStore(path: path)
          records.merge(try store.records(pipeline: pipelineID)) { a, _ in a }
          knownOutputs.formUnion(try store.allOutputs())
          if lock {
            // A run killed outright (workers and all) leaves its temporary files: remove them.
            for temporary in try store.takeUnfinishedTemporaries() { unlink(temporary) }
          }
          stores[path] = store
        } catch {
          onUnusable(root, "\(error)")
          continue
        }
      }
      storeOfRoot[root] = path
    }
  }

  /// The recorded format of an input whose size and time match its record.
  func knownFormat(canonicalPath: String, size: Int, modified: Int) -> ImageFormat? {
    guard let record = records[canonicalPath], record.size == size, record.modified == modified else { return nil }
    return ImageFormat(rawValue: record.format)
  }

  /// Whether the input of `entry` must be processed.
  func decide(_ entry: OutputPlan.Entry, canonicalPath: String) -> Decision {
    if force { return .process("--force") }
    guard let record = records[canonicalPath] else { return .process("new") }
    if record.fingerprint != fingerprint { return .process("the pipeline or a file it uses changed") }
    if record.version != MediaPipeVersion.current {
      return .process("written by mediapipe \(record.version), this is \(MediaPipeVersion.current)")
    }
    if let missing = record.outputs.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
      return .process("its output \(missing) is missing")
    }
    let planned = entry.outputs.filter { !$0.contains("{width}") && !$0.contains("{height}") }
    if !planned.isEmpty, Set(planned.map(OutputPlan.normalise)) != Set(record.outputs.map(OutputPlan.normalise)) {
      return .process("its outputs go elsewhere now")
    }
    let now = FileIdentity(size: entry.input.size, modified: entry.input.modified)
    if now.size == record.size && now.modified == record.modified { return .skip("up to date") }
    guard let hash = FileIdentity.hash(entry.input.path) else { return .process("cannot read it") }
    guard hash == record.contentHash else { return .process("its content changed") }
    if lockTaken, let path = storeOfRoot[OutputPlan.normalise(entry.outputRoot)], let store = stores[path] {
      try? store.refresh(input: canonicalPath, pipeline: pipelineID, size: now.size, modified: now.modified)
      records[canonicalPath]?.size = now.size
      records[canonicalPath]?.modified = now.modified
    }
    return .skip("up to date (touched, same content)")
  }

  /// The input that recorded each output of this pipeline.
  var outputOwners: [String: String] {
    var owners: [String: String] = [:]
    for record in records.values { for output in record.outputs { owners[output] = record.input } }
    return owners
  }

  /// Records that a worker is about to write `final` through `temporary`.
  func noteWriting(root: String, temporary: String, final: String) {
    let path = OutputPlan.normalise(final)
    knownOutputs.insert(path)
    guard let file = storeOfRoot[OutputPlan.normalise(root)], let store = stores[file] else { return }
    try? store.noteWriting(path: path, temporary: OutputPlan.normalise(temporary))
  }

  /// Records a finished input whose outputs were all written.
  func record(_ entry: OutputPlan.Entry, canonicalPath: String, result: TaskResult) throws {
    guard let identity = result.input, let hash = identity.contentHash,
      let path = storeOfRoot[OutputPlan.normalise(entry.outputRoot)],
      let store = stores[path]
    else { return }
    let record = StateRecord(
      input: canonicalPath, pipeline: pipelineID, size: identity.size, modified: identity.modified, contentHash: hash,
      fingerprint: fingerprint, version: MediaPipeVersion.current,
      outputs: result.outputs.map { OutputPlan.normalise($0.path) }, format: entry.input.format?.rawValue ?? "")
    records[canonicalPath] = record
    try store.save(record)
  }

  /// Releases the locks (cleanly: the next run sees no crash).
  func release() {
    for lock in locks { lock.release() }
    locks.removeAll()
  }
}
