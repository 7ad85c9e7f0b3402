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
  public enum Failure: Error, CustomStringConvertible {
    /// Another run holds it and waiting was not wanted.
    case busy(path: String, holder: Holder?)
    /// The wait was interrupted.
    case interrupted
    /// The lock file cannot be created.
    case cannotCreate(path: String, why: String)

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
      }
    }
  }

  public let path: String
  private var fd: Int32

  /// The holder found in the file when it was taken: a run that crashed.
  public let crashedHolder: Holder?

  private init(path: String, fd: Int32, crashedHolder: Holder?) {
    self.path = path
    self.fd = fd
    self.crashedHolder = crashedHolder
  }

  /// Takes the lock of an output root.
  /// - Parameters:
  ///   - wait: wait for another run to finish; otherwise fail at once with `.busy`.
  ///   - onWait: called once if we have to wait, with the holder.
  ///   - interrupted: polled while waiting; true stops the wait.
  public static func acquire(
    root: String, wait: Bool, onWait: (Holder?) -> Void = { _ in }, interrupted: () -> Bool = { false }
  ) throws -> RunLock {
    let folder = root + "/.mediapipe"
    let path = folder + "/lock"
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw Failure.cannotCreate(path: path, why: AtomicFileWriter.describe(error))
    }
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw Failure.cannotCreate(path: path, why: String(cString: strerror(errno))) }
    var waited = false
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
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
    let previous = Holder.parse(contents(fd))
    let formatter = ISO8601DateFormatter()
    let stamp = "\(getpid()) \(formatter.string(from: Date()))\n"
    ftruncate(fd, 0)
    _ = stamp.withCString { pwrite(fd, $0, strlen($0), 0) }
    return RunLock(path: path, fd: fd, crashedHolder: previous)
  }

  /// Empties the file (a clean end) and releases the lock.
  public func release() {
    guard fd >= 0 else { return }
    ftruncate(fd, 0)
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
