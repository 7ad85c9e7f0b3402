import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Finds `mediapipe-worker`, the program the `mediapipe` command starts its workers
/// from: beside the running program (a build folder, or /usr/bin), or in
/// `../lib/mediapipe/` from it (where the .deb installs it).
public enum WorkerProgram {
  public static let name = "mediapipe-worker"

  /// The places looked at, in order, for the program at `program` (symbolic links resolved).
  public static func candidates(beside program: String = "/proc/self/exe") -> [String] {
    let real = realpath(program, nil).map { pointer in
      defer { free(pointer) }
      return String(cString: pointer)
    }
    let folder = ((real ?? program) as NSString).deletingLastPathComponent
    return [folder + "/" + name, (folder as NSString).deletingLastPathComponent + "/lib/mediapipe/" + name]
  }

  /// The first of `candidates` that is an executable file; nil if none is.
  public static func find(beside program: String = "/proc/self/exe") -> String? {
    candidates(beside: program).first { path in
      var st = stat()
      return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }
  }
}
