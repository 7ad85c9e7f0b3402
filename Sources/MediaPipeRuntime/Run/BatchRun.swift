import CVipsShims
import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// `mediapipe run`: compile the pipeline, find the inputs, plan the outputs,
/// take the output roots' locks, skip what is up to date, run the rest on the
/// pool, record what was done, report.
public struct BatchRun {
  public struct Options: Sendable {
    public var pipelinePath: String
    public var paths: [String]
    public var jobs: Int
    public var outputRoot: String?
    public var dryRun = false
    public var verbosity: RunReporter.Verbosity = .normal
    public var allowUntrusted = false
    /// One state store for every output root, instead of `.mediapipe/state.sqlite` in each.
    public var statePath: String?
    /// Redo every input, up to date or not.
    public var force = false
    /// Fail at once (exit 75) when another run holds an output root's lock.
    public var noWait = false
    public var maxPixels = 100_000_000
    public var maxFileSize = 500 * 1_000_000
    /// Seconds one image may take.
    public var timeout: Double? = 120
    /// MiB one worker may allocate.
    public var workerMemoryMB: Int?
    public var retries = 1
    public var reportPath: String?

    public init(pipelinePath: String, paths: [String], jobs: Int, outputRoot: String?) {
      self.pipelinePath = pipelinePath
      self.paths = paths
      self.jobs = jobs
      self.outputRoot = outputRoot
    }
  }

  public let options: Options
  /// The executable workers are started from (this program).
  public let executable: String

  public init(options: Options, executable: String = "/proc/self/exe") {
    self.options = options
    self.executable = executable
  }

  /// Runs and returns the exit code; everything the user should see is printed.
  public func execute() -> RunExitCode {
    guard let pipeline = PipelineFile.load(options.pipelinePath) else { return .usage }
    let outputRoot = options.outputRoot.map(OutputPlan.normalise)

    // Lock the output roots and read what earlier runs did.
    let signals = SignalPipe()
    let state: RunState
    let quietReporter = RunReporter(total: 0, verbosity: options.verbosity)
    do {
      state = try RunState(
        roots: outputRoot.map { [$0] } ?? Self.inputRoots(options.paths), statePath: options.statePath.map(OutputPlan.normalise),
        pipelineID: InputScanner.canonical(options.pipelinePath), fingerprint: pipeline.fingerprint(), force: options.force,
        lock: !options.dryRun, wait: !options.noWait,
        onWait: { root, holder in
          quietReporter.say("waiting: another mediapipe run (\(holder?.description ?? "unknown")) is writing into \(root)")
        },
        onTakeOver: { root, holder in
          quietReporter.say("note: a previous run (\(holder.description)) in \(root) ended without finishing; continuing from what it recorded")
        },
        onUnusable: { root, why in
          quietReporter.say("warning: cannot keep a lock or state in \(root) (\(why)); going on without them")
        },
        interrupted: { signals.pending })
    } catch let failure as RunLock.Failure {
      printError("error: \(failure)")
      if case .busy = failure {
        printError("run again later, or leave out --no-wait to wait for it")
        return .busy
      }
      return failure.isInterrupt ? .interrupted : .usage
    } catch {
      printError("error: \(error)")
      return .usage
    }
    defer { state.release() }

    // Find the inputs (never inside the output folder); files known unchanged are not even opened.
    let found: [InputFile], ignored: [String]
    do {
      var scanner = InputScanner(excludedDirectories: outputRoot.map { [InputScanner.canonical($0)] } ?? [])
      scanner.knownFormat = { state.knownFormat(canonicalPath: $0, size: $1, modified: $2) }
      (found, ignored) = try scanner.scan(options.paths)
    } catch {
      printError("error: \(error)")
      return .usage
    }

    // Outputs are known by the store, and by the mark they carry even if their folder
    // was renamed or the store deleted: never inputs.
    let marked = found.filter { state.isOwnOutput($0) }.map { OutputPlan.normalise($0.path) }
    var plan = OutputPlan(
      pipeline: pipeline, inputs: found, outputRoot: outputRoot, knownOutputs: state.knownOutputs.union(marked),
      overwrite: options.force, writtenByMediapipe: state.isOurs, allowUntrusted: options.allowUntrusted)
    plan.applyFileSizeLimit(options.maxFileSize)
    let decisions = plan.entries.map { entry in
      entry.problem == nil ? state.decide(entry, canonicalPath: entry.input.canonicalPath) : .process("it cannot run")
    }
    if options.dryRun { return dryRun(plan, decisions) }

    let toDo = plan.entries.indices.filter { if case .process = decisions[$0] { return true } else { return false } }
    let reporter = RunReporter(total: toDo.count, verbosity: options.verbosity)
    for path in ignored { reporter.note("skipped \(path)") }
    for input in plan.ownOutputs { reporter.note("skipped \(input.path): an output of this pipeline") }
    var report = RunReport(pipeline: options.pipelinePath)
    report.summary.inputs = plan.entries.count
    for index in plan.entries.indices {
      if case .skip(let why) = decisions[index] {
        report.skipped(plan.entries[index].input, why: why)
        reporter.note("skipped \(plan.entries[index].input.path): \(why)")
      }
    }
    let skipped = plan.entries.count - toDo.count
    if skipped > 0 && !toDo.isEmpty {
      reporter.say("\(skipped) image\(skipped == 1 ? "" : "s") up to date, skipped (--force redoes them)")
    }

    // Failures known before any decoding, then the tasks, largest first so the
    // long images start early and the end of the run stays busy.
    var tasks: [WorkerTask] = []
    for id in toDo {
      let entry = plan.entries[id]
      if let problem = entry.problem {
        reporter.finished(entry.input, TaskResult(outputs: [], failure: problem, milliseconds: 0), upFront: true)
        report.failed(entry.input, problem, milliseconds: 0)
        continue
      }
      tasks.append(
        WorkerTask(
          id: id, path: entry.input.path, outputRoot: entry.outputRoot,
          relativeDirectory: entry.input.relativeDirectory, format: entry.input.format?.rawValue,
          outputs: entry.outputs, pixels: entry.input.dimensions?.pixels))
    }
    tasks.sort { plan.entries[$0.id].input.size > plan.entries[$1.id].input.size }

    let pool = WorkerPool(options: poolOptions(pipeline, fingerprint: state.fingerprint))
    // Records are gathered and committed when the pool flushes (a crash loses only those not yet flushed).
    state.batchesWrites = true
    var outcome = WorkerPool.Outcome()
    var writeFailures = 0, successes = 0, stoppedEarly = false
    var lockTrouble: RunState.LockTrouble?
    if !tasks.isEmpty {
      do {
        outcome = try pool.run(
          tasks, interruptFD: signals.readFD,
          onFinish: { task, result in
            let entry = plan.entries[task.id]
            reporter.finished(entry.input, result)
            state.noteUnmarkedOutputs(of: result, root: entry.outputRoot)
            if let failure = result.failure {
              report.failed(entry.input, failure, milliseconds: result.milliseconds, workerOutput: result.workerOutput)
              if failure.reason == .cannotWriteOutput { writeFailures += 1 }
              // Every write so far failed: the output folder is read-only or full; stop early.
              if successes == 0 && writeFailures >= max(3, options.jobs) && !stoppedEarly {
                stoppedEarly = true
                reporter.say("stopping early: no output could be written (\(failure.detail)); check the output folder")
                pool.stop()
              }
            } else {
              successes += 1
              report.done(entry.input, result)
              do {
                try state.record(entry, canonicalPath: entry.input.canonicalPath, result: result)
              } catch {
                reporter.say("warning: could not record \(entry.input.path) in the state store: \(error)")
              }
            }
          },
          onTick: {
            reporter.tick()
            // A lock deleted under us is made again; one another run took since stops us.
            if lockTrouble == nil, let trouble = state.check(onRepaired: { reporter.say($0) }) {
              lockTrouble = trouble
              reporter.error("error: \(trouble)")
              pool.stop()
            }
          },
          onInterrupt: { inFlight, second in
            let images = "\(inFlight) image\(inFlight == 1 ? "" : "s") in flight"
            reporter.say(second ? "aborting: stopping the \(images)" : "stopping: finishing the \(images) (interrupt again to abort)")
          },
          onRetry: { task, failure, output in
            reporter.say("retrying \(plan.entries[task.id].input.path): \(failure.sentence)")
            reporter.workerOutput(output)
          },
          onWriting: { task, temporary, final in
            state.noteWriting(root: plan.entries[task.id].outputRoot, temporary: temporary, final: final)
          },
          onFlush: {
            do { try state.flush() } catch { reporter.say("warning: cannot write the state store: \(error)") }
          })
      } catch {
        // The pool itself failed (workers cannot start): what finished is kept and reported.
        printError("error: \(error)")
        if reporter.done == 0 { return .usage }
        outcome.stopped = true
      }
    }
    let stoppedReason =
      outcome.interrupted
      ? "not started: interrupted" : lockTrouble != nil ? "not started: the lock was lost" : "not started: output writes failing"
    for task in outcome.notStarted { report.skipped(plan.entries[task.id].input, why: stoppedReason) }
    reporter.summary(
      skippedOutputs: plan.ownOutputs.count, notStarted: outcome.notStarted.count, interrupted: outcome.interrupted,
      upToDate: skipped)

    var code: RunExitCode = outcome.interrupted ? .interrupted : (reporter.failed > 0 || outcome.stopped ? .someFailed : .success)
    if let lockTrouble, !outcome.interrupted { code = lockTrouble.exitCode }
    if let path = options.reportPath {
      report.summary.milliseconds = Int(reporter.elapsed * 1000)
      report.summary.interrupted = outcome.interrupted
      report.summary.exitCode = code.rawValue
      do { try report.write(to: path) } catch { printError("error: cannot write the report \(path): \(error)") }
    }
    return code
  }

  /// The folders the paths on the command line stand for: a folder itself, a file's folder.
  static func inputRoots(_ paths: [String]) -> [String] {
    paths.compactMap { path in
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
      let root = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
      return OutputPlan.normalise(root.isEmpty ? "." : root)
    }
  }

  private func poolOptions(_ pipeline: Pipeline, fingerprint: String) -> WorkerPool.Options {
    let configuration = WorkerConfiguration(
      pipelineSource: PipelineFile.source(options.pipelinePath) ?? "", pipelineFile: options.pipelinePath,
      baseDirectory: pipeline.baseDirectory, allowUntrusted: options.allowUntrusted,
      verbose: options.verbosity == .verbose, maxPixels: options.maxPixels, memoryLimitMB: options.workerMemoryMB,
      fingerprint: fingerprint)
    return WorkerPool.Options(
      jobs: options.jobs, executable: executable, configuration: configuration, timeout: options.timeout,
      retries: options.retries)
  }

  private func dryRun(_ plan: OutputPlan, _ decisions: [RunState.Decision]) -> RunExitCode {
    var out = ""
    var work = 0
    for (entry, decision) in zip(plan.entries, decisions) {
      if let problem = entry.problem {
        out += "\(entry.input.path): would fail: \(problem.sentence)\n"
        work += 1
      } else if case .skip(let why) = decision {
        out += "\(entry.input.path): skip, \(why)\n"
      } else {
        out += "\(entry.input.path) -> \(entry.outputs.joined(separator: ", ")) (\(decision.reason))\n"
        work += 1
      }
    }
    for input in plan.ownOutputs {
      out += "\(input.path): skipped, an output of this pipeline\n"
    }
    let count = plan.entries.count
    out += "dry run: \(count) image\(count == 1 ? "" : "s"), \(work) to process, \(count - work) up to date; nothing written\n"
    FileHandle.standardOutput.write(out.data(using: .utf8)!)
    return .success
  }
}

/// Reads and compiles a pipeline file, printing its diagnostics.
public enum PipelineFile {
  public static func source(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return String(decoding: data, as: UTF8.self)
  }

  /// The compiled pipeline, or nil after printing why not (to stderr).
  public static func load(_ path: String) -> Pipeline? {
    guard let data = FileManager.default.contents(atPath: path) else {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      printError("error: cannot read the pipeline file \(path): \(exists ? (isDirectory.boolValue ? "it is a folder" : "permission denied") : "no such file")")
      return nil
    }
    let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let result = PipelineCompiler.compile(contents: data, file: path, baseDirectory: base)
    if !result.diagnostics.isEmpty {
      printError(result.renderedDiagnostics(), newline: false)
    }
    if result.pipeline == nil {
      let count = result.errorCount
      printError("\(count) error\(count == 1 ? "" : "s") in \(path); nothing was processed")
    }
    return result.pipeline
  }
}

/// A self-pipe that receives one byte per SIGINT or SIGTERM.
final class SignalPipe {
  let readFD: Int32

  init() {
    var fds: [Int32] = [-1, -1]
    _ = cvips_pipe_cloexec(&fds)
    readFD = fds[0]
    _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
    _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
    cvips_install_signal_pipe(fds[1])
  }

  /// Whether a signal arrived (consumes nothing: the byte stays for the pool to read).
  var pending: Bool {
    var fd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
    return poll(&fd, 1, 0) > 0
  }
}

/// Writes to stderr.
public func printError(_ text: String, newline: Bool = true) {
  FileHandle.standardError.write((text + (newline ? "\n" : "")).data(using: .utf8)!)
}
