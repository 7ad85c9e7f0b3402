/// The exit codes of `mediapipe run` (documented in `--help` and the README).
public enum RunExitCode: Int32, Sendable {
  /// Every image was processed.
  case success = 0
  /// Some images failed; every other image was still processed.
  case someFailed = 1
  /// A usage or pipeline error: nothing was processed.
  case usage = 2
  /// Another run holds the output folder's lock and `--no-wait` was given (EX_TEMPFAIL).
  case busy = 75
  /// Interrupted by SIGINT or SIGTERM; images in flight were finished.
  case interrupted = 130
}
