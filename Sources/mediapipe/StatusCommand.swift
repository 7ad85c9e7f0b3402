import ArgumentParser
import Foundation
import MediaPipe

struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "How far the runs into an output folder got: done, failed and not yet done, per shard.",
    discussion: """
      Reads every state store in OUTPUT/.mediapipe: the one a run over everything
      keeps, and each shard's (state.shard-K-of-N.sqlite). An input counts once, as
      done or failed by the run that did it last. Give the input folders too, to
      count what no run has done yet (walked as run walks them; outputs are never
      counted as inputs). Only reads: safe while the runs go on.

      Exit code 0 when every input counted is done, 1 when some failed or are not
      yet done, 2 when there is nothing to read.

      Examples:
        mediapipe status web/ photos/            (last night's array job, per shard)
        mediapipe status --json web/ photos/     (the same for a script)
        mediapipe status --failed web/ > failed.txt    (to retry only those:)
        mediapipe run --from-list failed.txt -o web/ web.pipeline photos/
      """
  )

  @ArgumentParser.Argument(
    help: ArgumentHelp("The output folder the runs wrote into (their -o, or the input folder).", valueName: "OUTPUT"))
  var output: String

  @ArgumentParser.Argument(
    help: ArgumentHelp("The input files or folders, to count what is not yet done.", valueName: "PATH"))
  var paths: [String] = []

  @Flag(help: "Print the status as JSON, for scripts.")
  var json = false

  @Flag(help: "Print only the inputs that failed, one path per line: a list for run --from-list.")
  var failed = false

  @Flag(name: [.customShort("0"), .long], help: "With --failed, end each path with a NUL byte instead of a newline.")
  var null = false

  @Option(help: ArgumentHelp("The runs' state file, when they were given one (--state).", valueName: "FILE"))
  var state: String?

  func validate() throws {
    if json && failed { throw ValidationError("--json and --failed print different things; choose one") }
    if null && !failed { throw ValidationError("-0 goes with --failed") }
  }

  func run() throws {
    let status = try Console.attempt { try ArchiveStatus.read(root: output, statePath: state, inputPaths: paths) }
    if failed {
      let paths = status.pipelines.flatMap { $0.failures.map(\.input) }
      FileHandle.standardOutput.write(Data(paths.map { $0 + (null ? "\0" : "\n") }.joined().utf8))
    } else if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(status), as: UTF8.self))
    } else {
      print(StatusText.render(status, inputsGiven: !paths.isEmpty))
    }
    if !status.isComplete { throw ExitCode(RunExitCode.someFailed.rawValue) }
  }
}

/// `status` as text: one block per pipeline, a line per store (shard), then the failures.
enum StatusText {
  static func render(_ status: ArchiveStatus, inputsGiven: Bool) -> String {
    var lines: [String] = []
    for progress in status.pipelines {
      let name = progress.pipeline.isEmpty ? "no pipeline has run yet" : progress.pipeline
      lines.append("\(status.root): \(name)")
      var counts = "\(progress.done) done, \(progress.failed) failed"
      if let waiting = progress.notYetDone { counts += ", \(waiting) not yet done" }
      let total = progress.done + progress.failed + (progress.notYetDone ?? 0)
      lines.append("  \(total) inputs: \(counts)")
      let width = progress.parts.map { label($0).count }.max() ?? 0
      for part in progress.parts where progress.parts.count > 1 || part.shard != nil {
        var line = "  " + label(part).padding(toLength: width, withPad: " ", startingAt: 0)
        line += "  \(part.done) done, \(part.failed) failed"
        if let waiting = part.notYetDone { line += ", \(waiting) not yet done" }
        if let last = part.lastRecord {
          line += "  (last record \(last))"
        } else if part.store == nil {
          line += "  (no store yet)"
        }
        lines.append(line)
      }
      if !progress.failures.isEmpty {
        lines.append("  failed:")
        for failure in progress.failures { lines.append("    \(failure.input): \(failure.reason): \(failure.message)") }
      }
    }
    if !inputsGiven {
      lines.append(
        "(give the input folders too, to count what is not yet done: mediapipe status \(status.root) PATH...)")
    }
    return lines.joined(separator: "\n")
  }

  private static func label(_ part: ArchiveStatus.Part) -> String {
    part.shard.map { "shard \($0)" } ?? "all (no --shard)"
  }
}
