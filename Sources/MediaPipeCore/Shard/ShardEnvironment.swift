import Foundation

/// Where a task of a batch scheduler's array finds its shard: the variables
/// Slurm, AWS Batch and Kubernetes set in each task's environment, or
/// `MEDIAPIPE_SHARD` set by hand. Pure: it reads the dictionary it is given.
///
/// Read in this order; the first that is present decides:
///
/// | Variables | Shard |
/// |---|---|
/// | `MEDIAPIPE_SHARD=K/N` | K of N |
/// | `SLURM_ARRAY_TASK_ID`, `_MIN`, `_MAX`, `_STEP`, `_COUNT` | (ID - MIN) / STEP of COUNT |
/// | `AWS_BATCH_JOB_ARRAY_INDEX`, `AWS_BATCH_JOB_ARRAY_SIZE` | INDEX of SIZE |
/// | `JOB_COMPLETION_INDEX`, `MEDIAPIPE_SHARD_COUNT` | INDEX of COUNT (Kubernetes does not pass the completions) |
///
/// A Slurm array whose indices are not evenly spaced (`--array=1,5,7` or
/// `0-3,7`) is refused: its task IDs do not map onto 0..<N one to one.
public enum ShardEnvironment {
  /// A shard found in the environment, and where it came from.
  public struct Resolved: Sendable, Equatable {
    public var shard: Shard
    /// Where K and N came from, for people: "Slurm array task 3 (SLURM_ARRAY_TASK_ID=4, ...)".
    public var source: String

    public init(shard: Shard, source: String) {
      self.shard = shard
      self.source = source
    }
  }

  /// The shard the environment names, or nil when it names none.
  /// - Throws: `ShardError` when a variable is there but unusable (not a number,
  ///   out of range, a sparse Slurm array, a Kubernetes index without a count).
  public static func resolve(_ environment: [String: String]) throws(ShardError) -> Resolved? {
    if let text = environment["MEDIAPIPE_SHARD"] {
      do {
        return Resolved(shard: try Shard.parse(text), source: "MEDIAPIPE_SHARD=\(text)")
      } catch {
        throw ShardError("MEDIAPIPE_SHARD: \(error.message)")
      }
    }
    if environment["SLURM_ARRAY_TASK_ID"] != nil { return try slurm(environment) }
    if let found = try indexed(
      environment, index: "AWS_BATCH_JOB_ARRAY_INDEX", count: "AWS_BATCH_JOB_ARRAY_SIZE", scheduler: "AWS Batch",
      job: "AWS Batch array job",
      countMissing: "AWS_BATCH_JOB_ARRAY_INDEX is set (an AWS Batch array job) but AWS_BATCH_JOB_ARRAY_SIZE is not; "
        + "set MEDIAPIPE_SHARD=K/N instead")
    {
      return found
    }
    if let found = try indexed(
      environment, index: "JOB_COMPLETION_INDEX", count: "MEDIAPIPE_SHARD_COUNT", scheduler: "Kubernetes",
      job: "Kubernetes Indexed Job",
      countMissing: "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but MEDIAPIPE_SHARD_COUNT is not: "
        + "Kubernetes does not pass the number of completions, so set MEDIAPIPE_SHARD_COUNT to the Job's "
        + "`completions` in its env")
    {
      return found
    }
    return nil
  }

  /// A scheduler that passes the task's index in one variable and the number of tasks
  /// in another (AWS Batch, Kubernetes); nil when the index variable is not set.
  private static func indexed(
    _ environment: [String: String], index indexName: String, count countName: String, scheduler: String,
    job: String, countMissing: String
  ) throws(ShardError) -> Resolved? {
    guard let index = environment[indexName] else { return nil }
    let k = try number(indexName, index)
    guard let count = environment[countName] else { throw ShardError(countMissing) }
    let shard = try within(scheduler, index: k, count: try number(countName, count))
    return Resolved(shard: shard, source: "\(job) (\(indexName)=\(index), \(countName)=\(count))")
  }

  /// The variable that shows this process is one task of an array job, as
  /// `NAME=value`, or nil: a task that takes every file (no shard given) then
  /// does what every other task does too.
  public static func arrayTask(in environment: [String: String]) -> String? {
    for name in ["SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX", "MEDIAPIPE_SHARD"] {
      if let value = environment[name] { return "\(name)=\(value)" }
    }
    return nil
  }

  /// Every variable read, for messages that list them.
  public static let variables = [
    "MEDIAPIPE_SHARD", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT", "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE", "JOB_COMPLETION_INDEX",
    "MEDIAPIPE_SHARD_COUNT",
  ]

  private static func slurm(_ environment: [String: String]) throws(ShardError) -> Resolved {
    func value(_ name: String) throws(ShardError) -> Int {
      guard let text = environment[name] else {
        throw ShardError(
          "SLURM_ARRAY_TASK_ID is set but \(name) is not (Slurm sets both for array jobs); set MEDIAPIPE_SHARD=K/N instead"
        )
      }
      return try number(name, text)
    }
    let id = try value("SLURM_ARRAY_TASK_ID")
    let minimum = try value("SLURM_ARRAY_TASK_MIN")
    let maximum = try value("SLURM_ARRAY_TASK_MAX")
    let count = try value("SLURM_ARRAY_TASK_COUNT")
    let step = environment["SLURM_ARRAY_TASK_STEP"] == nil ? 1 : try value("SLURM_ARRAY_TASK_STEP")
    let described =
      "SLURM_ARRAY_TASK_ID=\(id), MIN=\(minimum), MAX=\(maximum), STEP=\(step), COUNT=\(count)"
    guard step >= 1, maximum >= minimum, (maximum - minimum) / step + 1 == count, (maximum - minimum) % step == 0
    else {
      throw ShardError(
        "this Slurm array's indices are not evenly spaced (\(described)), so its tasks cannot be numbered 0 to N-1; submit it as --array=0-\(max(count - 1, 0)) (or MIN-MAX:STEP), or set MEDIAPIPE_SHARD=K/N in each task"
      )
    }
    guard id >= minimum, id <= maximum, (id - minimum) % step == 0 else {
      throw ShardError("SLURM_ARRAY_TASK_ID is not one of the array's indices (\(described))")
    }
    let shard = try within("Slurm", index: (id - minimum) / step, count: count)
    return Resolved(shard: shard, source: "Slurm array task (\(described))")
  }

  private static func number(_ name: String, _ text: String) throws(ShardError) -> Int {
    guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
      throw ShardError("\(name) must be a whole number, found \"\(text)\"")
    }
    return value
  }

  private static func within(_ scheduler: String, index: Int, count: Int) throws(ShardError) -> Shard {
    do {
      return try Shard(index: index, count: count)
    } catch {
      throw ShardError("\(scheduler): \(error.message)")
    }
  }
}
