/// Why an image failed, in a small set a script can act on. Each reason has a
/// plain sentence for people and a stable code for reports.
public enum FailureReason: String, Sendable, Hashable, Codable, CaseIterable {
  /// The file's content is not an image (empty, text, unknown format).
  case notAnImage = "not-an-image"
  /// The image data ends early or is corrupt.
  case truncated
  /// An image format libvips cannot read here.
  case unsupportedFormat = "unsupported-format"
  /// A format whose loader is not hardened against hostile files (SVG, PDF, ...).
  case blockedFormat = "blocked-format"
  /// More pixels than the limit.
  case tooManyPixels = "too-many-pixels"
  /// An animation with more frames than the limit.
  case tooManyFrames = "too-many-frames"
  /// A file over the size limit.
  case fileTooLarge = "file-too-large"
  /// The image took longer than the per-image timeout.
  case timedOut = "timed-out"
  /// The worker process died while processing the image.
  case crashed
  /// The image needed more memory than a worker may use.
  case outOfMemory = "out-of-memory"
  /// The output could not be written (permissions, full disk, a name clash).
  case cannotWriteOutput = "cannot-write-output"
  /// The image could be read but a step could not be applied to it.
  case processingFailed = "processing-failed"
  /// The input file could not be read (permissions, vanished).
  case cannotReadInput = "cannot-read-input"
  /// `compress max_bytes=`: the output is larger than the budget even at `min_quality`.
  case overBudget = "over-budget"

  /// A plain sentence for people.
  public var sentence: String {
    switch self {
    case .notAnImage: return "not an image"
    case .truncated: return "truncated or corrupt image data"
    case .unsupportedFormat: return "unsupported image format"
    case .blockedFormat: return "blocked format (untrusted loader)"
    case .tooManyPixels: return "too many pixels"
    case .tooManyFrames: return "too many frames"
    case .fileTooLarge: return "file too large"
    case .timedOut: return "timed out"
    case .crashed: return "the worker crashed"
    case .outOfMemory: return "out of memory"
    case .cannotWriteOutput: return "cannot write output"
    case .processingFailed: return "processing failed"
    case .cannotReadInput: return "cannot read input"
    case .overBudget: return "over the size budget"
    }
  }
}
