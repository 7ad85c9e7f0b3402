import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Keeps two runs from writing into the same output root at once (overlapping
/// cron jobs).
///
/// The lock is `flock` on `.mediapipe/lock` under the output root: the kernel
/// releases it when its holder exits, however it exits, so a crashed run never
/// blocks the next one. The file holds the holder's pid and start time while it
/// runs and is emptied on a clean release; finding it not empty when taking the
/// lock means the previous run crashed, which is reported.
///
/// A lock file that is deleted (or its folder) while its holder runs protects
/// nothing: the next run creates a new file and locks that. The holder calls
/// `check()` as it admits work: it re-creates a vanished lock, or learns that
/// another run has already taken the new one and must stop.
///
/// Shards of one job (`--shard K/N`) each take their own lock, `lock.shard-K-of-N`,
/// and share `lock` (`flock` shared): shards never wait for each other, while a run
/// over everything (which takes `lock` exclusively) and the shards exclude each other.
public final class RunLock {
  /// Who holds a lock.
  public struct Holder: Sendable, CustomStringConvertible {
    public var pid: Int32
    public var started: String
    public var description: String { "pid \(pid), started \(started)" }

    static func parse(_ text: String) -> Holder? {
      let parts = text.split(separator: " ", maxSplits: 1)
      guard parts.count == 2, let pid = Int32(parts[0]) else { return nil }
      return Holder(pid: pid, started: String(parts[1]).trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }

  /// Why a lock was not taken.
  public enum Failure: Error, CustomStringConvertible, Sendable {
    /// Another run holds it and waiting was not wanted.
    case busy(path: String, holder: Holder?)
    /// The wait was interrupted.
    case interrupted
    /// The lock file cannot be created.
    case cannotCreate(path: String, why: String)
    /// `.mediapipe` under the output root is a file, not a folder.
    case notAFolder(path: String)

    var isInterrupt: Bool {
      if case .interrupted = self { return true }
      return false
    }

    public var description: String {
      switch self {
      case .busy(let path, let holder):
        return "another mediapipe run (\(holder?.description ?? "unknown")) is writing here (\(path))"
      case .interrupted: return "interrupted while waiting for the lock"
      case .cannotCreate(let path, let why): return "cannot create the lock \(path): \(why)"
      case .notAFolder(let path):
        return
          "\(path) is a file, not a folder: mediapipe keeps its lock and state store in that folder; move the file away or remove it, then run again"
      }
    }
  }

  public let path: String
  /// The output root it protects.
  public let root: String
  /// The lock file's name in `.mediapipe` ("lock", "lock.shard-3-of-16").
  public let name: String
  /// Taken shared (many holders at once) rather than exclusive; a shared holder
  /// neither writes its pid into the file nor reads a crashed holder from it.
  public let shared: Bool
  private var fd: Int32
  /// The lock file's device and inode, to notice it was deleted or replaced.
  private var identity: (dev_t, ino_t)

  /// The holder found in the file when it was taken: a run that crashed.
  public let crashedHolder: Holder?

  private init(root: String, name: String, shared: Bool, path: String, fd: Int32, crashedHolder: Holder?) {
    self.root = root
    self.name = name
    self.shared = shared
    self.path = path
    self.fd = fd
    self.crashedHolder = crashedHolder
    identity = Self.identity(of: fd)
  }

  private static func identity(of fd: Int32) -> (dev_t, ino_t) {
    var st = stat()
    return fstat(fd, &st) == 0 ? (st.st_dev, st.st_ino) : (0, 0)
  }

  /// Whether the lock file is still the one locked.
  public enum Check {
    /// Nothing happened to it.
    case intact
    /// It was deleted (or its folder was) and is locked again under a new file.
    case recreated
    /// It was deleted and another run has locked the new file: stop.
    case lost(holder: Holder?)
    /// It was deleted and cannot be made again (a file named `.mediapipe` is in
    /// the way, the folder became read-only): stop.
    case cannotRecreate(Failure)
  }

  /// Checks that the lock file is still there, and re-creates and locks it if it vanished.
  /// One `stat` when nothing happened: cheap enough for every turn of the run loop.
  public func check() -> Check {
    guard fd >= 0 else { return .intact }
    var st = stat()
    if stat(path, &st) == 0 && st.st_dev == identity.0 && st.st_ino == identity.1 { return .intact }
    let replacement: RunLock
    do {
      replacement = try Self.acquire(root: root, name: name, shared: shared, wait: false)
    } catch Failure.busy(_, let holder) {
      return .lost(holder: holder)
    } catch let failure as Failure {
      return .cannotRecreate(failure)
    } catch {
      return .cannotRecreate(.cannotCreate(path: path, why: "\(error)"))
    }
    // Keep the new descriptor, give up the old one (its file is gone).
    close(fd)
    fd = replacement.fd
    identity = replacement.identity
    replacement.fd = -1
    return .recreated
  }

  /// Takes the lock of an output root.
  /// - Parameters:
  ///   - name: the lock file's name in `.mediapipe`.
  ///   - shared: take it shared with other shared holders (the shards of a job).
  ///   - wait: wait for another run to finish; otherwise fail at once with `.busy`.
  ///   - onWait: called once if we have to wait, with the holder.
  ///   - interrupted: polled while waiting; true stops the wait.
  public static func acquire(
    root: String, name: String = "lock", shared: Bool = false, wait: Bool, onWait: (Holder?) -> Void = { _ in },
    interrupted: () -> Bool = { false }
  ) throws -> RunLock {
    let folder = root + "/.mediapipe"
    let path = folder + "/" + name
    var st = stat()
    if stat(folder, &st) == 0 && st.st_mode & S_IFMT != S_IFDIR { throw Failure.notAFolder(path: folder) }
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw Failure.cannotCreate(path: path, why: AtomicFileWriter.describe(error))
    }
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw Failure.cannotCreate(path: path, why: String(cString: strerror(errno))) }
    var waited = false
    while flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR else {
        let why = String(cString: strerror(errno))
        close(fd)
        throw Failure.cannotCreate(path: path, why: why)
      }
      let holder = Holder.parse(contents(fd))
      guard wait else {
        close(fd)
        throw Failure.busy(path: path, holder: holder)
      }
      if !waited {
        onWait(holder)
        waited = true
      }
      if interrupted() {
        close(fd)
        throw Failure.interrupted
      }
      usleep(100_000)
    }
    if shared { return RunLock(root: root, name: name, shared: true, path: path, fd: fd, crashedHolder: nil) }
    let previous = Holder.parse(contents(fd))
    let formatter = ISO8601DateFormatter()
    let stamp = "\(getpid()) \(formatter.string(from: Date()))\n"
    ftruncate(fd, 0)
    _ = stamp.withCString { pwrite(fd, $0, strlen($0), 0) }
    return RunLock(root: root, name: name, shared: false, path: path, fd: fd, crashedHolder: previous)
  }

  /// Empties the file (a clean end) and releases the lock.
  public func release() {
    guard fd >= 0 else { return }
    if !shared { ftruncate(fd, 0) }
    flock(fd, LOCK_UN)
    close(fd)
    fd = -1
  }

  deinit { release() }

  private static func contents(_ fd: Int32) -> String {
    var buffer = [UInt8](repeating: 0, count: 256)
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 255, 0) }
    return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
  }
}

/// A lock that vanished and could not be taken again: the run must stop.
public enum LockTrouble: Error, CustomStringConvertible, Sendable {
  /// Another run took the lock after ours was deleted.
  case lost(path: String, holder: RunLock.Holder?)
  /// The lock cannot be made again (a file named `.mediapipe` is in the way, ...).
  case cannotRecreate(path: String, RunLock.Failure)

  public var description: String {
    switch self {
    case .lost(let path, let holder):
      return
        "\(path) was removed while this run held it, and another mediapipe run (\(holder?.description ?? "unknown")) has locked it since; stopping after the images in flight"
    case .cannotRecreate(let path, let failure):
      return
        "\(path) was removed while this run held it and cannot be made again (\(failure)); stopping after the images in flight"
    }
  }
}
