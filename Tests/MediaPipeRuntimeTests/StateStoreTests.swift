import Foundation
import TestSupport
import Testing

@testable import MediaPipeRuntime

/// A fresh temporary folder for one test (removed when the tests end).
func temporaryFolder() throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("mediapipe-runtime-\(UUID().uuidString)")
    .path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  TemporaryFolders.removeAtExit(path)
  return path
}

@Suite struct StateStoreTests {
  func record(_ input: String, pipeline: String = "/p.pipeline", outputs: [String] = ["/out/a.jpg"]) -> StateRecord {
    StateRecord(
      input: input, pipeline: pipeline, size: 10, modified: 20, contentHash: "abc", fingerprint: "fp", version: "1",
      outputs: outputs)
  }

  @Test func savesAndReadsBack() throws {
    let folder = try temporaryFolder()
    let store = try StateStore(path: folder + "/.mediapipe/state.sqlite")
    try store.save(record("/in/a.jpg"))
    try store.save(record("/in/b.jpg", pipeline: "/other.pipeline", outputs: ["/out/b.webp"]))
    let reopened = try StateStore(path: folder + "/.mediapipe/state.sqlite")
    #expect(try reopened.records(pipeline: "/p.pipeline") == ["/in/a.jpg": record("/in/a.jpg")])
    #expect(try reopened.allOutputs() == ["/out/a.jpg", "/out/b.webp"])
  }

  @Test func refreshUpdatesOnlyTheIdentity() throws {
    let folder = try temporaryFolder()
    let store = try StateStore(path: folder + "/s.sqlite")
    try store.save(record("/in/a.jpg"))
    try store.refresh(input: "/in/a.jpg", pipeline: "/p.pipeline", size: 11, modified: 99)
    let saved = try #require(try store.records(pipeline: "/p.pipeline")["/in/a.jpg"])
    #expect(saved.size == 11 && saved.modified == 99 && saved.contentHash == "abc")
  }

  @Test func usesWriteAheadLogging() throws {
    let folder = try temporaryFolder()
    let store = try StateStore(path: folder + "/s.sqlite")
    try store.save(record("/in/a.jpg"))
    #expect(FileManager.default.fileExists(atPath: folder + "/s.sqlite-wal"))
  }

  @Test func aDeletedStoreIsWrittenBackWhole() throws {
    let folder = try temporaryFolder()
    let path = folder + "/.mediapipe/state.sqlite"
    let store = try StateStore(path: path)
    try store.save(record("/in/a.jpg"))
    try store.noteWriting(path: "/out/b.jpg", temporary: "")
    #expect(try store.check() == false)
    try FileManager.default.removeItem(atPath: folder + "/.mediapipe")
    #expect(try store.check() == true)
    try store.save(record("/in/c.jpg"))
    let reopened = try StateStore(path: path)
    #expect(try reopened.records(pipeline: "/p.pipeline").keys.sorted() == ["/in/a.jpg", "/in/c.jpg"])
    #expect(try reopened.allOutputs() == ["/out/a.jpg", "/out/b.jpg"])
  }

  /// A store that cannot be put back (a folder took its name) leaves no
  /// temporary copy, and is not copied again at every check.
  @Test func aStoreThatCannotBeWrittenBackLeavesNothingAndWaits() throws {
    let folder = try temporaryFolder()
    let path = folder + "/.mediapipe/state.sqlite"
    let store = try StateStore(path: path)
    try store.save(record("/in/a.jpg"))
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: path + "/taken", withIntermediateDirectories: true)
    let leftovers = {
      try FileManager.default.contentsOfDirectory(atPath: folder + "/.mediapipe").filter { $0.hasSuffix(".tmp") }
    }
    #expect(throws: StateStoreError.self) { try store.check() }
    #expect(try leftovers() == [])
    #expect(try store.check() == false, "not tried again at once")
    store.retryInterval = 0
    #expect(throws: StateStoreError.self) { try store.check() }
    #expect(try leftovers() == [])
    try FileManager.default.removeItem(atPath: path)
    #expect(try store.check() == true, "written back once the way is clear")
    #expect(try StateStore(path: path).records(pipeline: "/p.pipeline").keys.sorted() == ["/in/a.jpg"])
  }
}

@Suite struct RunLockTests {
  @Test func aSecondHolderIsRefusedWithTheFirstOnesPid() throws {
    let folder = try temporaryFolder()
    let first = try RunLock.acquire(root: folder, wait: false)
    #expect(throws: RunLock.Failure.self) { try RunLock.acquire(root: folder, wait: false) }
    do {
      _ = try RunLock.acquire(root: folder, wait: false)
    } catch RunLock.Failure.busy(_, let holder) {
      #expect(holder?.pid == getpid())
    }
    first.release()
    let second = try RunLock.acquire(root: folder, wait: false)
    #expect(second.crashedHolder == nil, "a clean release leaves no trace")
    second.release()
  }

  @Test func aLockLeftByACrashedRunIsTakenOver() throws {
    let folder = try temporaryFolder()
    try FileManager.default.createDirectory(atPath: folder + "/.mediapipe", withIntermediateDirectories: true)
    try "999999 2026-01-01T00:00:00Z\n".write(toFile: folder + "/.mediapipe/lock", atomically: true, encoding: .utf8)
    let lock = try RunLock.acquire(root: folder, wait: false)
    #expect(lock.crashedHolder?.pid == 999_999)
    lock.release()
  }
}
