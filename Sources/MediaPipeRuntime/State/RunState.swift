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
///
/// With `batchesWrites` on, what is recorded goes into each store's open
/// transaction and reaches the disk at `flush()` (the pool calls it before any
/// worker may create a file it announced, and a few times a second), in
/// `check()` when a batch has waited too long, and in `release()`. A crash
/// loses only the records not yet flushed: those images are done again.
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
  /// Inputs whose record came from another shard's store (refreshed into ours in full).
  private var foreign = Set<String>()
  /// Other shards' stores already read.
  private var siblingsRead = Set<String>()
  /// A shard's view of the other stores beside its own, opened read-only and read
  /// only where this shard needs them (see `readSiblings`); empty for a run over everything.
  private var siblings: [StateStore] = []
  /// Inputs already looked up in `siblings`.
  private var lookedUp = Set<String>()
  /// Which input of the other stores claimed each output, read from them all at
  /// the first output that may be claimed there (nil until then).
  private var siblingOwners: [String: String]?
  /// The outputs of the records taken from other stores so far, with their input.
  private var adoptedOwners: [String: String] = [:]
  /// Whether the other stores are read in full (a run over everything: all of
  /// them is its share) or looked up per file (a shard: only its share of them).
  private let readsSiblingsInFull: Bool
  let pipelineID: String
  let fingerprint: String
  let force: Bool
  /// False for a dry run: nothing may be written, not even a refreshed time.
  let lockTaken: Bool
  /// Every output the stores know of: never taken as an input.
  private(set) var knownOutputs = Set<String>()
  /// The output roots, canonical: a marked file below one is never an input.
  private let outputRoots: [String]
  /// Content hashes of outputs that could not be marked (no extended attributes), by size.
  private var unmarkedContent: [Int: Set<String>] = [:]
  /// When locks and stores were last checked (monotonic nanoseconds).
  private var lastCheck: UInt64 = 0
  /// Stores that could not be written back, already warned of.
  private var failingStores = Set<String>()
  /// Gather the stores' writes into transactions committed by `flush()`; off, each write commits.
  var batchesWrites = false {
    didSet {
      if !batchesWrites { try? flush() }
      for store in stores.values { store.batching = batchesWrites }
    }
  }
  /// When the oldest write not yet flushed was made (monotonic nanoseconds; nil: none).
  private var unflushedSince: UInt64?
  /// Longest a batch waits for `flush()` before `check()` commits it (nanoseconds).
  static let longestBatch: UInt64 = 500_000_000

  /// Opens the stores of `roots` (and takes their locks unless `lock` is false).
  /// - Parameters:
  ///   - statePath: one store for every root (a state file the user named), instead of one per root.
  ///   - shard: this run's shard: its own store and lock (`state.shard-K-of-N.sqlite`,
  ///     `lock.shard-K-of-N`), with `lock` shared by the shards. Every other store
  ///     beside its own (other shards', other N, a run over everything) is read too,
  ///     so that work any of them recorded is not done again.
  ///   - journal: the stores' journal mode (DELETE on network file systems).
  ///   - onUnusable: a root where neither lock nor store can be created (read-only, full):
  ///     the run goes on there without them, and each image reports its own write error.
  init(
    roots: [String], statePath: String?, shard: Shard?, journal: StateJournal, pipelineID: String, fingerprint: String,
    force: Bool, lock: Bool, wait: Bool,
    onWait: (String, RunLock.Holder?) -> Void, onTakeOver: (String, RunLock.Holder) -> Void,
    onUnusable: (String, String) -> Void, interrupted: () -> Bool
  ) throws {
    self.pipelineID = pipelineID
    self.fingerprint = fingerprint
    self.force = force
    self.lockTaken = lock
    readsSiblingsInFull = shard == nil
    outputRoots = Set(roots).map(InputScanner.canonical)
    for root in Set(roots).sorted() {
      if lock {
        do {
          if shard != nil {
            // Shared by the shards, exclusive for a run over everything: shards never
            // wait for each other, and never run beside an unsharded run.
            locks.append(
              try RunLock.acquire(
                root: root, shared: true, wait: wait, onWait: { onWait(root, $0) }, interrupted: interrupted))
          }
          let taken = try RunLock.acquire(
            root: root, name: shard.map { "lock." + $0.name } ?? "lock", wait: wait, onWait: { onWait(root, $0) },
            interrupted: interrupted)
          if let crashed = taken.crashedHolder { onTakeOver(root, crashed) }
          locks.append(taken)
        } catch RunLock.Failure.cannotCreate(_, let why) {
          onUnusable(root, why)
          continue
        }
      }
      let base = statePath ?? root + "/.mediapipe/state.sqlite"
      let path = shard.map { Self.storePath(base, shard: $0) } ?? base
      // Without the lock (a dry run) nothing is created: a missing store means nothing was done yet.
      if stores[path] == nil && (lock || FileManager.default.fileExists(atPath: path)) {
        do {
          let store = try StateStore(path: path, journal: journal)
          let (found, outputs) = try store.load(pipeline: pipelineID)
          // (Taken as they are when nothing is there yet: merging 100,000 entries rehashes each.)
          if records.isEmpty { records = found } else { records.merge(found) { a, _ in a } }
          if knownOutputs.isEmpty { knownOutputs = outputs } else { knownOutputs.formUnion(outputs) }
          unmarkedContent.merge(try store.outputContents()) { $0.union($1) }
          if lock {
            // A run killed outright (workers and all) leaves its temporary files: remove
            // them. An output announced but never written is forgotten, so that a file
            // someone puts there later is not taken for mediapipe's.
            for (final, temporary) in try store.takeUnfinishedWrites() {
              unlink(temporary)
              if access(final, F_OK) != 0 {
                try store.forgetOutput(final)
                knownOutputs.remove(final)
              }
            }
          }
          stores[path] = store
        } catch {
          onUnusable(root, "\(error)")
          continue
        }
      }
      readSiblings(of: base, own: path)
      storeOfRoot[root] = path
    }
  }

  /// The store of one shard: `state.sqlite` becomes `state.shard-3-of-16.sqlite`.
  static func storePath(_ base: String, shard: Shard) -> String {
    let folder = (base as NSString).deletingLastPathComponent
    let name = (base as NSString).lastPathComponent
    let ext = (name as NSString).pathExtension
    let stem = ext.isEmpty ? name : (name as NSString).deletingPathExtension
    let sharded = stem + "." + shard.name + (ext.isEmpty ? "" : "." + ext)
    return folder.isEmpty ? sharded : folder + "/" + sharded
  }

  /// The stores beside `base` that runs with other shards (or none) keep: `state.sqlite`
  /// and every `state.shard-K-of-N.sqlite`, in name order.
  static func siblingStores(of base: String) -> [String] {
    let folder = (base as NSString).deletingLastPathComponent
    let name = (base as NSString).lastPathComponent
    let ext = (name as NSString).pathExtension
    let stem = ext.isEmpty ? name : (name as NSString).deletingPathExtension
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
    return names.filter { candidate in
      candidate == name
        || (candidate.hasPrefix(stem + ".shard-") && (ext.isEmpty || candidate.hasSuffix("." + ext))
          && !candidate.hasSuffix("-wal") && !candidate.hasSuffix("-shm") && !candidate.hasSuffix("-journal"))
    }.sorted().map { folder.isEmpty ? $0 : folder + "/" + $0 }
  }

  /// Reads every other store beside `base`, read-only: what they recorded counts
  /// as done (a record of this pipeline and mediapipe wins over a stale one of
  /// ours), and their outputs are never inputs. A store that cannot be read is
  /// passed over: its inputs are then simply done again.
  ///
  /// This is the one place that decides how much of them is read. A run over
  /// everything reads them in full. A shard only opens them: what it needs of
  /// them is looked up by path (indexed) when its own store has no current
  /// record of a file (`record(for:)`), when a file it found may be their output
  /// (`isOwnOutput`, `isOurs`), and when an output it plans may be claimed
  /// there (`claimElsewhere`). So a shard's no-op re-run reads its own store and
  /// none of the others', and after a run over everything, or with another N,
  /// it looks up only its own files.
  private func readSiblings(of base: String, own: String) {
    for path in Self.siblingStores(of: base) where path != own && stores[path] == nil {
      guard siblingsRead.insert(path).inserted, let store = try? StateStore.reading(path) else { continue }
      // Outputs known by content (only on file systems without extended attributes): few, read whole.
      if let contents = try? store.outputContents() { unmarkedContent.merge(contents) { $0.union($1) } }
      if !readsSiblingsInFull {
        siblings.append(store)
        continue
      }
      guard let (found, outputs) = try? store.load(pipeline: pipelineID) else { continue }
      for (input, record) in found {
        if let mine = records[input], isCurrent(mine) || !isCurrent(record) { continue }
        records[input] = record
        foreign.insert(input)
      }
      knownOutputs.formUnion(outputs)
    }
  }

  /// The record of an input: ours, unless it is missing or stale and another
  /// store (looked up once per input, for a shard) has one that wins, as in
  /// `readSiblings`. One taken from another store is kept as ours in memory.
  private func record(for input: String) -> StateRecord? {
    let mine = records[input]
    if siblings.isEmpty { return mine }
    if let mine, isCurrent(mine) { return mine }
    guard lookedUp.insert(input).inserted else { return mine }
    var best = mine
    var adopted = false
    for store in siblings {
      guard let found = try? store.record(input: input, pipeline: pipelineID) else { continue }
      if let earlier = best, isCurrent(earlier) || !isCurrent(found) { continue }
      best = found
      adopted = true
    }
    if adopted, let best {
      records[input] = best
      foreign.insert(input)
      knownOutputs.formUnion(best.outputs)
      for output in best.outputs { adoptedOwners[output] = input }
    }
    return best
  }

  /// Whether another store beside ours announced `path` as an output (a shard's look-up).
  private func announcedElsewhere(_ path: String) -> Bool {
    siblings.contains { (try? $0.announced(output: path)) == true }
  }

  /// The input of another store that claimed `output` (normalised), for a shard:
  /// nil unless some input's record names it. The other stores' claims are read
  /// in full only once an output this shard plans exists or was announced there
  /// (after a run over everything, or with another N): a no-op re-run, whose
  /// claims are all in its own store, never gets here.
  func claimElsewhere(_ output: String) -> String? {
    guard !siblings.isEmpty else { return nil }
    // This shard's files were looked up while they were found: their claims are known.
    if let input = adoptedOwners[output] { return input }
    if siblingOwners == nil {
      guard access(output, F_OK) == 0 || announcedElsewhere(output) else { return nil }
      var owners: [String: String] = [:]
      for store in siblings {
        guard let found = try? store.records(pipeline: pipelineID) else { continue }
        for record in found.values {
          for path in record.outputs where owners[path] == nil { owners[path] = record.input }
        }
      }
      siblingOwners = owners
    }
    return siblingOwners?[output]
  }

  /// Whether a record was written by this pipeline as it is and this mediapipe.
  private func isCurrent(_ record: StateRecord) -> Bool {
    record.fingerprint == fingerprint && record.version == MediaPipeVersion.current
  }

  /// The recorded format of an input whose size and time match its record.
  func knownFormat(canonicalPath: String, size: Int, modified: Int) -> ImageFormat? {
    guard let record = record(for: canonicalPath), record.size == size, record.modified == modified else {
      return nil
    }
    return ImageFormat(rawValue: record.format)
  }

  // MARK: - Our outputs

  /// Whether mediapipe wrote the file at `path`: the store knows it, it carries
  /// the mark (`OutputMarker`), or (on file systems without extended attributes)
  /// its content is that of an output the store recorded. Such a file may be replaced.
  func isOurs(_ path: String) -> Bool {
    knownOutputs.contains(OutputPlan.normalise(path)) || announcedElsewhere(OutputPlan.normalise(path))
      || OutputMarker.read(path) != nil || hasRecordedContent(path, size: FileIdentity.of(path)?.size)
  }

  /// Whether a found file is an output of mediapipe below one of this run's output
  /// roots, and so never an input: known to the store by its path, or (whatever
  /// happened to its folder or to the store) marked, or known by its content.
  func isOwnOutput(_ file: InputFile) -> Bool {
    // An input done before and unchanged since: no need to look (a re-run over
    // 100,000 files reads no attribute of them, and the scanner already asked).
    if file.knownUnchanged { return false }
    if let record = record(for: file.canonicalPath), record.size == file.size, record.modified == file.modified {
      return false
    }
    if knownOutputs.contains(OutputPlan.normalise(file.path)) || announcedElsewhere(OutputPlan.normalise(file.path)) {
      return true
    }
    let below = outputRoots.contains { file.canonicalPath.hasPrefix($0 == "/" ? "/" : $0 + "/") }
    guard below else { return false }
    return OutputMarker.read(file.path) != nil || hasRecordedContent(file.path, size: file.size)
  }

  /// Whether the file's content is that of an unmarked output the store recorded
  /// (hashed only when its size is one of theirs).
  private func hasRecordedContent(_ path: String, size: Int?) -> Bool {
    guard let size, let hashes = unmarkedContent[size], let hash = FileIdentity.hash(path) else { return false }
    return hashes.contains(hash)
  }

  /// Records the content of outputs the worker could not mark.
  func noteUnmarkedOutputs(of result: TaskResult, root: String) {
    guard let unmarked = result.unmarkedOutputs else { return }
    let store = storeOfRoot[OutputPlan.normalise(root)].flatMap { stores[$0] }
    for (path, identity) in unmarked {
      guard let hash = identity.contentHash else { continue }
      unmarkedContent[identity.size, default: []].insert(hash)
      try? store?.saveOutputContent(path: OutputPlan.normalise(path), size: identity.size, hash: hash)
      noteUnflushed()
    }
  }

  /// An input the store has no record of whose outputs all exist and say, in
  /// their marks, that they were made from this content by this pipeline and
  /// this mediapipe: up to date (a folder renamed, a store deleted). Recorded.
  private func upToDateByMarks(_ entry: OutputPlan.Entry, canonicalPath: String) -> Bool {
    let planned = entry.outputs
    guard !planned.isEmpty, !planned.contains(where: OutputPlan.isPattern) else {
      return false
    }
    let marks = planned.map(OutputMarker.read)
    guard
      marks.allSatisfy({ $0?.version == MediaPipeVersion.current && $0?.fingerprint == fingerprint }),
      let hash = FileIdentity.hash(entry.input.path), marks.allSatisfy({ $0?.inputHash == hash })
    else { return false }
    let record = StateRecord(
      input: canonicalPath, pipeline: pipelineID, size: entry.input.size, modified: entry.input.modified,
      contentHash: hash, fingerprint: fingerprint, version: MediaPipeVersion.current,
      outputs: planned.map(OutputPlan.normalise),
      format: entry.input.format?.rawValue ?? "")
    records[canonicalPath] = record
    knownOutputs.formUnion(record.outputs)
    if lockTaken, let path = storeOfRoot[OutputPlan.normalise(entry.outputRoot)], let store = stores[path] {
      try? store.save(record)
      noteUnflushed()
    }
    return true
  }

  // MARK: - Decisions

  /// Whether the input of `entry` must be processed.
  func decide(_ entry: OutputPlan.Entry, canonicalPath: String) -> Decision {
    if force { return .process("forced") }
    guard let record = record(for: canonicalPath) else {
      let marked = upToDateByMarks(entry, canonicalPath: canonicalPath)
      return marked ? .skip("up to date (its outputs say so)") : .process("new")
    }
    if record.fingerprint != fingerprint { return .process("the pipeline or a file it uses changed") }
    if record.version != MediaPipeVersion.current {
      return .process("written by mediapipe \(record.version), this is \(MediaPipeVersion.current)")
    }
    if let missing = record.outputs.first(where: { access($0, F_OK) != 0 }) {
      return .process("its output \(missing) is missing")
    }
    let planned = entry.outputs.filter { !OutputPlan.isPattern($0) }
    if !planned.isEmpty, !Self.samePaths(planned, record.outputs) {
      return .process("its outputs go elsewhere now")
    }
    let now = FileIdentity(size: entry.input.size, modified: entry.input.modified)
    if now.size == record.size && now.modified == record.modified {
      keepForeign(canonicalPath, entry)
      return .skip("up to date")
    }
    guard let hash = FileIdentity.hash(entry.input.path) else { return .process("cannot read it") }
    guard hash == record.contentHash else { return .process("its content changed") }
    if lockTaken, let path = storeOfRoot[OutputPlan.normalise(entry.outputRoot)], let store = stores[path] {
      records[canonicalPath]?.size = now.size
      records[canonicalPath]?.modified = now.modified
      if foreign.contains(canonicalPath) {
        keepForeign(canonicalPath, entry)
      } else {
        try? store.refresh(input: canonicalPath, pipeline: pipelineID, size: now.size, modified: now.modified)
        noteUnflushed()
      }
    }
    return .skip("up to date (touched, same content)")
  }

  /// Saves in our store a record taken from another store (which is only read) for
  /// an input found up to date: the next run finds it in ours, without a look-up
  /// there. Batched by the caller (`Engine.admit`), so a shard's first re-run after
  /// a run over everything writes its share in one transaction.
  private func keepForeign(_ canonicalPath: String, _ entry: OutputPlan.Entry) {
    guard lockTaken, foreign.remove(canonicalPath) != nil, let record = records[canonicalPath],
      let path = storeOfRoot[OutputPlan.normalise(entry.outputRoot)], let store = stores[path]
    else { return }
    try? store.save(record)
    noteUnflushed()
  }

  /// Whether two lists name the same files (as normalised paths), in any order.
  static func samePaths(_ a: [String], _ b: [String]) -> Bool {
    if a.count == b.count && zip(a, b).allSatisfy({ OutputPlan.normalise($0) == OutputPlan.normalise($1) }) {
      return true
    }
    return Set(a.map(OutputPlan.normalise)) == Set(b.map(OutputPlan.normalise))
  }

  /// The input that recorded each output of this pipeline (for a shard, in its own
  /// store and the records taken from others so far; see `claimElsewhere`).
  var outputOwners: [String: String] {
    var owners: [String: String] = [:]
    owners.reserveCapacity(records.count)
    for record in records.values { for output in record.outputs { owners[output] = record.input } }
    return owners
  }

  /// Records that a worker is about to write `final` through `temporary`.
  func noteWriting(root: String, temporary: String, final: String) {
    let path = OutputPlan.normalise(final)
    knownOutputs.insert(path)
    guard let file = storeOfRoot[OutputPlan.normalise(root)], let store = stores[file] else { return }
    try? store.noteWriting(path: path, temporary: OutputPlan.normalise(temporary))
    noteUnflushed()
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
    noteUnflushed()
    try store.save(record)
    try store.confirmWritten(record.outputs)
  }

  /// Records that an input failed, for `status` (a failure is not remembered for
  /// skipping: the next run tries the input again).
  func recordFailure(_ entry: OutputPlan.Entry, canonicalPath: String, failure: TaskFailure) throws {
    guard lockTaken, let path = storeOfRoot[OutputPlan.normalise(entry.outputRoot)], let store = stores[path] else {
      return
    }
    noteUnflushed()
    try store.saveFailure(
      input: canonicalPath, pipeline: pipelineID, reason: failure.reason.rawValue, message: failure.sentence)
  }

  // MARK: - Batched writes

  private func noteUnflushed() {
    if batchesWrites && unflushedSince == nil { unflushedSince = DispatchTime.now().uptimeNanoseconds }
  }

  /// Commits what every store gathered since the last flush (nothing to do when not batching).
  func flush() throws {
    unflushedSince = nil
    var firstError: Error?
    for store in stores.values {
      do { try store.flush() } catch { firstError = firstError ?? error }
    }
    if let firstError { throw firstError }
  }

  // MARK: - Locks that vanish

  /// Checks, at most a few times a second, that every lock and store is still in
  /// place: one that was deleted (the whole `.mediapipe` folder, say) is made
  /// again and `onRepaired` says so.
  /// - Returns: the trouble when a lock cannot be had again; the caller stops.
  func check(onRepaired: (String) -> Void) -> LockTrouble? {
    let now = DispatchTime.now().uptimeNanoseconds
    if let since = unflushedSince, now - since >= Self.longestBatch {
      do { try flush() } catch { onRepaired("warning: cannot write the state store: \(error)") }
    }
    guard lockTaken, now - lastCheck >= 200_000_000 else { return nil }
    lastCheck = now
    for lock in locks {
      switch lock.check() {
      case .intact: continue
      case .recreated: onRepaired("note: \(lock.path) was removed while this run held it; made it again")
      case .lost(let holder): return .lost(path: lock.path, holder: holder)
      case .cannotRecreate(let failure): return .cannotRecreate(path: lock.path, failure)
      }
    }
    for (path, store) in stores.sorted(by: { $0.key < $1.key }) {
      do {
        if try store.check() {
          failingStores.remove(path)
          onRepaired("note: \(path) was removed while this run used it; wrote it back")
        }
      } catch {
        // Said once; the store tries again now and then, quietly.
        if failingStores.insert(path).inserted { onRepaired("warning: \(error)") }
      }
    }
    return nil
  }

  /// Commits what is gathered, then releases the locks (cleanly: the next run sees no crash).
  func release() {
    try? flush()
    for lock in locks { lock.release() }
    locks.removeAll()
  }
}
