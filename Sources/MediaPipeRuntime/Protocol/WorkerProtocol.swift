import MediaPipeCore
import MediaPipeImaging

// The worker protocol.
//
// A worker is this same executable started as `mediapipe __worker`. The parent
// writes to the worker's fd 3 and reads from its fd 4; the worker's stdout and
// stderr go to a third pipe the parent drains (a stray print can never corrupt
// the channel, and a crash's backtrace is kept for the report, not printed).
//
// Every message is one frame: a 4-byte big-endian payload length, then that
// many bytes of JSON (a `ParentMessage` or a `WorkerMessage`).
//
//   parent -> worker   configure (once, first), then task, task, ...
//                      proceed (the answer to each writing)
//   worker -> parent   ready (after configure), then for each task:
//                      writing (before each temporary file is created), done
//
// The worker marks each temporary file with `OutputMarker` (an extended
// attribute) before renaming it into place, so every output says it is one.
//
// A worker waits for `proceed` before it creates the temporary file it
// announced: by then the parent has recorded it in the state store, so even if
// parent and workers are all killed at once, the next run knows the file and
// removes it.
//
// The parent closes fd 3 to tell a worker to finish; the worker exits 0 on EOF.
// A worker that dies mid-task is seen as EOF on fd 4 before `done`: the parent
// fails that one task, removes the temporary files it announced, and replaces it.

/// What the parent sends.
public enum ParentMessage: Codable, Sendable {
  case configure(WorkerConfiguration)
  case task(WorkerTask)
  /// The temporary file last announced is recorded: the worker may create it.
  case proceed
}

/// What a worker sends.
public enum WorkerMessage: Codable, Sendable {
  /// Configured and waiting for tasks.
  case ready
  /// About to create this temporary file, to become `finalPath` (removed by the parent if the worker dies).
  case writing(task: Int, temporaryPath: String, finalPath: String)
  /// The task finished, well or not.
  case done(task: Int, result: TaskResult)
  /// The configuration could not be used (the pipeline no longer compiles); the worker exits.
  case refused(reason: String)
}

/// Everything a worker needs before its first task.
public struct WorkerConfiguration: Codable, Sendable {
  public var pipelineSource: String
  public var pipelineFile: String
  public var baseDirectory: String
  public var allowUntrusted: Bool
  public var verbose: Bool
  /// Refuse images with more pixels (read from the header, before decoding).
  public var maxPixels: Int
  /// Cap on the worker's heap, in MiB (nil: none).
  public var memoryLimitMB: Int?
  /// The pipeline's fingerprint, for the mark each output carries (`OutputMarker`).
  public var fingerprint: String

  public init(
    pipelineSource: String, pipelineFile: String, baseDirectory: String, allowUntrusted: Bool, verbose: Bool,
    maxPixels: Int, memoryLimitMB: Int?, fingerprint: String
  ) {
    self.fingerprint = fingerprint
    self.pipelineSource = pipelineSource
    self.pipelineFile = pipelineFile
    self.baseDirectory = baseDirectory
    self.allowUntrusted = allowUntrusted
    self.verbose = verbose
    self.maxPixels = maxPixels
    self.memoryLimitMB = memoryLimitMB
  }
}

/// One image to process.
public struct WorkerTask: Codable, Sendable {
  public var id: Int
  public var path: String
  public var outputRoot: String
  public var relativeDirectory: String
  /// The format the parent saw in the file's first bytes (rawValue of `ImageFormat`).
  public var format: String?

  public init(id: Int, path: String, outputRoot: String, relativeDirectory: String, format: String?) {
    self.id = id
    self.path = path
    self.outputRoot = outputRoot
    self.relativeDirectory = relativeDirectory
    self.format = format
  }
}

/// How one task ended.
public struct TaskResult: Codable, Sendable {
  /// Files written (all of them, or those written before a failure).
  public var outputs: [ImageProcessor.Output]
  /// Why it failed; nil on success.
  public var failure: TaskFailure?
  public var milliseconds: Int
  /// The input as the worker read it (size, time, content hash), taken before processing.
  public var input: FileIdentity?
  /// What the worker wrote on stdout and stderr during the task (libvips warnings, a
  /// crash's backtrace; the last 64 KB), nil if nothing. Filled in by the pool, not
  /// the worker; for the report and `--verbose`, never printed as it is otherwise.
  public var workerOutput: String?
  /// Outputs the file system would not mark (no user extended attributes), by
  /// final path, with their size and content hash: the store keeps them instead.
  public var unmarkedOutputs: [String: FileIdentity]?

  public init(
    outputs: [ImageProcessor.Output], failure: TaskFailure?, milliseconds: Int, input: FileIdentity? = nil,
    workerOutput: String? = nil, unmarkedOutputs: [String: FileIdentity]? = nil
  ) {
    self.unmarkedOutputs = unmarkedOutputs
    self.outputs = outputs
    self.failure = failure
    self.milliseconds = milliseconds
    self.input = input
    self.workerOutput = workerOutput
  }
}

/// A failure: the reason a script can act on, the detail a person can read, and
/// what would avoid it (a limit to raise, a flag to give), which the command line words.
public struct TaskFailure: Codable, Sendable, Hashable {
  public var reason: FailureReason
  public var detail: String
  public var remedy: Remedy?

  public init(reason: FailureReason, detail: String, remedy: Remedy? = nil) {
    self.reason = reason
    self.detail = detail
    self.remedy = remedy
  }

  /// "truncated or corrupt image data (Premature end of JPEG file)".
  public var sentence: String {
    detail.isEmpty ? reason.sentence : "\(reason.sentence) (\(detail))"
  }
}
