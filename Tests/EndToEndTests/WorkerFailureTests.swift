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
    let run = try Running(["run", "-j", "2", "--report", "r.json", resize, "in"], in: folder, environment: holding(folder))
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
}
