import MediaPipeCore

/// Why an engine could not start, or a batch or watch could not go on. Nothing
/// was processed when one of these is thrown.
public enum EngineError: Error, CustomStringConvertible {
  /// The pipeline file cannot be read.
  case cannotReadPipeline(path: String, why: String)
  /// The pipeline file has errors; the result holds every diagnostic.
  case invalidPipeline(path: String, PipelineCompiler.Result)
  /// Another run holds an output root's lock and waiting was not wanted.
  case busy(RunLock.Failure)
  /// Interrupted while waiting for another run's lock.
  case interrupted
  /// A lock cannot be taken (a file named `.mediapipe` in the way, ...).
  case lock(RunLock.Failure)
  /// A path given to process does not exist or cannot be read.
  case missingPath(InputScanner.MissingPath)
  /// The folder to watch is not a folder.
  case notAFolder(path: String)
  /// The folder to watch holds no pipeline file, or several.
  case noPipeline(String)
  /// The watcher cannot start (inotify).
  case watch(WatchError)

  public var description: String {
    switch self {
    case .cannotReadPipeline(let path, let why): return "cannot read the pipeline file \(path): \(why)"
    case .invalidPipeline(let path, let result):
      let count = result.errorCount
      return "\(count) error\(count == 1 ? "" : "s") in \(path); nothing was processed"
    case .busy(let failure), .lock(let failure): return "\(failure)"
    case .interrupted: return "interrupted while waiting for the lock"
    case .missingPath(let missing): return "\(missing)"
    case .notAFolder(let path): return "\(path) is not a folder"
    case .noPipeline(let why): return why
    case .watch(let error): return "\(error)"
    }
  }

  /// What would avoid it, if anything.
  public var remedy: Remedy? {
    switch self {
    case .busy: return .waitForLock
    case .watch(let error): return error.remedy
    default: return nil
    }
  }
}
