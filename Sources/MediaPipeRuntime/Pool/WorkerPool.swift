import CPosixShims
import Foundation
import MediaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// Runs tasks on a pool of worker processes, one image at a time per worker.
///
/// Supervision: a single thread polls every worker's result pipe and the
/// interrupt pipe. A worker that dies mid-task (EOF before `done`) fails that
/// one task with the signal that killed it; its temporary files are removed,
/// the tasks queued behind it go to other workers, and a new worker takes its
/// place while tasks remain. Nothing waits on a worker without also watching
/// for its death, so a crash is never a hang. Each worker is in one of the
/// states of `WorkerProcess.State`; what it was given and has not done is its
/// `queue`, the first entry being the task it is on.
///
/// Scheduling: waiting tasks are kept largest first (by the pixels their
/// header states), and admitted only while the memory their decoded pixels
/// are estimated to take, summed over the tasks in flight, stays within a
/// budget (`Options.memoryBudget`; see `MemoryAdmission`): a large image waits for
/// room rather than getting the workers killed; one alone always runs. While
/// many wait, small images are given several at a time, so that a worker has
/// its next one at hand when it finishes one and never waits for the parent;
/// large ones, and the last few of a batch, one by one.
///
/// Outputs: for the outputs a task's plan names (`WorkerTask.outputs`), the
/// pool names the temporary files itself and reports them through `onWriting`
/// before the task is sent, then calls `onFlush` so the caller can make them
/// durable; the worker writes through them without asking. Other outputs the
/// worker announces, and waits for an answer sent after `onWriting` and
/// `onFlush`. `onFlush` is also called every quarter second while tasks
/// finish, and at the end: a caller may gather what it records in between.
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
/// Interrupts: the first stops dispatching and lets tasks in flight finish
/// (with the small ones queued behind them: at most a few milliseconds of
/// work); the second kills the workers (their temporary files are removed) and
/// what was queued is reported as not started. `stop()` stops dispatching the
/// same way without counting as an interrupt.
public final class WorkerPool {
  public struct Options {
    public var jobs: Int
    public var executable: String
    public var configuration: WorkerConfiguration
    /// Seconds one image may take (nil: no limit).
    public var timeout: Double?
    /// How often a task whose worker crashed or timed out is tried again.
    public var retries: Int
    /// Bytes of decoded pixels the tasks in flight may take together (estimated;
    /// see `MemoryAdmission`). Nil: three quarters of the memory available, and at most
    /// `jobs` times the workers' memory limit when they have one.
    public var memoryBudget: Int?

    public init(
      jobs: Int, executable: String, configuration: WorkerConfiguration, timeout: Double? = nil, retries: Int = 0
    ) {
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
  /// Tasks waiting, the next one last (largest first, then retries and arrivals).
  private var pending: [WorkerTask] = []
  /// Each task's estimated pixels, by id (`estimate`).
  private var pixels: [Int: Int] = [:]
  private var admission = MemoryAdmission(budget: Int.max)
  private var interrupts = 0
  /// Workers that died before being ready, in a row.
  private var startupDeaths = 0
  /// Tries so far of tasks that were retried, by task id.
  private var attempts: [Int: Int] = [:]
  private var stopRequested = false
  /// Tasks finished since `onFlush` was last called, and when that was (monotonic nanoseconds).
  private var finishedSinceFlush = 0
  private var lastFlush: UInt64 = 0
  /// How long finished tasks may wait for `onFlush` (nanoseconds).
  static let flushInterval: UInt64 = 250_000_000
  /// Where results are read into.
  private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

  /// Stops handing out tasks; tasks in flight finish. Callable from the callbacks.
  public func stop() { stopRequested = true }

  private var dispatching: Bool { interrupts == 0 && !stopRequested }

  public init(options: Options) {
    self.options = options
  }

  /// Runs `tasks` to completion or interrupt, largest first (see the type's comment).
  /// - Parameters:
  ///   - interruptFD: a pipe that receives a byte per SIGINT/SIGTERM (-1 for none).
  ///   - onStart: called as a task is handed to a worker.
  ///   - onFinish: called once for every task that ran, whatever its end.
  ///   - onTick: called a few times a second (progress display).
  ///   - onWriting: a temporary file is about to be created for a final path: record it.
  ///   - onFlush: make what the callbacks recorded durable now (called before any
  ///     worker may create a file reported through `onWriting`, every quarter
  ///     second while tasks finish, and at the end).
  public func run(
    _ tasks: [WorkerTask], interruptFD: Int32, feed: Feed? = nil,
    onStart: (WorkerTask) -> Void = { _ in },
    onFinish: (WorkerTask, TaskResult) -> Void,
    onTick: () -> Void = {},
    onInterrupt: (_ inFlight: Int, _ second: Bool) -> Void = { _, _ in },
    onRetry: (_ task: WorkerTask, _ failure: TaskFailure, _ workerOutput: String?) -> Void = { _, _, _ in },
    onWriting: (_ task: WorkerTask, _ temporary: String, _ final: String) -> Void = { _, _, _ in },
    onFlush: () -> Void = {}
  ) throws -> Outcome {
    admission = MemoryAdmission(
      budget: options.memoryBudget
        ?? MemoryAdmission.defaultBudget(jobs: options.jobs, workerLimitMB: options.configuration.memoryLimitMB))
    for task in tasks { pixels[task.id] = estimate(task) }
    pending = MemoryAdmission.largestFirst(tasks) { self.pixels[$0.id] ?? 0 }.reversed()
    lastFlush = DispatchTime.now().uptimeNanoseconds
    var outcome = Outcome()
    defer {
      if finishedSinceFlush > 0 { onFlush() }
      shutdown()
    }

    while true {
      if let feed, dispatching {
        for task in feed.takeReady() {
          pixels[task.id] = estimate(task)
          pending.insert(task, at: 0)
        }
      }
      if dispatching {
        try ensureWorkers(keepWarm: feed != nil)
        dispatch(onStart: onStart, onWriting: onWriting, onFlush: onFlush)
      }
      let busy = workers.contains { $0.isBusy }
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
      if ready > 0 {
        if fds[0].revents & Int16(POLLIN) != 0 {
          var byte: UInt8 = 0
          _ = read(interruptFD, &byte, 1)
          interrupts += 1
          onInterrupt(workers.reduce(0) { $0 + $1.queue.count }, interrupts >= 2)
          if interrupts >= 2 { abortInFlight(onFinish: onFinish) }
        }
        for (index, worker) in workers.enumerated() where !isGone(worker) {
          // Output first: what a worker wrote before its result belongs to that result's task.
          if fds[2 * index + 2].revents != 0 { worker.readOutput() }
          if fds[2 * index + 1].revents != 0 {
            worker.readOutput()
            try drain(worker, onFinish: onFinish, onRetry: onRetry, onWriting: onWriting, onFlush: onFlush)
          }
        }
        if let feed, fds[fds.count - 1].revents != 0 { feed.onReadable() }
        workers.removeAll { isGone($0) }
      }
      if finishedSinceFlush > 0 && DispatchTime.now().uptimeNanoseconds - lastFlush >= Self.flushInterval {
        flush(onFlush)
      }
    }
    if interrupts > 0 || stopRequested {
      outcome.interrupted = interrupts > 0
      outcome.stopped = stopRequested
      outcome.notStarted = pending.reversed()
    }
    return outcome
  }

  private func flush(_ onFlush: () -> Void) {
    onFlush()
    finishedSinceFlush = 0
    lastFlush = DispatchTime.now().uptimeNanoseconds
  }

  /// A task's pixels for ordering and admission: from its header when the caller
  /// read it, else read here (formats without a header parser: from the file size,
  /// as if compressed 8 to 1).
  private func estimate(_ task: WorkerTask) -> Int {
    if let pixels = task.pixels { return pixels }
    if let format = task.format.flatMap(ImageFormat.init(rawValue:)),
      let dimensions = ImageDimensions.read(task.path, format: format)
    {
      return dimensions.pixels
    }
    return (FileIdentity.of(task.path)?.size ?? 0) * 8
  }

  /// Hands tasks to workers that have room for more, as admission allows.
  private func dispatch(
    onStart: (WorkerTask) -> Void, onWriting: (WorkerTask, String, String) -> Void, onFlush: () -> Void
  ) {
    var outgoing: [(WorkerProcess, [WorkerTask])] = []
    var announced = false
    for worker in workers where worker.state == .ready {
      var batch: [WorkerTask] = []
      while !pending.isEmpty {
        let queuedAreSmall = worker.queue.allSatisfy(\.small)
        let before = worker.queue.count - batch.count
        guard !batch.isEmpty || MemoryAdmission.wantsMore(queued: before, queuedAreSmall: queuedAreSmall) else { break }
        // (No view of `pending` may outlive this: removing from it below must not copy it.)
        let waiting = pending.count
        let found = admission.choose(count: waiting) { position in
          MemoryAdmission.cost(pixels: self.pixels[self.pending[waiting - 1 - position].id] ?? 0)
        }
        guard let position = found else { break }
        let index = pending.count - 1 - position
        let size = pixels[pending[index].id] ?? 0
        guard
          MemoryAdmission.mayQueue(
            pixels: size, queued: worker.queue.count, queuedAreSmall: queuedAreSmall, waiting: pending.count,
            workers: options.jobs)
        else { break }
        var task = pending.remove(at: index)
        // Name and report the planned outputs' temporary files now: the worker
        // then writes them without asking.
        task.temporaries = [:]
        for final in task.outputs where !OutputPlan.isPattern(final) {
          let temporary = AtomicFileWriter.temporaryPath(for: final, pid: worker.pid)
          onWriting(task, temporary, final)
          task.temporaries[final] = temporary
          announced = true
        }
        let cost = MemoryAdmission.cost(pixels: size)
        admission.start(cost)
        if worker.queue.isEmpty { worker.currentSince = DispatchTime.now().uptimeNanoseconds }
        let small = size <= MemoryAdmission.queueablePixels
        worker.queue.append(.init(task: task, cost: cost, small: small, temporaries: Array(task.temporaries.values)))
        batch.append(task)
      }
      if !batch.isEmpty { outgoing.append((worker, batch)) }
    }
    // What the workers will create must be on record before they may create it.
    if announced { flush(onFlush) }
    for (worker, batch) in outgoing {
      if worker.queue.count == batch.count {
        // Idle until now: what it wrote since belongs to nothing.
        worker.readOutput()
        worker.output.reset()
      }
      do {
        try worker.send(batch.count == 1 ? .task(batch[0]) : .tasks(batch))
        for task in batch { onStart(task) }
      } catch {
        // The worker is gone; its EOF arrives through poll. These tasks never started.
        for task in batch.reversed() {
          guard let index = worker.queue.lastIndex(where: { $0.task.id == task.id }) else { continue }
          admission.finish(worker.queue[index].cost)
          worker.queue.remove(at: index)
          pending.append(task)
        }
        worker.closeInput()
      }
    }
  }

  /// Milliseconds to wait in poll: a few times a second, sooner if a task is due to time out.
  private func pollTimeout() -> Int32 {
    guard let timeout = options.timeout else { return 250 }
    let now = DispatchTime.now().uptimeNanoseconds
    var wait = 250
    for worker in workers where !worker.killedForTimeout && worker.isBusy {
      let due = worker.currentSince + UInt64(timeout * 1e9)
      wait = min(wait, due > now ? Int((due - now) / 1_000_000) + 1 : 0)
    }
    return Int32(wait)
  }

  /// Kills the workers whose task has run past the timeout; their EOF reports it.
  private func killOverdueWorkers() {
    guard let timeout = options.timeout else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    for worker in workers where !worker.killedForTimeout && worker.isBusy {
      let since = worker.currentSince
      guard now > since, Double(now - since) / 1e9 > timeout else { continue }
      worker.killedForTimeout = true
      worker.kill(SIGKILL)
    }
  }

  /// Reads what a worker sent; handles its death at end of file.
  private func drain(
    _ worker: WorkerProcess, onFinish: (WorkerTask, TaskResult) -> Void,
    onRetry: (WorkerTask, TaskFailure, String?) -> Void, onWriting: (WorkerTask, String, String) -> Void,
    onFlush: () -> Void
  ) throws {
    let count = scratch.withUnsafeMutableBytes { read(worker.resultFD, $0.baseAddress, $0.count) }
    if count < 0 && errno == EINTR { return }
    if count > 0 {
      scratch.withUnsafeBytes { worker.buffer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
      do {
        while let message = try worker.buffer.next(WorkerMessage.self) {
          try handle(message, from: worker, onFinish: onFinish, onWriting: onWriting, onFlush: onFlush)
        }
      } catch let error as PoolError {
        throw error
      } catch {
        // Not our protocol: the worker cannot be trusted; its death fails the task.
        worker.kill(SIGKILL)
      }
      return
    }
    // End of file: the worker exited or died.
    let status = worker.reap()
    if let current = worker.queue.first {
      worker.removeTemporaries()
      for assignment in worker.queue { admission.finish(assignment.cost) }
      // The tasks queued behind the current one never started: next in line again.
      for assignment in worker.queue.dropFirst().reversed() { pending.append(assignment.task) }
      worker.queue.removeAll()
      let task = current.task
      let failure = deathFailure(of: worker, status: status)
      let retryable = failure.reason == .crashed || failure.reason == .timedOut
      if retryable && attempts[task.id, default: 0] < options.retries {
        attempts[task.id, default: 0] += 1
        pending.insert(task, at: 0)
        onRetry(task, failure, worker.output.text)
      } else {
        let ms = Int((DispatchTime.now().uptimeNanoseconds - worker.currentSince) / 1_000_000)
        finishedSinceFlush += 1
        pixels[task.id] = nil
        onFinish(task, TaskResult(outputs: [], failure: failure, milliseconds: ms, workerOutput: worker.output.text))
      }
    } else if case .starting = worker.state {
      startupDeaths += 1
      if startupDeaths >= 3 {
        worker.state = .gone
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
        reason: .crashed,
        detail: "\(status.description); if nobody killed it, the system may have run out of memory\(said)")
    }
    return TaskFailure(reason: .crashed, detail: status.description + said)
  }

  /// Acts on one message of a worker.
  /// - Throws: `ChannelError.malformed` when it does not fit what the worker was given.
  private func handle(
    _ message: WorkerMessage, from worker: WorkerProcess, onFinish: (WorkerTask, TaskResult) -> Void,
    onWriting: (WorkerTask, String, String) -> Void, onFlush: () -> Void
  ) throws {
    switch message {
    case .ready:
      startupDeaths = 0
      if worker.state == .starting { worker.state = .ready }
    case .writing(let id, let path, let final):
      guard let current = worker.queue.first, current.task.id == id else {
        throw ChannelError.malformed("writing for task \(id), which it is not on")
      }
      worker.queue[0].temporaries.append(path)
      onWriting(current.task, path, final)
      flush(onFlush)
      // If the worker is gone, its EOF arrives through poll.
      try? worker.send(.proceed)
    case .done(let id, var result):
      guard let current = worker.queue.first, current.task.id == id else {
        throw ChannelError.malformed("done for task \(id), which it is not on")
      }
      worker.queue.removeFirst()
      admission.finish(current.cost)
      worker.currentSince = DispatchTime.now().uptimeNanoseconds
      result.workerOutput = worker.output.finishTask()
      finishedSinceFlush += 1
      pixels[id] = nil
      onFinish(current.task, result)
    case .refused(let reason):
      // Every worker is given the same configuration: the next would refuse it too.
      worker.closeInput()
      throw PoolError.workersFailing("one refused to start: \(reason)")
    }
  }

  /// Starts workers while there is work for them, up to `jobs`: at the start,
  /// to replace one that died, or when a watched folder brings new files.
  /// With `keepWarm` (a feed: the watcher), all `jobs` of them at once, so an
  /// arrival never waits for a worker to start.
  private func ensureWorkers(keepWarm: Bool) throws {
    let busy = workers.filter(\.isBusy).count
    let wanted = keepWarm ? max(1, options.jobs) : min(max(1, options.jobs), busy + pending.count)
    while workers.count < wanted {
      // Each worker its own CPU (for small images; see WorkerConfiguration.cpu): the lowest free slot.
      let taken = Set(workers.map(\.slot))
      let slot = (0...).first { !taken.contains($0) } ?? workers.count
      var configuration = options.configuration
      if !allowedCPUs.isEmpty { configuration.cpu = allowedCPUs[slot % allowedCPUs.count] }
      let worker = try WorkerProcess.spawn(executable: options.executable, configuration: configuration)
      worker.slot = slot
      workers.append(worker)
    }
  }

  /// The CPUs this process may run on, in order.
  private lazy var allowedCPUs: [Int] = {
    var cpus = [Int32](repeating: 0, count: 1024)
    let n = cposix_allowed_cpus(&cpus, Int32(cpus.count))
    return n > 0 ? cpus[0..<Int(n)].map(Int.init) : []
  }()

  /// Second interrupt: kill the workers now and fail what they were doing.
  /// The tasks queued behind the current ones are reported as not started.
  private func abortInFlight(onFinish: (WorkerTask, TaskResult) -> Void) {
    for worker in workers {
      guard let current = worker.queue.first else { continue }
      worker.kill(SIGKILL)
      _ = worker.reap()
      worker.removeTemporaries()
      for assignment in worker.queue { admission.finish(assignment.cost) }
      for assignment in worker.queue.dropFirst().reversed() { pending.append(assignment.task) }
      worker.queue.removeAll()
      worker.state = .gone
      finishedSinceFlush += 1
      onFinish(
        current.task,
        TaskResult(
          outputs: [], failure: TaskFailure(reason: .processingFailed, detail: "stopped by a second interrupt"),
          milliseconds: 0))
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
      worker.queue.removeAll()
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
