/// What a user can change so that a failure does not happen again.
///
/// Libraries describe the remedy as a value; only the command line knows which
/// flag or option stands for it, and says so.
public enum Remedy: Codable, Sendable, Hashable {
  /// The input went over a limit; a higher one would let it through.
  case raiseLimit(Limit)
  /// The format is read by a loader not hardened against hostile files; allowing
  /// untrusted formats reads it.
  case allowUntrustedFormats
  /// A file in the way was not written by mediapipe; forcing replaces it.
  case replaceExisting
  /// Outputs would land on inputs; writing them below another folder avoids it.
  case writeElsewhere
  /// The kernel cannot watch this many folders; scanning at intervals can.
  case pollInstead
  /// Another run holds the lock; waiting for it would let this one go on.
  case waitForLock
  /// The output does not fit `compress max_bytes=` at `min_quality`: a larger
  /// budget or a lower floor (in the pipeline) lets it through.
  case loosenBudget
}

/// A limit that keeps hostile or huge inputs harmless, with the value in force.
public enum Limit: Codable, Sendable, Hashable {
  /// Decoded pixels per image.
  case pixels(Int)
  /// Frames per animated image.
  case frames(Int)
  /// Bytes per input file.
  case fileSize(bytes: Int)
  /// Seconds one image may take.
  case timeout(seconds: Double)
  /// Megabytes one worker may allocate.
  case workerMemory(megabytes: Int)
}
