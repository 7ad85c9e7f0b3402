import Foundation
import Logging
import MediaPipeCore

/// The one engine under `run` and `watch`.
///
/// Built once from `EngineOptions`, it compiles the pipeline, opens the state
/// stores and takes the output roots' locks. Then it offers two things:
///
/// - *admit* inputs (`admit(_:)`): plan their outputs, check for clashes, and
///   decide whether each is up to date, failing what cannot run before any decoding;
/// - *complete* a task (`complete(_:_:)`): record what was done, then return the
///   one neutral per-file `FileEvent`.
///
/// `process(_:feed:onEvent:)` runs tasks on the worker pool and turns every result
/// into an event. `run` admits everything it finds at once (`planBatch(_:)`);
/// `watch` admits each arrival (`WatchSession`). The engine prints nothing: it logs
/// through the `Logger` it is given and returns values.
public final class Engine {
  public let options: EngineOptions
  /// The compiled pipeline.
  public let pipeline: Pipeline
  /// The compiler's result, with its warnings (the pipeline compiled, so no errors).
  public let compiled: PipelineCompiler.Result
  public let logger: Logger
  /// `options.outputRoot`, normalised.
  public let outputRoot: String?
  let state: RunState
  let interrupts: InterruptPipe?
  /// Every file this engine's pipeline writes or wrote (normalised): never an input.
  private var ownOutputs: Set<String>
  /// Which input writes each output (normalised output path to the input's path).
  private var claims: [String: String]
  /// The entry of each task handed out and not yet completed.
  private var entries: [Int: OutputPlan.Entry] = [:]
  private var nextTaskID = 0
  /// Set when a lock vanished and could not be had again: the engine stops.
  public private(set) var lockTrouble: LockTrouble?

  /// Compiles the pipeline, takes the locks of `lockRoots` and opens their stores.
  /// - Parameters:
  ///   - lockRoots: the folders whose `.mediapipe` lock and store this engine uses when
  ///     there is no `outputRoot`: the input folders of a run, the watched folder.
  ///   - interrupts: where SIGINT/SIGTERM arrive (see `InterruptPipe`); nil for none.
  /// - Throws: `EngineError`.
  public init(options: EngineOptions, lockRoots: [String], logger: Logger, interrupts: InterruptPipe?) throws {
    self.options = options
    self.logger = logger
    self.interrupts = interrupts
    compiled = try Self.compile(options.pipelinePath)
    guard let pipeline = compiled.pipeline else {
      throw EngineError.invalidPipeline(path: options.pipelinePath, compiled)
    }
    self.pipeline = pipeline
    outputRoot = options.outputRoot.map(OutputPlan.normalise)
    let roots = outputRoot.map { [$0] } ?? lockRoots.map(OutputPlan.normalise)
    do {
      state = try RunState(
        roots: roots, statePath: options.statePath.map(OutputPlan.normalise), shard: options.shard,
        journal: options.stateJournal,
        pipelineID: InputScanner.canonical(options.pipelinePath), fingerprint: pipeline.fingerprint(),
        force: options.force, lock: !options.dryRun, wait: options.waitForLock,
        onWait: { root, holder in
          logger.notice("waiting: another mediapipe run (\(holder?.description ?? "unknown")) is writing into \(root)")
        },
        onTakeOver: { root, holder in
          logger.notice(
            "note: a previous run (\(holder.description)) in \(root) ended without finishing; continuing from what it recorded"
          )
        },
        onUnusable: { root, why in
          logger.warning("warning: cannot keep a lock or state in \(root) (\(why)); going on without them")
        },
        interrupted: { interrupts?.pending ?? false })
    } catch let failure as RunLock.Failure {
      switch failure {
      case .busy: throw EngineError.busy(failure)
      case .interrupted: throw EngineError.interrupted
      default: throw EngineError.lock(failure)
      }
    }
    ownOutputs = state.knownOutputs
    claims = state.outputOwners
  }

  deinit { state.release() }

  /// Reads and compiles a pipeline file.
  /// - Throws: `EngineError.cannotReadPipeline` when the file cannot be read.
  public static func compile(_ path: String) throws -> PipelineCompiler.Result {
    guard let data = FileManager.default.contents(atPath: path) else {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      throw EngineError.cannotReadPipeline(
        path: path, why: exists ? (isDirectory.boolValue ? "it is a folder" : "permission denied") : "no such file")
    }
    let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
    return PipelineCompiler.compile(contents: data, file: path, baseDirectory: base)
  }

  /// A scanner for inputs below this engine's roots that never enters `excluded`
  /// folders and does not read the first bytes of files the store knows unchanged.
  public func scanner(excluding excluded: [String]) -> InputScanner {
    var scanner = InputScanner(excludedDirectories: Set(excluded.map(InputScanner.canonical)))
    scanner.shard = options.shard
    scanner.knownFormat = { [state] in state.knownFormat(canonicalPath: $0, size: $1, modified: $2) }
    return scanner
  }

  // MARK: - Admitting inputs

  /// What becomes of one found file.
  public enum Admission {
    /// It is to be processed: hand `task` to `process`. `outputs` are the files it
    /// will write (patterns where they depend on the size); `why` says why it runs
    /// ("new", "changed", ...).
    case task(WorkerTask, outputs: [String], why: String)
    /// It is decided without a worker: skipped (up to date) or failed (not an image,
    /// a name clash, a limit).
    case event(FileEvent)
    /// It is an output of this pipeline: never an input.
    case ownOutput(InputFile)
  }

  /// Plans the outputs of `files` (found together: a clash between two of them fails
  /// the second), checks them against inputs, other outputs and files mediapipe did
  /// not write, and decides for each whether it is up to date.
  public func admit(_ files: [InputFile]) -> [Admission] {
    // What deciding records (failures found up front, touched files, records taken
    // from other shards' stores) is committed in one transaction, not one per file.
    let batching = state.batchesWrites
    state.batchesWrites = true
    defer { state.batchesWrites = batching }
    var known = ownOutputs
    for file in files where !known.contains(OutputPlan.normalise(file.path)) && state.isOwnOutput(file) {
      known.insert(OutputPlan.normalise(file.path))
    }
    let plan = OutputPlan(
      pipeline: pipeline, inputs: files, outputRoot: outputRoot, knownOutputs: known, overwrite: options.force,
      writtenByMediapipe: state.isOurs, allowUntrusted: options.allowUntrusted, claimed: claims,
      claimedElsewhere: state.claimElsewhere,
      maxFileSize: options.limits.maxFileSize)
    var admissions: [Admission] = []
    // One allocation: grown by doubling, a re-run over 100,000 files copied it 17
    // times and held two buffers (44 MB) at its peak.
    admissions.reserveCapacity(plan.entries.count + plan.ownOutputs.count)
    for entry in plan.entries {
      if let problem = entry.problem {
        recordFailure(entry, problem)
        var event = FileEvent(input: entry.input, status: .failed, failure: problem)
        event.upFront = true
        admissions.append(.event(event))
        continue
      }
      let decision = state.decide(entry, canonicalPath: entry.input.canonicalPath)
      if case .skip(let why) = decision {
        admissions.append(.event(FileEvent(input: entry.input, status: .skipped, reason: why)))
        continue
      }
      if !options.dryRun {
        for output in entry.outputs {
          ownOutputs.insert(OutputPlan.normalise(output))
          claims[OutputPlan.normalise(output)] = entry.input.path
        }
      }
      let id = nextTaskID
      nextTaskID += 1
      entries[id] = entry
      // The planned outputs let the pool name and record their temporary files before
      // the task is sent; the header's size orders and admits it (largest first, memory).
      let task = WorkerTask(
        id: id, path: entry.input.path, outputRoot: entry.outputRoot, relativeDirectory: entry.input.relativeDirectory,
        format: entry.input.format?.rawValue, outputs: entry.outputs, pixels: entry.input.dimensions?.pixels)
      admissions.append(.task(task, outputs: entry.outputs, why: decision.reason))
    }
    for file in plan.ownOutputs {
      ownOutputs.insert(OutputPlan.normalise(file.path))
      admissions.append(.ownOutput(file))
    }
    return admissions
  }

  /// Whether `path` is a file this engine's pipeline writes or wrote.
  public func isOwnOutput(_ path: String) -> Bool { ownOutputs.contains(OutputPlan.normalise(path)) }

  /// The input file a task was admitted for.
  public func input(of task: WorkerTask) -> InputFile? { entries[task.id]?.input }

  // MARK: - Completing tasks

  /// Records what a task did in the state store and returns its event. A record
  /// that cannot be written is logged as a warning (the image is then redone by the
  /// next run): the image itself was processed.
  public func complete(_ task: WorkerTask, _ result: TaskResult) -> FileEvent? {
    guard let entry = entries.removeValue(forKey: task.id) else { return nil }
    for output in result.outputs { ownOutputs.insert(OutputPlan.normalise(output.path)) }
    state.noteUnmarkedOutputs(of: result, root: entry.outputRoot)
    if let failure = result.failure {
      recordFailure(entry, failure)
    } else {
      do {
        try state.record(entry, canonicalPath: entry.input.canonicalPath, result: result)
      } catch {
        logger.warning("warning: could not record \(entry.input.path) in the state store: \(error)")
      }
    }
    var event = FileEvent(input: entry.input, status: result.failure == nil ? .done : .failed, failure: result.failure)
    event.outputs = result.outputs.map { output in
      FileEvent.Output(
        path: output.path, variant: output.variant, format: output.format, width: output.width, height: output.height,
        bytes: FileIdentity.of(output.path)?.size ?? 0, note: output.note, quality: output.quality,
        score: output.score)
    }
    event.milliseconds = result.milliseconds
    event.workerOutput = result.workerOutput
    event.processed = result.input
    return event
  }

  /// Notes a failure in the state store, for `status`; one that cannot be noted is logged.
  private func recordFailure(_ entry: OutputPlan.Entry, _ failure: TaskFailure) {
    do {
      try state.recordFailure(entry, canonicalPath: entry.input.canonicalPath, failure: failure)
    } catch {
      logger.warning("warning: could not record the failure of \(entry.input.path) in the state store: \(error)")
    }
  }

  /// An event for a task that was admitted but never started (interrupted, stopped).
  func notStarted(_ task: WorkerTask, why: String) -> FileEvent? {
    guard let entry = entries.removeValue(forKey: task.id) else { return nil }
    return FileEvent(input: entry.input, status: .skipped, reason: why)
  }

  // MARK: - Running tasks

  /// How processing ended.
  public struct Outcome: Sendable {
    /// SIGINT or SIGTERM arrived; tasks in flight were finished (or, at the second, aborted).
    public var interrupted = false
    /// No output could be written at all (a read-only or full output folder): stopped early.
    public var outputsFailing = false
    /// A lock vanished and another run took it, or it could not be made again: stopped.
    public var lockTrouble: LockTrouble?
    /// The pool itself failed (workers cannot start); what finished was kept.
    public var poolFailure: String?
    /// Events seen, by status.
    public var done = 0, failed = 0, notStarted = 0
  }

  /// New tasks for a running engine (the watcher's arrivals), polled alongside the workers.
  public typealias Feed = WorkerPool.Feed

  /// Runs `tasks` (in order), and whatever `feed` brings, on the worker pool, and
  /// passes one event per input to `onEvent`: each finished task, then each task
  /// not started. Returns when every task is done, or on an interrupt, a lost lock,
  /// or when not a single output could be written (`Outcome.outputsFailing`).
  /// - Parameter onTick: called a few times a second (progress display).
  public func process(
    _ tasks: [WorkerTask], feed: Feed? = nil, onEvent: (FileEvent) -> Void, onTick: () -> Void = {}
  ) -> Outcome {
    var outcome = Outcome()
    guard !tasks.isEmpty || feed != nil else { return outcome }
    let pool = WorkerPool(options: poolOptions())
    // What is recorded is gathered and committed when the pool flushes (before a worker
    // may create a file it was told about, and a few times a second): a crash loses only
    // the records not yet committed, and those images are done again.
    state.batchesWrites = true
    defer { try? state.flush() }
    var writeFailures = 0
    var successes = 0
    let started: WorkerPool.Outcome
    do {
      started = try pool.run(
        tasks, interruptFD: interrupts?.readFD ?? -1, feed: feed,
        onFinish: { task, result in
          guard let event = complete(task, result) else { return }
          if let failure = result.failure {
            outcome.failed += 1
            if failure.reason == .cannotWriteOutput { writeFailures += 1 }
            // Every write so far failed: the output folder is read-only or full; stop early.
            if successes == 0 && writeFailures >= max(3, options.jobs) && !outcome.outputsFailing {
              outcome.outputsFailing = true
              logger.error("stopping early: no output could be written (\(failure.detail)); check the output folder")
              pool.stop()
            }
          } else {
            successes += 1
            outcome.done += 1
          }
          onEvent(event)
        },
        onTick: {
          onTick()
          // A lock deleted under us is made again; one another run took since stops us.
          if lockTrouble == nil, let trouble = state.check(onRepaired: { logger.notice("\($0)") }) {
            lockTrouble = trouble
            logger.error("error: \(trouble)")
            pool.stop()
          }
        },
        onInterrupt: { inFlight, second in
          let images = "\(inFlight) image\(inFlight == 1 ? "" : "s") in flight"
          logger.notice(
            "\(second ? "aborting: stopping the \(images)" : "stopping: finishing the \(images) (interrupt again to abort)")"
          )
        },
        onRetry: { task, failure, output in
          var metadata: Logger.Metadata = [:]
          if let output, !output.isEmpty { metadata["workerOutput"] = .string(output) }
          logger.notice("retrying \(task.path): \(failure.sentence)", metadata: metadata)
        },
        onWriting: { task, temporary, final in
          // Known as ours before it appears, even when its name depends on its size.
          ownOutputs.insert(OutputPlan.normalise(final))
          state.noteWriting(root: task.outputRoot, temporary: temporary, final: final)
        },
        onFlush: {
          do { try state.flush() } catch { logger.warning("warning: cannot write the state store: \(error)") }
        })
    } catch {
      outcome.poolFailure = "\(error)"
      logger.error("error: \(error)")
      started = WorkerPool.Outcome()
    }
    outcome.interrupted = started.interrupted
    outcome.lockTrouble = lockTrouble
    let why =
      started.interrupted
      ? "not started: interrupted"
      : lockTrouble != nil ? "not started: the lock was lost" : "not started: output writes failing"
    for task in started.notStarted {
      guard let event = notStarted(task, why: why) else { continue }
      outcome.notStarted += 1
      onEvent(event)
    }
    return outcome
  }

  /// The one place worker settings come from.
  private func poolOptions() -> WorkerPool.Options {
    var configuration = WorkerConfiguration(
      pipelineSource: compiled.source, pipelineFile: options.pipelinePath, baseDirectory: pipeline.baseDirectory,
      allowUntrusted: options.allowUntrusted, verbose: options.libvipsWarnings, maxPixels: options.limits.maxPixels,
      memoryLimitMB: options.limits.workerMemoryMB, fingerprint: state.fingerprint)
    configuration.maxFrames = options.limits.maxFrames
    return WorkerPool.Options(
      jobs: options.jobs, executable: options.workerExecutable, configuration: configuration,
      timeout: options.limits.timeout, retries: options.limits.retries)
  }
}
