import CPosixShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Files waiting out their settle time before they are taken.
///
/// A file is taken a short while after its last close, so a file written,
/// closed and re-opened at once is taken once; a write in the meantime
/// cancels it until the next close. A file found by scanning (not by an
/// event) must also keep its size and time over the settle time.
struct ArrivalQueue {
  struct Pending {
    var due: UInt64
    /// Size and time when scheduled, for files found by scanning.
    var seen: FileIdentity?
  }

  private(set) var pending: [String: Pending] = [:]
  let settle: UInt64
  /// Monotonic nanoseconds: `now`, or a test's own clock.
  private let clock: () -> UInt64

  init(settleSeconds: Double, clock: @escaping () -> UInt64 = { ArrivalQueue.now }) {
    settle = UInt64(max(0, settleSeconds) * 1e9)
    self.clock = clock
  }

  static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

  /// (Re)starts the settle time of `path`.
  mutating func schedule(_ path: String, scanned: Bool = false, after delay: UInt64? = nil) {
    pending[path] = Pending(due: clock() + (delay ?? settle), seen: scanned ? FileIdentity.of(path) : nil)
  }

  mutating func cancel(_ path: String) {
    pending[path] = nil
  }

  /// Milliseconds until the next file is due; nil when none waits.
  var millisecondsUntilDue: Int? {
    guard let next = pending.values.map(\.due).min() else { return nil }
    let now = clock()
    return next > now ? Int((next - now) / 1_000_000) + 1 : 0
  }

  /// The files whose settle time is over and that did not change meanwhile.
  mutating func takeDue() -> [String] {
    let now = clock()
    var ready: [String] = []
    for (path, item) in pending where item.due <= now {
      pending[path] = nil
      if let seen = item.seen {
        guard let current = FileIdentity.of(path) else { continue }
        if current != seen {
          schedule(path, scanned: true)
          continue
        }
      }
      ready.append(path)
    }
    return ready.sorted()
  }
}

/// Whether some process has the file open for writing.
///
/// A read lease (`F_SETLEASE`) is refused with EAGAIN while any writer has
/// the file open: the kernel's own answer, however slowly the writer writes.
/// Where leases are not allowed (a file of another user without CAP_LEASE, a
/// network file system), the answer is "unknown" and the caller relies on
/// events and the settle time.
enum WriterCheck {
  static func isOpenForWriting(_ path: String) -> Bool? {
    switch cposix_file_has_writers(path) {
    case 1: return true
    case 0: return false
    default: return nil
    }
  }
}
