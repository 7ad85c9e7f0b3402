import CPosixShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The mark every output carries in the file itself: an extended attribute
/// `user.mediapipe.output` set on the temporary file before it is renamed into
/// place, saying which mediapipe, which pipeline and which input content made it:
///
///     mediapipe 0.2.0; pipeline 5f3a...; input 9c1e...
///
/// Extended attributes belong to the file (its inode): they survive renaming
/// the file and renaming or moving its folders on the same file system, and
/// they do not depend on the state store, which may be deleted. So a file that
/// carries the mark below an output root is never taken as an input, and an
/// input whose outputs carry its content hash and the current pipeline is up to
/// date even when the store knows nothing of it (a renamed folder).
///
/// Where the file system keeps no user attributes (`ENOTSUP`: some network and
/// FUSE file systems, ramfs), the worker reports the output's size and content
/// hash instead and the state store keeps them (see `RunState.isOurs`).
public struct OutputMarker: Sendable, Equatable {
  static let attribute = "user.mediapipe.output"

  /// The mediapipe version that wrote the file.
  public var version: String
  /// The fingerprint of the pipeline that wrote it (`Pipeline.fingerprint()`).
  public var fingerprint: String
  /// xxHash64 of the input's content it was made from.
  public var inputHash: String

  public init(version: String, fingerprint: String, inputHash: String) {
    self.version = version
    self.fingerprint = fingerprint
    self.inputHash = inputHash
  }

  var value: String { "mediapipe \(version); pipeline \(fingerprint); input \(inputHash)" }

  init?(parsing value: String) {
    var fields: [String: String] = [:]
    for part in value.split(separator: ";") {
      let pair = part.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
      if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
    }
    guard let version = fields["mediapipe"] else { return nil }
    self.init(version: version, fingerprint: fields["pipeline"] ?? "", inputHash: fields["input"] ?? "")
  }

  /// Marks `path`. False (with `errno` set) when the file system cannot keep the mark.
  package func write(to path: String) -> Bool {
    let text = value
    return text.withCString { cposix_set_xattr(path, Self.attribute, $0, strlen($0)) } == 0
  }

  /// The mark of `path` (following a symbolic link), nil if it has none.
  public static func read(_ path: String) -> OutputMarker? {
    var buffer = [CChar](repeating: 0, count: 512)
    let length = cposix_get_xattr(path, attribute, &buffer, buffer.count - 1)
    guard length > 0 else { return nil }
    return OutputMarker(parsing: String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
  }
}
