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

  @OptionGroup var workers: WorkerOptions

  @Flag(help: "Print each input and the outputs it would get; write nothing.")
  var dryRun = false

  @Flag(name: .shortAndLong, help: "Print only failures.")
  var quiet = false

  @Flag(name: .shortAndLong, help: "Print every image processed and every file skipped.")
  var verbose = false

  @Flag(help: "Redo every image, even those whose outputs are up to date.")
  var force = false

  @Flag(help: "If another run is writing into the same output folder, exit at once with code 75 instead of waiting.")
  var noWait = false

  @Option(help: ArgumentHelp("Write a JSON record of every input (status, reason, outputs, time) and a summary.", valueName: "file.json"))
  var report: String?

  func validate() throws {
    guard !(quiet && verbose) else { throw ValidationError("--quiet and --verbose cannot be used together") }
  }

  func run() throws {
    var options = workers.options(pipelinePath: pipeline, paths: paths)
    options.dryRun = dryRun
    options.verbosity = quiet ? .quiet : verbose ? .verbose : .normal
    options.force = force
    options.noWait = noWait
    options.reportPath = report
    let code = BatchRun(options: options).execute()
    if code != .success { throw ExitCode(code.rawValue) }
  }
}
