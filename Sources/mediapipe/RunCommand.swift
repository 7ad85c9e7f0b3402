import ArgumentParser
import Foundation
import MediaPipe

struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Process every image below the given paths with a pipeline.",
    discussion: """
      Folders are walked recursively (hidden files and folders skipped); files are \
      chosen by their content, not their extension. Outputs go next to each input as \
      processed_{stem}.{ext} unless the pipeline's `output` says otherwise, or below DIR with \
      -o DIR (mirroring the folders). Inputs are never modified; outputs appear whole \
      or not at all; files this pipeline writes are never taken as inputs.

      Examples:
        mediapipe run pipelines/resize.pipeline photos/
        mediapipe run -j 4 -o web/ pipelines/web.pipeline photos/ more/IMG_0001.jpg
        mediapipe run --dry-run pipelines/thumbnails.pipeline photos/

      Re-runs skip inputs whose outputs are up to date (recorded in \
      .mediapipe/state.sqlite under the output root): size and modification time are \
      compared first, the content only when they differ. A changed input, pipeline, \
      watermark file or mediapipe version, or a missing output, redoes exactly the \
      images concerned. Two runs writing into the same output root never overlap: the \
      second waits (or, with --no-wait, exits with 75).

      Splitting a job over many machines (see docs/scale-out.md): each task of an \
      array job runs the same command with --shard, and takes the files whose \
      path below its folder hashes to its shard; the shards are disjoint, together \
      they are every file, and adding files moves no file to another shard. Each \
      shard keeps its own state store and lock (.mediapipe/state.shard-K-of-N.sqlite) \
      and reads every other store there: a later run with any N, or none, does not \
      redo what a shard did. --from-list reads the files from a list (made once with \
      `mediapipe list`) instead of walking the folders in every task.
        mediapipe run --shard 3/16 -o web/ web.pipeline photos/
        mediapipe run --shard auto -o web/ web.pipeline photos/    (in a Slurm array task)
        mediapipe list photos/ > files.txt
        mediapipe run --shard auto --from-list files.txt -o web/ web.pipeline photos/

      Exit codes: 0 all done, 1 some images failed, 2 usage or pipeline error, \
      75 another run holds the lock (--no-wait), 130 interrupted.
      """)

  @ArgumentParser.Argument(help: "The pipeline file.")
  var pipeline: String

  @ArgumentParser.Argument(
    help: "Image files or folders to process (with --from-list: the folders the listed files lie below).")
  var paths: [String]

  @OptionGroup var workers: WorkerOptions

  @OptionGroup var sharding: ShardOptions

  @OptionGroup var list: InputListOptions

  @Flag(
    name: [.customShort("0"), .customLong("null")], help: "The --from-list paths are separated by NUL bytes, not lines."
  )
  var null = false

  @Flag(help: "Print each input and the outputs it would get; write nothing.")
  var dryRun = false

  @Flag(name: .shortAndLong, help: "Print only failures.")
  var quiet = false

  @Flag(name: .shortAndLong, help: "Print every image processed and every file skipped.")
  var verbose = false

  @Flag(help: "Redo every image, even those whose outputs are up to date.")
  var force = false

  @Option(
    help: ArgumentHelp(
      "Write a JSON record of every input (status, reason, outputs, time) and a summary. {shard} in the name "
        + "becomes shard-K-of-N (or all): one report per array task, for 'mediapipe report merge'.",
      valueName: "file.json"))
  var report: String?

  func validate() throws {
    guard !(quiet && verbose) else { throw ValidationError("--quiet and --verbose cannot be used together") }
    guard !null || list.fromList != nil else {
      throw ValidationError("-0/--null says how the list is separated: give the list with --from-list FILE")
    }
  }

  func run() throws {
    let verbosity: RunReporter.Verbosity = quiet ? .quiet : verbose ? .verbose : .normal
    let interrupts = InterruptPipe.catchingSignals()
    var reporter = RunReporter(total: 0, verbosity: verbosity)
    let route = LogRoute()
    route.write = { level, message, metadata in
      switch level {
      case .error, .critical: reporter.error(message)
      case .info, .debug, .trace: reporter.note(message)
      default: reporter.say(message)
      }
      reporter.workerOutput(Console.workerOutput(metadata))
    }
    let logger = Console.logger(route, level: verbosity == .verbose ? .info : verbosity == .quiet ? .error : .notice)
    let shard = try sharding.resolve()
    if let shard {
      let line = "shard \(shard.shard) (hash version \(Shard.hashVersion)), from \(shard.source)"
      if sharding.shard == "auto" { logger.notice("\(line)") } else { logger.info("\(line)") }
    } else if let warning = ShardOptions.unshardedArrayWarning() {
      logger.warning("\(warning)")
    }
    let listed = try list.select(roots: paths, shard: shard?.shard, null: null)
    let options = try Console.attempt {
      try workers.engineOptions(
        pipelinePath: pipeline, shard: shard?.shard, force: force, dryRun: dryRun, verbose: verbose)
    }
    let engine: Engine
    let plan: Engine.BatchPlan
    do {
      engine = try Engine(options: options, lockRoots: Engine.inputRoots(paths), logger: logger, interrupts: interrupts)
      Console.warnings(engine)
      plan = try listed.map { engine.planBatch(listed: $0) } ?? engine.planBatch(paths)
    } catch {
      throw Console.fail(error)
    }
    if dryRun { return Self.printDryRun(plan) }

    reporter = RunReporter(total: plan.tasks.count + plan.failedUpFront, verbosity: verbosity)
    var record = RunReport(pipeline: pipeline)
    record.summary.inputs = plan.inputCount
    let lines = workers.logFormat.map(EventLog.init)
    let emit = { (event: FileEvent) in
      let event = Flags.worded(event)
      reporter.receive(event)
      record.add(event)
      lines?.write(event)
    }
    for path in plan.ignored { reporter.note("skipped \(path)") }
    for input in plan.ownOutputs { reporter.note("skipped \(input.path): an output of this pipeline") }
    let upToDate = plan.upToDate
    if upToDate > 0 && !plan.tasks.isEmpty {
      reporter.say("\(upToDate) image\(upToDate == 1 ? "" : "s") up to date, skipped (--force redoes them)")
    }
    for event in plan.events { emit(event) }
    let outcome = engine.process(plan.tasks, onEvent: emit, onTick: { reporter.tick() })
    reporter.summary(
      skippedOutputs: plan.ownOutputs.count, notStarted: outcome.notStarted, interrupted: outcome.interrupted,
      upToDate: upToDate)

    let code = Self.exitCode(outcome, failed: reporter.failed)
    if let path = report?.replacingOccurrences(of: "{shard}", with: shard?.shard.name ?? "all") {
      record.summary.milliseconds = Int(reporter.elapsed * 1000)
      record.summary.interrupted = outcome.interrupted
      record.summary.exitCode = code.rawValue
      do { try record.write(to: path) } catch { printError("error: cannot write the report \(path): \(error)") }
    }
    if code != .success { throw ExitCode(code.rawValue) }
  }

  /// 130 interrupted; 75 or 2 for a lost lock; 2 when the pool failed before any image
  /// finished; 1 when some image failed (or the run stopped early); 0 otherwise.
  static func exitCode(_ outcome: Engine.Outcome, failed: Int) -> RunExitCode {
    if outcome.interrupted { return .interrupted }
    if let trouble = outcome.lockTrouble { return Console.code(for: trouble) }
    if outcome.poolFailure != nil && outcome.done == 0 && outcome.failed == 0 { return .usage }
    if failed > 0 || outcome.outputsFailing || outcome.poolFailure != nil { return .someFailed }
    return .success
  }

  private static func printDryRun(_ plan: Engine.BatchPlan) {
    var out = ""
    var work = 0
    for admission in plan.admissions {
      switch admission {
      case .task(let task, let outputs, let why):
        out += "\(task.path) -> \(outputs.joined(separator: ", ")) (\(why))\n"
        work += 1
      case .event(let event) where event.status == .failed:
        out += "\(event.input): would fail: \(event.failure.map(Flags.sentence) ?? "")\n"
        work += 1
      case .event(let event):
        out += "\(event.input): skip, \(event.reason ?? "")\n"
      case .ownOutput(let input):
        out += "\(input.path): skipped, an output of this pipeline\n"
      }
    }
    let count = plan.inputCount
    out +=
      "dry run: \(count) image\(count == 1 ? "" : "s"), \(work) to process, \(count - work) up to date; nothing written\n"
    FileHandle.standardOutput.write(out.data(using: .utf8)!)
  }
}
