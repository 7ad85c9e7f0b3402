import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `run` and `watch` share one engine, so each situation ends the same way for both.
@Suite(.serialized) struct ParityTests {
  /// Interrupted while waiting for another run's lock: nothing was done, exit 130.
  @Test(arguments: ["run", "watch"]) func interruptedWhileWaitingForTheLockExits130(_ command: String) throws {
    let folder = try heldWorkspace(images: 1)
    let resize = pipeline("resize.pipeline")
    let first = try Running(["run", "-o", "out", resize, "in"], in: folder, environment: holding(folder))
    #expect(first.wait(upTo: 60) { holders(below: folder + "/out").count == 1 }, "the first run holds the lock")
    let arguments = command == "run" ? ["run", "-o", "out", resize, "in"] : ["watch", "-o", "out", resize, "in"]
    let second = try Running(arguments, in: folder)
    #expect(
      second.wait(upTo: 60) {
        (second.stderrSoFar + second.stdoutSoFar).contains("waiting: another mediapipe run (pid \(first.pid)")
      })
    kill(second.pid, SIGINT)
    let result = second.finish()
    #expect(result.status == 130, "\(command): \(result.stderr)")
    #expect(result.stderr.contains("interrupted while waiting for the lock"))
    release(folder)
    #expect(first.finish().status == 0)
  }

  /// The state store cannot be written: both warn once, in the same words, and
  /// process the images anyway (nothing is then remembered for a re-run).
  @Test(arguments: ["run", "watch"]) func aStateStoreThatCannotBeWrittenWarnsAndGoesOn(_ command: String) throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    let arguments = [
      command, "--state", "/proc/no-such-folder/state.sqlite", "-o", "out", pipeline("resize.pipeline"), "in",
    ]
    let running = try Running(arguments, in: folder)
    if command == "watch" {
      #expect(running.wait(upTo: 60) { FileManager.default.fileExists(atPath: folder + "/out/processed_a.jpg") })
      #expect(running.wait(upTo: 60) { running.stdoutSoFar.contains("done ") })
      kill(running.pid, SIGTERM)
    }
    let result = running.finish(within: 120)
    #expect(result.status == 0, "\(command): \(result.stderr)")
    #expect(FileManager.default.fileExists(atPath: folder + "/out/processed_a.jpg"), "\(command) went on")
    let warning =
      "warning: cannot keep a lock or state in \(folder)/out (cannot open the state store /proc/no-such-folder"
    // run warns on stderr; watch logs it with its other lines (timestamped, on stdout).
    let said = result.stderr + result.stdout
    #expect(said.components(separatedBy: warning).count == 2, "\(command) warns once: \(said)")
  }
}
