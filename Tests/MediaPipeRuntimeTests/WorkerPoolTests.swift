import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// The pool's supervision, with the built `mediapipe-worker` as the worker and its test
/// hooks (`WorkerTestHooks`) to crash or hold a worker on a named file: nothing
/// here depends on how fast the machine is. The time limit only turns a hang
/// into a failure.
@Suite(.timeLimit(.minutes(1))) struct WorkerPoolTests {
  /// The built `mediapipe-worker`, beside `mediapipe` (MEDIAPIPE_BINARY for another build),
  /// as the end-to-end tests use them.
  static let binary: String = {
    if let path = ProcessInfo.processInfo.environment["MEDIAPIPE_BINARY"] {
      return (path as NSString).deletingLastPathComponent + "/mediapipe-worker"
    }
    return repository.appendingPathComponent(".build/debug/mediapipe-worker").path
  }()
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// A folder with a copy of the test photo for each name.
  struct Setup {
    var folder: String
    var worker: String
    var output: String { folder + "/out" }
    func path(_ name: String) -> String { folder + "/in/" + name }
  }

  /// - Parameters:
  ///   - large: names that get the 1600×1200 photo (a worker is given such an image
  ///     alone, never with others queued behind it), not the 640×480 one.
  ///   - hooks: the worker's test hooks (`MEDIAPIPE_TEST_…`) for the new folder.
  ///   - script: shell commands for the worker instead of running the real one.
  func setup(
    _ names: [String], large: Set<String> = [], hooks: (_ folder: String) -> [String: String] = { _ in [:] },
    script: String? = nil
  ) throws -> Setup {
    // As the command line does: a write to a worker that just died must not kill the tests.
    signal(SIGPIPE, SIG_IGN)
    let folder = try temporaryFolder()
    try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
    let fixtures = Self.repository.appendingPathComponent("fixtures").path
    for name in names {
      let photo = fixtures + (large.contains(name) ? "/photo-large.jpg" : "/photo.jpg")
      try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/" + name)
    }
    // The worker is fixtures/worker-with-hooks.sh, linked here: it reads `hooks` beside the link.
    var settings = hooks(folder)
    settings["MEDIAPIPE_WORKER_BINARY"] = Self.binary
    let exports = settings.sorted { $0.key < $1.key }.map { "export \($0.key)='\($0.value)'\n" }.joined()
    try (exports + (script ?? "")).write(toFile: folder + "/hooks", atomically: true, encoding: .utf8)
    let worker = folder + "/worker"
    try FileManager.default.createSymbolicLink(
      atPath: worker, withDestinationPath: Self.repository.appendingPathComponent("fixtures/worker-with-hooks.sh").path)
    return Setup(folder: folder, worker: worker)
  }

  func pool(_ setup: Setup, jobs: Int, retries: Int = 0, pipeline: String = "resize 16x16\n") -> WorkerPool {
    let configuration = WorkerConfiguration(
      pipelineSource: pipeline, pipelineFile: setup.folder + "/p.pipeline", baseDirectory: setup.folder,
      allowUntrusted: false, verbose: false, maxPixels: 100_000_000, memoryLimitMB: nil, fingerprint: "test")
    return WorkerPool(
      options: .init(jobs: jobs, executable: setup.worker, configuration: configuration, retries: retries))
  }

  func tasks(_ setup: Setup, _ names: [String]) -> [WorkerTask] {
    names.enumerated().map { index, name in
      WorkerTask(id: index, path: setup.path(name), outputRoot: setup.output, relativeDirectory: "", format: "jpeg")
    }
  }

  /// Every task's results, by id.
  final class Results {
    var byTask: [Int: [TaskResult]] = [:]
    var order: [Int] = []
    func add(_ task: WorkerTask, _ result: TaskResult) {
      byTask[task.id, default: []].append(result)
      order.append(task.id)
    }
    func reason(_ id: Int) -> FailureReason? { byTask[id]?.first?.failure?.reason }
    /// Whether each of `ids` (and no other task) had exactly one result.
    func onceEach(_ ids: [Int]) -> Bool { byTask.keys.sorted() == ids && byTask.values.allSatisfy { $0.count == 1 } }
  }

  @Test func aCrashFailsOneTaskAndAReplacedWorkerDoesTheRest() throws {
    let names = ["a.jpg", "crash-me.jpg", "b.jpg", "c.jpg"]
    let setup = try setup(names, hooks: { _ in ["MEDIAPIPE_TEST_CRASH_ON": "crash-me"] })
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let results = Results()
    let outcome = try pool(setup, jobs: 1).run(tasks(setup, names), interruptFD: -1, onFinish: results.add)
    #expect(results.onceEach([0, 1, 2, 3]))
    #expect(results.reason(1) == .crashed)
    let crash = try #require(results.byTask[1]?.first)
    #expect(crash.failure?.detail.contains("SIGSEGV") == true, "\(String(describing: crash.failure))")
    #expect(crash.failure?.detail.contains("test hook: about to crash") == true, "with the last libvips-like line")
    for id in [0, 2, 3] { #expect(results.byTask[id]?.first?.failure == nil) }
    for name in ["a", "b", "c"] {
      #expect(FileManager.default.fileExists(atPath: setup.output + "/processed_\(name).jpg"))
    }
    #expect(!outcome.interrupted && !outcome.stopped && outcome.notStarted.isEmpty)
  }

  @Test func aCrashedTaskIsTriedAgainOnceAtTheEndOfTheQueue() throws {
    let names = ["crash-me.jpg", "a.jpg"]
    // Large, so that it is given alone: what follows it waits in the pool's queue.
    let setup = try setup(names, large: ["crash-me.jpg"], hooks: { _ in ["MEDIAPIPE_TEST_CRASH_ON": "crash-me"] })
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let results = Results()
    var retried: [(Int, FailureReason)] = []
    _ = try pool(setup, jobs: 1, retries: 1).run(
      tasks(setup, names), interruptFD: -1, onFinish: results.add,
      onRetry: { task, failure, _ in retried.append((task.id, failure.reason)) })
    #expect(retried.map(\.0) == [0] && retried.map(\.1) == [.crashed])
    #expect(results.onceEach([0, 1]))
    #expect(results.order == [1, 0], "the retry went to the end of the queue")
    #expect(results.reason(0) == .crashed, "it crashed again: reported once")
    #expect(results.reason(1) == nil)
  }

  @Test func aCrashLeavesAnotherWorkersTaskAlone() throws {
    // One worker holds `hold-me` (large, so given alone) until every other task has
    // finished; meanwhile the other slot crashes on `crash-me` and its replacement
    // does the rest.
    let names = ["hold-me.jpg", "crash-me.jpg", "a.jpg", "b.jpg"]
    let setup = try setup(names, large: ["hold-me.jpg"]) { folder in
      [
        "MEDIAPIPE_TEST_CRASH_ON": "crash-me", "MEDIAPIPE_TEST_HOLD_ON": "hold-me",
        "MEDIAPIPE_TEST_HOLD_WHILE": folder + "/hold",
      ]
    }
    let hold = setup.folder + "/hold"
    FileManager.default.createFile(atPath: hold, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let results = Results()
    _ = try pool(setup, jobs: 2).run(
      tasks(setup, names), interruptFD: -1,
      onFinish: { task, result in
        results.add(task, result)
        if Set(results.order) == [1, 2, 3] { try? FileManager.default.removeItem(atPath: hold) }
      })
    #expect(results.onceEach([0, 1, 2, 3]))
    #expect(results.order.last == 0, "held until the others were done")
    #expect(results.reason(1) == .crashed)
    for id in [0, 2, 3] { #expect(results.byTask[id]?.first?.failure == nil) }
  }

  @Test func stopLeavesTheTasksNotStarted() throws {
    // More than a worker is given at once, even of small images.
    let names = (0..<12).map { "\($0).jpg" }
    let setup = try setup(names)
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let results = Results()
    let pool = pool(setup, jobs: 1)
    var started: [Int] = []
    let outcome = try pool.run(
      tasks(setup, names), interruptFD: -1,
      onStart: { task in
        started.append(task.id)
        pool.stop()
      }, onFinish: results.add)
    #expect(!started.isEmpty)
    #expect(results.onceEach(started.sorted()), "what was handed out finished, once")
    #expect(started.allSatisfy { results.reason($0) == nil })
    #expect(outcome.stopped && !outcome.interrupted)
    #expect(!outcome.notStarted.isEmpty)
    #expect((outcome.notStarted.map(\.id) + started).sorted() == Array(0..<12), "the rest is left, each once")
  }

  @Test func aSecondInterruptFailsTheTaskInFlightAndRemovesItsTemporaryFile() throws {
    let names = ["hold-me.jpg", "a.jpg"]
    // No MEDIAPIPE_TEST_HOLD_WHILE: the worker holds until it is killed.
    let setup = try setup(names, hooks: { _ in ["MEDIAPIPE_TEST_HOLD_ON": "hold-me"] })
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let interrupts = InterruptPipe()
    let results = Results()
    var seen: [Bool] = []
    var temporaries: [String] = []
    let outcome = try pool(setup, jobs: 1).run(
      tasks(setup, names), interruptFD: interrupts.readFD, onFinish: results.add,
      onInterrupt: { _, second in seen.append(second) },
      onWriting: { _, temporary, _ in
        temporaries.append(temporary)
        interrupts.interrupt()
        interrupts.interrupt()
      })
    #expect(seen == [false, true])
    #expect(results.byTask[0]?.count == 1)
    #expect(results.reason(0) == .processingFailed)
    #expect(outcome.interrupted)
    let finished = Set(results.byTask.keys)
    let notStarted = outcome.notStarted.map(\.id)
    #expect(notStarted.allSatisfy { !finished.contains($0) } && finished.union(notStarted) == [0, 1], "each task once")
    #expect(temporaries.count == 1)
    #expect(temporaries.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
  }

  @Test func workersThatDieAtStartEndTheRunWithAnError() throws {
    // Each worker reads the start of its configuration, then exits before it is ready.
    let setup = try setup(["a.jpg"], script: "head -c 1 <&3 >/dev/null\necho 'no libvips here' >&2\nexit 3\n")
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let results = Results()
    do {
      _ = try pool(setup, jobs: 1).run(tasks(setup, ["a.jpg"]), interruptFD: -1, onFinish: results.add)
      Issue.record("the run ended without an error")
    } catch PoolError.workersFailing(let why) {
      #expect(why == "the last one exited with code 3: no libvips here")
    }
    #expect(results.byTask.isEmpty, "no task ran")
  }

  @Test func aRefusedConfigurationEndsTheRunWithItsReason() throws {
    let setup = try setup(["a.jpg"])
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let results = Results()
    do {
      _ = try pool(setup, jobs: 2, pipeline: "no-such-step 3\n")
        .run(tasks(setup, ["a.jpg"]), interruptFD: -1, onFinish: results.add)
      Issue.record("the run ended without an error")
    } catch PoolError.workersFailing(let why) {
      #expect(why == "one refused to start: the pipeline does not compile")
    }
    #expect(results.byTask.isEmpty, "no task ran")
  }

  @Test func aWorkerGetsNoDescriptorOfTheHostBeyondItsOwn() throws {
    // A host program's file opened without close-on-exec, as a library client may have.
    let setup = try setup(["a.jpg"], script: "ls -l /proc/$$/fd > \"$(dirname \"$0\")/fds\"\nexit 3\n")
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    let marker = setup.folder + "/held-open"
    FileManager.default.createFile(atPath: marker, contents: Data())
    let held = open(marker, O_RDONLY)
    #expect(held >= 0)
    defer { close(held) }
    #expect(throws: PoolError.self) {
      _ = try pool(setup, jobs: 1).run(tasks(setup, ["a.jpg"]), interruptFD: -1, onFinish: { _, _ in })
    }
    let fds = try String(contentsOfFile: setup.folder + "/fds", encoding: .utf8)
    #expect(fds.contains("3 -> pipe:") && fds.contains("4 -> pipe:"), "its own channel: \(fds)")
    #expect(!fds.contains(marker), "the host's file stays out: \(fds)")
  }
}
