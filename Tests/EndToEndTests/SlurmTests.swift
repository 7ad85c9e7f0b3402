import Foundation
import Testing

/// The harness for array jobs on a real Slurm cluster (`Slurm`): the built mediapipe runs in
/// array tasks, each sees its own SLURM_ARRAY_* variables, and a failing task fails the wait.
/// Skipped, with the reason, where no cluster runs (see SlurmSupport.swift).
@Suite(.enabled(if: Slurm.available, Slurm.skipReason))
struct SlurmTests {
  @Test func everyArrayTaskRunsTheBuiltBinary() throws {
    let folder = try workspace(copyFixtures: false)
    let script = """
      #!/bin/sh
      set -e
      out="$OUT/task-$SLURM_ARRAY_TASK_ID"
      "$MEDIAPIPE" --version > "$out.version"
      "$MEDIAPIPE" check "$PIPELINE" > "$out.check"
      echo "$SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT $SLURM_ARRAY_TASK_MIN $SLURM_ARRAY_TASK_STEP" > "$out.env"
      """
    let outcome = try Slurm.submitArray(
      "0-1", script: script, in: folder,
      environment: ["MEDIAPIPE": binary, "PIPELINE": pipeline("web.pipeline"), "OUT": folder])
    #expect(outcome.status == 0, "sbatch --wait: \(outcome.stdout) \(outcome.stderr)")

    let version = try #require(try? mediapipe(["--version"], in: folder).stdout)
    for task in 0...1 {
      let prefix = folder + "/task-\(task)"
      #expect((try? String(contentsOfFile: prefix + ".version", encoding: .utf8)) == version, "task \(task)")
      #expect(FileManager.default.fileExists(atPath: prefix + ".check"), "task \(task) checked the pipeline")
      #expect((try? String(contentsOfFile: prefix + ".env", encoding: .utf8)) == "\(task) 2 0 1\n")
    }
  }

  @Test func aFailingTaskFailsTheWait() throws {
    let folder = try workspace(copyFixtures: false)
    let script = """
      #!/bin/sh
      [ "$SLURM_ARRAY_TASK_ID" = 1 ] && exit 3
      touch "$OUT/task-$SLURM_ARRAY_TASK_ID.done"
      """
    let outcome = try Slurm.submitArray("0-1", script: script, in: folder, environment: ["OUT": folder])
    #expect(outcome.status != 0, "sbatch --wait reports the failed task")
    #expect(FileManager.default.fileExists(atPath: folder + "/task-0.done"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/task-1.done"))
  }
}
