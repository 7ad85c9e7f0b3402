import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Moves originals after processing (to the done and failed folders), mirroring
/// their folder below the watched one, never overwriting what is there.
struct OriginalMover {
  /// Moves `path` below `destination`; returns where it went.
  func move(_ path: String, relativeDirectory: String, to destination: String) throws -> String {
    var folder = destination
    if !relativeDirectory.isEmpty { folder += "/" + relativeDirectory }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let name = (path as NSString).lastPathComponent
    var target = folder + "/" + name
    var n = 1
    while FileManager.default.fileExists(atPath: target) {
      let stem = (name as NSString).deletingPathExtension
      let ext = (name as NSString).pathExtension
      target = folder + "/" + stem + " (\(n))" + (ext.isEmpty ? "" : "." + ext)
      n += 1
    }
    if rename(path, target) != 0 {
      guard errno == EXDEV else { throw MoveError(why: String(cString: strerror(errno))) }
      // Another file system: copy under a temporary name, rename, then remove the original.
      let temporary = folder + "/.\(name).mediapipe-\(getpid()).tmp"
      try FileManager.default.copyItem(atPath: path, toPath: temporary)
      guard rename(temporary, target) == 0 else {
        unlink(temporary)
        throw MoveError(why: String(cString: strerror(errno)))
      }
      unlink(path)
    }
    return target
  }

  struct MoveError: Error, CustomStringConvertible {
    var why: String
    var description: String { why }
  }
}
