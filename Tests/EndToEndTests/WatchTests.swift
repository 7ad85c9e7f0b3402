import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `mediapipe watch` against files written the ways people write them.
/// Every wait has a deadline and waits for an outcome, never a fixed sleep.
@Suite(.serialized) struct WatchTests {
  let photo = repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path

  /// A watcher on `folder/inbox` with resize.pipeline at its top.
  func startWatcher(_ extra: [String] = [], in folder: String) throws -> Running {
    try FileManager.default.createDirectory(atPath: folder + "/inbox", withIntermediateDirectories: true)
    if !FileManager.default.fileExists(atPath: folder + "/inbox/resize.pipeline") {
      try FileManager.default.copyItem(atPath: pipeline("resize.pipeline"), toPath: folder + "/inbox/resize.pipeline")
    }
    let watcher = try Running(["watch"] + extra + ["inbox"], in: folder)
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("watching inbox") }, "the watcher started")
    return watcher
  }

  func stop(_ watcher: Running) -> Outcome {
    kill(watcher.pid, SIGTERM)
    return watcher.finish(within: 120)
  }

  @Test func aSlowWriterIsTakenOnceAfterItCloses() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(in: folder)
    let data = try Data(contentsOf: URL(fileURLWithPath: photo))
    let path = folder + "/inbox/slow.jpg"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0)
    // Eight chunks over two seconds, the file open all along.
    let chunk = (data.count + 7) / 8
    for i in 0..<8 {
      let part = data[(i * chunk)..<min(data.count, (i + 1) * chunk)]
      _ = part.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      usleep(250_000)
      #expect(!FileManager.default.fileExists(atPath: folder + "/inbox/processed_slow.jpg"), "not taken while open")
    }
    close(fd)
    #expect(watcher.wait(upTo: 60) { FileManager.default.fileExists(atPath: folder + "/inbox/processed_slow.jpg") })
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("done  \(folder)/inbox/slow.jpg") })
    let result = stop(watcher)
    #expect(result.status == 0)
    #expect(result.stdout.components(separatedBy: "done  \(folder)/inbox/slow.jpg").count == 2, "taken exactly once")
    #expect(!result.stdout.contains("failed"))
  }

  @Test func filesRenamedInAreTakenUnderTheirFinalName() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(in: folder)
    // rsync style: a hidden temporary name, then a rename; scp/browser style: NAME.part.
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/.a.jpg.Xy12Zq")
    try FileManager.default.moveItem(atPath: folder + "/inbox/.a.jpg.Xy12Zq", toPath: folder + "/inbox/a.jpg")
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/b.jpg.part")
    try FileManager.default.moveItem(atPath: folder + "/inbox/b.jpg.part", toPath: folder + "/inbox/b.jpg")
    // Moved in from elsewhere.
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/elsewhere.jpg")
    try FileManager.default.moveItem(atPath: folder + "/elsewhere.jpg", toPath: folder + "/inbox/c.jpg")
    #expect(
      watcher.wait(upTo: 60) {
        ["a", "b", "c"].allSatisfy { FileManager.default.fileExists(atPath: folder + "/inbox/processed_\($0).jpg") }
      })
    let result = stop(watcher)
    #expect(!result.stdout.contains(".part"))
    #expect(!result.stdout.contains("Xy12Zq"))
    #expect(
      files(below: folder + "/inbox").filter { $0.hasPrefix("processed_") }.sorted() == [
        "processed_a.jpg", "processed_b.jpg", "processed_c.jpg",
      ])
  }

  @Test func aBurstOf200FilesIsProcessedOnceEach() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(in: folder)
    let small = repositoryRoot.appendingPathComponent("fixtures/orient-1.jpg").path
    for i in 0..<200 { try FileManager.default.copyItem(atPath: small, toPath: folder + "/inbox/burst-\(i).jpg") }
    #expect(watcher.wait(upTo: 300) { watcher.stdoutSoFar.components(separatedBy: "  done  ").count - 1 >= 200 })
    let result = stop(watcher)
    #expect(result.stdout.components(separatedBy: "  done  ").count - 1 == 200, "each once")
    #expect(files(below: folder + "/inbox").filter { $0.hasPrefix("processed_burst-") }.count == 200)
    #expect(!files(below: folder + "/inbox").contains { $0.contains("processed_processed") })
  }

  @Test func foldersCreatedAfterStartAreWatchedAndScanned() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(in: folder)
    // A folder made in place, filled at once (before its watch may exist)...
    try FileManager.default.createDirectory(atPath: folder + "/inbox/2026/11", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/2026/11/x.jpg")
    // ...and a ready folder moved in whole.
    try FileManager.default.createDirectory(atPath: folder + "/ready/deep", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/ready/deep/y.jpg")
    try FileManager.default.moveItem(atPath: folder + "/ready", toPath: folder + "/inbox/ready")
    #expect(
      watcher.wait(upTo: 60) {
        FileManager.default.fileExists(atPath: folder + "/inbox/2026/11/processed_x.jpg")
          && FileManager.default.fileExists(atPath: folder + "/inbox/ready/deep/processed_y.jpg")
      })
    // A file added later in the new folder is seen through its own watch.
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/2026/11/z.jpg")
    #expect(
      watcher.wait(upTo: 60) { FileManager.default.fileExists(atPath: folder + "/inbox/2026/11/processed_z.jpg") })
    #expect(stop(watcher).status == 0)
  }

  @Test func badFilesAreReportedAndTheWatcherGoesOn() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(["--failed", "rejected"], in: folder)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/truncated.jpg").path, toPath: folder + "/inbox/broken.jpg"
    )
    try "not an image".write(toFile: folder + "/inbox/notes.jpg", atomically: false, encoding: .utf8)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/good.jpg")
    #expect(
      watcher.wait(upTo: 60) {
        FileManager.default.fileExists(atPath: folder + "/inbox/processed_good.jpg")
          && FileManager.default.fileExists(atPath: folder + "/rejected/broken.jpg.error.txt")
          && FileManager.default.fileExists(atPath: folder + "/rejected/notes.jpg.error.txt")
      })
    let result = stop(watcher)
    #expect(result.stdout.contains("failed  \(folder)/inbox/broken.jpg: truncated or corrupt image data"))
    #expect(result.stdout.contains("failed  \(folder)/inbox/notes.jpg: not an image"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/inbox/broken.jpg"), "moved to --failed")
    let why = try String(contentsOfFile: folder + "/rejected/broken.jpg.error.txt", encoding: .utf8)
    #expect(why.contains("truncated or corrupt image data"))
  }

  @Test func doneMovesOriginalsAway() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(["-o", "out", "--done", "archive"], in: folder)
    try FileManager.default.createDirectory(atPath: folder + "/inbox/trip", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/trip/a.jpg")
    #expect(watcher.wait(upTo: 60) { FileManager.default.fileExists(atPath: folder + "/archive/trip/a.jpg") })
    #expect(FileManager.default.fileExists(atPath: folder + "/out/trip/processed_a.jpg"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/inbox/trip/a.jpg"))
    #expect(stop(watcher).status == 0)
  }

  @Test func aRestartDoesNothingTwiceAndFindsWhatArrivedMeanwhile() throws {
    let folder = try workspace(copyFixtures: false)
    let first = try startWatcher(in: folder)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/one.jpg")
    #expect(first.wait(upTo: 60) { first.stdoutSoFar.contains("done  \(folder)/inbox/one.jpg") })
    #expect(stop(first).status == 0)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/two.jpg")
    let second = try startWatcher(in: folder)
    #expect(second.wait(upTo: 60) { second.stdoutSoFar.contains("done  \(folder)/inbox/two.jpg") })
    // Replacing a file with new content makes it new work.
    try FileManager.default.removeItem(atPath: folder + "/inbox/one.jpg")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/grey.jpg").path, toPath: folder + "/inbox/one.jpg")
    #expect(second.wait(upTo: 60) { second.stdoutSoFar.contains("done  \(folder)/inbox/one.jpg") })
    let result = stop(second)
    #expect(
      result.stdout.components(separatedBy: "done  \(folder)/inbox/one.jpg").count == 2, "once, for its new content")
    #expect(result.stdout.components(separatedBy: "done  \(folder)/inbox/two.jpg").count == 2)
  }

  @Test func sigtermWhileBusyFinishesTheImagesInFlight() throws {
    let folder = try workspace(copyFixtures: false)
    _ = FileManager.default.createFile(atPath: folder + "/hold", contents: nil)
    try FileManager.default.createDirectory(atPath: folder + "/inbox", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: pipeline("resize.pipeline"), toPath: folder + "/inbox/resize.pipeline")
    let watcher = try Running(["watch", "-j", "2", "inbox"], in: folder, environment: holding(folder, on: "/inbox/p"))
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("watching inbox") })
    for i in 0..<4 { try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/p\(i).jpg") }
    // Two images are written under their temporary names and held there.
    #expect(watcher.wait(upTo: 60) { holders(below: folder + "/inbox").count == 2 })
    kill(watcher.pid, SIGTERM)
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("stopping: finishing the 2 images in flight") })
    release(folder)
    let result = watcher.finish(within: 60)
    #expect(result.status == 0)
    #expect(leftovers(below: folder).isEmpty)
    let written = files(below: folder + "/inbox").filter { $0.hasPrefix("processed_") }
    #expect(written.count == 2, "the two in flight, whole: \(written)")
    #expect(result.stdout.components(separatedBy: "  done  ").count - 1 == 2)
  }

  @Test func jsonLinesAndPolling() throws {
    let folder = try workspace(copyFixtures: false)
    let watcher = try startWatcher(["--poll", "0.3", "--log-format", "json"], in: folder)
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/inbox/polled.jpg")
    #expect(watcher.wait(upTo: 60) { FileManager.default.fileExists(atPath: folder + "/inbox/processed_polled.jpg") })
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("\"status\":\"done\"") })
    let result = stop(watcher)
    let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("\"status\":\"done\"") })
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    #expect((object?["input"] as? String)?.hasSuffix("/inbox/polled.jpg") == true)
    let output = try #require((object?["outputs"] as? [[String: Any]])?.first)
    #expect((output["path"] as? String)?.hasSuffix("/inbox/processed_polled.jpg") == true)
    #expect(output["width"] as? Int != nil && output["bytes"] as? Int != nil, "the shape of --report's outputs")
  }

  @Test func thePipelineMustBeFoundOrNamed() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/inbox", withIntermediateDirectories: true)
    let none = try mediapipe(["watch", "inbox"], in: folder)
    #expect(none.status == 2)
    #expect(none.stderr.contains("no .pipeline file at the top of inbox"))
    try "resize 10x10\n".write(toFile: folder + "/inbox/a.pipeline", atomically: true, encoding: .utf8)
    try "resize 20x20\n".write(toFile: folder + "/inbox/b.pipeline", atomically: true, encoding: .utf8)
    let several = try mediapipe(["watch", "inbox"], in: folder)
    #expect(several.status == 2)
    #expect(several.stderr.contains("several .pipeline files in inbox (a.pipeline, b.pipeline)"))
  }
}

/// With a tiny kernel event queue, a burst overflows it: the watcher must rescan, not go silent.
@Suite(.serialized) struct WatchOverflowTests {
  @Test func anOverflowedQueueTriggersARescan() throws {
    let setting = "/proc/sys/fs/inotify/max_queued_events"
    let original = try String(contentsOfFile: setting, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/inbox", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: pipeline("resize.pipeline"), toPath: folder + "/inbox/resize.pipeline")
    // The limit is read when the watcher creates its inotify instance (needs root).
    #expect(shell("echo 16 > \(setting)") == 0, "this test lowers \(setting) (needs root)")
    let watcher = try Running(["watch", "-j", "1", "inbox"], in: folder)
    let started = watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("watching inbox") }
    _ = shell("echo \(original) > \(setting)")
    #expect(started)
    let small = repositoryRoot.appendingPathComponent("fixtures/orient-1.jpg").path
    // Paused, the watcher reads nothing while ~180 events pile up in a queue of 16.
    kill(watcher.pid, SIGSTOP)
    for i in 0..<60 { try FileManager.default.copyItem(atPath: small, toPath: folder + "/inbox/o-\(i).jpg") }
    kill(watcher.pid, SIGCONT)
    #expect(watcher.wait(upTo: 180) { watcher.stdoutSoFar.components(separatedBy: "  done  ").count - 1 >= 60 })
    kill(watcher.pid, SIGTERM)
    let result = watcher.finish(within: 120)
    #expect(result.stdout.contains("overflowed; rescanning"))
    #expect(result.stdout.components(separatedBy: "  done  ").count - 1 == 60, "each once")
  }
}

/// Exactly once, even when polling, and never two inputs into one output.
@Suite(.serialized) struct WatchOnceTests {
  @Test func pollingTakesAFileOnce() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/inbox", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: pipeline("resize.pipeline"), toPath: folder + "/inbox/resize.pipeline")
    let watcher = try Running(["watch", "--poll", "0.2", "inbox"], in: folder)
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("watching inbox") })
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/inbox/a.jpg")
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("done  ") })
    // Many more scans go by; none may take the file again.
    let later = Date().addingTimeInterval(2)
    _ = watcher.wait(upTo: 3) { Date() > later }
    kill(watcher.pid, SIGTERM)
    let result = watcher.finish(within: 120)
    #expect(result.stdout.components(separatedBy: "  done  ").count - 1 == 1)
  }

  @Test func twoArrivalsNeverWriteOneOutput() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/inbox", withIntermediateDirectories: true)
    try "resize 100x100\ncompress webp\n".write(
      toFile: folder + "/inbox/webp.pipeline", atomically: true, encoding: .utf8)
    let watcher = try Running(["watch", "-j", "2", "inbox"], in: folder)
    #expect(watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("watching inbox") })
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/inbox/a.jpg")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/alpha.png").path, toPath: folder + "/inbox/a.png")
    #expect(
      watcher.wait(upTo: 60) { watcher.stdoutSoFar.contains("  done  ") && watcher.stdoutSoFar.contains("  failed  ") })
    kill(watcher.pid, SIGTERM)
    let result = watcher.finish(within: 120)
    #expect(result.stdout.components(separatedBy: "  done  ").count - 1 == 1, "one of them writes processed_a.webp")
    #expect(result.stdout.contains("cannot write output"), "the other is refused")
    #expect(leftovers(below: folder).isEmpty)
  }
}
