import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// `mediapipe watch`: processes the backlog of a folder, then each file that
/// arrives in it, exactly once per content and pipeline, as soon as it is whole.
///
/// A file is taken when it is closed after writing or renamed into the tree,
/// after a settle time, and only if no process still has it open for writing.
/// Folders created later are watched and scanned; a kernel queue overflow
/// triggers a full rescan. What was done is recorded in the state store of
/// `run`, so a restart does not redo it and a file replaced by new content is
/// done again. Outputs the watcher writes never count as arrivals, nor do they
/// after their folder is renamed inside the tree (they carry `OutputMarker`).
/// A lock or store deleted while the watcher runs is made again; if another run
/// has taken the lock meanwhile, the watcher stops (`Engine.Outcome.lockTrouble`).
public final class WatchSession {
  /// What to watch and what to do with originals.
  public struct Options: Sendable {
    /// The folder to watch (and its subfolders, including new ones).
    public var directory: String
    /// Scan every this many seconds instead of using inotify (network file systems).
    public var pollSeconds: Double?
    /// How long a closed file must stay untouched before it is taken, where the
    /// kernel cannot say whether a writer still has it open.
    public var settleSeconds: Double
    /// Move each original here after it was processed.
    public var doneDirectory: String?
    /// Move each original that failed here, with NAME.error.txt beside it.
    public var failedDirectory: String?

    public init(
      directory: String, pollSeconds: Double?, settleSeconds: Double, doneDirectory: String?, failedDirectory: String?
    ) {
      self.directory = directory
      self.pollSeconds = pollSeconds
      self.settleSeconds = settleSeconds
      self.doneDirectory = doneDirectory
      self.failedDirectory = failedDirectory
    }
  }

  let options: Options
  let engine: Engine
  private var queue: ArrivalQueue
  private var root = ""
  private var excluded: [String] = []
  /// Inputs being processed, by path; a file that arrives again meanwhile waits for it.
  private var inFlight = Set<String>()
  /// Files that failed, with the identity they failed with: not retried until they change.
  private var failed: [String: FileIdentity] = [:]
  /// Poll mode: each file's identity at the previous scan.
  private var lastScan: [String: FileIdentity] = [:]
  private var nextScan: UInt64 = 0
  private var onEvent: (FileEvent) -> Void = { _ in }

  /// - Parameter engine: built with the watched folder as its lock root.
  public init(engine: Engine, options: Options) {
    self.engine = engine
    self.options = options
    queue = ArrivalQueue(settleSeconds: options.settleSeconds)
  }

  /// The pipeline to use when none is given: the only `*.pipeline` at the top of the folder.
  /// - Throws: `EngineError.noPipeline` when there is none, or several.
  public static func findPipeline(in directory: String) throws -> String {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
      .filter { $0.hasSuffix(".pipeline") && !$0.hasPrefix(".") }.sorted()
    switch names.count {
    case 1: return directory + "/" + names[0]
    case 0: throw EngineError.noPipeline("no .pipeline file at the top of \(directory)")
    default:
      throw EngineError.noPipeline("several .pipeline files in \(directory) (\(names.joined(separator: ", ")))")
    }
  }

  /// Processes the backlog, then each arrival, until interrupted (or a lost lock);
  /// passes one event per input handled to `onEvent`.
  /// - Throws: `EngineError.notAFolder` or `.watch` when watching cannot start.
  public func run(onEvent: @escaping (FileEvent) -> Void) throws -> Engine.Outcome {
    self.onEvent = onEvent
    let logger = engine.logger
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: options.directory, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw EngineError.notAFolder(path: options.directory)
    }
    root = OutputPlan.normalise(options.directory)
    excluded = [engine.outputRoot, options.doneDirectory, options.failedDirectory].compactMap { $0 }
      .map(OutputPlan.normalise).filter { $0 != root }
    for folder in [options.doneDirectory, options.failedDirectory].compactMap({ $0 }) {
      try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    // Watch first, then scan: a file that lands in between is seen twice, never missed.
    var watcher: InotifyWatcher?
    if options.pollSeconds == nil {
      do {
        watcher = try InotifyWatcher(excluded: { path in self.isExcluded(path) })
        try watcher!.watchTree(root)
      } catch let error as WatchError {
        throw EngineError.watch(error)
      }
    }
    let scanner = engine.scanner(excluding: excluded)
    let backlog = (try? scanner.scan([root]).inputs) ?? []
    let polling = options.pollSeconds.map { " (polling every \(formatSeconds($0)))" } ?? ""
    logger.notice(
      "watching \(options.directory) with \(engine.options.pipelinePath)\(polling); \(backlog.count) file\(backlog.count == 1 ? "" : "s") already there"
    )
    // Files already there may still be being written (a restart during an upload):
    // they too must keep their size and time over the settle time.
    for file in backlog where !isIgnoredName(file.path) { queue.schedule(file.path, scanned: true) }
    if let poll = options.pollSeconds {
      for file in backlog { lastScan[file.path] = FileIdentity.of(file.path) }
      nextScan = ArrivalQueue.now + UInt64(poll * 1e9)
    }

    let feed = Engine.Feed(
      fd: watcher?.fd ?? -1,
      onReadable: { self.handle(watcher?.read() ?? [], watcher: watcher) },
      takeReady: { self.ready(scanner: scanner) },
      millisecondsUntilDue: {
        var due = self.queue.millisecondsUntilDue
        if let poll = self.options.pollSeconds {
          let now = ArrivalQueue.now
          if now >= self.nextScan {
            self.pollScan(scanner: scanner)
            self.nextScan = now + UInt64(poll * 1e9)
          }
          due = min(due ?? Int.max, Int((self.nextScan - min(now, self.nextScan)) / 1_000_000) + 1)
        }
        return due
      })
    let outcome = engine.process([], feed: feed, onEvent: { self.finished($0) })
    logger.notice("stopped")
    return outcome
  }

  // MARK: - Arrivals

  /// Names that are not (yet) files to take: hidden, temporary, partial downloads, backups.
  func isIgnoredName(_ path: String) -> Bool {
    let name = (path as NSString).lastPathComponent
    return name.hasPrefix(".") || name.hasSuffix(".tmp") || name.hasSuffix(".part") || name.hasSuffix(".crdownload")
      || name.hasSuffix("~") || name.hasSuffix(".pipeline")
  }

  private func isExcluded(_ path: String) -> Bool {
    excluded.contains { path == $0 || path.hasPrefix($0 + "/") }
  }

  private func handle(_ events: [WatchEvent], watcher: InotifyWatcher?) {
    for event in events {
      switch event {
      case .arrived(let path):
        guard !isIgnoredName(path) && !isExcluded(path) else { continue }
        // Closed or renamed in, and the kernel says no writer has it open: it is whole,
        // take it now. A writer still holding it brings it back when it closes; where
        // the kernel cannot tell, the settle time decides.
        if WriterCheck.isOpenForWriting(path) == false {
          queue.schedule(path, after: 0)
        } else {
          queue.schedule(path)
        }
      case .modified(let path):
        queue.cancel(path)
      case .folderAdded(let path):
        guard !isExcluded(path) else { continue }
        do { try watcher?.watchTree(path) } catch { engine.logger.warning("warning: \(error)") }
        // Files may have landed before the watch existed.
        for file in listFiles(below: path) where !isIgnoredName(file) { queue.schedule(file, scanned: true) }
      case .overflow:
        engine.logger.notice("the kernel's event queue overflowed; rescanning \(options.directory)")
        do { try watcher?.watchTree(root) } catch { engine.logger.warning("warning: \(error)") }
        for file in listFiles(below: root) where !isIgnoredName(file) { queue.schedule(file, scanned: true) }
      }
    }
  }

  /// Poll mode: a file is taken once its size and time are the same at two scans in a row.
  private func pollScan(scanner: InputScanner) {
    var current: [String: FileIdentity] = [:]
    for path in listFiles(below: root) where !isIgnoredName(path) {
      guard let identity = FileIdentity.of(path) else { continue }
      current[path] = identity
      if lastScan[path] == identity && queue.pending[path] == nil { queue.schedule(path, after: 0) }
    }
    lastScan = current
  }

  private func listFiles(below folder: String) -> [String] {
    var result: [String] = []
    guard !isExcluded(folder), let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
      return []
    }
    for name in names where !name.hasPrefix(".") {
      let path = folder + "/" + name
      var st = stat()
      guard lstat(path, &st) == 0 else { continue }
      switch st.st_mode & S_IFMT {
      case S_IFDIR: result += listFiles(below: path)
      case S_IFREG: result.append(path)
      default: continue
      }
    }
    return result
  }

  /// Files whose settle time is over, admitted by the engine: tasks, or events at once.
  private func ready(scanner: InputScanner) -> [WorkerTask] {
    var tasks: [WorkerTask] = []
    for path in queue.takeDue() {
      if inFlight.contains(path) {
        queue.schedule(path, scanned: true)  // arrived again while processing: look after it is done
        continue
      }
      if engine.isOwnOutput(path) { continue }
      switch WriterCheck.isOpenForWriting(path) {
      case true?:
        queue.schedule(path, scanned: true)  // still being written: its close brings it back
        continue
      case nil:
        // The kernel cannot say (another user's file, a network file system): wait
        // until it has been left alone for a while.
        if let identity = FileIdentity.of(path),
          Double(Int(Date().timeIntervalSince1970 * 1e9) - identity.modified) / 1e9 < max(2, options.settleSeconds)
        {
          queue.schedule(path, scanned: true)
          continue
        }
      case false?:
        break
      }
      if let identity = FileIdentity.of(path), failed[path] == identity { continue }  // unchanged since it failed
      guard let file = scanner.file(at: path, root: root) else { continue }
      for admission in engine.admit([file]) {
        switch admission {
        case .task(let task, _, _):
          inFlight.insert(path)
          tasks.append(task)
        case .event(let event):
          finished(event)
        case .ownOutput:
          continue
        }
      }
    }
    return tasks
  }

  /// One input is over: moves its original if asked, then passes the event on.
  private func finished(_ event: FileEvent) {
    inFlight.remove(event.input)
    var event = event
    if event.status != .skipped { moveOriginal(&event) }
    onEvent(event)
  }

  /// Moves the original to the done or failed folder, if asked and only if it is
  /// still what was processed; a failure gets NAME.error.txt beside it.
  private func moveOriginal(_ event: inout FileEvent) {
    let path = event.input
    let now = FileIdentity.of(path)
    if event.status == .failed, let now { failed[path] = now }
    // Only if it is still what was processed (a file replaced meanwhile stays for its own turn).
    let unchanged = now != nil && (event.processed.map { $0.size == now!.size && $0.modified == now!.modified } ?? true)
    guard let folder = event.status == .failed ? options.failedDirectory : options.doneDirectory, unchanged else {
      return
    }
    do {
      let moved = try OriginalMover().move(path, relativeDirectory: event.relativeDirectory, to: folder)
      if let failure = event.failure {
        var note = "\(path)\n\(failure.sentence)\n\(event.time)\n"
        if let output = event.workerOutput { note += "\nworker output:\n" + output }
        try note.write(toFile: moved + ".error.txt", atomically: true, encoding: .utf8)
      }
      event.movedTo = moved
    } catch {
      engine.logger.warning("warning: cannot move \(path) to \(folder): \(error)")
    }
  }
}
