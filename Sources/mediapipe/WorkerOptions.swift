import ArgumentParser
import Foundation
import MediaPipe

/// Options `run` and `watch` share: the pool, the output folder, the state
/// store and the limits that make hostile files harmless.
struct WorkerOptions: ParsableArguments {
  @Option(name: [.short, .long], help: "Worker processes to run at once (default: the number of cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(name: [.short, .customLong("output")], help: "Write outputs below this folder, mirroring the input folders.")
  var outputDirectory: String?

  @OptionGroup var limits: LimitOptions

  @Option(
    name: .customLong("state"),
    help: ArgumentHelp(
      "The state store file (default: .mediapipe/state.sqlite under the output root).", valueName: "path"))
  var statePath: String?

  @Option(
    help: ArgumentHelp(
      "The state store's SQLite journal: 'auto' uses DELETE on network file systems (NFS, SMB, Lustre, ...), where WAL does not work, and WAL elsewhere.",
      valueName: "auto|wal|delete"))
  var stateJournal: StateJournal = .automatic

  @Flag(help: "If another run is writing into the same output folder, exit at once with code 75 instead of waiting.")
  var noWait = false

  @Option(
    help: ArgumentHelp(
      "One line per file on stdout as text, or as JSON lines (the --report entries' shape).", valueName: "text|json"))
  var logFormat: LogFormat?

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
  }

  enum LogFormat: String, ExpressibleByArgument {
    case text, json
  }

  /// The engine's options from these flags and the command's own.
  /// - Throws: `MissingWorkerProgram` when `mediapipe-worker` is not installed beside
  ///   `mediapipe` (unless `dryRun`).
  func engineOptions(pipelinePath: String, shard: Shard?, force: Bool, dryRun: Bool, verbose: Bool) throws
    -> EngineOptions
  {
    EngineOptions(
      pipelinePath: pipelinePath, outputRoot: outputDirectory, jobs: jobs, allowUntrusted: limits.allowUntrustedFormats,
      statePath: statePath, shard: shard, stateJournal: stateJournal, force: force, waitForLock: !noWait,
      dryRun: dryRun, limits: limits.limits, libvipsWarnings: verbose,
      // A dry run starts no worker: it needs none.
      workerExecutable: dryRun ? WorkerProgram.find() ?? WorkerProgram.name : try MissingWorkerProgram.check())
  }
}

/// The limits that make hostile files harmless, for every command that
/// processes images (`run`, `watch`, `preview`).
struct LimitOptions: ParsableArguments {
  @Flag(help: "Allow loaders libvips marks untrusted (SVG, PDF, ...). Only for files you trust.")
  var allowUntrustedFormats = false

  @Option(help: "Refuse images with more pixels than this, from their header, before decoding.")
  var maxPixels: Int = Limits.standard.maxPixels

  @Option(
    help:
      "Refuse animated GIF and WebP images with more frames than this, when their frames are kept (their pixels count towards --max-pixels too)."
  )
  var maxFrames: Int = Limits.standard.maxFrames

  @Option(help: ArgumentHelp("Refuse files larger than this many megabytes.", valueName: "MB"))
  var maxFileSize: Int = Limits.standard.maxFileSize / 1_000_000

  @Option(
    help: ArgumentHelp("Stop an image that takes longer than this; its worker is replaced.", valueName: "seconds"))
  var timeout: Double = 120

  @Option(
    help: ArgumentHelp(
      "Memory one worker may allocate; an image needing more fails with 'out of memory'.", valueName: "MB"))
  var workerMemory: Int?

  @Option(help: "Tries again for an image whose worker crashed or timed out.")
  var retries: Int = Limits.standard.retries

  func validate() throws {
    guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be at least 1") }
    guard maxFrames >= 1 else { throw ValidationError("--max-frames must be at least 1") }
    guard maxFileSize >= 1 else { throw ValidationError("--max-file-size must be at least 1 (MB)") }
    guard !maxFileSize.multipliedReportingOverflow(by: 1_000_000).overflow else {
      throw ValidationError("--max-file-size is too large: at most \(Int.max / 1_000_000) (MB)")
    }
    guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
    guard retries >= 0 else { throw ValidationError("--retries cannot be negative") }
    if let workerMemory {
      guard workerMemory >= 64 else { throw ValidationError("--worker-memory must be at least 64 (MB)") }
    }
  }

  /// The engine's limits from these flags.
  var limits: Limits {
    var limits = Limits(
      maxPixels: maxPixels, maxFileSize: maxFileSize * 1_000_000, timeout: timeout, workerMemoryMB: workerMemory,
      retries: retries)
    limits.maxFrames = maxFrames
    return limits
  }
}

/// `mediapipe-worker` is not where `mediapipe` looks for it (a broken install, or
/// a build of the `mediapipe` product alone).
struct MissingWorkerProgram: Error, CustomStringConvertible {
  var looked: [String]

  var description: String {
    "mediapipe-worker, the program that processes the images, is missing: looked for "
      + looked.joined(separator: " and ")
      + ". Reinstall mediapipe; from source, `swift build` builds both programs (or add `--product mediapipe-worker`)."
  }

  /// The worker program's path.
  static func check() throws -> String {
    guard let path = WorkerProgram.find() else { throw MissingWorkerProgram(looked: WorkerProgram.candidates()) }
    return path
  }
}

extension StateJournal: ExpressibleByArgument {}
