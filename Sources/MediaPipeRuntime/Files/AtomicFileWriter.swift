import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes each output to a temporary name in its target folder, then renames
/// it into place: a reader sees the whole file or none of it, never half.
///
/// Temporary names are hidden and unique to the writing process
/// (`.NAME.mediapipe-PID.tmp`), so scans skip them and two writers never share
/// one. `write(to:_:)` (in MediaPipeWorkerProcess, beside the libvips errors it
/// throws) does the writing. `announce` is called with each temporary and final
/// path before the temporary file is created: the parent removes it if this
/// process dies, and records it in the state store so that a run killed outright
/// is cleaned up by the next one. If `announce` throws, nothing is written. A
/// final path found in `temporaries` was named and recorded by the parent
/// already: it is written through that temporary file without announcing it.
public struct AtomicFileWriter {
  public var announce: (_ temporary: String, _ final: String) throws -> Void
  /// Temporary files already recorded, by final path.
  public var temporaries: [String: String]

  public init(temporaries: [String: String] = [:], announce: @escaping (String, String) throws -> Void = { _, _ in }) {
    self.temporaries = temporaries
    self.announce = announce
  }

  /// The temporary path used for `finalPath` by the process `pid`: `.NAME.mediapipe-PID.tmp`
  /// in the same folder.
  public static func temporaryPath(for finalPath: String, pid: Int32 = getpid()) -> String {
    let (folder, name) = split(finalPath)
    return folder + ".\(name).mediapipe-\(pid).tmp"
  }

  /// A path's folder (with its trailing "/", "" for a bare name) and last component.
  package static func split(_ path: String) -> (folder: String, name: Substring) {
    var path = Substring(path)
    while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
    guard let slash = path.lastIndex(of: "/") else { return ("", path) }
    return (String(path[...slash]), path[path.index(after: slash)...])
  }

  package static func describe(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    return ns.localizedDescription
  }
}
