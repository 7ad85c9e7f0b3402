import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// What happened in a watched tree.
enum WatchEvent: Equatable {
  /// A file was closed after writing, or renamed into the tree: it may be ready.
  case arrived(String)
  /// A file is being written again (it must not be taken until closed).
  case modified(String)
  /// A folder appeared (created, or moved in): watch it and look inside.
  case folderAdded(String)
  /// The kernel's queue overflowed and events were lost: rescan everything.
  case overflow
}

/// Linux inotify over a folder tree. Watches are per folder, so every folder
/// gets its own, including folders created later (their files that landed
/// before the watch existed are found by scanning them: `folderAdded`).
final class InotifyWatcher {
  let fd: Int32
  private var folders: [Int32: String] = [:]
  private let excluded: (String) -> Bool
  private static let mask: UInt32 =
    UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF) | UInt32(IN_ONLYDIR)

  /// - Parameter excluded: folders not to watch (outputs, the done and failed folders).
  init(excluded: @escaping (String) -> Bool) throws {
    fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard fd >= 0 else { throw WatchError.inotify(String(cString: strerror(errno))) }
    self.excluded = excluded
  }

  deinit { close(fd) }

  /// Watches `folder` and every folder below it (hidden ones skipped).
  /// - Throws: `WatchError.tooManyWatches` when the kernel's per-user limit is reached.
  func watchTree(_ folder: String) throws {
    guard !excluded(folder) else { return }
    let wd = inotify_add_watch(fd, folder, Self.mask)
    if wd < 0 {
      if errno == ENOSPC { throw WatchError.tooManyWatches(folder) }
      return  // vanished or unreadable: nothing to watch
    }
    folders[wd] = folder
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    for name in names where !name.hasPrefix(".") {
      let path = folder + "/" + name
      var st = stat()
      if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { try watchTree(path) }
    }
  }

  /// Reads every pending event (non-blocking).
  func read() -> [WatchEvent] {
    var events: [WatchEvent] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      var offset = 0
      while offset + 16 <= n {
        // struct inotify_event: wd, mask, cookie, len, then `len` bytes of NUL-padded name.
        let (wd, mask, length) = buffer.withUnsafeBytes { raw in
          (
            raw.loadUnaligned(fromByteOffset: offset, as: Int32.self),
            raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
            Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
          )
        }
        let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
        let name = String(decoding: nameBytes, as: UTF8.self)
        offset += 16 + length
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
          events.append(.overflow)
          continue
        }
        if mask & UInt32(IN_IGNORED) != 0 {
          folders[wd] = nil
          continue
        }
        guard let folder = folders[wd], !name.isEmpty else { continue }
        let path = folder + "/" + name
        if mask & UInt32(IN_ISDIR) != 0 {
          if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, !name.hasPrefix(".") { events.append(.folderAdded(path)) }
        } else if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
          events.append(.arrived(path))
        } else if mask & UInt32(IN_MODIFY) != 0 {
          events.append(.modified(path))
        }
      }
    }
    return events
  }
}

/// Problems that stop the watcher.
public enum WatchError: Error, CustomStringConvertible {
  case inotify(String)
  case tooManyWatches(String)

  public var description: String {
    switch self {
    case .inotify(let why): return "cannot start inotify: \(why)"
    case .tooManyWatches(let folder):
      return "too many folders to watch (at \(folder)): raise fs.inotify.max_user_watches (see docs/watch-service.md)"
    }
  }

  /// Scanning at intervals needs no watches.
  public var remedy: Remedy? {
    if case .tooManyWatches = self { return .pollInstead }
    return nil
  }
}
