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

      Exit codes: 0 all done, 1 some images failed, 2 usage or pipeline error, 130 interrupted.
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

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
    guard !(quiet && verbose) else { throw ValidationError("--quiet and --verbose cannot be used together") }
  }

  func run() throws {
    var options = BatchRun.Options(pipelinePath: pipeline, paths: paths, jobs: jobs, outputRoot: outputDirectory)
    options.dryRun = dryRun
    options.verbosity = quiet ? .quiet : verbose ? .verbose : .normal
    options.allowUntrusted = allowUntrustedFormats
    let code = BatchRun(options: options).execute()
    if code != .success { throw ExitCode(code.rawValue) }
  }
}
