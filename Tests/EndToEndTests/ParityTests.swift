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
}
