import Foundation
import Testing

/// The one-node Slurm cluster of `scripts/slurm-cluster.sh`, for tests that submit real array
/// jobs. CI (`.ci/run`) starts it and sets MEDIAPIPE_TEST_SLURM to its folder; by hand,
/// `bash scripts/slurm-cluster.sh start` is enough (its default folder is looked at too).
/// Without a cluster, `Slurm.unavailable` says why and the tests skip, showing that reason.
enum Slurm {
  /// The cluster's folder: MEDIAPIPE_TEST_SLURM, or the script's default folder.
  static let folder: String =
    ProcessInfo.processInfo.environment["MEDIAPIPE_TEST_SLURM"].flatMap { $0.isEmpty ? nil : $0 }
    ?? "/tmp/mediapipe-slurm"

  /// What client commands need to find the cluster.
  static var environment: [String: String] { ["SLURM_CONF": folder + "/slurm.conf"] }

  /// Why no job can be submitted here, or nil when the cluster answers with a usable node.
  static let unavailable: String? = {
    guard FileManager.default.fileExists(atPath: folder + "/slurm.conf") else {
      return "no Slurm cluster: no \(folder)/slurm.conf (start one with scripts/slurm-cluster.sh start; "
        + "MEDIAPIPE_TEST_SLURM names its folder)"
    }
    guard command("sbatch") != nil, let sinfo = command("sinfo") else {
      return "no Slurm cluster: sbatch or sinfo is not on PATH (apt-get install slurm-client)"
    }
    guard let state = try? capture(sinfo, ["-h", "-o", "%t"]), state.status == 0 else {
      return "no Slurm cluster: sinfo with SLURM_CONF=\(folder)/slurm.conf does not answer"
    }
    let node = state.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard ["idle", "mix", "alloc", "comp"].contains(where: { node.hasPrefix($0) }) else {
      return "no Slurm cluster: its node is '\(node)', not idle"
    }
    return nil
  }()

  static var available: Bool { unavailable == nil }

  /// The skip comment of a test that needs the cluster.
  static var skipReason: Comment { Comment(rawValue: unavailable ?? "") }

  /// The path of `name` on PATH.
  static func command(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs a Slurm client command and waits for it.
  static func capture(_ executable: String, _ arguments: [String], in folder: String = "/") throws -> Outcome {
    try Running(arguments, in: folder, environment: environment, executable: executable).finish(within: 30)
  }

  /// Submits `script` as an array job (`--array=ARRAY`) from `folder` and waits until every
  /// task ended; `status` is the highest exit code of the tasks (sbatch --wait). Each task's
  /// output goes to `folder/slurm-JOB_TASK.out`; `environment` is passed to the tasks.
  static func submitArray(
    _ array: String, script: String, in folder: String, environment extra: [String: String] = [:],
    within seconds: Double = 300
  ) throws -> Outcome {
    let path = folder + "/job-\(UUID().uuidString).sh"
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
    let exports = (["ALL"] + extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: ",")
    let arguments = [
      "--wait", "--array=\(array)", "--chdir=\(folder)", "--output=\(folder)/slurm-%A_%a.out",
      "--export=\(exports)", "--job-name=mediapipe-test", path,
    ]
    return try Running(arguments, in: folder, environment: environment, executable: command("sbatch") ?? "sbatch")
      .finish(within: seconds)
  }
}
