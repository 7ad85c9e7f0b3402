import Foundation
import MediaPipeCore

/// A list of input files (`mediapipe list` writes one): paths one per line, or
/// separated by NUL bytes, read once so that a tree of a million files on a
/// network file system is walked once and not by every task of a job.
///
/// Each listed file must lie below one of the roots given with the list (the
/// folders a walk would have started from): its path relative to that root
/// decides its shard and mirrors its folders below the output folder, exactly
/// as if the root had been walked. Relative paths in the list are taken from
/// the current folder.
public struct InputList: Sendable {
  /// How the paths are separated.
  public enum Separator: Sendable {
    /// One path per line (a `\r` before the `\n` is dropped); a path cannot contain a newline.
    case newline
    /// NUL-separated (`find -print0`, `mediapipe list -0`): any path.
    case nul

    var byte: UInt8 { self == .nul ? 0 : UInt8(ascii: "\n") }
  }

  /// The list as read.
  public let bytes: [UInt8]
  public let separator: Separator

  public init(bytes: [UInt8], separator: Separator) {
    self.bytes = bytes
    self.separator = separator
  }

  /// A list that cannot be read.
  public struct Unreadable: Error, CustomStringConvertible {
    public var path: String
    public var why: String
    public var description: String { "cannot read the list \(path): \(why)" }
  }

  /// Reads the list at `path` ("-" for standard input).
  /// - Throws: `Unreadable`.
  public static func read(_ path: String, separator: Separator) throws -> InputList {
    if path == "-" {
      return InputList(bytes: Array(FileHandle.standardInput.readDataToEndOfFile()), separator: separator)
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      throw Unreadable(
        path: path, why: exists ? (isDirectory.boolValue ? "it is a folder" : "permission denied") : "no such file")
    }
    return InputList(bytes: Array(data), separator: separator)
  }

  /// A listed file with the root it lies below.
  public struct Listed: Sendable, Hashable {
    /// The file's path as a walk of `root` would give it: `root/relativePath`.
    public var path: String
    /// The root (as given) it lies below.
    public var root: String
    /// Its path below the root, `/`-separated, no empty, `.` or `..` parts.
    public var relativePath: String
  }

  /// A listed path that lies below none of the roots.
  public struct OutsideRoots: Error, CustomStringConvertible {
    public var path: String
    public var roots: [String]
    public var description: String {
      "the listed file \(path) is not below \(roots.count == 1 ? "the folder" : "any of the folders") \(roots.joined(separator: ", ")): give the folder the list was made from"
    }
  }

  /// The listed files of `shard` (every one when nil), in list order, each with its
  /// root. Text only: the file system is not asked, so choosing one shard's files
  /// from a million-line list takes a fraction of a second.
  /// - Parameter roots: the folders the files lie below (each a folder, as given).
  /// - Throws: `OutsideRoots` for the first listed path below none of them.
  public func select(roots: [String], shard: Shard?) throws -> [Listed] {
    let given = roots.map(InputScanner.Placement.trimmed)
    // Textual prefixes first, each standing for a root: the root as given ("photos/"
    // for a line "photos/a.jpg"), its absolute form ("/abs/photos/"), and, when it
    // lies below the current folder, its form relative to that ("photos/" for a root
    // given as "/abs/photos"). Lines written otherwise ("./photos/a.jpg") are
    // normalised, which costs more.
    let absolute = given.map { OutputPlan.normalise($0) }
    let cwd = OutputPlan.normalise(".")
    var prefixes: [[UInt8]] = []
    var prefixRoot: [Int] = []
    for (index, root) in given.enumerated() {
      var forms = [root == "/" ? "/" : root + "/", absolute[index] == "/" ? "/" : absolute[index] + "/"]
      if absolute[index].hasPrefix(cwd == "/" ? "/" : cwd + "/") {
        forms.append(String(absolute[index].dropFirst(cwd == "/" ? 1 : cwd.count + 1)) + "/")
      }
      for form in Set(forms) {
        prefixes.append(Array(form.utf8))
        prefixRoot.append(index)
      }
    }
    // A root given inside another (as the walk takes it, `InputScanner.Placement`):
    // its files go by the outer root, below the inner one's path there.
    let placement = InputScanner.Placement(paths: given, excluded: [])
    let outer: [(index: Int, below: String)] = given.indices.map { index in
      placement.folder(holding: index).map { ($0.index, $0.relative) } ?? (index, "")
    }
    var selected: [Listed] = []
    var failure: OutsideRoots?
    /// Takes the file `rest` below root `index`, if it is in the shard.
    func take(_ index: Int, _ rest: String) {
      let (root, relative) = (
        given[outer[index].index], outer[index].below.isEmpty ? rest : outer[index].below + "/" + rest
      )
      if let shard, !shard.contains(relativePath: relative) { return }
      selected.append(
        Listed(path: root == "/" ? "/" + relative : root + "/" + relative, root: root, relativePath: relative))
    }
    bytes.withUnsafeBytes { all in
      var start = 0
      let count = all.count
      let separator = self.separator.byte
      while start < count && failure == nil {
        var end = start
        while end < count && all[end] != separator { end += 1 }
        var last = end
        if self.separator == .newline && last > start && all[last - 1] == UInt8(ascii: "\r") { last -= 1 }
        defer { start = end + 1 }
        guard last > start else { continue }
        let line = UnsafeRawBufferPointer(rebasing: all[start..<last])
        // The longest textual root prefix whose rest is a clean relative path.
        var best = -1
        for (index, prefix) in prefixes.enumerated()
        where line.count > prefix.count && (best < 0 || prefix.count > prefixes[best].count)
          && prefix.withUnsafeBytes({ memcmp($0.baseAddress!, line.baseAddress!, prefix.count) == 0 })
        {
          best = index
        }
        if best >= 0 {
          let rest = UnsafeRawBufferPointer(rebasing: line[prefixes[best].count...])
          if Self.isClean(rest) {
            let index = prefixRoot[best]
            if outer[index].index == index && outer[index].below.isEmpty {
              // The common case, without a string for another shard's file.
              if let shard, !shard.contains(relativePathBytes: rest) { continue }
              let relative = String(decoding: rest, as: UTF8.self)
              let root = given[index]
              selected.append(
                Listed(path: root == "/" ? "/" + relative : root + "/" + relative, root: root, relativePath: relative))
            } else {
              take(index, String(decoding: rest, as: UTF8.self))
            }
            continue
          }
        }
        let text = String(decoding: line, as: UTF8.self)
        let normal = OutputPlan.normalise(text)
        var match = -1
        // Bytes, not characters: a name may start with a combining mark.
        for (index, root) in absolute.enumerated()
        where normal.utf8.starts(with: (root == "/" ? "/" : root + "/").utf8)
          && (match < 0 || root.utf8.count > absolute[match].utf8.count)
        {
          match = index
        }
        guard match >= 0 else {
          failure = OutsideRoots(path: text, roots: given)
          continue
        }
        take(
          match,
          String(
            decoding: normal.utf8.dropFirst(absolute[match] == "/" ? 1 : absolute[match].utf8.count + 1), as: UTF8.self)
        )
      }
    }
    if let failure { throw failure }
    return selected
  }

  /// Whether a relative path has no empty, `.` or `..` part.
  private static func isClean(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var length = 0
    var dots = 0
    for byte in bytes {
      if byte == UInt8(ascii: "/") {
        if length == 0 || length == dots && dots <= 2 { return false }
        length = 0
        dots = 0
      } else {
        if byte == UInt8(ascii: ".") { dots += 1 }
        length += 1
      }
    }
    return length > 0 && !(length == dots && dots <= 2)
  }
}
