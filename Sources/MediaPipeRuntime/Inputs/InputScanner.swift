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
  /// Width and height from its header, read with the format (nil when unknown, and
  /// for files known unchanged, which are not opened).
  public var dimensions: ImageDimensions?
  /// The state store knew it unchanged (same size and time as recorded) when it was found.
  public var knownUnchanged = false

  public var name: String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
    return String(path[path.utf8.index(after: slash)...])
  }
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
  /// Take only the files of this shard (by their path relative to their root,
  /// `Shard.contains(relativePath:)`); another shard's files are passed over
  /// without even a `stat` when the folder entry says they are regular files.
  public var shard: Shard?

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
  ///
  /// Each file has one root, whatever the order of the paths: a folder given
  /// inside another given folder is walked as part of the outer one, and a file
  /// given inside a given folder goes with that folder (`Placement`), so every
  /// shard places every file alike and the outputs mirror the outer folder.
  public func scan(_ paths: [String]) throws -> (inputs: [InputFile], ignored: [String]) {
    var inputs: [InputFile] = []
    var ignored: [String] = []
    var seen = Seen()
    var placement = Placement(paths: paths, excluded: excludedDirectories)
    for (index, path) in paths.enumerated() {
      // A second path may name files the first reached.
      if index > 0 { seen.track(inputs) }
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
        guard !placement.isInsideAnotherFolder(index) else { continue }
        let root = Placement.trimmed(path)
        walk(root, root: root, relative: "", placement: &placement, into: &inputs, ignored: &ignored, seen: &seen)
      } else if let (folder, relative) = placement.folder(holding: index) {
        // Found where a walk of that folder finds it, and placed as it would be.
        if let shard, !shard.contains(relativePath: relative) { continue }
        let root = Placement.trimmed(paths[folder])
        consider(
          root == "/" ? "/" + relative : root + "/" + relative, canonical: placement.canonical[index], root: root,
          relative: Self.split(relative).folder, stat: st, explicit: true, link: false, into: &inputs,
          ignored: &ignored, seen: &seen)
      } else {
        let root = (path as NSString).deletingLastPathComponent
        if let shard, !shard.contains(relativePath: placement.shardName(of: index)) { continue }
        consider(
          path, canonical: placement.canonical[index], root: root.isEmpty ? "." : root, relative: "", stat: st,
          explicit: true, link: false, into: &inputs, ignored: &ignored, seen: &seen)
      }
    }
    return (inputs, ignored)
  }

  /// Where each file a scan can reach belongs, so that a run over everything takes
  /// it once and N shards take it once between them, from the same root:
  /// - a folder given inside another given folder whose walk reaches it (no hidden,
  ///   excluded or unreadable folder between) is part of the outer one; the same
  ///   folder given twice goes by its first mention;
  /// - a file given inside a given folder goes by its path below that folder;
  /// - another given file goes by its name, at its first mention;
  /// - a symbolic link to a file goes by its target, placed as above when a given
  ///   path reaches the target, and otherwise by the first link to it a walk meets
  ///   (every shard meets every link: links are never passed over unread).
  struct Placement {
    /// The real path of each given path (nil for one that does not exist).
    let canonical: [String?]
    /// The given folders' real paths, each with its first mention.
    private var folders: [String: Int] = [:]
    private let excluded: Set<String>
    /// The given paths inside a given folder: that folder, and the path below it.
    private var owners: [Int: (index: Int, relative: String)] = [:]
    /// Given files below no given folder: real path → the name their shard goes by.
    private var files: [String: String] = [:]
    /// Links to files nothing else places: target → whether this shard takes it.
    private var linkTargets: [String: Bool] = [:]

    init(paths: [String], excluded: Set<String>) {
      self.excluded = excluded
      var canonical: [String?] = []
      var isFolder: [Bool] = []
      for (index, path) in paths.enumerated() {
        var st = stat()
        guard stat(path, &st) == 0 else {
          canonical.append(nil)
          isFolder.append(false)
          continue
        }
        let real = InputScanner.canonical(path)
        canonical.append(real)
        isFolder.append(st.st_mode & S_IFMT == S_IFDIR)
        if isFolder[index], folders[real] == nil { folders[real] = index }
      }
      self.canonical = canonical
      for (index, real) in canonical.enumerated() {
        guard let real else { continue }
        if let owner = owner(of: real) {
          owners[index] = owner
        } else if !isFolder[index], files[real] == nil {
          files[real] = InputScanner.split(paths[index]).name
        }
      }
    }

    /// A path as a root: without a trailing `/`.
    static func trimmed(_ path: String) -> String {
      path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The outermost given folder whose walk reaches the real path `path`, and the
    /// path below it ("" for the folder itself; the first mention among equals).
    /// Looks up each of the path's folders, outermost first: a handful of lookups
    /// whatever the number of given folders.
    func owner(of path: String) -> (index: Int, relative: String)? {
      guard !folders.isEmpty else { return nil }
      let utf8 = path.utf8
      var end = utf8.startIndex
      while true {
        let folder = end == utf8.startIndex ? "/" : String(decoding: utf8[..<end], as: UTF8.self)
        if let index = folders[folder], let relative = reach(from: folder, to: path) { return (index, relative) }
        guard end != utf8.endIndex else { return nil }
        let next = utf8.index(after: end)
        end = utf8[next...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
      }
    }

    /// Whether the given folder at `index` is walked as part of another one.
    func isInsideAnotherFolder(_ index: Int) -> Bool {
      owners[index].map { $0.index != index } ?? false
    }

    /// The given folder holding the given path at `index`, and the path below it.
    func folder(holding index: Int) -> (index: Int, relative: String)? {
      owners[index]
    }

    /// The name a given file below no given folder goes by: its first mention's.
    func shardName(of index: Int) -> String {
      canonical[index].flatMap { files[$0] } ?? ""
    }

    /// Whether `shard` takes a symbolic link at `relativePath` (below its root) to the
    /// file whose real path is `target`.
    mutating func takesLink(to target: String, at relativePath: String, shard: Shard) -> Bool {
      if let owner = owner(of: target) { return shard.contains(relativePath: owner.relative) }
      if let name = files[target] { return shard.contains(relativePath: name) }
      if let mine = linkTargets[target] { return mine }
      let mine = shard.contains(relativePath: relativePath)
      linkTargets[target] = mine
      return mine
    }

    /// `path` below `folder` (both real paths), if a walk of `folder` reaches it: a
    /// walk skips names starting with '.', never enters an excluded folder, and
    /// cannot enter one it may not read.
    private func reach(from folder: String, to path: String) -> String? {
      guard !excluded.contains(folder), access(folder, R_OK | X_OK) == 0 else { return nil }
      if path == folder { return "" }
      let relative = String(decoding: path.utf8.dropFirst(folder == "/" ? 1 : folder.utf8.count + 1), as: UTF8.self)
      let parts = relative.utf8.split(separator: UInt8(ascii: "/"))
      var below = folder == "/" ? "" : folder
      for (number, part) in parts.enumerated() {
        if part.first == UInt8(ascii: ".") { return nil }
        below += "/" + String(decoding: part, as: UTF8.self)
        if excluded.contains(below) { return nil }
        if number < parts.count - 1, access(below, R_OK | X_OK) != 0 { return nil }
      }
      return relative
    }
  }

  private func walk(
    _ folder: String, root: String, relative: String, placement: inout Placement, into inputs: inout [InputFile],
    ignored: inout [String], seen: inout Seen
  ) {
    // The folder's real path, once: a regular file in it is that plus its name
    // (no realpath per file; a re-run over 100,000 files walks like `find`).
    let canonicalFolder = Self.canonical(folder)
    if excludedDirectories.contains(canonicalFolder) { return }
    guard let directory = opendir(folder) else {
      ignored.append(folder + "/ (cannot read this folder)")
      return
    }
    defer { closedir(directory) }
    let fd = dirfd(directory)
    var names: [String] = []
    var types: [String: UInt8] = [:]
    // The entry's path below the root, as bytes: "relative/" then the name.
    var relativeBytes = Array(relative.utf8)
    if !relativeBytes.isEmpty { relativeBytes.append(UInt8(ascii: "/")) }
    let prefixLength = relativeBytes.count
    while let entry = readdir(directory) {
      let type = entry.pointee.d_type
      let name: String? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        let bytes = raw.prefix { $0 != 0 }
        if bytes.first == UInt8(ascii: ".") { return nil }
        if let shard, type != UInt8(DT_DIR), type != UInt8(DT_UNKNOWN), type != UInt8(DT_LNK) {
          // Another shard's file is passed over here, from its name's bytes alone
          // (a link goes by its target, below).
          relativeBytes.removeSubrange(prefixLength...)
          relativeBytes.append(contentsOf: bytes)
          let mine = relativeBytes.withUnsafeBytes { shard.contains(relativePathBytes: $0) }
          if !mine { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
      }
      guard let name else { continue }
      if shard != nil { types[name] = type }
      names.append(name)
    }
    for name in names.sorted() {
      let path = folder == "/" ? "/" + name : folder + "/" + name
      var lst = stat()
      guard fstatat(fd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
      let type = lst.st_mode & S_IFMT
      if let shard, type != S_IFDIR, type != S_IFLNK, types[name] == UInt8(DT_UNKNOWN),
        !shard.contains(relativePath: relative.isEmpty ? name : relative + "/" + name)
      {
        continue
      }
      if type == S_IFDIR {
        walk(
          path, root: root, relative: relative.isEmpty ? name : relative + "/" + name, placement: &placement,
          into: &inputs, ignored: &ignored, seen: &seen)
      } else if type == S_IFREG {
        let key = canonicalFolder == "/" ? "/" + name : canonicalFolder + "/" + name
        consider(
          path, canonical: key, root: root, relative: relative, stat: lst, explicit: false, link: false, into: &inputs,
          ignored: &ignored, seen: &seen)
      } else if type != S_IFLNK {
        ignored.append(path + " (not a regular file)")
      } else if type == S_IFLNK {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
          if shard == nil || shard!.contains(relativePath: relative.isEmpty ? name : relative + "/" + name) {
            ignored.append(path + " (a symbolic link to a folder or to nothing; not followed)")
          }
          continue
        }
        let target = Self.canonical(path)
        if let shard,
          !placement.takesLink(to: target, at: relative.isEmpty ? name : relative + "/" + name, shard: shard)
        {
          continue
        }
        seen.track(inputs)
        consider(
          path, canonical: target, root: root, relative: relative, stat: st, explicit: false, link: true,
          into: &inputs, ignored: &ignored, seen: &seen)
      }
    }
  }

  /// Adds a file if it is an input. A file reached twice (through a link, or
  /// named twice) is taken once, by its real path rather than a link's.
  /// - Parameter canonical: the file's real path when the caller knows it (a regular
  ///   file in a folder whose real path is known); found with `realpath` otherwise.
  private func consider(
    _ path: String, canonical: String? = nil, root: String, relative: String, stat st: stat, explicit: Bool, link: Bool,
    into inputs: inout [InputFile], ignored: inout [String], seen: inout Seen
  ) {
    let key = canonical ?? Self.canonical(path)
    if let earlier = seen[key], !(earlier.link && !link) { return }
    let size = Int(st.st_size)
    let modified = Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec)
    var format = knownFormat(key, size, modified)
    let known = format != nil
    var dimensions: ImageDimensions?
    if format == nil { (format, dimensions) = Self.sniffHeader(path) }
    if format != nil || explicit || ImageFormat.imageExtensions.contains(Self.pathExtension(path)) {
      let file = InputFile(
        path: path, root: root, relativeDirectory: relative, size: size, modified: modified, canonicalPath: key,
        format: format, dimensions: dimensions, knownUnchanged: known)
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

  /// The files of a list (`InputList.select`), as `scan` would have found them
  /// walking their roots: a listed file that is gone, a folder or not an image
  /// is passed over (in `ignored`); a file listed twice is taken once.
  public func scan(listed: [InputList.Listed]) -> (inputs: [InputFile], ignored: [String]) {
    var inputs: [InputFile] = []
    var ignored: [String] = []
    var seen = Seen()
    seen.track([])
    // The real path of each folder once, as the walk does.
    var canonicalFolders: [String: (path: String, excluded: Bool)] = [:]
    for item in listed {
      var lst = stat()
      guard lstat(item.path, &lst) == 0 else {
        ignored.append(item.path + " (listed, but \(String(cString: strerror(errno))))")
        continue
      }
      let (folder, name) = Self.split(item.path)
      let relativeFolder = Self.split(item.relativePath).folder
      let type = lst.st_mode & S_IFMT
      if type == S_IFREG {
        let canonicalFolder: String
        if let known = canonicalFolders[folder] {
          if known.excluded { continue }
          canonicalFolder = known.path
        } else {
          canonicalFolder = Self.canonical(folder.isEmpty ? "." : folder)
          // Never inside the output folder, as the walk never enters it.
          let excluded = excludedDirectories.contains {
            canonicalFolder == $0 || canonicalFolder.hasPrefix($0 == "/" ? "/" : $0 + "/")
          }
          canonicalFolders[folder] = (canonicalFolder, excluded)
          if excluded { continue }
        }
        consider(
          item.path, canonical: canonicalFolder == "/" ? "/" + name : canonicalFolder + "/" + name, root: item.root,
          relative: relativeFolder, stat: lst, explicit: false, link: false, into: &inputs, ignored: &ignored,
          seen: &seen)
      } else if type == S_IFLNK {
        var st = stat()
        guard stat(item.path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
          ignored.append(item.path + " (a symbolic link to a folder or to nothing; not followed)")
          continue
        }
        consider(
          item.path, root: item.root, relative: relativeFolder, stat: st, explicit: false, link: true, into: &inputs,
          ignored: &ignored, seen: &seen)
      } else {
        ignored.append(item.path + (type == S_IFDIR ? " (a folder: a list names files)" : " (not a regular file)"))
      }
    }
    return (inputs, ignored)
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
    var seen = Seen()
    consider(
      path, root: root, relative: relative, stat: st, explicit: false, link: false, into: &inputs, ignored: &ignored,
      seen: &seen)
    return inputs.first
  }

  /// The files taken so far, by real path, so that a file reached twice is taken
  /// once. Kept only from the first symbolic link or second path on: one folder
  /// walked without links cannot reach a file twice, and a re-run over 100,000
  /// files need not hash every path for nothing.
  struct Seen {
    private var table: [String: (index: Int, link: Bool)]?

    /// Starts keeping track, from the files taken so far (none of them through a link).
    mutating func track(_ inputs: [InputFile]) {
      guard table == nil else { return }
      var table: [String: (index: Int, link: Bool)] = [:]
      for (index, file) in inputs.enumerated() { table[file.canonicalPath] = (index, false) }
      self.table = table
    }

    subscript(key: String) -> (index: Int, link: Bool)? {
      get { table?[key] }
      set { table?[key] = newValue }
    }
  }

  /// The format shown by a file's first bytes.
  static func sniff(_ path: String) -> ImageFormat? { sniffHeader(path).format }

  /// The format shown by a file's first bytes and, read from the same open file,
  /// the dimensions its header states.
  static func sniffHeader(_ path: String) -> (format: ImageFormat?, dimensions: ImageDimensions?) {
    // O_NONBLOCK: a FIFO that slipped through must not hang the scan.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return (nil, nil) }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 512)
    let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 512) }
    guard n > 0, let format = ImageFormat.sniff(bytes[0..<n]) else { return (nil, nil) }
    let dimensions = bytes.withUnsafeBytes {
      let head = UnsafeRawBufferPointer(rebasing: $0[0..<n])
      return ImageDimensions.parse(format: format, head: head, read: ImageDimensions.pread(fd))
    }
    return (format, dimensions)
  }

  /// The lowercased extension of a path's last component ("" if none).
  static func pathExtension(_ path: String) -> String {
    let name = path.split(separator: "/", omittingEmptySubsequences: true).last ?? ""
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
    return name[name.index(after: dot)...].lowercased()
  }

  /// The absolute, symlink-free form of a path (the path itself if it cannot be resolved).
  /// A path split at its last `/`: ("a/b", "c.jpg"), ("/", "c.jpg") for "/c.jpg", ("", "c.jpg")
  /// for "c.jpg". (NSString's path methods cost more per listed file than its `lstat`.)
  static func split(_ path: String) -> (folder: String, name: String) {
    let utf8 = path.utf8
    guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
    let name = String(path[utf8.index(after: slash)...])
    return (slash == utf8.startIndex ? "/" : String(path[..<slash]), name)
  }

  public static func canonical(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
