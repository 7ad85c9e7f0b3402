import ArgumentParser
import MediaPipe

struct WatchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "watch",
    abstract: "Process each new file that arrives in a folder, exactly once, as soon as it is whole.",
    discussion: """
      First processes the backlog (files already there and not yet done with this \
      pipeline), then watches the folder and its subfolders, including new ones. A file \
      is taken as soon as it is closed after writing or renamed in, if nothing still has \
      it open for writing (where the kernel cannot tell, after a settle time). Hidden and temporary names (.*, \
      *.tmp, *.part, *.crdownload, *~) wait until renamed. What was done is recorded, so a \
      restart does not redo it; a file replaced by new content is done again. SIGINT or \
      SIGTERM finishes the images in flight and exits 0. See docs/watch-service.md for \
      running it under systemd.

      Examples:
        mediapipe watch inbox/                       (uses the one *.pipeline in inbox/)
        mediapipe watch web.pipeline inbox/ -o web/ --done archive/ --failed rejected/
        mediapipe watch --poll 10 web.pipeline /mnt/share/inbox
      """)

  @ArgumentParser.Argument(
    help: ArgumentHelp(
      "[PIPELINE] DIR: the pipeline (default: the one *.pipeline at the top of DIR) and the folder to watch.",
      valueName: "pipeline-and-folder"))
  var arguments: [String]

  @OptionGroup var workers: WorkerOptions

  @Option(
    help: ArgumentHelp(
      "Scan every this many seconds instead of using inotify (for network file systems).", valueName: "seconds"))
  var poll: Double?

  @Option(
    help: ArgumentHelp(
      "Where the kernel cannot say whether a writer still has a closed file open (other users' files, network file systems): how long it must stay untouched before it is taken.",
      valueName: "seconds"))
  var settle: Double = 0.3

  @Option(help: ArgumentHelp("Move each original here after it was processed.", valueName: "dir"))
  var done: String?

  @Option(help: ArgumentHelp("Move each original that failed here, with NAME.error.txt beside it.", valueName: "dir"))
  var failed: String?

  @Flag(name: .shortAndLong, help: "Also print libvips warnings.")
  var verbose = false

  func validate() throws {
    guard (1...2).contains(arguments.count) else {
      throw ValidationError("give the folder to watch, optionally after a pipeline: mediapipe watch [PIPELINE] DIR")
    }
    if let poll { guard poll > 0 else { throw ValidationError("--poll must be more than 0 seconds") } }
    guard settle >= 0 else { throw ValidationError("--settle cannot be negative") }
  }

  func run() throws {
    let directory = arguments.last!
    let log = EventLog(format: workers.logFormat ?? .text)
    let route = LogRoute()
    route.write = { level, message, metadata in
      log.note(message)
      if level >= .error { printError(message) }
      if let output = Console.workerOutput(metadata) { log.note("worker output:\n" + RunReporter.indented(output)) }
    }
    let logger = Console.logger(route, level: verbose ? .info : .notice)
    let outcome: Engine.Outcome
    do {
      let pipelinePath = arguments.count == 2 ? arguments[0] : try WatchSession.findPipeline(in: directory)
      let options = try workers.engineOptions(
        pipelinePath: pipelinePath, shard: nil, force: false, dryRun: false, verbose: verbose)
      let engine = try Engine(
        options: options, lockRoots: [directory], logger: logger, interrupts: InterruptPipe.catchingSignals())
      Console.warnings(engine)
      let session = WatchSession(
        engine: engine,
        options: WatchSession.Options(
          directory: directory, pollSeconds: poll, settleSeconds: settle, doneDirectory: done, failedDirectory: failed))
      outcome = try session.run { event in
        guard event.status != .skipped || verbose else { return }
        log.write(Flags.worded(event))
        if verbose, let output = event.workerOutput, !output.isEmpty {
          log.note("worker output:\n" + RunReporter.indented(output))
        }
      }
    } catch EngineError.noPipeline(let why) {
      printError("error: \(why); give one: mediapipe watch PIPELINE \(directory)")
      throw ExitCode(RunExitCode.usage.rawValue)
    } catch {
      throw Console.fail(error)
    }
    // SIGINT and SIGTERM are how a service stops: exit 0. A lost lock and a pool that
    // cannot start are exit codes as for `run`.
    if let trouble = outcome.lockTrouble { throw ExitCode(Console.code(for: trouble).rawValue) }
    if outcome.poolFailure != nil {
      throw ExitCode((outcome.done + outcome.failed == 0 ? RunExitCode.usage : .someFailed).rawValue)
    }
  }
}
