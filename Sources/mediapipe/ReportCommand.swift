import ArgumentParser
import Foundation
import MediaPipe

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Work with the JSON reports that run writes (--report FILE).",
    subcommands: [Merge.self]
  )

  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "merge",
      abstract: "Merge several reports into one: the tasks of an array job, or several nights of one job.",
      discussion: """
        Every input appears once. What was done to an input (done or failed) outweighs
        a skip, and the later of two such wins: a second night's "up to date" never
        hides the first night's work, and a retry that succeeded replaces the failure.
        The summary is counted again from the entries; its time is the longest
        report's, and its exit code the largest.

        Examples:
          mediapipe report merge reports/shard-*.json > night.json
          mediapipe report merge -o all.json night1.json night2.json
        """
    )

    @Option(
      name: [.short, .long],
      help: ArgumentHelp("Write the merged report here (default: standard output).", valueName: "FILE"))
    var output: String?

    @ArgumentParser.Argument(help: ArgumentHelp("The reports to merge.", valueName: "REPORT"))
    var reports: [String]

    func validate() throws {
      guard !reports.isEmpty else { throw ValidationError("give at least one report to merge") }
    }

    func run() throws {
      let merged = try Console.attempt { try RunReport.merged(try reports.map(RunReport.read(from:))) }
      if let output {
        try Console.attempt { try merged.write(to: output) }
        printError(
          "merged \(reports.count) reports into \(output): \(merged.summary.inputs) inputs, "
            + "\(merged.summary.done) done, \(merged.summary.skipped) skipped, \(merged.summary.failed) failed")
      } else {
        print(String(decoding: try Console.attempt { try merged.json() }, as: UTF8.self))
      }
    }
  }
}
