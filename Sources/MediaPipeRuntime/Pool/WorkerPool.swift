import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// Runs tasks on a pool of worker processes, one image per worker at a time.
///
/// Supervision: a single thread polls every worker's result pipe and the
/// interrupt pipe. A worker that dies mid-task (EOF before `done`) fails that
/// one task with the signal that killed it; its temporary files are removed
/// and a new worker takes its place while tasks remain. Nothing waits on a
/// worker without also watching for its death, so a crash is never a hang.
///
/// Output: a worker's stdout and stderr come to the pool through a pipe it
/// drains as it polls (so a chatty worker never blocks), kept per task (the
/// last 64 KB, `WorkerOutput`) and handed over with the task's result: a crash
/// is reported as the signal and the last libvips message, never as a
/// backtrace on the user's terminal.
///
/// Limits: a task running longer than `timeout` has its worker killed and is
/// reported as timed out. A task whose worker crashed or timed out is tried
/// again up to `retries` times (at the end of the queue) before it is reported.
///
/// Interrupts: the first stops dispatching and lets tasks in flight finish;
/// the second kills the workers (their temporary files are removed). `stop()`
/// stops dispatching the same way without counting as an interrupt.
public final class WorkerPool {
  public struct Options {
    public var jobs: Int
    public var executable: String
    public var configuration: WorkerConfiguration
    /// Seconds one image may take (nil: no limit).
    public var timeout: Double?
    /// How often a task whose worker crashed or timed out is tried again.
    public var retries: Int

    public init(jobs: Int, executable: String, configuration: WorkerConfiguration, timeout: Double? = nil, retries: Int = 0) {
      self.jobs = jobs
      self.executable = executable
      self.configuration = configuration
      self.timeout = timeout
      self.retries = retries
    }
  }

  /// More work that arrives while the pool runs (`mediapipe watch`): a
  /// descriptor to poll, and timers. With a feed the pool keeps running when
  /// idle, until an interrupt or `stop()`.
  public struct Feed {
    /// Polled with the workers; `onReadable` is called when it has data.
    public var fd: Int32
    public var onReadable: () -> Void
    /// Tasks that became ready (called every turn of the loop).
    public var takeReady: () -> [WorkerTask]
    /// How long until a timer of the feed is due, in milliseconds (nil: none).
    public var millisecondsUntilDue: () -> Int?

    public init(
      fd: Int32, onReadable: @escaping () -> Void, takeReady: @escaping () -> [WorkerTask],
      millisecondsUntilDue: @escaping () -> Int?
    ) {
      self.fd = fd
      self.onReadable = onReadable
      self.takeReady = takeReady
      self.millisecondsUntilDue = millisecondsUntilDue
    }
  }

  /// How the run ended.
  public struct Outcome {
    /// Whether an interrupt stopped it.
    public var interrupted = false
    /// Whether `stop()` ended it early.
    public var stopped = false
    /// Tasks never started because of an interrupt or `stop()`.
    public var notStarted: [WorkerTask] = []
  }

  private let options: Options
  private var workers: [WorkerProcess] = []
  private var pending: [WorkerTask] = []
  private var interrupts = 0
  /// Workers that died before being ready, in a row.
  private var startupDeaths = 0
  /// Tries so far of tasks that were retried, by task id.
  private var attempts: [Int: Int] = [:]
  private var stopRequested = false

  /// Stops handing out tasks; tasks in flight finish. Callable from the callbacks.
  public func stop() { stopRequested = true }

  private var dispatching: Bool { interrupts == 0 && !stopRequested }

  public init(options: Options) {
    self.options = options
  }

  /// Runs `tasks` (in order) to completion or interrupt.
  /// - Parameters:
  ///   - interruptFD: a pipe that receives a byte per SIGINT/SIGTERM (-1 for none).
  ///   - onStart: called as a task is handed to a worker.
  ///   - onFinish: called once for every task that ran, whatever its end.
  ///   - onTick: called a few times a second (progress display).
  public func run(
    _ tasks: [WorkerTask], interruptFD: Int32, feed: Feed? = nil,
    onStart: (WorkerTask) -> Void = { _ in },
    onFinish: (WorkerTask, TaskResult) -> Void,
    onTick: () -> Void = {},
    onInterrupt: (_ inFlight: Int, _ second: Bool) -> Void = { _, _ in },
    onRetry: (_ task: WorkerTask, _ failure: TaskFailure, _ workerOutput: String?) -> Void = { _, _, _ in },
    onWriting: (_ task: WorkerTask, _ temporary: String, _ final: String) -> Void = { _, _, _ in }
  ) throws -> Outcome {
    pending = tasks.reversed()
    var outcome = Outcome()
    defer { shutdown() }

    while true {
      if let feed, dispatching {
        for task in feed.takeReady() { pending.insert(task, at: 0) }
      }
      if dispatching {
        try ensureWorkers(keepWarm: feed != nil)
        dispatch(onStart: onStart)
      }
      let busy = workers.contains { if case .busy = $0.state { return true } else { return false } }
      if !busy && (!dispatching || (pending.isEmpty && feed == nil)) { break }

      // The interrupt pipe, then each worker's result and output pipes, then the feed.
      var fds = [pollfd(fd: interruptFD, events: Int16(POLLIN), revents: 0)]
      for worker in workers {
        fds.append(pollfd(fd: worker.resultFD, events: Int16(POLLIN), revents: 0))
        fds.append(pollfd(fd: worker.outputFD, events: Int16(POLLIN), revents: 0))
      }
      if let feed { fds.append(pollfd(fd: feed.fd, events: Int16(POLLIN), revents: 0)) }
      var timeout = pollTimeout()
      if let feed, let due = feed.millisecondsUntilDue() { timeout = min(timeout, Int32(max(0, due))) }
      let ready = poll(&fds, nfds_t(fds.count), timeout)
      onTick()
      killOverdueWorkers()
      if ready < 0 {
        if errno == EINTR { continue }
        throw PoolError.cannotStartWorker("poll failed: \(String(cString: strerror(errno)))")
      }
      if ready == 0 { continue }
      if fds[0].revents & Int16(POLLIN) != 0 {
        var byte: UInt8 = 0
        _ = read(interruptFD, &byte, 1)
        interrupts += 1
        onInterrupt(workers.filter { if case .busy = $0.state { return true } else { return false } }.count, interrupts >= 2)
        if interrupts >= 2 { abortInFlight(onFinish: onFinish) }
      }
      for (index, worker) in workers.enumerated() where !isGone(worker) {
        // Output first: what a worker wrote before its result belongs to that result's task.
        if fds[2 * index + 2].revents != 0 { worker.readOutput() }
        if fds[2 * index + 1].revents != 0 {
          worker.readOutput()
          try drain(worker, onFinish: onFinish, onRetry: onRetry, onWriting: onWriting)
        }
      }
      if let feed, fds[fds.count - 1].revents != 0 { feed.onReadable() }
      workers.removeAll { isGone($0) }
    }
    if interrupts > 0 || stopRequested {
      outcome.interrupted = interrupts > 0
      outcome.stopped = stopRequested
      outcome.notStarted = pending.reversed()
    }
    return outcome
  }

  /// Hands tasks to idle workers.
  private func dispatch(onStart: (WorkerTask) -> Void) {
    for worker in workers {
      guard case .idle = worker.state, let task = pending.popLast() else { continue }
      worker.readOutput()
      worker.output.reset()
      do {
        try worker.send(.task(task))
        worker.state = .busy(task, since: DispatchTime.now().uptimeNanoseconds)
        onStart(task)
      } catch {
        // The worker is gone; its EOF arrives through poll. The task never started.
        pending.append(task)
        worker.closeInput()
      }
    }
  }

  /// Milliseconds to wait in poll: a few times a second, sooner if a task is due to time out.
  private func pollTimeout() -> Int32 {
    guard let timeout = options.timeout else { return 250 }
    let now = DispatchTime.now().uptimeNanoseconds
    var wait = 250
    for worker in workers where !worker.killedForTimeout {
      guard case .busy(_, let since) = worker.state else { continue }
      let due = since + UInt64(timeout * 1e9)
      wait = min(wait, due > now ? Int((due - now) / 1_000_000) + 1 : 0)
    }
    return Int32(wait)
  }

  /// Kills the workers whose task has run past the timeout; their EOF reports it.
  private func killOverdueWorkers() {
    guard let timeout = options.timeout else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    for worker in workers where !worker.killedForTimeout {
      guard case .busy(_, let since) = worker.state, now > since, Double(now - since) / 1e9 > timeout else { continue }
      worker.killedForTimeout = true
      worker.kill(SIGKILL)
    }
  }

  /// Reads what a worker sent; handles its death at end of file.
  private func drain(
    _ worker: WorkerProcess, onFinish: (WorkerTask, TaskResult) -> Void,
    onRetry: (WorkerTask, TaskFailure, String?) -> Void, onWriting: (WorkerTask, String, String) -> Void
  ) throws {
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    let count = chunk.withUnsafeMutableBytes { read(worker.resultFD, $0.baseAddress, $0.count) }
    if count < 0 && errno == EINTR { return }
    if count > 0 {
      chunk.withUnsafeBytes { worker.buffer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
      do {
        while let message = try worker.buffer.next(WorkerMessage.self) {
          handle(message, from: worker, onFinish: onFinish, onWriting: onWriting)
        }
      } catch {
        // Not our protocol: the worker cannot be trusted; its death fails the task.
        worker.kill(SIGKILL)
      }
      return
    }
    // End of file: the worker exited or died.
    let status = worker.reap()
    if case .busy(let task, let since) = worker.state {
      worker.removeTemporaries()
      let failure = deathFailure(of: worker, status: status)
      let retryable = failure.reason == .crashed || failure.reason == .timedOut
      if retryable && attempts[task.id, default: 0] < options.retries {
        attempts[task.id, default: 0] += 1
        pending.insert(task, at: 0)
        onRetry(task, failure, worker.output.text)
      } else {
        let ms = Int((DispatchTime.now().uptimeNanoseconds - since) / 1_000_000)
        onFinish(task, TaskResult(outputs: [], failure: failure, milliseconds: ms, workerOutput: worker.output.text))
      }
    } else if case .starting = worker.state {
      startupDeaths += 1
      if startupDeaths >= 3 {
        let said = worker.output.text.flatMap { $0.split(whereSeparator: \.isNewline).last.map(String.init) }
        throw PoolError.workersFailing("the last one \(status.description)" + (said.map { ": \($0)" } ?? ""))
      }
    }
    worker.state = .gone
  }

  /// What a worker's death means for its task: one line, with the last libvips message if there is one.
  private func deathFailure(of worker: WorkerProcess, status: ExitStatus) -> TaskFailure {
    if worker.killedForTimeout, let timeout = options.timeout {
      return TaskFailure(
        reason: .timedOut, detail: "took longer than \(formatSeconds(timeout)); the worker was stopped",
        remedy: .raiseLimit(.timeout(seconds: timeout)))
    }
    let said = worker.output.lastLibvipsMessage.map { "; libvips said: \($0)" } ?? ""
    if let limit = options.configuration.memoryLimitMB,
      [.signaled(SIGABRT), .signaled(SIGSEGV), .signaled(SIGBUS)].contains(status)
    {
      return TaskFailure(
        reason: .outOfMemory,
        detail: "the worker \(status.description) at its memory limit of \(limit) MB\(said)",
        remedy: .raiseLimit(.workerMemory(megabytes: limit)))
    }
    if status == .signaled(SIGKILL) {
      return TaskFailure(
        reason: .crashed, detail: "\(status.description); if nobody killed it, the system may have run out of memory\(said)")
    }
    return TaskFailure(reason: .crashed, detail: status.description + said)
  }

  private func handle(
    _ message: WorkerMessage, from worker: WorkerProcess, onFinish: (WorkerTask, TaskResult) -> Void,
    onWriting: (WorkerTask, String, String) -> Void
  ) {
    switch message {
    case .ready:
      startupDeaths = 0
      worker.state = .idle
    case .writing(_, let path, let final):
      worker.temporaries.append(path)
      if case .busy(let task, _) = worker.state { onWriting(task, path, final) }
      // If the worker is gone, its EOF arrives through poll.
      try? worker.send(.proceed)
    case .done(let id, var result):
      if case .busy(let task, _) = worker.state, task.id == id {
        worker.temporaries.removeAll()
        worker.state = .idle
        result.workerOutput = worker.output.text
        worker.output.reset()
        onFinish(task, result)
      }
    case .refused(let reason):
      worker.closeInput()
      startupDeaths += 1
      _ = reason
    }
  }

  /// Starts workers while there is work for them, up to `jobs`: at the start,
  /// to replace one that died, or when a watched folder brings new files.
  /// Starts workers for the tasks waiting, up to `jobs`; with `keepWarm` (a feed: the
  /// watcher), all `jobs` of them at once, so an arrival never waits for a worker to start.
  private func ensureWorkers(keepWarm: Bool) throws {
    let busy = workers.filter { if case .busy = $0.state { return true } else { return false } }.count
    let wanted = keepWarm ? max(1, options.jobs) : min(max(1, options.jobs), busy + pending.count)
    while workers.count < wanted {
      workers.append(try WorkerProcess.spawn(executable: options.executable, configuration: options.configuration))
    }
  }

  /// Second interrupt: kill the workers now and fail what they were doing.
  private func abortInFlight(onFinish: (WorkerTask, TaskResult) -> Void) {
    for worker in workers {
      guard case .busy(let task, _) = worker.state else { continue }
      worker.kill(SIGKILL)
      _ = worker.reap()
      worker.removeTemporaries()
      worker.state = .gone
      onFinish(
        task,
        TaskResult(outputs: [], failure: TaskFailure(reason: .processingFailed, detail: "stopped by a second interrupt"), milliseconds: 0))
    }
  }

  /// Closes every worker's input, waits briefly for them to exit, then kills stragglers.
  private func shutdown() {
    for worker in workers where !isGone(worker) { worker.closeInput() }
    let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
    for worker in workers where !isGone(worker) {
      while !worker.hasExited() {
        worker.readOutput()  // a worker blocked writing to a full pipe could not exit
        if DispatchTime.now().uptimeNanoseconds > deadline {
          worker.kill(SIGKILL)
          break
        }
        usleep(5_000)
      }
      _ = worker.reap()
      worker.removeTemporaries()
      worker.state = .gone
    }
    workers.removeAll()
  }

  private func isGone(_ worker: WorkerProcess) -> Bool {
    if case .gone = worker.state { return true }
    return false
  }
}

func formatSeconds(_ seconds: Double) -> String {
  seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
}
