import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

/// Whether an input is redone, decided against a real state store in a
/// temporary folder: one input `a.jpg` and its output `processed_a.jpg` beside it.
@Suite struct RunStateTests {
  let pipelineID = "/pipelines/p.pipeline"

  struct Setup {
    var folder: String
    var input: InputFile
    var output: String
    var storePath: String { folder + "/.mediapipe/state.sqlite" }
    var entry: OutputPlan.Entry { OutputPlan.Entry(input: input, outputRoot: folder, outputs: [output], problem: nil) }
  }

  /// The input and its output on disk, and the input as the scanner saw it.
  func setup() throws -> Setup {
    let folder = InputScanner.canonical(try temporaryFolder())
    let path = folder + "/a.jpg"
    try Data("the input's bytes".utf8).write(to: URL(fileURLWithPath: path))
    try Data("an output".utf8).write(to: URL(fileURLWithPath: folder + "/processed_a.jpg"))
    let identity = try #require(FileIdentity.of(path))
    let input = InputFile(
      path: path, root: folder, relativeDirectory: "", size: identity.size, modified: identity.modified,
      canonicalPath: path, format: .jpeg)
    return Setup(folder: folder, input: input, output: folder + "/processed_a.jpg")
  }

  /// The record a run that processed the input as it is now would have left.
  func record(of setup: Setup) throws -> StateRecord {
    StateRecord(
      input: setup.input.canonicalPath, pipeline: pipelineID, size: setup.input.size, modified: setup.input.modified,
      contentHash: try #require(FileIdentity.hash(setup.input.path)), fingerprint: "fp",
      version: MediaPipeVersion.current,
      outputs: [setup.output], format: "jpeg")
  }

  func save(_ record: StateRecord, in setup: Setup) throws {
    try StateStore(path: setup.storePath).save(record)
  }

  /// Opens the store as a run would (taking the folder's lock unless `lock` is false),
  /// decides, and releases the lock.
  func decide(_ setup: Setup, fingerprint: String = "fp", force: Bool = false, lock: Bool = true) throws
    -> RunState.Decision
  {
    let state = try RunState(
      roots: [setup.folder], statePath: nil, shard: nil, journal: .automatic, pipelineID: pipelineID,
      fingerprint: fingerprint, force: force, lock: lock,
      wait: false, onWait: { _, _ in }, onTakeOver: { _, _ in },
      onUnusable: { root, why in Issue.record("\(root): \(why)") },
      interrupted: { false })
    defer { state.release() }
    return state.decide(setup.entry, canonicalPath: setup.input.canonicalPath)
  }

  func storedRecord(_ setup: Setup) throws -> StateRecord? {
    try StateStore(path: setup.storePath).records(pipeline: pipelineID)[setup.input.canonicalPath]
  }

  @Test func anInputWithNoRecordIsNew() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    #expect(try decide(setup) == .process("new"))
  }

  @Test func anUnchangedInputIsUpToDate() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    try save(try record(of: setup), in: setup)
    #expect(try decide(setup) == .skip("up to date"))
  }

  @Test func aTouchedInputWithTheSameContentIsNotRedoneAndItsTimeIsRecorded() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    var old = try record(of: setup)
    old.modified -= 5_000_000_000
    try save(old, in: setup)
    #expect(try decide(setup) == .skip("up to date (touched, same content)"))
    let refreshed = try #require(try storedRecord(setup))
    #expect(refreshed.modified == setup.input.modified)
    #expect(refreshed.contentHash == old.contentHash)
    // The next run then needs no hash: size and time match.
    #expect(try decide(setup) == .skip("up to date"))
  }

  @Test func aRecordWithAnotherSizeButTheSameContentIsRefreshed() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    var old = try record(of: setup)
    old.size += 1
    try save(old, in: setup)
    #expect(try decide(setup) == .skip("up to date (touched, same content)"))
    #expect(try storedRecord(setup)?.size == setup.input.size)
  }

  @Test func aDryRunRefreshesNothing() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    var old = try record(of: setup)
    old.modified -= 5_000_000_000
    try save(old, in: setup)
    #expect(try decide(setup, lock: false) == .skip("up to date (touched, same content)"))
    #expect(try storedRecord(setup)?.modified == old.modified)
  }

  @Test func aChangedContentIsRedone() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    var old = try record(of: setup)
    old.modified -= 5_000_000_000
    old.contentHash = "0123456789abcdef"
    try save(old, in: setup)
    #expect(try decide(setup) == .process("its content changed"))
    #expect(try storedRecord(setup)?.modified == old.modified, "nothing is recorded before it is done")
  }

  @Test func aChangedPipelineRedoesEverything() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    try save(try record(of: setup), in: setup)
    #expect(try decide(setup, fingerprint: "another") == .process("the pipeline or a file it uses changed"))
  }

  @Test func anotherMediapipeVersionRedoesIt() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    var old = try record(of: setup)
    old.version = "0.0.1"
    try save(old, in: setup)
    #expect(try decide(setup) == .process("written by mediapipe 0.0.1, this is \(MediaPipeVersion.current)"))
  }

  @Test func aMissingOutputIsWrittenAgain() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    try save(try record(of: setup), in: setup)
    try FileManager.default.removeItem(atPath: setup.output)
    #expect(try decide(setup) == .process("its output \(setup.output) is missing"))
  }

  @Test func outputsThatGoElsewhereNowAreWritten() throws {
    var setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    try save(try record(of: setup), in: setup)
    setup.output = setup.folder + "/elsewhere/a.jpg"
    #expect(try decide(setup) == .process("its outputs go elsewhere now"))
  }

  @Test func forceRedoesAnUpToDateInput() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    try save(try record(of: setup), in: setup)
    #expect(try decide(setup, force: true) == .process("forced"))
  }

  @Test func anotherPipelinesRecordDoesNotCount() throws {
    let setup = try setup()
    defer { try? FileManager.default.removeItem(atPath: setup.folder) }
    var other = try record(of: setup)
    other.pipeline = "/pipelines/other.pipeline"
    try save(other, in: setup)
    #expect(try decide(setup) == .process("new"))
  }
}
