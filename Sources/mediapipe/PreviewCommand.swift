import ArgumentParser
import Foundation
import MediaPipe

struct PreviewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "preview",
    abstract: "Show what a pipeline does to some images, on a before/after page.",
    discussion: """
      Runs the pipeline, as `run` would, over the images below the given paths (or \
      --sample N of them, chosen evenly across folders) and writes a static page, \
      DIR/index.html, with one card per image and variant: the original and the output \
      side by side and under a wipe slider, their dimensions, bytes, the saving, the \
      format and the quality. At the top: the bytes before and after, the largest \
      outputs, and the failures. The page needs no server and no network: open it \
      from disk, on a computer or a phone.

      Everything goes below DIR: the outputs, copies of the originals, and PNG \
      renditions, at most 2560 pixels a side, of the files browsers cannot show \
      (TIFF, HEIF, JPEG XL, ...). Nothing \
      is written next to the originals and no run's state store is read or changed. \
      DIR must be new, empty, or an earlier preview (which is replaced).

      Examples:
        mediapipe preview pipelines/web.pipeline photos/ -o preview/
        mediapipe preview --sample 12 pipelines/thumbnails.pipeline photos/ -o /tmp/preview

      Exit codes: 0 all done, 1 some images failed (the page shows them), 2 usage or \
      pipeline error, 130 interrupted.
      """)

  @ArgumentParser.Argument(help: "The pipeline file.")
  var pipeline: String

  @ArgumentParser.Argument(help: "Image files or folders.")
  var paths: [String]

  @Option(
    name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The preview folder.", valueName: "DIR"))
  var folder: String

  @Option(help: ArgumentHelp("Show only this many images, chosen evenly across folders.", valueName: "N"))
  var sample: Int?

  @Option(name: [.short, .long], help: "Worker processes to run at once (default: the number of cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @OptionGroup var limits: LimitOptions

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
    if let sample { guard sample >= 1 else { throw ValidationError("--sample must be at least 1, found \(sample)") } }
  }

  func run() throws {
    let interrupts = InterruptPipe.catchingSignals()
    let route = LogRoute()
    route.write = { level, message, _ in
      if level >= .notice { printError(message) }
    }
    let engine = EngineOptions(
      pipelinePath: pipeline, outputRoot: nil, jobs: jobs, allowUntrusted: limits.allowUntrustedFormats,
      statePath: nil, shard: nil, stateJournal: .automatic, force: true, waitForLock: false, dryRun: false,
      limits: limits.limits,
      libvipsWarnings: false, workerExecutable: try Console.attempt { try MissingWorkerProgram.check() })
    let result = try Console.attempt {
      try Preview.build(
        paths, options: PreviewOptions(engine: engine, folder: folder, sample: sample),
        logger: Console.logger(route, level: .notice), interrupts: interrupts, describe: Flags.sentence)
    }
    let failed = result.failures.count
    print(
      "\(result.page): \(result.cards.count) card\(result.cards.count == 1 ? "" : "s") for \(result.images) image\(result.images == 1 ? "" : "s")"
        + (failed > 0 ? ", \(failed) failed" : ""))
    if result.outcome.interrupted { throw ExitCode(RunExitCode.interrupted.rawValue) }
    if failed > 0 { throw ExitCode(RunExitCode.someFailed.rawValue) }
  }
}
