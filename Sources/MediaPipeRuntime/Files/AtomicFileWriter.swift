import Foundation
import MediaPipeImaging

#if canImport(Glibc)
  import Glibc
#endif

/// Writes each output to a temporary name in its target folder, then renames
/// it into place: a reader sees the whole file or none of it, never half.
///
/// Temporary names are hidden and unique to the writing process
/// (`.NAME.mediapipe-PID.tmp`), so scans skip them and two writers never share
/// one. `announce` is called with each temporary and final path before the
/// temporary file is created: the parent removes it if this process dies, and
/// records it in the state store so that a run killed outright is cleaned up by
/// the next one. If `announce` throws, nothing is written.
public struct AtomicFileWriter {
  public var announce: (_ temporary: String, _ final: String) throws -> Void

  public init(announce: @escaping (String, String) throws -> Void = { _, _ in }) {
    self.announce = announce
  }

  /// The temporary path used for `finalPath`.
  public static func temporaryPath(for finalPath: String, pid: Int32 = getpid()) -> String {
    let url = URL(fileURLWithPath: finalPath)
    return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).mediapipe-\(pid).tmp").path
  }

  public func write(to finalPath: String, _ body: (String) throws -> Void) throws {
    let folder = URL(fileURLWithPath: finalPath).deletingLastPathComponent().path
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw ImagingError(
        operation: "mkdir", detail: "cannot create the folder \(folder): \(Self.describe(error))", reason: .cannotWriteOutput)
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: finalPath, isDirectory: &isDirectory), isDirectory.boolValue {
      throw ImagingError(operation: "output", detail: "\(finalPath) is a folder", reason: .cannotWriteOutput)
    }
    let temporary = Self.temporaryPath(for: finalPath)
    try announce(temporary, finalPath)
    do {
      try body(temporary)
    } catch var error as ImagingError {
      unlink(temporary)
      if access(folder, W_OK) != 0 {
        error = ImagingError(operation: error.operation, detail: "cannot write in \(folder): \(String(cString: strerror(errno)))", reason: .cannotWriteOutput)
      }
      throw error
    } catch {
      unlink(temporary)
      throw error
    }
    if rename(temporary, finalPath) != 0 {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw ImagingError(operation: "rename", detail: "cannot move the output into \(finalPath): \(reason)", reason: .cannotWriteOutput)
    }
  }

  static func describe(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    return ns.localizedDescription
  }
}
