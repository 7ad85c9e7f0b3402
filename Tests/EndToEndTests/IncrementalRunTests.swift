import Foundation
import MediaPipeRuntime
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Re-runs redo exactly what changed, and nothing else.
@Suite(.serialized) struct IncrementalRunTests {
  /// A workspace with three photos and a pipeline that watermarks with a logo of its own.
  func setUp() throws -> String {
    let folder = try workspace(copyFixtures: false)
    for name in ["photo.jpg", "grey.jpg", "orient-1.jpg"] {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/\(name)").path, toPath: folder + "/in/" + name)
    }
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/logo.png").path, toPath: folder + "/logo.png")
    try "resize 200x200\nwatermark image=logo.png width=20%\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    let first = try mediapipe(["run", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(first.status == 0, "\(first.stderr)")
    return folder
  }

  func modified(_ path: String) -> Int { FileIdentity.of(path)?.modified ?? 0 }

  /// Runs again and returns how many images were processed (not skipped).
  func rerun(_ folder: String, _ extra: [String] = []) throws -> (processed: Int, stderr: String) {
    let result = try mediapipe(["run", "-o", "out"] + extra + ["p.pipeline", "in"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let match = result.stderr.firstMatch(of: /processed (\d+) of/)
    return (match.map { Int($0.1)! } ?? 0, result.stderr)
  }

  @Test func aNoOpRerunSkipsEverythingAndWritesNothing() throws {
    let folder = try setUp()
    // An hour back: rewriting the output would change its time, however quick the re-run.
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: folder + "/out/processed_photo.jpg")
    let before = modified(folder + "/out/processed_photo.jpg")
    let again = try rerun(folder)
    #expect(again.processed == 0)
    #expect(again.stderr.contains("nothing to do: 3 images up to date"))
    #expect(modified(folder + "/out/processed_photo.jpg") == before)
  }

  @Test func aRerunDoesNotReadFilesWhoseSizeAndTimeMatch() throws {
    let folder = try setUp()
    // Same size and modification time, different bytes: only reading the file could tell.
    let path = folder + "/in/photo.jpg"
    var before = stat()
    #expect(stat(path, &before) == 0)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: path))
    var times = [before.st_atim, before.st_mtim]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    #expect(try rerun(folder).processed == 0)
  }

  @Test func aTouchedFileIsNotRedone() throws {
    let folder = try setUp()
    // An hour back: a time that differs from the recorded one however quick the machine.
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: folder + "/in/photo.jpg")
    let dry = try mediapipe(["run", "--dry-run", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(dry.stdout.contains("in/photo.jpg: skip, up to date (touched, same content)"))
    #expect(try rerun(folder).processed == 0)
  }

  @Test func aChangedFileIsRedoneAlone() throws {
    let folder = try setUp()
    try FileManager.default.removeItem(atPath: folder + "/in/grey.jpg")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo-large.jpg").path, toPath: folder + "/in/grey.jpg")
    let dry = try mediapipe(["run", "--dry-run", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(dry.stdout.contains("(its content changed)"))
    #expect(try rerun(folder).processed == 1)
  }

  @Test func aChangedPipelineRedoesEverythingButACommentDoesNot() throws {
    let folder = try setUp()
    try "# a comment\nresize   200x200\nwatermark image=logo.png width=20%\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    #expect(try rerun(folder).processed == 0)
    try "resize 150x150\nwatermark image=logo.png width=20%\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    #expect(try rerun(folder).processed == 3)
  }

  @Test func aChangedLogoRedoesEverything() throws {
    let folder = try setUp()
    try FileManager.default.removeItem(atPath: folder + "/logo.png")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/alpha.png").path, toPath: folder + "/logo.png")
    #expect(try rerun(folder).processed == 3)
  }

  @Test func aDeletedOutputIsRedoneAlone() throws {
    let folder = try setUp()
    try FileManager.default.removeItem(atPath: folder + "/out/processed_orient-1.jpg")
    let again = try rerun(folder)
    #expect(again.processed == 1)
    #expect(FileManager.default.fileExists(atPath: folder + "/out/processed_orient-1.jpg"))
  }

  @Test func anotherMediapipeVersionRedoesEverything() throws {
    let folder = try setUp()
    let store = try StateStore(path: folder + "/out/.mediapipe/state.sqlite")
    let pipelineID = URL(fileURLWithPath: folder + "/p.pipeline").resolvingSymlinksInPath().path
    for var record in try store.records(pipeline: pipelineID).values {
      record.version = "0.0.1"
      try store.save(record)
    }
    let again = try rerun(folder)
    #expect(again.processed == 3)
  }

  @Test func forceRedoesEverything() throws {
    let folder = try setUp()
    #expect(try rerun(folder, ["--force"]).processed == 3)
  }

  @Test func outputsOfAnEarlierRunAreNeverInputsEvenWithoutTheirSource() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    try FileManager.default.removeItem(atPath: folder + "/in/a.jpg")
    let again = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(again.status == 0)
    #expect(!files(below: folder + "/in").contains { $0.contains("processed_processed") })
  }
}
