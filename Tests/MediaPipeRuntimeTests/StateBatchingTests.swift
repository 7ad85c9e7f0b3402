import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// The state store's batched writes, its one-pass load, and what a crash leaves.
@Suite struct StateBatchingTests {
  func record(_ input: String, outputs: [String] = ["/out/a.jpg"]) -> StateRecord {
    StateRecord(
      input: input, pipeline: "/p.pipeline", size: 10, modified: 20, contentHash: "abc", fingerprint: "fp",
      version: "1",
      outputs: outputs)
  }

  @Test func batchedWritesReachOtherReadersOnlyWhenFlushed() throws {
    let path = try temporaryFolder() + "/s.sqlite"
    let store = try StateStore(path: path)
    let reader = try StateStore(path: path)
    store.batching = true
    try store.save(record("/in/a.jpg"))
    try store.noteWriting(path: "/out/a.jpg", temporary: "/out/.a.jpg.tmp")
    #expect(try reader.records(pipeline: "/p.pipeline").isEmpty, "not committed yet")
    try store.flush()
    #expect(try reader.records(pipeline: "/p.pipeline").keys.sorted() == ["/in/a.jpg"])
    #expect(try reader.allOutputs() == ["/out/a.jpg"])
    try store.flush()  // nothing gathered: nothing to do
  }

  @Test func unbatchedWritesCommitAtOnce() throws {
    let path = try temporaryFolder() + "/s.sqlite"
    let store = try StateStore(path: path)
    try store.save(record("/in/a.jpg"))
    #expect(try StateStore(path: path).records(pipeline: "/p.pipeline").count == 1)
  }

  @Test func aStoreClosedBeforeItsFlushLosesOnlyWhatWasNotFlushed() throws {
    let path = try temporaryFolder() + "/s.sqlite"
    do {
      let store = try StateStore(path: path)
      store.batching = true
      try store.save(record("/in/a.jpg"))
      try store.flush()
      try store.save(record("/in/b.jpg"))
      // Closed without a flush, as a killed run's is.
    }
    #expect(try StateStore(path: path).records(pipeline: "/p.pipeline").keys.sorted() == ["/in/a.jpg"])
  }

  @Test func oneLoadGivesThisPipelinesRecordsAndEveryOutput() throws {
    let store = try StateStore(path: try temporaryFolder() + "/s.sqlite")
    try store.save(record("/in/a.jpg", outputs: ["/out/a.jpg", "/out/a.webp"]))
    var other = record("/in/b.jpg", outputs: ["/out/b.jpg"])
    other.pipeline = "/other.pipeline"
    try store.save(other)
    try store.noteWriting(path: "/out/c.jpg", temporary: "/out/.c.tmp")
    let (records, outputs) = try store.load(pipeline: "/p.pipeline")
    #expect(records == ["/in/a.jpg": record("/in/a.jpg", outputs: ["/out/a.jpg", "/out/a.webp"])])
    #expect(outputs == ["/out/a.jpg", "/out/a.webp", "/out/b.jpg", "/out/c.jpg"])
    #expect(try store.load(pipeline: nil).records.isEmpty)
  }

  @Test func theOutputsColumnReadsWhatJSONEncoderWroteAndWritesWhatJSONDecoderReads() throws {
    let odd = [
      "/out/a.jpg", "/out/with \"quotes\".jpg", "/out/back\\slash.jpg", "/out/ü/日本.jpg", "/out/tab\there.jpg",
      "/out/new\nline.jpg", "/out/bell\u{7}.jpg", "",
    ]
    for paths in [odd, [], ["/only.jpg"]] {
      let written = String(decoding: try JSONEncoder().encode(paths), as: UTF8.self)
      #expect(StateStore.decodeOutputs(written) == paths, "\(written)")
      let ours = StateStore.encodeOutputs(paths)
      #expect(try JSONDecoder().decode([String].self, from: Data(ours.utf8)) == paths, "\(ours)")
      #expect(StateStore.decodeOutputs(ours) == paths)
    }
    #expect(StateStore.decodeOutputs("[\"/a\", \"/b\"]") == ["/a", "/b"], "spaces: the long way")
    #expect(StateStore.decodeOutputs("not json") == [])
  }

  @Test func unfinishedWritesAreReturnedOnceAndConfirmedOnesNever() throws {
    let store = try StateStore(path: try temporaryFolder() + "/s.sqlite")
    try store.noteWriting(path: "/out/a.jpg", temporary: "/out/.a.tmp")
    try store.noteWriting(path: "/out/b.jpg", temporary: "/out/.b.tmp")
    try store.confirmWritten(["/out/a.jpg"])
    let unfinished = try store.takeUnfinishedWrites()
    #expect(unfinished.map(\.path) == ["/out/b.jpg"] && unfinished.map(\.temporary) == ["/out/.b.tmp"])
    #expect(try store.takeUnfinishedWrites().isEmpty)
    try store.forgetOutput("/out/b.jpg")
    #expect(try store.allOutputs() == ["/out/a.jpg"])
  }
}

/// A value from JSON, its type inferred (so that a test need not import the module that names it).
func decoded<T: Decodable>(_ json: String) throws -> T {
  try JSONDecoder().decode(T.self, from: Data(json.utf8))
}

/// The run's bookkeeping (`RunState`) with batched writes, and what a killed run
/// leaves for the next one, on real files (skip decisions: RunStateTests).
@Suite struct RunStateBatchingTests {
  let root: String
  let fingerprint = "fp1"

  init() throws {
    root = try temporaryFolder()
  }

  func state(fingerprint: String? = nil, lock: Bool = true, force: Bool = false) throws -> RunState {
    try RunState(
      roots: [root], statePath: nil, shard: nil, journal: .automatic, pipelineID: "/p.pipeline",
      fingerprint: fingerprint ?? self.fingerprint,
      force: force, lock: lock, wait: false, onWait: { _, _ in }, onTakeOver: { _, _ in }, onUnusable: { _, _ in },
      interrupted: { false })
  }

  /// An input file with `content`, and its plan entry (one output next to it).
  func entry(_ name: String, content: String = "pixels", outputs: [String]? = nil) throws -> OutputPlan.Entry {
    let path = root + "/" + name
    if !FileManager.default.fileExists(atPath: path) {
      try content.write(toFile: path, atomically: false, encoding: .utf8)
    }
    let identity = try #require(FileIdentity.of(path))
    let input = InputFile(
      path: path, root: root, relativeDirectory: "", size: identity.size, modified: identity.modified,
      canonicalPath: InputScanner.canonical(path), format: .jpeg)
    return OutputPlan.Entry(input: input, outputRoot: root, outputs: outputs ?? [root + "/processed_" + name])
  }

  /// Records `entry` as done (its outputs written), as the run does when a worker succeeds.
  func done(_ entry: OutputPlan.Entry, in state: RunState) throws {
    for output in entry.outputs { try "out".write(toFile: output, atomically: false, encoding: .utf8) }
    let outputs = entry.outputs.map { #"{"variant":"default","path":"\#($0)","width":1,"height":1,"format":"jpeg"}"# }
    let result = TaskResult(
      outputs: try decoded("[" + outputs.joined(separator: ",") + "]"), failure: nil, milliseconds: 1,
      input: FileIdentity.read(entry.input.path))
    try state.record(entry, canonicalPath: entry.input.canonicalPath, result: result)
  }

  @Test func theSameOutputsSpeltOtherwiseAreStillUpToDate() throws {
    let first = try state()
    let a = try entry("a.jpg")
    try done(a, in: first)
    first.release()
    let same = try entry("a.jpg", outputs: [root + "/./processed_a.jpg"])
    let state = try self.state()
    defer { state.release() }
    #expect(state.decide(same, canonicalPath: a.input.canonicalPath) == .skip("up to date"))
  }

  @Test func batchedRecordsReachTheStoreAtFlushOrRelease() throws {
    let state = try state()
    // Another reader of the store (opened before the batch holds the write lock).
    let reader = try StateStore(path: root + "/.mediapipe/state.sqlite")
    state.batchesWrites = true
    let a = try entry("a.jpg")
    let b = try entry("b.jpg")
    try done(a, in: state)
    #expect(try reader.records(pipeline: "/p.pipeline").isEmpty)
    try state.flush()
    #expect(try reader.records(pipeline: "/p.pipeline").count == 1)
    try done(b, in: state)
    state.release()
    #expect(try reader.records(pipeline: "/p.pipeline").count == 2)
  }

  @Test func aRecordNotFlushedBeforeACrashIsRedoneAndNothingElse() throws {
    let storePath = root + "/.mediapipe/state.sqlite"
    _ = try StateStore(path: storePath)
    let a = try entry("a.jpg")
    let b = try entry("b.jpg")
    do {
      // Without the lock, so that dropping it is like a run that was killed.
      let crashing = try state(lock: false)
      crashing.batchesWrites = true
      try done(a, in: crashing)
      try crashing.flush()
      try done(b, in: crashing)
    }
    // b's outputs exist but carry no mark, and its record was lost: b alone is redone.
    let next = try state()
    defer { next.release() }
    #expect(next.decide(a, canonicalPath: a.input.canonicalPath) == .skip("up to date"))
    #expect(next.decide(b, canonicalPath: b.input.canonicalPath) == .process("new"))
  }

  @Test func whatAKilledRunAnnouncedIsCleanedUpNextTime() throws {
    let store = try StateStore(path: root + "/.mediapipe/state.sqlite")
    // Announced and written (renamed into place), never confirmed; announced and never written.
    try "out".write(toFile: root + "/written.jpg", atomically: false, encoding: .utf8)
    try "partial".write(toFile: root + "/.never.jpg.tmp", atomically: false, encoding: .utf8)
    try store.noteWriting(path: root + "/written.jpg", temporary: root + "/.written.jpg.tmp")
    try store.noteWriting(path: root + "/never.jpg", temporary: root + "/.never.jpg.tmp")
    let next = try state()
    defer { next.release() }
    #expect(!FileManager.default.fileExists(atPath: root + "/.never.jpg.tmp"), "its temporary file is removed")
    #expect(next.knownOutputs.contains(root + "/written.jpg"), "a file that came to exist stays known as ours")
    #expect(!next.knownOutputs.contains(root + "/never.jpg"), "a name never written is forgotten")
    #expect(try store.allOutputs() == [root + "/written.jpg"])
  }

  @Test func samePathsIgnoresOrderAndSpelling() {
    #expect(RunState.samePaths(["/a/b", "/c"], ["/c", "/a/./b"]))
    #expect(!RunState.samePaths(["/a/b"], ["/a/c"]))
  }
}
