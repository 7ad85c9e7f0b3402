import CVipsShims
import Foundation
import MediaPipeCore
import MediaPipeImaging

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
    cvips_reset_signals()
    // The parent decides what an interrupt means; a worker finishes its image.
    signal(SIGINT, SIG_IGN)
    var buffer = FrameChannel.Buffer()
    guard case .configure(let configuration)? = try? FrameChannel.receive(ParentMessage.self, from: input, buffer: &buffer)
    else { return 2 }
    let compiled = PipelineCompiler.compile(
      source: configuration.pipelineSource, file: configuration.pipelineFile, baseDirectory: configuration.baseDirectory)
    guard let pipeline = compiled.pipeline else {
      try? FrameChannel.send(WorkerMessage.refused(reason: "the pipeline does not compile"), to: output)
      return 2
    }
    if let megabytes = configuration.memoryLimitMB, cvips_limit_memory(UInt64(megabytes) << 20) != 0 {
      try? FrameChannel.send(WorkerMessage.refused(reason: "cannot set the memory limit"), to: output)
      return 2
    }
    do {
      try VipsRuntime.start(.init(allowUntrusted: configuration.allowUntrusted, verbose: configuration.verbose))
    } catch {
      try? FrameChannel.send(WorkerMessage.refused(reason: "\(error)"), to: output)
      return 2
    }
    let processor = ImageProcessor(pipeline: pipeline, maxPixels: configuration.maxPixels, route: route)
    let hooks = WorkerTestHooks()
    do {
      try FrameChannel.send(WorkerMessage.ready, to: output)
      var processed = 0
      while let message = try FrameChannel.receive(ParentMessage.self, from: input, buffer: &buffer) {
        guard case .task(let task) = message else { continue }
        let result = perform(task, with: processor, fingerprint: configuration.fingerprint, hooks: hooks) {
          temporary, final in
          // Announce the file, and create it only once the parent has recorded it.
          try FrameChannel.send(WorkerMessage.writing(task: task.id, temporaryPath: temporary, finalPath: final), to: output)
          guard case .proceed? = try FrameChannel.receive(ParentMessage.self, from: input, buffer: &buffer) else {
            throw ImagingError(operation: "output", detail: "the run ended before \(final) was written", reason: .processingFailed)
          }
        }
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
    let writer = AtomicFileWriter(announce: announce)
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
