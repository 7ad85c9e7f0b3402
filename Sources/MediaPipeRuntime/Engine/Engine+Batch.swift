import Foundation
import MediaPipeCore

extension Engine {
  /// Everything below some paths, admitted at once: what `run` does before processing.
  public struct BatchPlan {
    /// One admission per input found, in path order, then the outputs of this pipeline found.
    public var admissions: [Admission] = []
    /// Files passed over: neither images nor named like images.
    public var ignored: [String] = []
    /// The tasks to process, largest input first (the long images start early and the
    /// end of the run stays busy).
    public var tasks: [WorkerTask] = []
    /// Inputs decided without a worker: up to date (skipped) or failed before decoding.
    public var events: [FileEvent] = []
    /// Files skipped because this pipeline writes them.
    public var ownOutputs: [InputFile] = []

    /// Inputs found (not counting this pipeline's outputs).
    public var inputCount: Int { admissions.count - ownOutputs.count }
    /// Inputs up to date.
    public var upToDate: Int { events.filter { $0.status == .skipped }.count }
    /// Inputs failed before any worker saw them.
    public var failedUpFront: Int { events.filter { $0.status == .failed }.count }
  }

  /// Finds the inputs below `paths` (never inside the output folder; files known
  /// unchanged are not even opened) and admits them all.
  /// - Throws: `EngineError.missingPath` when a path does not exist or cannot be read.
  public func planBatch(_ paths: [String]) throws -> BatchPlan {
    let found: [InputFile]
    let ignored: [String]
    do {
      (found, ignored) = try scanner(excluding: outputRoot.map { [$0] } ?? []).scan(paths)
    } catch let missing as InputScanner.MissingPath {
      throw EngineError.missingPath(missing)
    }
    return plan(found, ignored: ignored)
  }

  /// Admits the files of a list (`InputList.select`, already narrowed to this engine's
  /// shard) as `planBatch(_:)` admits what it finds: the list replaces the walk.
  public func planBatch(listed: [InputList.Listed]) -> BatchPlan {
    let (found, ignored) = scanner(excluding: outputRoot.map { [$0] } ?? []).scan(listed: listed)
    return plan(found, ignored: ignored)
  }

  func plan(_ found: [InputFile], ignored: [String]) -> BatchPlan {
    var plan = BatchPlan()
    plan.ignored = ignored
    plan.admissions = admit(found)
    var sizes: [Int: Int] = [:]
    for admission in plan.admissions {
      switch admission {
      case .task(let task, _, _):
        plan.tasks.append(task)
        sizes[task.id] = input(of: task)?.size ?? 0
      case .event(let event): plan.events.append(event)
      case .ownOutput(let file): plan.ownOutputs.append(file)
      }
    }
    plan.tasks.sort { sizes[$0.id, default: 0] > sizes[$1.id, default: 0] }
    return plan
  }

  /// The folders whose lock and store a run over `paths` uses when it has no output
  /// folder: each folder given, and the folder of each file given.
  public static func inputRoots(_ paths: [String]) -> [String] {
    paths.compactMap { path in
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
      let root = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
      return OutputPlan.normalise(root.isEmpty ? "." : root)
    }
  }
}

extension Engine {
  /// Finds, admits and processes every image below `paths` (files or folders; a
  /// single image is a path too), passing one event per input to `onEvent`: first
  /// those decided without a worker, then each processed image as it finishes.
  /// - Throws: `EngineError.missingPath` when a path does not exist or cannot be read.
  public func run(_ paths: [String], onEvent: (FileEvent) -> Void) throws -> Outcome {
    let plan = try planBatch(paths)
    for event in plan.events { onEvent(event) }
    var outcome = process(plan.tasks, onEvent: onEvent)
    outcome.failed += plan.failedUpFront
    return outcome
  }
}
