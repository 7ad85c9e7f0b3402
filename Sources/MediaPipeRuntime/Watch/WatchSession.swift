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
/// has taken the lock meanwhile, the watcher stops (exit 75).
public final class WatchSession {
  public struct Options: Sendable {
    public var pipelinePath: String?
    public var directory: String
    public var run: BatchRun.Options
    /// Scan every this many seconds instead of using inotify (network file systems).
    public var pollSeconds: Double?
    /// How long a closed file must stay untouched before it is taken.
    public var settleSeconds = 0.3
    public var doneDirectory: String?
    public var failedDirectory: String?
    public var logFormat: String = "text"

    public init(pipelinePath: String?, directory: String, run: BatchRun.Options) {
      self.pipelinePath = pipelinePath
      self.directory = directory
      self.run = run
    }
  }

  let options: Options
  let executable: String
  private var log: WatchLog
  private var queue: ArrivalQueue
  private var root = ""
  private var outputRoot = ""
  private var excluded: [String] = []
  /// Inputs being processed, by path; a file that arrives again meanwhile waits for it.
  private var inFlight: [String: OutputPlan.Entry] = [:]
  /// Files this watcher writes (or will write): never inputs.
  private var ownOutputs = Set<String>()
  /// Files that failed, with the identity they failed with: not retried until they change.
  private var failed: [String: FileIdentity] = [:]
  /// Which input writes each output (normalised): a second input may not write it too.
  private var claims: [String: String] = [:]
  /// Poll mode: each file's identity at the previous scan.
  private var lastScan: [String: FileIdentity] = [:]
  private var nextScan: UInt64 = 0
  private var nextTaskID = 0
  /// A lock that vanished and could not be had again: the watcher stops.
  private var lockTrouble: RunState.LockTrouble?

  public init(options: Options, executable: String = "/proc/self/exe") {
    self.options = options
    self.executable = executable
    log = WatchLog(format: WatchLog.Format(rawValue: options.logFormat) ?? .text)
    queue = ArrivalQueue(settleSeconds: options.settleSeconds)
  }

  /// The pipeline to use: the one given, or the only `*.pipeline` at the top of the folder.
  static func findPipeline(in directory: String) -> Result<String, WatchSetupError> {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
      .filter { $0.hasSuffix(".pipeline") && !$0.hasPrefix(".") }.sorted()
    switch names.count {
    case 1: return .success(directory + "/" + names[0])
    case 0: return .failure(WatchSetupError(message: "no .pipeline file at the top of \(directory); give one: mediapipe watch PIPELINE \(directory)"))
    default:
      return .failure(
        WatchSetupError(message: "several .pipeline files in \(directory) (\(names.joined(separator: ", "))); name the one to use: mediapipe watch PIPELINE \(directory)"))
    }
  }

  public struct WatchSetupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
  }

  /// Runs until SIGINT or SIGTERM; returns the exit code.
  public func run() -> RunExitCode {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: options.directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      printError("error: \(options.directory) is not a folder")
      return .usage
    }
    root = OutputPlan.normalise(options.directory)
    let pipelinePath: String
    if let given = options.pipelinePath {
      pipelinePath = given
    } else {
      switch Self.findPipeline(in: options.directory) {
      case .success(let found): pipelinePath = found
      case .failure(let error):
        printError("error: \(error)")
        return .usage
      }
    }
    guard let pipeline = PipelineFile.load(pipelinePath) else { return .usage }
    outputRoot = options.run.outputRoot.map(OutputPlan.normalise) ?? root
    excluded = [options.run.outputRoot, options.doneDirectory, options.failedDirectory].compactMap { $0 }
      .map(OutputPlan.normalise).filter { $0 != root }
    for folder in [options.doneDirectory, options.failedDirectory].compactMap({ $0 }) {
      try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    let signals = SignalPipe()
    let state: RunState
    do {
      state = try RunState(
        roots: [outputRoot], statePath: options.run.statePath.map(OutputPlan.normalise),
        pipelineID: InputScanner.canonical(pipelinePath), fingerprint: pipeline.fingerprint(), force: false, lock: true,
        wait: !options.run.noWait,
        onWait: { root, holder in self.log.note("waiting: another mediapipe run (\(holder?.description ?? "unknown")) is writing into \(root)") },
        onTakeOver: { root, holder in self.log.note("a previous run (\(holder.description)) in \(root) ended without finishing") },
        onUnusable: { root, why in self.log.note("warning: no lock or state in \(root) (\(why)); a restart will redo files") },
        interrupted: { signals.pending })
    } catch {
      printError("error: \(error)")
      if case RunLock.Failure.busy = error { return .busy }
      return .usage
    }
    defer { state.release() }
    ownOutputs = state.knownOutputs

    // Watch first, then scan: a file that lands in between is seen twice, never missed.
    var watcher: InotifyWatcher?
    if options.pollSeconds == nil {
      do {
        watcher = try InotifyWatcher(excluded: { path in self.isExcluded(path) })
        try watcher!.watchTree(root)
      } catch {
        printError("error: \(error)")
        return .usage
      }
    }
    var scanner = InputScanner(excludedDirectories: Set(excluded.map(InputScanner.canonical)))
    scanner.knownFormat = { state.knownFormat(canonicalPath: $0, size: $1, modified: $2) }
    let backlog = (try? scanner.scan([root]).inputs) ?? []
    log.note("watching \(options.directory) with \(pipelinePath)\(options.pollSeconds.map { " (polling every \(formatSeconds($0)))" } ?? ""); \(backlog.count) file\(backlog.count == 1 ? "" : "s") already there")
    // Files already there may still be being written (a restart during an upload):
    // they too must keep their size and time over the settle time.
    for file in backlog where !isIgnoredName(file.path) { queue.schedule(file.path, scanned: true) }
    for (output, input) in state.outputOwners { claims[output] = input }
    if let poll = options.pollSeconds {
      for file in backlog { lastScan[file.path] = FileIdentity.of(file.path) }
      nextScan = ArrivalQueue.now + UInt64(poll * 1e9)
    }

    let pool = WorkerPool(options: poolOptions(pipeline, pipelinePath: pipelinePath, fingerprint: state.fingerprint))
    let feed = WorkerPool.Feed(
      fd: watcher?.fd ?? -1,
      onReadable: { self.handle(watcher?.read() ?? [], watcher: watcher) },
      takeReady: {
        // A lock deleted under the watcher is made again; one another run took since stops it.
        if let trouble = state.check(onRepaired: { self.log.note($0) }) {
          self.lockTrouble = trouble
          printError("error: \(trouble)")
          self.log.note("error: \(trouble)")
          pool.stop()
          return []
        }
        return self.ready(pipeline: pipeline, state: state, scanner: scanner)
      },
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
    do {
      _ = try pool.run(
        [], interruptFD: signals.readFD, feed: feed,
        onFinish: { task, result in self.finished(task, result, state: state) },
        onInterrupt: { inFlight, second in
          self.log.note(second ? "stopping now: aborting \(inFlight) image(s) in flight" : "stopping: finishing \(inFlight) image(s) in flight (interrupt again to abort)")
        },
        onRetry: { task, failure, output in
          self.log.note("retrying \(task.path): \(failure.sentence)")
          self.workerOutput(output)
        },
        onWriting: { task, temporary, final in
          // Known as ours before it appears, even when its name depends on its size.
          self.ownOutputs.insert(OutputPlan.normalise(final))
          state.noteWriting(root: task.outputRoot, temporary: temporary, final: final)
        })
    } catch {
      printError("error: \(error)")
      return .usage
    }
    log.note("stopped")
    return lockTrouble?.exitCode ?? .success
  }

  private func poolOptions(_ pipeline: Pipeline, pipelinePath: String, fingerprint: String) -> WorkerPool.Options {
    let configuration = WorkerConfiguration(
      pipelineSource: PipelineFile.source(pipelinePath) ?? "", pipelineFile: pipelinePath,
      baseDirectory: pipeline.baseDirectory, allowUntrusted: options.run.allowUntrusted,
      verbose: options.run.verbosity == .verbose, maxPixels: options.run.maxPixels,
      memoryLimitMB: options.run.workerMemoryMB, fingerprint: fingerprint)
    return WorkerPool.Options(
      jobs: options.run.jobs, executable: executable, configuration: configuration, timeout: options.run.timeout,
      retries: options.run.retries)
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
        if !isIgnoredName(path) && !isExcluded(path) { queue.schedule(path) }
      case .modified(let path):
        queue.cancel(path)
      case .folderAdded(let path):
        guard !isExcluded(path) else { continue }
        do { try watcher?.watchTree(path) } catch { log.note("warning: \(error)") }
        // Files may have landed before the watch existed.
        for file in listFiles(below: path) where !isIgnoredName(file) { queue.schedule(file, scanned: true) }
      case .overflow:
        log.note("the kernel's event queue overflowed; rescanning \(options.directory)")
        do { try watcher?.watchTree(root) } catch { log.note("warning: \(error)") }
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
    guard !isExcluded(folder), let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
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

  /// Files whose settle time is over, turned into tasks (or skipped, with a reason).
  private func ready(pipeline: Pipeline, state: RunState, scanner: InputScanner) -> [WorkerTask] {
    var tasks: [WorkerTask] = []
    for path in queue.takeDue() {
      if inFlight[path] != nil {
        queue.schedule(path, scanned: true)  // arrived again while processing: look after it is done
        continue
      }
      if ownOutputs.contains(OutputPlan.normalise(path)) { continue }
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
      // One of ours whose folder was renamed, or that the store forgot: marked all the same.
      if state.isOwnOutput(file) {
        ownOutputs.insert(OutputPlan.normalise(path))
        continue
      }
      var plan = OutputPlan(
        pipeline: pipeline, inputs: [file], outputRoot: options.run.outputRoot.map { _ in outputRoot }, knownOutputs: ownOutputs,
        writtenByMediapipe: state.isOurs, allowUntrusted: options.run.allowUntrusted)
      plan.applyFileSizeLimit(options.run.maxFileSize)
      guard let entry = plan.entries.first else { continue }  // one of our outputs
      var problem = entry.problem
      if problem == nil, let other = entry.outputs.compactMap({ claims[OutputPlan.normalise($0)] }).first(where: { $0 != file.canonicalPath && $0 != file.path }) {
        problem = TaskFailure(reason: .cannotWriteOutput, detail: "its output is already written by \(other)")
      }
      if let problem {
        report(entry, TaskResult(outputs: [], failure: problem, milliseconds: 0))
        continue
      }
      if case .skip = state.decide(entry, canonicalPath: file.canonicalPath) { continue }
      for output in entry.outputs {
        ownOutputs.insert(OutputPlan.normalise(output))
        claims[OutputPlan.normalise(output)] = file.canonicalPath
      }
      let id = nextTaskID
      nextTaskID += 1
      inFlight[path] = entry
      taskEntries[id] = entry
      tasks.append(
        WorkerTask(
          id: id, path: file.path, outputRoot: entry.outputRoot, relativeDirectory: file.relativeDirectory,
          format: file.format?.rawValue))
    }
    return tasks
  }

  private var taskEntries: [Int: OutputPlan.Entry] = [:]

  private func finished(_ task: WorkerTask, _ result: TaskResult, state: RunState) {
    guard let entry = taskEntries.removeValue(forKey: task.id) else { return }
    inFlight[entry.input.path] = nil
    for output in result.outputs { ownOutputs.insert(OutputPlan.normalise(output.path)) }
    state.noteUnmarkedOutputs(of: result, root: entry.outputRoot)
    if result.failure == nil {
      try? state.record(entry, canonicalPath: entry.input.canonicalPath, result: result)
    }
    report(entry, result)
  }

  /// Logs one file and moves its original if asked (only if it is still what was processed).
  private func report(_ entry: OutputPlan.Entry, _ result: TaskResult) {
    let mover = OriginalMover()
    let now = FileIdentity.of(entry.input.path)
    let unchanged = now != nil && (result.input == nil || (now!.size == result.input!.size && now!.modified == result.input!.modified))
    if result.failure != nil, let now { failed[entry.input.path] = now }
    var line = WatchLog.Line(time: WatchLog.now(), input: entry.input.path, status: "done", milliseconds: result.milliseconds)
    defer { workerOutput(result.workerOutput) }
    if let failure = result.failure {
      line.status = "failed"
      line.reason = failure.reason.rawValue
      line.message = failure.reason.sentence
      line.detail = failure.detail.isEmpty ? nil : failure.detail
      if let failedFolder = options.failedDirectory, unchanged {
        do {
          let moved = try mover.move(entry.input.path, relativeDirectory: entry.input.relativeDirectory, to: failedFolder)
          var note = "\(entry.input.path)\n\(failure.sentence)\n\(WatchLog.now())\n"
          if let output = result.workerOutput { note += "\nworker output:\n" + output }
          try note.write(toFile: moved + ".error.txt", atomically: true, encoding: .utf8)
          line.movedTo = moved
        } catch {
          log.note("warning: cannot move \(entry.input.path) to \(failedFolder): \(error)")
        }
      }
    } else {
      line.outputs = result.outputs.map(\.path)
      if let doneFolder = options.doneDirectory, unchanged {
        do {
          line.movedTo = try mover.move(entry.input.path, relativeDirectory: entry.input.relativeDirectory, to: doneFolder)
        } catch {
          log.note("warning: cannot move \(entry.input.path) to \(doneFolder): \(error)")
        }
      }
    }
    log.write(line)
  }

  /// With --verbose, what a worker wrote on stdout and stderr (libvips warnings, a crash's backtrace).
  private func workerOutput(_ text: String?) {
    guard options.run.verbosity == .verbose, let text, !text.isEmpty else { return }
    log.note("worker output:\n" + RunReporter.indented(text))
  }
}
