import ArgumentParser
import Foundation
import MediaPipe

/// `--shard K/N|auto`: which share of the inputs this task takes (`run`, `list`).
struct ShardOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Take only shard K (from 0) of N of the inputs, split by a hash of each file's path below its folder; 'auto' reads K and N from MEDIAPIPE_SHARD, a Slurm array, an AWS Batch array job or a Kubernetes Indexed Job.",
      valueName: "K/N|auto"))
  var shard: String?

  func validate() throws {
    guard let shard, shard != "auto" else { return }
    do { _ = try Shard.parse(shard) } catch { throw ValidationError("--shard: \(error.message)") }
  }

  /// The shard asked for, and where K and N came from (`--shard auto`); nil without --shard.
  /// - Throws: a usage error (exit 2) when `auto` finds no shard, or an unusable one.
  func resolve(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ShardEnvironment
    .Resolved?
  {
    guard let shard else { return nil }
    if shard != "auto" { return ShardEnvironment.Resolved(shard: try Shard.parse(shard), source: "--shard \(shard)") }
    do {
      if let found = try ShardEnvironment.resolve(environment) { return found }
    } catch {
      printError("error: --shard auto: \(error.message)")
      throw ExitCode(RunExitCode.usage.rawValue)
    }
    printError(
      """
      error: --shard auto found no shard in the environment. Set MEDIAPIPE_SHARD=K/N, or run as a task of \
      a Slurm array (SLURM_ARRAY_TASK_ID), an AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX) or a Kubernetes \
      Indexed Job (JOB_COMPLETION_INDEX, with MEDIAPIPE_SHARD_COUNT set to its completions); or give --shard K/N.
      """)
    throw ExitCode(RunExitCode.usage.rawValue)
  }

  /// The warning for a task of an array job run without `--shard`: every task then does every file.
  static func unshardedArrayWarning(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
    guard let variable = ShardEnvironment.arrayTask(in: environment) else { return nil }
    return
      "warning: \(variable) is set, so this looks like one task of an array job, but --shard was not given: every task will process every file. Add --shard auto to take this task's share."
  }
}

/// `--from-list FILE`: the inputs from a list instead of a walk (`run`, `list`; each
/// has its own `-0`, which for `list` also ends the paths it prints with NUL).
struct InputListOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Take the files named in this list ('-': standard input), one per line, instead of walking the folders; the PATHs are then the folders the listed files lie below.",
      valueName: "file"))
  var fromList: String?

  /// The files of the list below `roots` (of `shard` only), or nil without --from-list.
  /// - Throws: a usage error (exit 2): the list cannot be read, a root is not a folder,
  ///   a listed file is below none of them.
  /// - Parameter null: the list is NUL-separated.
  func select(roots: [String], shard: Shard?, null: Bool) throws -> [InputList.Listed]? {
    guard let fromList else { return nil }
    return try Console.attempt {
      for root in roots {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
          throw ValidationError(
            "with --from-list, each PATH is a folder the listed files lie below (the one the list was made from); \(root) is not a folder"
          )
        }
      }
      let list = try InputList.read(fromList, separator: null ? .nul : .newline)
      return try list.select(roots: roots, shard: shard)
    }
  }
}
