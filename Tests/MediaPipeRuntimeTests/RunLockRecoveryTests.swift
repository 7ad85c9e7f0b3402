import Foundation
import Testing

@testable import MediaPipeRuntime

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct RunLockRecoveryTests {
  /// The case of a check, by name.
  func outcome(_ check: RunLock.Check) -> String {
    switch check {
    case .intact: return "intact"
    case .recreated: return "recreated"
    case .lost: return "lost"
    case .cannotRecreate(.notAFolder): return "not a folder"
    case .cannotRecreate: return "cannot recreate"
    }
  }

  @Test func aDeletedLockIsMadeAgainAndHeld() throws {
    let root = try temporaryFolder()
    let lock = try RunLock.acquire(root: root, wait: false)
    #expect(outcome(lock.check()) == "intact")
    try FileManager.default.removeItem(atPath: root + "/.mediapipe")
    #expect(outcome(lock.check()) == "recreated", "a deleted lock is made again")
    #expect(throws: RunLock.Failure.self) { try RunLock.acquire(root: root, wait: false) }
    #expect(outcome(lock.check()) == "intact", "and is intact after that")
    lock.release()
  }

  @Test func aLockTakenByAnotherWhileGoneIsLost() throws {
    let root = try temporaryFolder()
    let lock = try RunLock.acquire(root: root, wait: false)
    try FileManager.default.removeItem(atPath: root + "/.mediapipe")
    let other = try RunLock.acquire(root: root, wait: false)
    #expect(outcome(lock.check()) == "lost", "another run holds the new lock")
    other.release()
  }

  @Test func aFileNamedDotMediapipeIsRefused() throws {
    let root = try temporaryFolder()
    try "stray".write(toFile: root + "/.mediapipe", atomically: true, encoding: .utf8)
    #expect {
      try RunLock.acquire(root: root, wait: false)
    } throws: { error in
      if case RunLock.Failure.notAFolder = error { return true }
      return false
    }
    // The same when it replaces the folder under a running holder.
    let other = try temporaryFolder()
    let lock = try RunLock.acquire(root: other, wait: false)
    try FileManager.default.removeItem(atPath: other + "/.mediapipe")
    try "stray".write(toFile: other + "/.mediapipe", atomically: true, encoding: .utf8)
    #expect(outcome(lock.check()) == "not a folder", "a file is in the way")
  }
}

@Suite struct OutputMarkerTests {
  @Test func readsBackWhatItWrote() throws {
    let folder = try temporaryFolder()
    let path = folder + "/out.jpg"
    _ = FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3]))
    #expect(OutputMarker.read(path) == nil)
    let marker = OutputMarker(version: "0.2.0", fingerprint: "abc", inputHash: "def")
    guard marker.write(to: path) else {
      print("skipped: \(folder) keeps no user extended attributes")
      return
    }
    #expect(OutputMarker.read(path) == marker)
    // It belongs to the file: a rename keeps it.
    #expect(rename(path, folder + "/moved.jpg") == 0)
    #expect(OutputMarker.read(folder + "/moved.jpg") == marker)
  }

  @Test func parsesTheValue() {
    #expect(
      OutputMarker(parsing: "mediapipe 0.2.0; pipeline 5f3a; input 9c1e")
        == OutputMarker(version: "0.2.0", fingerprint: "5f3a", inputHash: "9c1e"))
    #expect(OutputMarker(parsing: "something else") == nil)
  }
}
