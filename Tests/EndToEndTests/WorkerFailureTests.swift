import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A worker that dies costs its one image; an interrupt leaves no partial files.
///
/// Images are held in flight with the workers' test hook (`heldWorkspace`), not by
/// being slow: every step waits for a state the run is in, never for time to pass.
@Suite(.serialized) struct WorkerFailureTests {
  let resize = pipeline("resize.pipeline")

  @Test func aWorkerKilledMidRunLosesOnlyItsImage() throws {
    let folder = try heldWorkspace(images: 3)
    let run = try Running(
      ["run", "-j", "2", "--retries", "0", resize, "in"], in: folder, environment: holding(folder, on: "held-1"))
    #expect(run.wait(upTo: 60) { holders(below: folder).count == 1 }, "held-1.jpg is in flight")
    let victim = try #require(holders(below: folder).first)
    kill(victim, SIGKILL)
    let result = run.finish()
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("failed: in/held-1.jpg: the worker crashed (killed by signal 9 (SIGKILL)"))
    let outputs = files(below: folder + "/in").filter { $0.hasPrefix("processed_") }
    #expect(outputs == ["processed_held-2.jpg", "processed_held-3.jpg"], "the two other images came out")
    #expect(result.stderr.contains("processed 2 of 3 images"))
    #expect(leftovers(below: folder).isEmpty, "the killed worker's temporary file was removed")
  }

  @Test func aKilledWorkersImageIsRetriedByDefault() throws {
    let folder = try heldWorkspace(images: 3)
    let run = try Running(["run", "-j", "2", resize, "in"], in: folder, environment: holding(folder, on: "held-1"))
    #expect(run.wait(upTo: 60) { holders(below: folder).count == 1 })
    kill(try #require(holders(below: folder).first), SIGKILL)
    #expect(run.wait(upTo: 60) { run.stderrSoFar.contains("retrying in/held-1.jpg: the worker crashed") })
    release(folder)
    let result = run.finish()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(files(below: folder + "/in").filter { $0.hasPrefix("processed_") }.count == 3)
    #expect(leftovers(below: folder).isEmpty)
  }

  @Test func anInterruptFinishesImagesInFlightThenARerunCompletes() throws {
    let folder = try heldWorkspace(images: 5)
    let run = try Running(
      ["run", "-j", "2", "--report", "r.json", resize, "in"], in: folder, environment: holding(folder))
    #expect(run.wait(upTo: 60) { holders(below: folder).count == 2 }, "two images in flight")
    kill(run.pid, SIGTERM)
    #expect(run.wait(upTo: 60) { run.stderrSoFar.contains("stopping: finishing the 2 images in flight") })
    release(folder)
    let result = run.finish()
    #expect(result.status == 130, "\(result.stderr)")
    #expect(result.stderr.contains("interrupted"))
    let report = try String(contentsOfFile: folder + "/r.json", encoding: .utf8)
    #expect(report.contains("\"interrupted\" : true"))
    #expect(report.contains("not started: interrupted"))
    #expect(leftovers(below: folder).isEmpty)
    let done = files(below: folder + "/in").filter { $0.hasPrefix("processed_") }
    #expect(done.count == 2, "the two images in flight were finished: \(done)")
    let again = try mediapipe(["run", resize, "in"], in: folder)
    #expect(again.status == 0)
    #expect(again.stderr.contains("2 images up to date, skipped"), "the re-run picks up exactly what was not done")
    #expect(files(below: folder + "/in").filter { $0.hasPrefix("processed_") }.count == 5)
  }

  @Test func aSecondInterruptAbortsAndLeavesNoPartialFiles() throws {
    let folder = try heldWorkspace(images: 3)
    let run = try Running(["run", "-j", "2", resize, "in"], in: folder, environment: holding(folder))
    // Both workers have written an output under its temporary name and not yet renamed it.
    #expect(run.wait(upTo: 60) { holders(below: folder).count == 2 })
    kill(run.pid, SIGINT)
    #expect(run.wait(upTo: 60) { run.stderrSoFar.contains("stopping:") })
    kill(run.pid, SIGTERM)
    let result = run.finish(within: 60)
    #expect(result.status == 130)
    #expect(result.stderr.contains("aborting: stopping the 2 images in flight"))
    #expect(leftovers(below: folder).isEmpty)
    #expect(files(below: folder + "/in").filter { $0.hasPrefix("processed_") }.isEmpty)
  }

  /// A worker that crashes (the test hook writes ~150 KB of backtrace and assertion text,
  /// then dereferences a bad pointer) costs one line on the terminal; its output goes to the report.
  @Test func aCrashIsOneLineAndItsOutputGoesToTheReport() throws {
    let folder = try workspace(copyFixtures: false)
    for name in ["crash.jpg", "a.jpg", "b.jpg"] {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/" + name)
    }
    let crash = ["MEDIAPIPE_TEST_CRASH_ON": "crash.jpg"]
    let result = try Running(
      ["run", "-j", "1", "--retries", "0", "--report", "r.json", resize, "in"], in: folder, environment: crash
    )
    .finish()
    #expect(result.status == 1)
    let lines = result.stderr.split(separator: "\n")
    #expect(
      lines.filter { $0.contains("crash") } == [
        "failed: in/crash.jpg: the worker crashed (killed by signal 11 (SIGSEGV); libvips said: VIPS-WARNING **: test hook: about to crash on in/crash.jpg)"
      ], "\(result.stderr)")
    #expect(lines.count == 2, "the failure and the summary: \(result.stderr)")
    for noise in ["Backtrace", "Thread", "assertion", "Registers", "GLib", "💣"] {
      #expect(!result.stderr.contains(noise), "\(noise) on the terminal")
    }
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_a.jpg"))
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_b.jpg"))
    let report =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/r.json")))
      as? [String: Any]
    let entry = try #require(
      (report?["entries"] as? [[String: Any]])?.first { $0["input"] as? String == "in/crash.jpg" })
    #expect(entry["reason"] as? String == "crashed")
    let detail = try #require(entry["detail"] as? String)
    #expect(detail.hasPrefix("killed by signal 11 (SIGSEGV); libvips said: VIPS-WARNING **: test hook"))
    #expect(detail.contains("worker output:\n[... earlier output dropped ...]\n"), "the last 64 KB are kept")
    #expect(detail.contains("1999 0x00000000deadbeef in frame1999 at Backtrace.swift:1999\n\nRegisters:"))
    #expect(detail.utf8.count < 66 * 1024)
  }

  @Test func verboseShowsWhatACrashedWorkerWroteAfterEachTry() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/crash.jpg")
    let result = try Running(
      ["run", "-v", resize, "in"], in: folder, environment: ["MEDIAPIPE_TEST_CRASH_ON": "crash.jpg"]
    ).finish()
    #expect(result.status == 1)
    let lines = result.stderr.split(separator: "\n")
    #expect(
      lines.filter { $0.hasPrefix("retrying in/crash.jpg: the worker crashed (killed by signal 11 (SIGSEGV)") }.count
        == 1)
    #expect(
      lines.filter { $0.hasPrefix("failed: in/crash.jpg: the worker crashed (killed by signal 11 (SIGSEGV)") }.count
        == 1)
    #expect(lines.filter { $0 == "  | rip 0x00000000deadbeef" }.count == 2, "each try's output, indented")
  }

  /// Small images are queued several to a worker: a crash still costs one image,
  /// the ones queued behind it are done by the others, and the crash report holds
  /// that image's output only.
  @Test func aCrashAmongManyQueuedSmallImagesCostsOnlyThatImage() throws {
    let folder = try workspace(copyFixtures: false)
    let photo = repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path
    for i in 0..<40 { try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/p\(i).jpg") }
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/p20-crash.jpg")
    let result = try Running(
      ["run", "-j", "2", "--retries", "0", "--report", "r.json", resize, "in"], in: folder,
      environment: ["MEDIAPIPE_TEST_CRASH_ON": "crash"]
    ).finish()
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("processed 40 of 41 images"), "\(result.stderr)")
    let outputs = files(below: folder + "/in").filter { $0.hasPrefix("processed_") }
    #expect(outputs.count == 40 && !outputs.contains("processed_p20-crash.jpg"))
    #expect(leftovers(below: folder).isEmpty)
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/r.json"))
    let report = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let entries = try #require(report?["entries"] as? [[String: Any]])
    let crash = try #require(entries.first { $0["input"] as? String == "in/p20-crash.jpg" })
    let detail = crash["detail"] as? String ?? ""
    #expect(detail.hasPrefix("killed by signal 11 (SIGSEGV); libvips said: VIPS-WARNING **: test hook"), "\(detail)")
    for entry in entries where entry["input"] as? String != "in/p20-crash.jpg" {
      #expect(entry["status"] as? String == "done", "\(entry)")
    }
  }
}
