import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

/// The worker protocol's binary form: every message comes back as it was sent,
/// and every field of every type travels (a field added to a type and not to
/// WireFormat.swift fails `everyFieldTravels`).
@Suite struct WireFormatTests {
  /// Through a frame and back, as the channel does.
  func roundTrip<T: WireCodable>(_ message: T) throws -> T {
    var wire = WireWriter()
    wire.value(message)
    var buffer = FrameChannel.Buffer()
    let n = wire.bytes.count
    let frame = [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + wire.bytes
    // In two pieces: a frame is handed out only once whole.
    frame.prefix(3).withUnsafeBytes { buffer.append($0) }
    #expect(try buffer.next(T.self) == nil)
    frame.dropFirst(3).withUnsafeBytes { buffer.append($0) }
    return try #require(try buffer.next(T.self))
  }

  /// Compared through JSON (the types are Codable, not all Equatable).
  func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  let outputs =
    #"[{"variant":"thumb","path":"/out/ü.webp","width":400,"height":-3,"format":"webp","note":"the first of 3 frames"},"#
    + #"{"variant":"","path":"","width":0,"height":1,"format":"jpeg"}]"#

  var task: WorkerTask {
    var task = WorkerTask(
      id: 7, path: "/in/a b.jpg", outputRoot: "/out", relativeDirectory: "x/y", format: "jpeg",
      outputs: ["/out/x/y/a.jpg", "/out/{width}.jpg"], pixels: 3072)
    task.temporaries = ["/out/x/y/a.jpg": "/out/x/y/.a.jpg.mediapipe-9.tmp"]
    return task
  }

  var configuration: WorkerConfiguration {
    var configuration = WorkerConfiguration(
      pipelineSource: "resize 300x300\n", pipelineFile: "p.pipeline", baseDirectory: "/base", allowUntrusted: true,
      verbose: false, maxPixels: 1234, memoryLimitMB: 512, fingerprint: "f00d")
    configuration.cpu = 1
    configuration.maxFrames = 77
    return configuration
  }

  var result: TaskResult {
    get throws {
      TaskResult(
        outputs: try decoded(outputs),
        failure: TaskFailure(reason: .tooManyPixels, detail: "50 MP", remedy: .raiseLimit(.pixels(7))),
        milliseconds: -1,
        input: FileIdentity(size: 1 << 40, modified: -5, contentHash: "abc"), workerOutput: "warning\n",
        unmarkedOutputs: ["/out/a.jpg": FileIdentity(size: 3, modified: 4)])
    }
  }

  @Test func everyMessageComesBackAsSent() throws {
    let parent: [ParentMessage] = [
      .configure(configuration), .task(task), .proceed, .tasks([task, task]), .tasks([]),
    ]
    for message in parent { #expect(try json(roundTrip(message)) == json(message)) }
    let worker: [WorkerMessage] = [
      .ready, .writing(task: 3, temporaryPath: "/t", finalPath: "/f"), .done(task: Int.min, result: try result),
      .done(task: 0, result: TaskResult(outputs: [], failure: nil, milliseconds: 0)), .refused(reason: "no"),
    ]
    for message in worker { #expect(try json(roundTrip(message)) == json(message)) }
    let remedies: [Remedy] = [
      .raiseLimit(.pixels(1)), .raiseLimit(.fileSize(bytes: 2)), .raiseLimit(.timeout(seconds: 0.5)),
      .raiseLimit(.workerMemory(megabytes: 64)), .raiseLimit(.frames(3)), .allowUntrustedFormats, .replaceExisting,
      .writeElsewhere,
      .pollInstead, .waitForLock, .loosenBudget,
    ]
    for remedy in remedies {
      let failure = TaskFailure(reason: .processingFailed, detail: "", remedy: remedy)
      #expect(try roundTrip(failure) == failure)
    }
  }

  @Test func everyFieldTravels() throws {
    // Mirror counts the stored properties; WireFormat.swift writes exactly these many.
    #expect(Mirror(reflecting: configuration).children.count == 10)
    #expect(Mirror(reflecting: task).children.count == 8)
    #expect(Mirror(reflecting: try result).children.count == 6)
    #expect(Mirror(reflecting: TaskFailure(reason: .crashed, detail: "")).children.count == 3)
    #expect(Mirror(reflecting: FileIdentity(size: 0, modified: 0)).children.count == 3)
    #expect(Mirror(reflecting: try result.outputs[0]).children.count == 8)
  }

  @Test func damagedFramesAreErrorsNotCrashes() throws {
    func decode(_ payload: [UInt8]) throws -> WorkerMessage? {
      var buffer = FrameChannel.Buffer()
      let n = payload.count
      ([UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload)
        .withUnsafeBytes { buffer.append($0) }
      return try buffer.next(WorkerMessage.self)
    }
    #expect(throws: ChannelError.self) { try decode([9]) }  // no such message
    #expect(throws: ChannelError.self) { try decode([3, 200]) }  // a string longer than the frame
    #expect(throws: ChannelError.self) { try decode([0, 0]) }  // bytes left over
    #expect(throws: ChannelError.self) { try decode([2, 0, 0, 0, 0, 2, 7]) }  // a flag that is not 0 or 1
    var buffer = FrameChannel.Buffer()
    [0xFF, 0xFF, 0xFF, 0xFF].withUnsafeBytes { buffer.append($0) }
    #expect(throws: ChannelError.self) { try buffer.next(WorkerMessage.self) }  // a frame far too large
  }
}
