import ArgumentParser
import Foundation
import MediaPipeRuntime

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

      Exit codes: 0 all done, 1 some images failed, 2 usage or pipeline error, \
      75 another run holds the lock (--no-wait), 130 interrupted.
      """)

  @Argument(help: "The pipeline file.")
  var pipeline: String

  @Argument(help: "Image files or folders to process.")
  var paths: [String]

  @Option(name: [.short, .long], help: "Worker processes to run at once (default: the number of cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(name: [.short, .customLong("output")], help: "Write outputs below this folder, mirroring the input folders.")
  var outputDirectory: String?

  @Flag(help: "Print each input and the outputs it would get; write nothing.")
  var dryRun = false

  @Flag(name: .shortAndLong, help: "Print only failures.")
  var quiet = false

  @Flag(name: .shortAndLong, help: "Print every image processed and every file skipped.")
  var verbose = false

  @Flag(help: "Allow loaders libvips marks untrusted (SVG, PDF, ...). Only for files you trust.")
  var allowUntrustedFormats = false

  @Flag(help: "Redo every image, even those whose outputs are up to date.")
  var force = false

  @Option(name: .customLong("state"), help: ArgumentHelp("The state store file (default: .mediapipe/state.sqlite under the output root).", valueName: "path"))
  var statePath: String?

  @Flag(help: "If another run is writing into the same output folder, exit at once with code 75 instead of waiting.")
  var noWait = false

  @Option(help: "Refuse images with more pixels than this, from their header, before decoding.")
  var maxPixels: Int = 100_000_000

  @Option(help: ArgumentHelp("Refuse files larger than this many megabytes.", valueName: "MB"))
  var maxFileSize: Int = 500

  @Option(help: ArgumentHelp("Stop an image that takes longer than this; its worker is replaced.", valueName: "seconds"))
  var timeout: Double = 120

  @Option(help: ArgumentHelp("Memory one worker may allocate; an image needing more fails with 'out of memory'.", valueName: "MB"))
  var workerMemory: Int?

  @Option(help: "Tries again for an image whose worker crashed or timed out.")
  var retries: Int = 1

  @Option(help: ArgumentHelp("Write a JSON record of every input (status, reason, outputs, time) and a summary.", valueName: "file.json"))
  var report: String?

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
    guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be at least 1") }
    guard maxFileSize >= 1 else { throw ValidationError("--max-file-size must be at least 1 (MB)") }
    guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
    guard retries >= 0 else { throw ValidationError("--retries cannot be negative") }
    if let workerMemory { guard workerMemory >= 64 else { throw ValidationError("--worker-memory must be at least 64 (MB)") } }
    guard !(quiet && verbose) else { throw ValidationError("--quiet and --verbose cannot be used together") }
  }

  func run() throws {
    var options = BatchRun.Options(pipelinePath: pipeline, paths: paths, jobs: jobs, outputRoot: outputDirectory)
    options.dryRun = dryRun
    options.verbosity = quiet ? .quiet : verbose ? .verbose : .normal
    options.allowUntrusted = allowUntrustedFormats
    options.force = force
    options.statePath = statePath
    options.noWait = noWait
    options.maxPixels = maxPixels
    options.maxFileSize = maxFileSize * 1_000_000
    options.timeout = timeout
    options.workerMemoryMB = workerMemory
    options.retries = retries
    options.reportPath = report
    let code = BatchRun(options: options).execute()
    if code != .success { throw ExitCode(code.rawValue) }
  }
}
