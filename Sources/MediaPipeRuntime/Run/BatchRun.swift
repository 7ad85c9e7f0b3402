import CVipsShims
import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// `mediapipe run`: compile the pipeline, find the inputs, plan the outputs,
/// run the tasks on the pool, report.
public struct BatchRun {
  public struct Options: Sendable {
    public var pipelinePath: String
    public var paths: [String]
    public var jobs: Int
    public var outputRoot: String?
    public var dryRun = false
    public var verbosity: RunReporter.Verbosity = .normal
    public var allowUntrusted = false

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
    guard let loaded = PipelineFile.load(options.pipelinePath) else { return .usage }
    let pipeline = loaded

    var outputRoot: String?
    var excluded: Set<String> = []
    if let root = options.outputRoot {
      outputRoot = OutputPlan.normalise(root)
      excluded.insert(InputScanner.canonical(outputRoot!))
    }
    let found: [InputFile]
    let ignored: [String]
    do {
      (found, ignored) = try InputScanner(excludedDirectories: excluded).scan(options.paths)
    } catch {
      printError("error: \(error)")
      return .usage
    }
    let plan = OutputPlan(pipeline: pipeline, inputs: found, outputRoot: outputRoot)
    let reporter = RunReporter(total: plan.entries.count, verbosity: options.verbosity)
    for path in ignored { reporter.note("skipped \(path): not an image") }
    for input in plan.ownOutputs { reporter.note("skipped \(input.path): an output of this pipeline") }

    if options.dryRun { return dryRun(plan) }
    if plan.entries.isEmpty {
      reporter.say("no images found in \(options.paths.joined(separator: ", "))")
      return .success
    }

    var tasks: [WorkerTask] = []
    var inputsByID: [Int: InputFile] = [:]
    for (id, entry) in plan.entries.enumerated() {
      inputsByID[id] = entry.input
      if let problem = entry.problem {
        reporter.finished(entry.input, TaskResult(outputs: [], failure: problem, milliseconds: 0), upFront: true)
        continue
      }
      tasks.append(
        WorkerTask(
          id: id, path: entry.input.path, outputRoot: entry.outputRoot,
          relativeDirectory: entry.input.relativeDirectory, format: entry.input.format?.rawValue))
    }
    // Largest first: the long images start early and the end of the run stays busy.
    tasks.sort { (inputsByID[$0.id]?.size ?? 0) > (inputsByID[$1.id]?.size ?? 0) }

    let signals = SignalPipe()
    let configuration = WorkerConfiguration(
      pipelineSource: PipelineFile.source(options.pipelinePath) ?? "", pipelineFile: options.pipelinePath,
      baseDirectory: pipeline.baseDirectory, allowUntrusted: options.allowUntrusted,
      verbose: options.verbosity == .verbose)
    let pool = WorkerPool(options: .init(jobs: options.jobs, executable: executable, configuration: configuration))
    var outcome = WorkerPool.Outcome()
    if !tasks.isEmpty {
      do {
        outcome = try pool.run(
          tasks, interruptFD: signals.readFD,
          onFinish: { task, result in reporter.finished(inputsByID[task.id]!, result) },
          onTick: { reporter.tick() },
          onInterrupt: { inFlight, second in
            if second {
              reporter.say("aborting: stopping the \(inFlight) image\(inFlight == 1 ? "" : "s") in flight")
            } else {
              reporter.say("stopping: finishing the \(inFlight) image\(inFlight == 1 ? "" : "s") in flight (interrupt again to abort)")
            }
          })
      } catch {
        printError("error: \(error)")
        return .usage
      }
    }
    reporter.summary(skippedOutputs: plan.ownOutputs.count, notStarted: outcome.notStarted.count, interrupted: outcome.interrupted)
    if outcome.interrupted { return .interrupted }
    return reporter.failed > 0 ? .someFailed : .success
  }

  private func dryRun(_ plan: OutputPlan) -> RunExitCode {
    var out = ""
    for entry in plan.entries {
      if let problem = entry.problem {
        out += "\(entry.input.path): would fail: \(problem.sentence)\n"
      } else {
        out += "\(entry.input.path) -> \(entry.outputs.joined(separator: ", "))\n"
      }
    }
    for input in plan.ownOutputs {
      out += "\(input.path): skipped, an output of this pipeline\n"
    }
    out += "dry run: \(plan.entries.count) image\(plan.entries.count == 1 ? "" : "s"), nothing written\n"
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
    guard let source = source(path) else {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      printError("error: cannot read the pipeline file \(path): \(exists ? (isDirectory.boolValue ? "it is a folder" : "permission denied") : "no such file")")
      return nil
    }
    let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let result = PipelineCompiler.compile(source: source, file: path, baseDirectory: base)
    if !result.diagnostics.isEmpty {
      printError(result.diagnostics.rendered(source: source), newline: false)
    }
    if result.pipeline == nil {
      let count = result.diagnostics.filter { $0.severity == .error }.count
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
    cvips_install_signal_pipe(fds[1])
  }
}

/// Writes to stderr.
public func printError(_ text: String, newline: Bool = true) {
  FileHandle.standardError.write((text + (newline ? "\n" : "")).data(using: .utf8)!)
}
