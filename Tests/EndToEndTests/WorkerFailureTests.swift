import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A worker that dies costs its one image; an interrupt leaves no partial files.
@Suite(.serialized) struct WorkerFailureTests {
  @Test func aWorkerKilledMidRunLosesOnlyItsImage() throws {
    let folder = try slowWorkspace(images: 3)
    let run = try Running(["run", "-j", "2", "--retries", "0", "slow.pipeline", "in"], in: folder)
    #expect(run.wait(upTo: 20) { run.workers().count == 2 }, "two workers started")
    usleep(600_000)  // into the first images, which take seconds each
    let victim = try #require(run.workers().first)
    kill(victim, SIGKILL)
    let result = run.finish()
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("the worker crashed (killed by signal 9 (SIGKILL)"))
    let outputs = files(below: folder + "/in").filter { $0.hasPrefix("processed_") }
    #expect(outputs.count == 2, "the two other images came out: \(outputs)")
    #expect(result.stderr.contains("processed 2 of 3 images"))
    #expect(leftovers(below: folder).isEmpty)
  }

  @Test func aKilledWorkersImageIsRetriedByDefault() throws {
    let folder = try slowWorkspace(images: 3)
    let run = try Running(["run", "-j", "2", "slow.pipeline", "in"], in: folder)
    #expect(run.wait(upTo: 20) { run.workers().count == 2 })
    usleep(600_000)
    kill(try #require(run.workers().first), SIGKILL)
    let result = run.finish()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("retrying in/p"))
    #expect(files(below: folder + "/in").filter { $0.hasPrefix("processed_") }.count == 3)
    #expect(leftovers(below: folder).isEmpty)
  }

  @Test func anInterruptFinishesImagesInFlightThenARerunCompletes() throws {
    let folder = try slowWorkspace(images: 5)
    let run = try Running(["run", "-j", "2", "--report", "r.json", "slow.pipeline", "in"], in: folder)
    #expect(run.wait(upTo: 20) { run.workers().count == 2 })
    usleep(300_000)
    kill(run.pid, SIGTERM)
    let result = run.finish()
    #expect(result.status == 130, "\(result.stderr)")
    #expect(result.stderr.contains("interrupted"))
    let report = try String(contentsOfFile: folder + "/r.json", encoding: .utf8)
    #expect(report.contains("\"interrupted\" : true"))
    #expect(report.contains("not started: interrupted"))
    #expect(leftovers(below: folder).isEmpty)
    let done = files(below: folder + "/in").filter { $0.hasPrefix("processed_") }
    #expect(done.count == 2, "the two images in flight were finished: \(done)")
    let again = try mediapipe(["run", "slow.pipeline", "in"], in: folder)
    #expect(again.status == 0)
    #expect(again.stderr.contains("2 images up to date, skipped"), "the re-run picks up exactly what was not done")
    #expect(files(below: folder + "/in").filter { $0.hasPrefix("processed_") }.count == 5)
  }

  @Test func aSecondInterruptAbortsAndLeavesNoPartialFiles() throws {
    let folder = try slowWorkspace(images: 3)
    let run = try Running(["run", "-j", "2", "slow.pipeline", "in"], in: folder)
    #expect(run.wait(upTo: 20) { run.workers().count == 2 })
    usleep(300_000)
    kill(run.pid, SIGINT)
    usleep(100_000)
    kill(run.pid, SIGTERM)
    let result = run.finish(within: 10)
    #expect(result.status == 130)
    #expect(leftovers(below: folder).isEmpty)
    #expect(files(below: folder + "/in").filter { $0.hasPrefix("processed_") }.isEmpty)
  }
}
