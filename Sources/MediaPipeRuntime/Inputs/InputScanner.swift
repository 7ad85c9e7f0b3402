import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// One file found below an input root.
public struct InputFile: Sendable, Hashable {
  /// The file's path (as reached from the root given on the command line).
  public var path: String
  /// The root it was found under (a folder given on the command line, or a file's own folder).
  public var root: String
  /// The folder below the root ("" at the root): the `{dir}` token and the mirror below -o.
  public var relativeDirectory: String
  public var size: Int
  /// Modification time, nanoseconds since 1970.
  public var modified: Int
  /// The absolute, symlink-free path: the file's identity in the state store.
  public var canonicalPath: String
  /// The format its first bytes show; nil if they are not a known image.
  public var format: ImageFormat?

  public var name: String { (path as NSString).lastPathComponent }
}

/// Finds the input images below the paths given on the command line.
///
/// Folders are walked recursively; names starting with '.' are skipped, and so
/// are symbolic links to folders (so a link can never lead into a loop);
/// symbolic links to files are followed. Files are chosen by content: the first
/// bytes decide whether a file is an image, whatever its name. A file with an
/// image extension whose content is not an image is still returned (with no
/// format), so it can be reported rather than silently ignored.
public struct InputScanner {
  /// Folders not to enter (the output folder when it sits inside an input).
  public var excludedDirectories: Set<String> = []
  /// The format of a file already known unchanged (canonical path, size, time),
  /// so that a re-run does not even read its first bytes.
  public var knownFormat: (String, Int, Int) -> ImageFormat? = { _, _, _ in nil }

  public init(excludedDirectories: Set<String> = []) {
    self.excludedDirectories = excludedDirectories
  }

  /// A path given on the command line that does not exist or cannot be read.
  public struct MissingPath: Error, CustomStringConvertible {
    public var path: String
    public var why: String
    public var description: String { "\(path): \(why)" }
  }

  /// Everything found, in a stable order (by path), plus files passed over
  /// because they are neither images nor named like images.
  public func scan(_ paths: [String]) throws -> (inputs: [InputFile], ignored: [String]) {
    var inputs: [InputFile] = []
    var ignored: [String] = []
    var seen: [String: (index: Int, link: Bool)] = [:]
    for path in paths {
      var st = stat()
      guard stat(path, &st) == 0 else {
        throw MissingPath(path: path, why: String(cString: strerror(errno)))
      }
      let type = st.st_mode & S_IFMT
      guard type == S_IFDIR || type == S_IFREG else {
        // A FIFO or a device would block or never end when read.
        throw MissingPath(path: path, why: "not a regular file or folder")
      }
      if type == S_IFDIR {
        let root = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        walk(root, root: root, relative: "", into: &inputs, ignored: &ignored, seen: &seen)
      } else {
        let root = (path as NSString).deletingLastPathComponent
        consider(
          path, root: root.isEmpty ? "." : root, relative: "", stat: st, explicit: true, link: false,
          into: &inputs, ignored: &ignored, seen: &seen)
      }
    }
    return (inputs, ignored)
  }

  private func walk(
    _ folder: String, root: String, relative: String, into inputs: inout [InputFile], ignored: inout [String],
    seen: inout [String: (index: Int, link: Bool)]
  ) {
    if excludedDirectories.contains(Self.canonical(folder)) { return }
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
      ignored.append(folder + "/ (cannot read this folder)")
      return
    }
    for name in names.sorted() where !name.hasPrefix(".") {
      let path = folder == "/" ? "/" + name : folder + "/" + name
      var lst = stat()
      guard lstat(path, &lst) == 0 else { continue }
      let type = lst.st_mode & S_IFMT
      if type == S_IFDIR {
        walk(path, root: root, relative: relative.isEmpty ? name : relative + "/" + name, into: &inputs, ignored: &ignored, seen: &seen)
      } else if type == S_IFREG {
        consider(
          path, root: root, relative: relative, stat: lst, explicit: false, link: false, into: &inputs,
          ignored: &ignored, seen: &seen)
      } else if type != S_IFLNK {
        ignored.append(path + " (not a regular file)")
      } else if type == S_IFLNK {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
          ignored.append(path + " (a symbolic link to a folder or to nothing; not followed)")
          continue
        }
        consider(
          path, root: root, relative: relative, stat: st, explicit: false, link: true, into: &inputs,
          ignored: &ignored, seen: &seen)
      }
    }
  }

  /// Adds a file if it is an input. A file reached twice (through a link, or
  /// named twice) is taken once, by its real path rather than a link's.
  private func consider(
    _ path: String, root: String, relative: String, stat st: stat, explicit: Bool, link: Bool, into inputs: inout [InputFile],
    ignored: inout [String], seen: inout [String: (index: Int, link: Bool)]
  ) {
    let key = Self.canonical(path)
    if let earlier = seen[key], !(earlier.link && !link) { return }
    let size = Int(st.st_size)
    let modified = Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec)
    let format = knownFormat(key, size, modified) ?? Self.sniff(path)
    let ext = (path as NSString).pathExtension.lowercased()
    if format != nil || explicit || ImageFormat.imageExtensions.contains(ext) {
      let file = InputFile(
        path: path, root: root, relativeDirectory: relative, size: size, modified: modified, canonicalPath: key,
        format: format)
      if let earlier = seen[key] {
        inputs[earlier.index] = file
        seen[key] = (earlier.index, link)
      } else {
        inputs.append(file)
        seen[key] = (inputs.count - 1, link)
      }
    } else {
      ignored.append(path + " (not an image)")
    }
  }

  /// One file below `root` as an input, if it is one (a regular file, or a link
  /// to one, whose content or name says image).
  public func file(at path: String, root: String) -> InputFile? {
    var st = stat()
    guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
    let folder = (path as NSString).deletingLastPathComponent
    var relative = ""
    if folder.count > root.count, folder.hasPrefix(root + "/") { relative = String(folder.dropFirst(root.count + 1)) }
    var inputs: [InputFile] = []
    var ignored: [String] = []
    var seen: [String: (index: Int, link: Bool)] = [:]
    consider(path, root: root, relative: relative, stat: st, explicit: false, link: false, into: &inputs, ignored: &ignored, seen: &seen)
    return inputs.first
  }

  /// The format shown by a file's first bytes.
  static func sniff(_ path: String) -> ImageFormat? {
    // O_NONBLOCK: a FIFO that slipped through must not hang the scan.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 512)
    let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 512) }
    guard n > 0 else { return nil }
    return ImageFormat.sniff(bytes[0..<n])
  }

  /// The absolute, symlink-free form of a path (the path itself if it cannot be resolved).
  public static func canonical(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
