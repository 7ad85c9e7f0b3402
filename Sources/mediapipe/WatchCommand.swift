import ArgumentParser
import MediaPipeRuntime

struct WatchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "watch",
    abstract: "Process each new file that arrives in a folder, exactly once, as soon as it is whole.",
    discussion: """
      First processes the backlog (files already there and not yet done with this \
      pipeline), then watches the folder and its subfolders, including new ones. A file \
      is taken when it is closed after writing or renamed in, after a settle time, and \
      only if nothing still has it open for writing. Hidden and temporary names (.*, \
      *.tmp, *.part, *.crdownload, *~) wait until renamed. What was done is recorded, so a \
      restart does not redo it; a file replaced by new content is done again. SIGINT or \
      SIGTERM finishes the images in flight and exits 0. See docs/watch-service.md for \
      running it under systemd.

      Examples:
        mediapipe watch inbox/                       (uses the one *.pipeline in inbox/)
        mediapipe watch web.pipeline inbox/ -o web/ --done archive/ --failed rejected/
        mediapipe watch --poll 10 web.pipeline /mnt/share/inbox
      """)

  @Argument(help: ArgumentHelp("[PIPELINE] DIR: the pipeline (default: the one *.pipeline at the top of DIR) and the folder to watch.", valueName: "pipeline-and-folder"))
  var arguments: [String]

  @OptionGroup var workers: WorkerOptions

  @Option(help: ArgumentHelp("Scan every this many seconds instead of using inotify (for network file systems).", valueName: "seconds"))
  var poll: Double?

  @Option(help: ArgumentHelp("How long a closed file must stay untouched before it is taken.", valueName: "seconds"))
  var settle: Double = 0.3

  @Option(help: ArgumentHelp("Move each original here after it was processed.", valueName: "dir"))
  var done: String?

  @Option(help: ArgumentHelp("Move each original that failed here, with NAME.error.txt beside it.", valueName: "dir"))
  var failed: String?

  @Option(help: ArgumentHelp("One line per file as text or as JSON lines.", valueName: "text|json"))
  var logFormat: String = "text"

  @Flag(help: "If another run is writing into the same output folder, exit at once with code 75 instead of waiting.")
  var noWait = false

  @Flag(name: .shortAndLong, help: "Also print libvips warnings.")
  var verbose = false

  func validate() throws {
    guard (1...2).contains(arguments.count) else { throw ValidationError("give the folder to watch, optionally after a pipeline: mediapipe watch [PIPELINE] DIR") }
    if let poll { guard poll > 0 else { throw ValidationError("--poll must be more than 0 seconds") } }
    guard settle >= 0 else { throw ValidationError("--settle cannot be negative") }
    guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format is text or json, found '\(logFormat)'") }
  }

  func run() throws {
    let directory = arguments.last!
    var runOptions = workers.options(pipelinePath: arguments.count == 2 ? arguments[0] : "", paths: [directory])
    runOptions.noWait = noWait
    runOptions.verbosity = verbose ? .verbose : .normal
    var options = WatchSession.Options(pipelinePath: arguments.count == 2 ? arguments[0] : nil, directory: directory, run: runOptions)
    options.pollSeconds = poll
    options.settleSeconds = settle
    options.doneDirectory = done
    options.failedDirectory = failed
    options.logFormat = logFormat
    let code = WatchSession(options: options).run()
    if code != .success { throw ExitCode(code.rawValue) }
  }
}
