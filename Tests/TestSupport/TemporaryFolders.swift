import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Folders the tests made, removed when the test process exits. Swift Testing
/// has no teardown for a test; this way a test that fails or throws leaves
/// nothing behind either. MEDIAPIPE_KEEP_TEST_FOLDERS=1 keeps them, to look
/// into a failure.
public enum TemporaryFolders {
  private static let made = Mutex<(owner: pid_t, paths: [String])>((0, []))

  /// Removes `path` (and what is in it) when this process exits.
  public static func removeAtExit(_ path: String) {
    let first = made.withLock { state in
      state.paths.append(path)
      guard state.owner == 0 else { return false }
      state.owner = getpid()
      return true
    }
    if first { atexit { TemporaryFolders.removeAll() } }
  }

  private static func removeAll() {
    let (owner, paths) = made.withLock { $0 }
    // Not in a forked child, which inherits the handler but not the folders.
    guard owner == getpid(), ProcessInfo.processInfo.environment["MEDIAPIPE_KEEP_TEST_FOLDERS"] == nil else { return }
    for path in paths { try? FileManager.default.removeItem(atPath: path) }
  }
}
