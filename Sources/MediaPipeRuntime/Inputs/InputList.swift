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
    let given = roots.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
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
    var selected: [Listed] = []
    var failure: OutsideRoots?
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
        // The textual root prefix the line starts with; below two roots, one given
        // inside the other, the one a walk would take it from (`Self.placed`).
        var best = -1
        var matches = 0
        for (index, prefix) in prefixes.enumerated()
        where line.count > prefix.count
          && prefix.withUnsafeBytes({ memcmp($0.baseAddress!, line.baseAddress!, prefix.count) == 0 })
        {
          matches += 1
          if best < 0 || prefix.count > prefixes[best].count { best = index }
        }
        if matches > 1 {
          best = Self.placed(
            prefixes.indices.filter {
              line.count > prefixes[$0].count && prefixes[$0].elementsEqual(line.prefix(prefixes[$0].count))
            }.map { ($0, prefixes[$0].count, UnsafeRawBufferPointer(rebasing: line[prefixes[$0].count...])) })
        }
        if best >= 0 {
          let rest = UnsafeRawBufferPointer(rebasing: line[prefixes[best].count...])
          if Self.isClean(rest) {
            if let shard, !shard.contains(relativePathBytes: rest) { continue }
            let relative = String(decoding: rest, as: UTF8.self)
            let root = given[prefixRoot[best]]
            selected.append(
              Listed(path: root == "/" ? "/" + relative : root + "/" + relative, root: root, relativePath: relative))
            continue
          }
        }
        let text = String(decoding: line, as: UTF8.self)
        let normal = OutputPlan.normalise(text)
        let match = Array(normal.utf8).withUnsafeBytes { normalBytes in
          Self.placed(
            absolute.enumerated().compactMap { index, root in
              let prefix = root == "/" ? 1 : root.utf8.count + 1
              guard normal.utf8.starts(with: (root == "/" ? "/" : root + "/").utf8), normalBytes.count > prefix
              else { return nil }
              return (index, prefix, UnsafeRawBufferPointer(rebasing: normalBytes[prefix...]))
            })
        }
        guard match >= 0 else {
          failure = OutsideRoots(path: text, roots: given)
          continue
        }
        let relative = String(normal.dropFirst(absolute[match] == "/" ? 1 : absolute[match].count + 1))
        if let shard, !shard.contains(relativePath: relative) { continue }
        let root = given[match]
        selected.append(
          Listed(path: root == "/" ? "/" + relative : root + "/" + relative, root: root, relativePath: relative))
      }
    }
    if let failure { throw failure }
    return selected
  }

  /// Of the roots a listed path lies below (each a key, its prefix's length, the rest
  /// of the path), the one a walk takes the file from, as `InputScanner.scan` places
  /// it: the outermost whose rest is clean and hidden nowhere (a walk skips names
  /// starting with '.'); else the deepest with a clean rest; -1 when none has one.
  static func placed(_ candidates: [(key: Int, length: Int, rest: UnsafeRawBufferPointer)]) -> Int {
    let clean = candidates.filter { isClean($0.rest) }
    if let outer = clean.filter({ !isHidden($0.rest) }).min(by: { $0.length < $1.length }) { return outer.key }
    return clean.max(by: { $0.length < $1.length })?.key ?? -1
  }

  /// Whether a part of a relative path starts with '.'.
  private static func isHidden(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.indices.contains { bytes[$0] == UInt8(ascii: ".") && ($0 == 0 || bytes[$0 - 1] == UInt8(ascii: "/")) }
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
