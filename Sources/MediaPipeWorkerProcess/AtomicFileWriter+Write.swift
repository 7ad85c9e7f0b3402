import Foundation
import MediaPipeImaging
import MediaPipeRuntime

#if canImport(Glibc)
  import Glibc
#endif

extension AtomicFileWriter {
  /// Writes `finalPath` through its temporary file: `body` writes the temporary
  /// path, which is then renamed into place (or removed if anything failed).
  /// - Throws: `ImagingError` with reason `cannotWriteOutput` when the folder, the
  ///   temporary file or the rename fails; `body`'s own error otherwise.
  func write(to finalPath: String, _ body: (String) throws -> Void) throws {
    let (prefix, _) = Self.split(finalPath)
    let folder = prefix.count > 1 ? String(prefix.dropLast()) : prefix.isEmpty ? "." : prefix
    do {
      var st = stat()
      if stat(folder, &st) != 0 || st.st_mode & S_IFMT != S_IFDIR {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      }
    } catch {
      throw ImagingError(
        operation: "mkdir", detail: "cannot create the folder \(folder): \(Self.describe(error))",
        reason: .cannotWriteOutput)
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: finalPath, isDirectory: &isDirectory), isDirectory.boolValue {
      throw ImagingError(operation: "output", detail: "\(finalPath) is a folder", reason: .cannotWriteOutput)
    }
    let temporary: String
    if let named = temporaries[finalPath] {
      temporary = named
    } else {
      temporary = Self.temporaryPath(for: finalPath)
      try announce(temporary, finalPath)
    }
    do {
      try body(temporary)
    } catch var error as ImagingError {
      unlink(temporary)
      if access(folder, W_OK) != 0 {
        error = ImagingError(
          operation: error.operation, detail: "cannot write in \(folder): \(String(cString: strerror(errno)))",
          reason: .cannotWriteOutput)
      }
      throw error
    } catch {
      unlink(temporary)
      throw error
    }
    if rename(temporary, finalPath) != 0 {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw ImagingError(
        operation: "rename", detail: "cannot move the output into \(finalPath): \(reason)", reason: .cannotWriteOutput)
    }
  }
}
