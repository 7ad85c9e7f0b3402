import Foundation
import MediaPipeCore

/// Everything an `Engine` is built from, as typed values: no command-line names.
///
/// Every field is given by whoever builds the engine (the command line, or a
/// program using the library); nothing has a default that a second caller could
/// forget to pass on.
public struct EngineOptions: Sendable {
  /// The pipeline file.
  public var pipelinePath: String
  /// Write outputs below this folder (mirroring the input folders) instead of next to each input.
  public var outputRoot: String?
  /// Worker processes to run at once.
  public var jobs: Int
  /// Read formats whose libvips loaders are not hardened against hostile files.
  public var allowUntrusted: Bool
  /// One state store for every output root, instead of `.mediapipe/state.sqlite` in each.
  public var statePath: String?
  /// Take only this shard's share of the inputs (`Shard`), with its own state store and
  /// lock, reading every other shard's store; nil: every input.
  public var shard: Shard?
  /// The state stores' journal mode (`.automatic`: DELETE on network file systems, WAL elsewhere).
  public var stateJournal: StateJournal
  /// Redo every input, up to date or not, and replace files mediapipe did not write.
  public var force: Bool
  /// Wait for another run that holds an output root's lock (otherwise fail with `EngineError.busy`).
  public var waitForLock: Bool
  /// Plan only: take no lock, write nothing.
  public var dryRun: Bool
  /// The limits that keep hostile or huge inputs harmless.
  public var limits: Limits
  /// Have workers report libvips warnings too (they come with each event's `workerOutput`).
  public var libvipsWarnings: Bool
  /// The executable workers are started from, as `workerExecutable __worker`: the
  /// `mediapipe-worker` program, or a program that calls `MediaPipeWorker.runIfRequested()`
  /// (module MediaPipeWorkerProcess) first thing. By default the running program itself.
  public var workerExecutable: String

  /// The argument a worker process is started with.
  public static let workerArgument = "__worker"

  public init(
    pipelinePath: String, outputRoot: String?, jobs: Int, allowUntrusted: Bool, statePath: String?, shard: Shard?,
    stateJournal: StateJournal, force: Bool, waitForLock: Bool, dryRun: Bool, limits: Limits, libvipsWarnings: Bool,
    workerExecutable: String = "/proc/self/exe"
  ) {
    self.pipelinePath = pipelinePath
    self.outputRoot = outputRoot
    self.jobs = jobs
    self.allowUntrusted = allowUntrusted
    self.statePath = statePath
    self.shard = shard
    self.stateJournal = stateJournal
    self.force = force
    self.waitForLock = waitForLock
    self.dryRun = dryRun
    self.limits = limits
    self.libvipsWarnings = libvipsWarnings
    self.workerExecutable = workerExecutable
  }
}

/// The limits that keep hostile or huge inputs harmless.
public struct Limits: Sendable, Hashable {
  /// Images with more pixels than this fail from their header, before decoding.
  public var maxPixels: Int
  /// Files larger than this many bytes fail before they are opened.
  public var maxFileSize: Int
  /// Seconds one image may take before its worker is stopped (nil: no limit).
  public var timeout: Double?
  /// Megabytes one worker may allocate (nil: no limit).
  public var workerMemoryMB: Int?
  /// How often an image whose worker crashed or timed out is tried again.
  public var retries: Int
  /// Animations with more frames than this fail from their header, when their
  /// frames would be kept (an output that takes the first frame decodes one).
  public var maxFrames = 1000

  public init(maxPixels: Int, maxFileSize: Int, timeout: Double?, workerMemoryMB: Int?, retries: Int) {
    self.maxPixels = maxPixels
    self.maxFileSize = maxFileSize
    self.timeout = timeout
    self.workerMemoryMB = workerMemoryMB
    self.retries = retries
  }

  /// 100 megapixels, 500 MB, 120 s, no memory limit, one retry.
  public static let standard = Limits(
    maxPixels: 100_000_000, maxFileSize: 500_000_000, timeout: 120, workerMemoryMB: nil, retries: 1)
}
