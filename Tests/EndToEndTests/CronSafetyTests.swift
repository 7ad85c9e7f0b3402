import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Overlapping runs, interrupted and crashed runs, and output folders that cannot be written.
@Suite(.serialized) struct CronSafetyTests {
  @Test func twoRunsIntoTheSameOutputNeverBothWrite() throws {
    let folder = try heldWorkspace(images: 2)
    let resize = pipeline("resize.pipeline")
    let first = try Running(["run", "-j", "2", "-o", "out", resize, "in"], in: folder, environment: holding(folder))
    #expect(first.wait(upTo: 60) { holders(below: folder + "/out").count == 2 }, "the first run is writing")
    // With --no-wait the second run refuses at once, naming the first.
    let refused = try mediapipe(["run", "--no-wait", "-o", "out", resize, "in"], in: folder)
    #expect(refused.status == 75)
    #expect(refused.stderr.contains("another mediapipe run (pid \(first.pid)"))
    // Without it, it waits for the first, then finds everything done.
    let waiting = try Running(["run", "-o", "out", resize, "in"], in: folder)
    #expect(waiting.wait(upTo: 60) { waiting.stderrSoFar.contains("waiting: another mediapipe run") })
    release(folder)
    let firstResult = first.finish()
    let secondResult = waiting.finish()
    #expect(firstResult.status == 0)
    #expect(secondResult.status == 0, "\(secondResult.stderr)")
    #expect(secondResult.stderr.contains("nothing to do: 2 images up to date"))
  }

  @Test func aLockLeftByACrashedRunIsTakenOver() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try FileManager.default.createDirectory(atPath: folder + "/out/.mediapipe", withIntermediateDirectories: true)
    try "424242 2026-11-01T03:00:00Z\n".write(
      toFile: folder + "/out/.mediapipe/lock", atomically: true, encoding: .utf8)
    let result = try mediapipe(["run", "--no-wait", "-o", "out", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("a previous run (pid 424242"))
    #expect(FileManager.default.fileExists(atPath: folder + "/out/processed_a.jpg"))
  }

  @Test func aRunKilledOutrightIsFinishedByTheNextRun() throws {
    let folder = try heldWorkspace(images: 4)
    let resize = pipeline("resize.pipeline")
    let run = try Running(["run", "-j", "2", resize, "in"], in: folder, environment: holding(folder))
    // Two workers have written a temporary file each and wait to rename it.
    #expect(run.wait(upTo: 60) { holders(below: folder).count == 2 })
    let workers = run.workers()
    kill(run.pid, SIGKILL)
    for worker in workers { kill(worker, SIGKILL) }
    _ = run.finish()
    #expect(!leftovers(below: folder).isEmpty, "the kill left temporary files")
    // The kill left the lock file full and temporary files: the next run cleans up after itself.
    let again = try mediapipe(["run", "--no-wait", resize, "in"], in: folder)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("ended without finishing"))
    #expect(files(below: folder + "/in").filter { $0.hasPrefix("processed_") && $0.hasSuffix(".jpg") }.count == 4)
    #expect(leftovers(below: folder).isEmpty, "temporary files of the killed workers were removed")
  }

  @Test func aReadOnlyOutputFolderFailsEachImageClearlyAndStopsEarly() throws {
    let folder = try workspace()
    try FileManager.default.createDirectory(atPath: folder + "/ro", withIntermediateDirectories: true)
    #expect(shell("mount -t tmpfs -o ro tmpfs '\(folder)/ro'") == 0, "this test mounts a read-only tmpfs (needs root)")
    defer { _ = shell("umount '\(folder)/ro'") }
    let result = try mediapipe(
      ["run", "-j", "1", "-o", "ro", "--report", "report.json", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 1)
    #expect(result.stderr.contains("cannot write output (cannot write in"))
    #expect(result.stderr.contains("Read-only file system"))
    #expect(result.stderr.contains("stopping early: no output could be written"))
    #expect(files(below: folder + "/ro").isEmpty)
    let report = try String(contentsOfFile: folder + "/report.json", encoding: .utf8)
    #expect(report.contains("\"reason\" : \"cannot-write-output\""))
    #expect(report.contains("not started: output writes failing"))
  }

  @Test func aFullDiskLeavesNoPartialFile() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo-large.jpg").path, toPath: folder + "/in/big.jpg")
    try FileManager.default.createDirectory(atPath: folder + "/full", withIntermediateDirectories: true)
    #expect(
      shell("mount -t tmpfs -o size=256k tmpfs '\(folder)/full'") == 0, "this test mounts a small tmpfs (needs root)")
    defer { _ = shell("umount '\(folder)/full'") }
    try "resize 400% enlarge=yes\ncompress png level=0\n".write(
      toFile: folder + "/huge.pipeline", atomically: true, encoding: .utf8)
    let result = try mediapipe(["run", "-o", "full", "huge.pipeline", "in"], in: folder)
    #expect(result.status == 1)
    #expect(result.stderr.contains("failed: in/big.jpg: cannot write output"))
    #expect(
      files(below: folder + "/full").filter { !$0.hasPrefix(".mediapipe/") }.isEmpty, "no partial or temporary file")
    #expect(FileManager.default.fileExists(atPath: folder + "/in/big.jpg"))
  }
}

/// Runs a shell command, returning its exit status.
func shell(_ command: String) -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", command]
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  guard (try? process.run()) != nil else { return -1 }
  process.waitUntilExit()
  return process.terminationStatus
}
