import MediaPipeCore

// The worker protocol.
//
// A worker is this same executable started as `mediapipe __worker`. The parent
// writes to the worker's fd 3 and reads from its fd 4; the worker's stdout and
// stderr go to a third pipe the parent drains (a stray print can never corrupt
// the channel, and a crash's backtrace is kept for the report, not printed).
//
// Every message is one frame: a 4-byte big-endian payload length, then that
// many bytes of the message in its binary wire form (`WireFormat.swift`).
//
//   parent -> worker   configure (once, first), then tasks: one `task`, or
//                      several at once (`tasks`) that the worker queues and does
//                      in order; proceed (the answer to each writing)
//   worker -> parent   ready (after configure), then for each task, in the
//                      order given: writing (before a temporary file the parent
//                      did not name is created), done
//
// The parent may send the next tasks before the worker finishes its current
// one (small images: the worker never waits for the parent between them). A
// task's `temporaries` name, for each planned output, the temporary file the
// parent has already recorded in the state store: the worker writes through it
// without asking. For any other output (a name that depends on the decoded size,
// or one the plan did not foresee) it announces `writing` and waits for
// `proceed` before creating the file: by then the parent has recorded it in the
// state store, so even if parent and workers are all killed at once, the next
// run knows the file and removes it. Tasks that arrive while it waits are queued.
//
// Tasks given are in flight: on an interrupt they are finished (only small
// images are queued, a few at a time). A worker writes one byte
// (`WorkerOutputStream.endOfTask`) on its output pipe after each task, so that
// its output is told apart by task even when it starts the next at once.
//
// The worker marks each temporary file with `OutputMarker` (an extended
// attribute) before renaming it into place, so every output says it is one.
//
// The parent closes fd 3 to tell a worker to finish: the worker does the tasks
// it has, then exits 0 at EOF. A worker that dies mid-task is seen as EOF on fd
// 4 before `done`: the parent fails the task it was on (the first not done),
// removes that task's temporary files, gives the tasks queued behind it to
// other workers, and replaces it.

/// What the parent sends.
public enum ParentMessage: Codable, Sendable {
  /// Everything the worker needs before its first task (sent once, first).
  case configure(WorkerConfiguration)
  /// One more task, done after those already given.
  case task(WorkerTask)
  /// The temporary file last announced is recorded: the worker may create it.
  case proceed
  /// Several more tasks, done in this order after those already given.
  case tasks([WorkerTask])
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
  /// Refuse animations with more frames (when every frame would be decoded).
  public var maxFrames = Limits.standard.maxFrames
  /// Cap on the worker's heap, in MiB (nil: none).
  public var memoryLimitMB: Int?
  /// The pipeline's fingerprint, for the mark each output carries (`OutputMarker`).
  public var fingerprint: String
  /// The CPU this worker keeps all its threads on while it does small images
  /// (see `cposix_pin_threads`); nil: never pinned. Set by the pool, per worker.
  public var cpu: Int?

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
  /// The outputs the plan expects this task to write (final paths; names with
  /// `{width}`/`{height}` are patterns). Empty when not known: every output is
  /// then announced before it is written.
  public var outputs: [String]
  /// Temporary files already recorded for planned outputs, by final path: the
  /// worker writes through these without announcing them. Filled in by the pool.
  public var temporaries: [String: String] = [:]
  /// Width × height from the image's header (nil when unknown): for memory-aware
  /// admission and largest-first order.
  public var pixels: Int?

  public init(
    id: Int, path: String, outputRoot: String, relativeDirectory: String, format: String?, outputs: [String] = [],
    pixels: Int? = nil
  ) {
    self.id = id
    self.path = path
    self.outputRoot = outputRoot
    self.relativeDirectory = relativeDirectory
    self.format = format
    self.outputs = outputs
    self.pixels = pixels
  }
}

/// How one task ended.
public struct TaskResult: Codable, Sendable {
  /// Files written (all of them, or those written before a failure).
  public var outputs: [ImageOutput]
  /// Why it failed; nil on success.
  public var failure: TaskFailure?
  public var milliseconds: Int
  /// The input as the worker read it (size, time, content hash), taken before processing.
  public var input: FileIdentity?
  /// What the worker wrote on stdout and stderr during the task (libvips warnings, a
  /// crash's backtrace; the last 64 KB), nil if nothing. Filled in by the pool, not
  /// the worker; for the report and verbose output, never printed as it is otherwise.
  public var workerOutput: String?
  /// Outputs the file system would not mark (no user extended attributes), by
  /// final path, with their size and content hash: the store keeps them instead.
  public var unmarkedOutputs: [String: FileIdentity]?

  public init(
    outputs: [ImageOutput], failure: TaskFailure?, milliseconds: Int, input: FileIdentity? = nil,
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
