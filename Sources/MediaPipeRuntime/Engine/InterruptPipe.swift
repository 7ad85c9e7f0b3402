import CPosixShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where interrupts reach an engine: a pipe that receives one byte per interrupt.
///
/// The engine polls it beside its workers: the first byte stops handing out
/// images and finishes those in flight, the second aborts them.
/// `catchingSignals()` makes SIGINT and SIGTERM write to it (what the command
/// line does); a program embedding the engine may instead call `interrupt()`.
public final class InterruptPipe: @unchecked Sendable {
  // @unchecked: the two descriptors are set once in init and only read after;
  // `interrupt()` is a single write(2), safe from any thread.
  public let readFD: Int32
  private let writeFD: Int32

  /// A pipe nothing writes to but `interrupt()`.
  public init() {
    var fds: [Int32] = [-1, -1]
    _ = cposix_pipe_cloexec(&fds)
    readFD = fds[0]
    writeFD = fds[1]
    _ = fcntl(writeFD, F_SETFL, O_NONBLOCK)
    _ = fcntl(readFD, F_SETFL, O_NONBLOCK)
  }

  /// A pipe SIGINT and SIGTERM write to (one process-wide handler; the last pipe made wins).
  public static func catchingSignals() -> InterruptPipe {
    let pipe = InterruptPipe()
    cposix_install_signal_pipe(pipe.writeFD)
    return pipe
  }

  /// Interrupts the engine as SIGINT would.
  public func interrupt() {
    var byte: UInt8 = 1
    _ = write(writeFD, &byte, 1)
  }

  /// Whether an interrupt arrived (consumes nothing: the byte stays for the pool to read).
  public var pending: Bool {
    var fd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
    return poll(&fd, 1, 0) > 0
  }
}
