import CPosixShims
import Foundation
import MediaPipeCore
import MediaPipeImaging
import MediaPipeRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// The worker side of the pool: reads tasks from fd 3, answers on fd 4.
enum WorkerMain {
  static let input: Int32 = 3
  static let output: Int32 = 4

  /// Runs until the parent closes the channel. Returns the process exit code.
  /// - Parameter route: `.reference` runs every image through libvips's plain route.
  static func run(route: ImagingRoute) -> Int32 {
    cposix_reset_signals()
    // The parent decides what an interrupt means; a worker finishes its image.
    signal(SIGINT, SIG_IGN)
    var buffer = FrameChannel.Buffer()
    guard
      case .configure(let configuration)? = try? FrameChannel.receive(ParentMessage.self, from: input, buffer: &buffer)
    else { return 2 }
    let compiled = PipelineCompiler.compile(
      source: configuration.pipelineSource, file: configuration.pipelineFile, baseDirectory: configuration.baseDirectory
    )
    guard let pipeline = compiled.pipeline else {
      try? FrameChannel.send(WorkerMessage.refused(reason: "the pipeline does not compile"), to: output)
      return 2
    }
    if let megabytes = configuration.memoryLimitMB, cposix_limit_memory(UInt64(megabytes) << 20) != 0 {
      try? FrameChannel.send(WorkerMessage.refused(reason: "cannot set the memory limit"), to: output)
      return 2
    }
    do {
      try VipsRuntime.start(.init(allowUntrusted: configuration.allowUntrusted, verbose: configuration.verbose))
    } catch {
      try? FrameChannel.send(WorkerMessage.refused(reason: "\(error)"), to: output)
      return 2
    }
    let processor = ImageProcessor(
      pipeline: pipeline, maxPixels: configuration.maxPixels, maxFrames: configuration.maxFrames, route: route)
    processor.provenance = Provenance(pipeline: configuration.fingerprint)
    let hooks = WorkerTestHooks()
    var channel = Channel(buffer: buffer)
    do {
      try FrameChannel.send(WorkerMessage.ready, to: output)
      var processed = 0
      var pinned = false
      while let task = try channel.nextTask() {
        // Thumbnail-sized images: keep libvips's threads on one CPU (see cposix_pin_threads).
        let small = (task.pixels ?? Int.max) <= MemoryAdmission.queueablePixels
        if let cpu = configuration.cpu, small != pinned {
          pinned = small
          _ = cposix_pin_threads(small ? Int32(cpu) : -1)
        }
        let result = perform(task, with: processor, fingerprint: configuration.fingerprint, hooks: hooks) {
          temporary, final in
          // Announce the file, and create it only once the parent has recorded it.
          try FrameChannel.send(
            WorkerMessage.writing(task: task.id, temporaryPath: temporary, finalPath: final), to: output)
          guard try channel.awaitProceed() else {
            throw ImagingError(
              operation: "output", detail: "the run ended before \(final) was written", reason: .processingFailed)
          }
        }
        // The end of this task's output on the output pipe, then its result.
        var mark = WorkerOutputStream.endOfTask
        _ = write(2, &mark, 1)
        try FrameChannel.send(WorkerMessage.done(task: task.id, result: result), to: output)
        processed += 1
        // Hand freed heap back now and then; every image would cost ~8% speed.
        if processed % 16 == 0 { VipsRuntime.trimMemory() }
      }
    } catch {
      return 1
    }
    return 0
  }

  /// The worker's end of the task channel: the tasks given and not yet started, in order.
  struct Channel {
    var buffer: FrameChannel.Buffer
    var queue: [WorkerTask] = []
    var next = 0

    /// The next task: one already given, else the next to arrive (blocking).
    /// - Returns: nil at end of file (the parent is done with this worker).
    mutating func nextTask() throws -> WorkerTask? {
      while next == queue.count {
        queue.removeAll(keepingCapacity: true)
        next = 0
        guard let message = try FrameChannel.receive(ParentMessage.self, from: WorkerMain.input, buffer: &buffer) else {
          return nil
        }
        take(message)
      }
      defer { next += 1 }
      return queue[next]
    }

    /// Waits for `proceed`; tasks that come first are queued.
    /// - Returns: false at end of file.
    mutating func awaitProceed() throws -> Bool {
      while let message = try FrameChannel.receive(ParentMessage.self, from: WorkerMain.input, buffer: &buffer) {
        if case .proceed = message { return true }
        take(message)
      }
      return false
    }

    private mutating func take(_ message: ParentMessage) {
      switch message {
      case .task(let task): queue.append(task)
      case .tasks(let tasks): queue.append(contentsOf: tasks)
      case .configure, .proceed: break
      }
    }
  }

  /// Processes one task; `announce` is called before each temporary file is created.
  static func perform(
    _ task: WorkerTask, with processor: ImageProcessor, fingerprint: String = "",
    hooks: WorkerTestHooks = WorkerTestHooks(),
    announce: @escaping (String, String) throws -> Void
  ) -> TaskResult {
    let start = DispatchTime.now()
    // Whatever an earlier image left in libvips's error buffer is not this image's problem.
    VipsRuntime.clearErrors()
    hooks.crashIfAsked(task.path)
    // Outputs whose temporary file the parent named (and recorded) are written
    // through it without asking; any other is announced first.
    let writer = AtomicFileWriter(temporaries: task.temporaries, announce: announce)
    var failure: TaskFailure?
    var outputs: [ImageProcessor.Output] = []
    // Identify the input before reading it for pixels: if it changes meanwhile,
    // the next run sees a different size or time and looks again.
    let identity = FileIdentity.read(task.path)
    let marker = OutputMarker(
      version: MediaPipeVersion.current, fingerprint: fingerprint, inputHash: identity?.contentHash ?? "")
    var unmarked: [String: FileIdentity] = [:]
    do {
      outputs = try processor.process(
        .init(
          path: task.path, outputRoot: task.outputRoot, relativeDirectory: task.relativeDirectory,
          format: task.format.flatMap(ImageFormat.init(rawValue:)))
      ) { path, body in
        try writer.write(to: path) { temporary in
          try body(temporary)
          // Marked before the rename: an output never exists without its mark.
          if !marker.write(to: temporary) { unmarked[path] = FileIdentity.read(temporary) }
          hooks.holdAfterWriting(task.path)
        }
      }
    } catch let error as ImagingError {
      failure = TaskFailure(reason: error.reason, detail: error.detail, remedy: error.remedy)
    } catch {
      failure = TaskFailure(reason: .processingFailed, detail: "\(error)")
    }
    let ms = Int((DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000)
    return TaskResult(
      outputs: outputs, failure: failure, milliseconds: ms, input: identity,
      unmarkedOutputs: unmarked.isEmpty ? nil : unmarked)
  }
}
