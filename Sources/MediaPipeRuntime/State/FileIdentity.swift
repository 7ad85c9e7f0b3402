import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// A file's size, modification time and (when read) content hash.
public struct FileIdentity: Sendable, Hashable, Codable {
  public var size: Int
  /// Nanoseconds since 1970.
  public var modified: Int
  public var contentHash: String?

  public init(size: Int, modified: Int, contentHash: String? = nil) {
    self.size = size
    self.modified = modified
    self.contentHash = contentHash
  }

  /// Size and modification time from `stat` (follows symbolic links); nil if the file is gone.
  public static func of(_ path: String) -> FileIdentity? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return FileIdentity(
      size: Int(st.st_size), modified: Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec))
  }

  /// Stat, then hash the content.
  public static func read(_ path: String) -> FileIdentity? {
    guard var identity = of(path), let hash = hash(path) else { return nil }
    identity.contentHash = hash
    return identity
  }

  /// xxHash64 of a file's bytes, read in 1 MiB chunks; nil if it cannot be read.
  public static func hash(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var hasher = XXHash64()
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { chunk.deallocate() }
    while true {
      let n = Glibc.read(fd, chunk.baseAddress, chunk.count)
      if n < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if n == 0 { break }
      hasher.update(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
    }
    return hasher.hexDigest()
  }
}

extension Pipeline {
  /// What decides this pipeline's outputs: its statements (not comments or
  /// layout) and the content of every file it references (a changed logo
  /// changes it).
  public func fingerprint() -> String {
    var text = "mediapipe pipeline\n" + canonicalText
    for file in referencedFiles.sorted() {
      text += "\n\(file) " + (FileIdentity.hash(file) ?? "missing")
    }
    return XXHash64.hex(Array(text.utf8))
  }
}
