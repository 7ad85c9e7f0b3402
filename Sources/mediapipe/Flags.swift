import MediaPipe

/// Where the libraries' remedies become this command line's flags: the only
/// place that knows which flag stands for which limit or choice.
enum Flags {
  /// What the user can do, in this command line's words.
  static func advice(_ remedy: Remedy) -> String {
    switch remedy {
    case .raiseLimit(.pixels): return "--max-pixels"
    case .raiseLimit(.frames): return "--max-frames"
    case .raiseLimit(.fileSize): return "--max-file-size"
    case .raiseLimit(.timeout): return "--timeout"
    case .raiseLimit(.workerMemory): return "--worker-memory"
    case .allowUntrustedFormats: return "--allow-untrusted-formats reads it"
    case .replaceExisting: return "or use --force to replace it"
    case .writeElsewhere: return "or use -o DIR"
    case .pollInstead: return "or use --poll to scan at intervals"
    case .waitForLock: return "run again later, or leave out --no-wait to wait for it"
    case .loosenBudget: return "raise `max_bytes` or lower `min_quality` in the pipeline"
    }
  }

  /// The failure with the flag that would avoid it added to its detail.
  static func worded(_ failure: TaskFailure) -> TaskFailure {
    guard let remedy = failure.remedy else { return failure }
    var failure = failure
    switch remedy {
    case .raiseLimit:
      // "the limit is 100 megapixels (--max-pixels)": the flag that sets it.
      failure.detail += " (\(advice(remedy)))"
    case .replaceExisting, .writeElsewhere, .pollInstead:
      // "change `output` or use -o DIR": the detail ends with the other way out.
      failure.detail += " " + advice(remedy)
    default:
      failure.detail += (failure.detail.isEmpty ? "" : "; ") + advice(remedy)
    }
    return failure
  }

  /// The event with its failure worded for this command line.
  static func worded(_ event: FileEvent) -> FileEvent {
    var event = event
    event.failure = event.failure.map(worded)
    return event
  }

  /// "too many pixels (20000x20000 is 400 megapixels; the limit is 100 megapixels (--max-pixels))".
  static func sentence(_ failure: TaskFailure) -> String { worded(failure).sentence }
}
