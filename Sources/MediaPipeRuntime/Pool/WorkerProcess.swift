import CPosixShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One worker process and the parent's ends of its two pipes.
final class WorkerProcess {
  /// Where a worker is in its life.
  enum State {
    /// Spawned and configured; `ready` not yet received.
    case starting
    /// Ready: doing the tasks in `queue`, in order (idle when there are none).
    case ready
    /// Its channel reached end of file: it exited or died.
    case gone
  }

  /// A task given to the worker and not yet done.
  struct Assignment {
    var task: WorkerTask
    /// Its estimated memory (`MemoryAdmission.cost`).
    var cost: Int
    /// Whether it may have others queued behind it (`MemoryAdmission.queueablePixels`).
    var small: Bool
    /// Temporary files recorded for it (named by the pool, or announced by the
    /// worker): removed if the worker dies.
    var temporaries: [String]
  }

  let pid: pid_t
  /// The parent writes tasks here (the worker's fd 3).
  private(set) var taskFD: Int32
  /// The parent reads results here (the worker's fd 4).
  let resultFD: Int32
  /// The parent reads the worker's stdout and stderr here (non-blocking).
  private(set) var outputFD: Int32
  var buffer = FrameChannel.Buffer()
  /// What the worker wrote on stdout and stderr, by task (`output.text`: the current one's).
  var output = WorkerOutputStream()
  var state = State.starting
  /// The tasks given and not done, in the order the worker does them: the first
  /// is the one it is on (or about to start).
  var queue: [Assignment] = []
  /// When the first task of `queue` became the worker's current one (monotonic nanoseconds).
  var currentSince: UInt64 = 0
  /// Killed by the pool because its task ran past the timeout.
  var killedForTimeout = false
  /// Its place among the pool's workers (which CPU it keeps to; reused by a replacement).
  var slot = 0

  /// Whether it has tasks given and not done.
  var isBusy: Bool { !queue.isEmpty }

  private init(pid: pid_t, taskFD: Int32, resultFD: Int32, outputFD: Int32) {
    self.pid = pid
    self.taskFD = taskFD
    self.resultFD = resultFD
    self.outputFD = outputFD
  }

  /// Starts `executable __worker` and sends it `configuration`.
  static func spawn(executable: String, configuration: WorkerConfiguration) throws -> WorkerProcess {
    var taskPipe: [Int32] = [-1, -1]
    var resultPipe: [Int32] = [-1, -1]
    var outputPipe: [Int32] = [-1, -1]
    guard cposix_pipe_cloexec(&taskPipe) == 0 else {
      throw PoolError.cannotStartWorker(String(cString: strerror(errno)))
    }
    guard cposix_pipe_cloexec(&resultPipe) == 0 else {
      close(taskPipe[0])
      close(taskPipe[1])
      throw PoolError.cannotStartWorker(String(cString: strerror(errno)))
    }
    guard cposix_pipe_cloexec(&outputPipe) == 0 else {
      for fd in taskPipe + resultPipe { close(fd) }
      throw PoolError.cannotStartWorker(String(cString: strerror(errno)))
    }
    // The parent polls this end with the others: it must never block on it.
    _ = fcntl(outputPipe[0], F_SETFL, O_NONBLOCK)
    var environment = ProcessInfo.processInfo.environment
    // A worker handles one image at a time. One malloc arena (libvips's second
    // thread would get its own and fragment it) that keeps freed memory instead
    // of unmapping large buffers after every image: the next image reuses it
    // without page faults. Measured on the bench corpus: the largest worker's
    // peak fell from 223 to 138 MB and `thumb` got 9 % faster. The worker still
    // trims every 16 images. Settings given by the user win.
    // Swift's crash backtracer (on by default on Linux) makes a crashing worker write
    // ~60 lines of stack and registers nobody acts on (the signal and the last libvips
    // message say what a user can act on), and a SIGSEGV sent with kill(1) is printed
    // and survived: measured, the worker then hung until SIGKILL. Off, it just dies.
    for (name, value) in [
      ("MALLOC_ARENA_MAX", "1"), ("MALLOC_MMAP_THRESHOLD_", "1073741824"), ("MALLOC_TRIM_THRESHOLD_", "1073741824"),
      ("SWIFT_BACKTRACE", "enable=no"),
    ] where environment[name] == nil {
      environment[name] = value
    }
    let argv = [executable, EngineOptions.workerArgument]
    let envp = environment.map { "\($0.key)=\($0.value)" }
    let pid = withCStrings(argv) { cArgv in
      withCStrings(envp) { cEnvp in
        cposix_spawn_worker(executable, cArgv, cEnvp, taskPipe[0], resultPipe[1], outputPipe[1])
      }
    }
    let spawnError = errno
    close(taskPipe[0])
    close(resultPipe[1])
    close(outputPipe[1])
    guard pid > 0 else {
      close(taskPipe[1])
      close(resultPipe[0])
      close(outputPipe[0])
      throw PoolError.cannotStartWorker(String(cString: strerror(spawnError)))
    }
    let worker = WorkerProcess(pid: pid, taskFD: taskPipe[1], resultFD: resultPipe[0], outputFD: outputPipe[0])
    do {
      try worker.send(.configure(configuration))
    } catch {
      worker.kill(SIGKILL)
      _ = worker.reap()
      throw PoolError.cannotStartWorker("it exited before it could be configured")
    }
    return worker
  }

  func send(_ message: ParentMessage) throws {
    try FrameChannel.sendMessage(message, to: taskFD)
  }

  /// Tells the worker to finish after its current task.
  func closeInput() {
    if taskFD >= 0 {
      close(taskFD)
      taskFD = -1
    }
  }

  /// How it ended, once reaped: its pid is then free for the system to reuse.
  private var ended: ExitStatus?

  /// Sends `signal`, unless the process was reaped (its pid may be another's by now).
  func kill(_ signal: Int32 = SIGKILL) {
    guard ended == nil else { return }
    _ = Glibc.kill(pid, signal)
  }

  /// Whether the process has ended (without reaping it).
  func hasExited() -> Bool {
    if ended != nil { return true }
    var info = siginfo_t()
    return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == pid
  }

  /// Reads whatever the worker wrote on stdout and stderr so far (never blocks).
  func readOutput() {
    guard outputFD >= 0 else { return }
    withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 16) { chunk in
      while true {
        let count = read(outputFD, chunk.baseAddress, chunk.count)
        if count > 0 {
          output.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
          continue
        }
        if count < 0 && errno == EINTR { continue }
        if count == 0 {
          // End of file: the worker is gone (closing keeps poll from reporting it again).
          close(outputFD)
          outputFD = -1
        }
        return  // EAGAIN: nothing more for now
      }
    }
  }

  /// Waits for the process to end and says how it ended; what it wrote last is read first.
  /// Reaping again gives the same answer.
  func reap() -> ExitStatus {
    if let ended { return ended }
    closeInput()
    close(resultFD)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // Dead, so every write end is closed: this reads to the end (and closes).
    readOutput()
    var exited: Int32 = 0, code: Int32 = 0, signal: Int32 = 0
    cposix_decode_status(status, &exited, &code, &signal)
    let how = signal != 0 ? ExitStatus.signaled(signal) : .exited(code)
    ended = how
    return how
  }

  /// Removes the temporary files of the tasks it was given (only the current
  /// one can have created any; the others' names were only recorded).
  func removeTemporaries() {
    for index in queue.indices {
      for path in queue[index].temporaries { unlink(path) }
      queue[index].temporaries.removeAll()
    }
  }
}

/// How a process ended.
enum ExitStatus: Equatable {
  case exited(Int32)
  case signaled(Int32)

  var description: String {
    switch self {
    case .exited(let code): return "exited with code \(code)"
    case .signaled(let signal): return "killed by signal \(signal) (\(signalName(signal)))"
    }
  }
}

func signalName(_ signal: Int32) -> String {
  switch signal {
  case SIGKILL: return "SIGKILL"
  case SIGSEGV: return "SIGSEGV"
  case SIGABRT: return "SIGABRT"
  case SIGBUS: return "SIGBUS"
  case SIGTERM: return "SIGTERM"
  case SIGINT: return "SIGINT"
  case SIGFPE: return "SIGFPE"
  case SIGILL: return "SIGILL"
  default: return "signal \(signal)"
  }
}

/// Problems with the pool itself (as opposed to one image).
public enum PoolError: Error, CustomStringConvertible {
  /// A worker process could not be started.
  case cannotStartWorker(String)
  /// Workers keep dying before they are ready: something is wrong with the set-up, not an image.
  case workersFailing(String)

  public var description: String {
    switch self {
    case .cannotStartWorker(let why): return "cannot start a worker process: \(why)"
    case .workersFailing(let why): return "worker processes keep failing at start-up: \(why)"
    }
  }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
  let pointers = strings.map { strdup($0) } + [nil]
  defer { for p in pointers { free(p) } }
  return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
