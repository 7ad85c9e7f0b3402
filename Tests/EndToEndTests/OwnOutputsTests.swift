import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Whether the file system below `folder` keeps user extended attributes (the marks of outputs).
func userAttributesWork(in folder: String) -> Bool {
  let probe = folder + "/.xattr-probe-\(UUID().uuidString)"
  guard FileManager.default.createFile(atPath: probe, contents: nil) else { return false }
  defer { unlink(probe) }
  return shell("python3 -c \"import os; os.setxattr('\(probe)', 'user.probe', b'1')\"") == 0
}

let attributesWork = userAttributesWork(in: FileManager.default.temporaryDirectory.path)

/// Outputs are never inputs, whatever happens to their folder or to the state store
/// (see "How mediapipe knows its outputs" in docs/running-from-cron.md).
@Suite(.serialized, .enabled(if: attributesWork, "the temporary folder keeps no user extended attributes"))
struct OwnOutputsTests {
  let photo = repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path
  let grey = repositoryRoot.appendingPathComponent("fixtures/grey.jpg").path
  let small = repositoryRoot.appendingPathComponent("fixtures/orient-1.jpg").path

  func startWatcher(in folder: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> Running {
    try FileManager.default.createDirectory(atPath: folder + "/inbox", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: pipeline("resize.pipeline"), toPath: folder + "/inbox/resize.pipeline")
    let watcher = try Running(["watch", "-j", "1"] + extra + ["inbox"], in: folder, environment: environment)
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("watching inbox") }, "the watcher started")
    return watcher
  }

  func doneLines(_ text: String) -> Int { text.components(separatedBy: "  done  ").count - 1 }

  func processedTwice(below folder: String) -> [String] {
    files(below: folder).filter { $0.contains("processed_processed") }
  }

  @Test func aRenamedProcessedFolderInAWatchedInboxIsNotNewWork() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(in: folder)
    try FileManager.default.createDirectory(atPath: folder + "/inbox/sub", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/sub/a.jpg")
    try FileManager.default.copyItem(atPath: grey, toPath: folder + "/inbox/sub/b.jpg")
    #expect(watcher.wait(upTo: 60) { doneLines(watcher.stdoutSoFar) == 2 })
    try FileManager.default.moveItem(atPath: folder + "/inbox/sub", toPath: folder + "/inbox/renamed")
    // A file added after the rename: once it is done (one worker, in order), the
    // renamed folder's files have been looked at.
    try FileManager.default.copyItem(atPath: small, toPath: folder + "/inbox/renamed/c.jpg")
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("done  \(folder)/inbox/renamed/c.jpg") })
    kill(watcher.pid, SIGTERM)
    let result = watcher.finish()
    #expect(result.status == 0)
    #expect(processedTwice(below: folder).isEmpty)
    #expect(!result.stdout.contains("failed"), "\(result.stdout)")
    #expect(doneLines(result.stdout) == 3, "a and b are up to date after the rename: \(result.stdout)")
    #expect(
      files(below: folder + "/inbox/renamed") == [
        "a.jpg", "b.jpg", "c.jpg", "processed_a.jpg", "processed_b.jpg", "processed_c.jpg",
      ])
  }

  @Test func aStateFolderDeletedUnderAWatcherIsMadeAgain() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(in: folder)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/a.jpg")
    #expect(watcher.wait(upTo: 60) { doneLines(watcher.stdoutSoFar) == 1 })
    try FileManager.default.removeItem(atPath: folder + "/inbox/.mediapipe")
    let lock = folder + "/inbox/.mediapipe/lock"
    #expect(
      watcher.wait(upTo: 60) {
        ((try? String(contentsOfFile: lock, encoding: .utf8)) ?? "").hasPrefix("\(watcher.pid) ")
      })
    #expect(
      watcher.wait(upTo: 60) {
        watcher.stdoutSoFar.contains("state.sqlite was removed while this run used it; wrote it back")
      })
    let beside = try mediapipe(["run", "--no-wait", "inbox/resize.pipeline", "inbox"], in: folder)
    #expect(beside.status == 75, "\(beside.stderr)")
    #expect(beside.stderr.contains("another mediapipe run (pid \(watcher.pid)"))
    // The watcher goes on, and its store was written back whole.
    try FileManager.default.copyItem(atPath: grey, toPath: folder + "/inbox/b.jpg")
    #expect(watcher.wait(upTo: 60) { doneLines(watcher.stdoutSoFar) == 2 })
    kill(watcher.pid, SIGTERM)
    #expect(watcher.finish().status == 0)
    let after = try mediapipe(["run", "inbox/resize.pipeline", "inbox"], in: folder)
    #expect(after.status == 0, "\(after.stderr)")
    #expect(after.stderr.contains("nothing to do: 2 images up to date"), "\(after.stderr)")
    #expect(processedTwice(below: folder).isEmpty)
  }

  @Test func aRunThatTookTheLockWhileItWasGoneStopsTheWatcher() throws {
    let folder = try workspace(copyFixtures: false)
    _ = FileManager.default.createFile(atPath: folder + "/hold", contents: nil)
    let watcher = try startWatcher(in: folder)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/a.jpg")
    #expect(watcher.wait(upTo: 60) { doneLines(watcher.stdoutSoFar) == 1 })
    // While the watcher is paused, its folder goes and a run takes a new lock (and holds
    // on a new image, so that it keeps the lock).
    kill(watcher.pid, SIGSTOP)
    try FileManager.default.removeItem(atPath: folder + "/inbox/.mediapipe")
    try FileManager.default.copyItem(atPath: grey, toPath: folder + "/inbox/n.jpg")
    let run = try Running(
      ["run", "inbox/resize.pipeline", "inbox"], in: folder, environment: holding(folder, on: "n.jpg"))
    #expect(run.wait(upTo: 60) { holders(below: folder + "/inbox").count == 1 })
    kill(watcher.pid, SIGCONT)
    let stopped = watcher.finish()
    #expect(stopped.status == 75, "\(stopped.stderr)")
    #expect(stopped.stderr.contains("was removed while this run held it, and another mediapipe run (pid \(run.pid)"))
    release(folder)
    let ran = run.finish()
    #expect(ran.status == 0, "\(ran.stderr)")
    #expect(processedTwice(below: folder).isEmpty, "the run never took the watcher's outputs")
    #expect(!ran.stderr.contains("failed"))
  }

  @Test func aFileNamedDotMediapipeIsAClearError() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/a.jpg")
    try "stray".write(toFile: folder + "/in/.mediapipe", atomically: true, encoding: .utf8)
    for command in [["run", pipeline("resize.pipeline"), "in"], ["watch", pipeline("resize.pipeline"), "in"]] {
      let result = try Running(command, in: folder).finish()
      #expect(result.status == 2, "\(command[0]): \(result.stderr)")
      #expect(result.stderr.contains("in/.mediapipe is a file, not a folder"), "\(result.stderr)")
      #expect(result.stderr.contains("move the file away or remove it"))
    }
    #expect(files(below: folder + "/in") == [".mediapipe", "a.jpg"], "nothing processed")
  }

  @Test func outputsAreKnownByTheirMarkWithoutTheStore() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/in/sub", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/sub/a.jpg")
    try FileManager.default.copyItem(atPath: grey, toPath: folder + "/in/b.jpg")
    #expect(try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder).status == 0)
    try FileManager.default.removeItem(atPath: folder + "/in/.mediapipe")
    try FileManager.default.moveItem(atPath: folder + "/in/sub", toPath: folder + "/in/renamed")
    let dry = try mediapipe(["run", "--dry-run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(dry.stdout.contains("in/renamed/a.jpg: skip, up to date (its outputs say so)"), "\(dry.stdout)")
    #expect(dry.stdout.contains("in/renamed/processed_a.jpg: skipped, an output of this pipeline"))
    let again = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("nothing to do: 2 images up to date"), "\(again.stderr)")
    #expect(processedTwice(below: folder).isEmpty)
    // A changed pipeline redoes them, replacing its own (marked) outputs.
    try "resize 100x100\n".write(toFile: folder + "/small.pipeline", atomically: true, encoding: .utf8)
    try FileManager.default.removeItem(atPath: folder + "/in/.mediapipe")
    let changed = try mediapipe(["run", "small.pipeline", "in"], in: folder)
    #expect(changed.status == 0, "\(changed.stderr)")
    #expect(changed.stderr.contains("processed 2 of 2 images"), "\(changed.stderr)")
  }
}

/// Where the file system keeps no extended attributes, outputs are known by their content.
@Suite(.serialized) struct UnmarkedOutputsTests {
  @Test func onAFileSystemWithoutAttributesOutputsAreKnownByContent() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/ram", withIntermediateDirectories: true)
    // ramfs keeps no user extended attributes.
    guard shell("mount -t ramfs ramfs '\(folder)/ram'") == 0 else {
      print("skipped onAFileSystemWithoutAttributesOutputsAreKnownByContent: cannot mount ramfs (needs root)")
      return
    }
    defer { _ = shell("umount '\(folder)/ram'") }
    #expect(!userAttributesWork(in: folder + "/ram"))
    try FileManager.default.createDirectory(atPath: folder + "/ram/in/sub", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/ram/in/sub/a.jpg")
    let first = try mediapipe(["run", pipeline("resize.pipeline"), "ram/in"], in: folder)
    #expect(first.status == 0, "\(first.stderr)")
    try FileManager.default.moveItem(atPath: folder + "/ram/in/sub", toPath: folder + "/ram/in/renamed")
    let again = try mediapipe(["run", pipeline("resize.pipeline"), "ram/in"], in: folder)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("1 skipped as outputs of this pipeline"), "\(again.stderr)")
    #expect(!again.stderr.contains("already exists"), "its old output is known as mediapipe's and replaced")
    #expect(
      files(below: folder + "/ram/in").filter { !$0.hasPrefix(".mediapipe/") } == [
        "renamed/a.jpg", "renamed/processed_a.jpg",
      ])
  }
}
