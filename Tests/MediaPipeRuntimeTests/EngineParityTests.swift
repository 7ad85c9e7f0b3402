import Foundation
import Logging
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

/// The engine decides what `run` and `watch` do in each situation; these check it
/// through both of its users.
@Suite struct EngineParityTests {
  func folderWithAPhoto() throws -> String {
    let folder = NSTemporaryDirectory() + "mediapipe-engine-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("fixtures")
    try FileManager.default.copyItem(atPath: fixtures.path + "/photo.jpg", toPath: folder + "/in/a.jpg")
    try "resize 64x64\n".write(toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    return folder
  }

  func engine(_ folder: String, workers: String) throws -> Engine {
    let options = EngineOptions(
      pipelinePath: folder + "/p.pipeline", outputRoot: folder + "/out", jobs: 1, allowUntrusted: false, statePath: nil,
      shard: nil,
      stateJournal: .automatic,
      force: false, waitForLock: false, dryRun: false, limits: .standard, libvipsWarnings: false,
      workerExecutable: workers)
    return try Engine(options: options, lockRoots: [folder + "/in"], logger: Logger(label: "test"), interrupts: nil)
  }

  @Test func workersThatCannotStartEndARunWithAPoolFailure() throws {
    let folder = try folderWithAPhoto()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var events: [FileEvent] = []
    let outcome = try engine(folder, workers: folder + "/no-such-program").run([folder + "/in"]) { events.append($0) }
    #expect(outcome.poolFailure != nil)
    #expect(outcome.done == 0)
    #expect(events.allSatisfy { $0.status == .skipped }, "the image was not started, and says so")
  }

  @Test func workersThatCannotStartEndAWatchTheSameWay() throws {
    let folder = try folderWithAPhoto()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let session = WatchSession(
      engine: try engine(folder, workers: folder + "/no-such-program"),
      options: .init(
        directory: folder + "/in", pollSeconds: nil, settleSeconds: 0, doneDirectory: nil, failedDirectory: nil))
    let outcome = try session.run { _ in }
    #expect(outcome.poolFailure != nil)
    #expect(outcome.done == 0)
  }

  @Test func aSecondEngineOnTheSameOutputIsBusyWhenItMayNotWait() throws {
    let folder = try folderWithAPhoto()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let first = try engine(folder, workers: "/proc/self/exe")
    #expect(throws: EngineError.self) { try engine(folder, workers: "/proc/self/exe") }
    withExtendedLifetime(first) {}
  }
}
