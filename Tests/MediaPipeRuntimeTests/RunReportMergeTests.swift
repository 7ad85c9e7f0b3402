import Foundation
import Testing

@testable import MediaPipeRuntime

/// `mediapipe report merge`: the reports of an array job's tasks, or of several nights, as one.
@Suite struct RunReportMergeTests {
  /// A report of `pipeline` with one entry per (input, status, time) as run writes them.
  func report(
    pipeline: String = "/p/web.pipeline", ms: Int = 100, exit: Int32 = 0, _ entries: [(String, String, String)]
  ) throws -> RunReport {
    let events = entries.map { input, status, time in
      let failure = status == "failed" ? #","reason":"truncated","message":"truncated","detail":"Premature end""# : ""
      let skip = status == "skipped" ? #","reason":"up to date""# : ""
      let outputs =
        status == "done"
        ? #"[{"path":"/out/\#(input)","variant":"","format":"jpeg","width":10,"height":8,"bytes":500}]"# : "[]"
      return #"{"time":"\#(time)","input":"\#(input)","status":"\#(status)"\#(failure)\#(skip),"outputs":\#(outputs),"#
        + #""milliseconds":5,"inputBytes":1000}"#
    }
    let json = """
      {"mediapipe":"0.3.0","pipeline":"\(pipeline)","started":"2026-12-05T01:00:00Z",
       "summary":{"inputs":\(entries.count),"done":0,"skipped":0,"failed":0,"milliseconds":\(ms),"inputBytes":0,
                  "outputBytes":0,"interrupted":false,"exitCode":\(exit)},
       "entries":[\(events.joined(separator: ","))]}
      """
    return try JSONDecoder().decode(RunReport.self, from: Data(json.utf8))
  }

  @Test func theShardsOfOneNightAddUp() throws {
    let shard0 = try report(ms: 300, exit: 1, [("a.jpg", "done", "T1"), ("b.jpg", "failed", "T1")])
    let shard1 = try report(ms: 200, [("c.jpg", "done", "T1")])
    let merged = try RunReport.merged([shard0, shard1])
    #expect(merged.entries.map(\.input) == ["a.jpg", "b.jpg", "c.jpg"])
    let s = merged.summary
    #expect((s.inputs, s.done, s.skipped, s.failed) == (3, 2, 0, 1))
    #expect((s.inputBytes, s.outputBytes) == (2000, 1000), "counted again from the entries")
    #expect(s.milliseconds == 300, "the longest task's time")
    #expect(s.exitCode == 1)
    #expect(merged.entries[1].failure?.reason == .truncated && merged.entries[1].detail == "Premature end")
  }

  @Test func aLaterNightNeverHidesWorkAndARetryReplacesAFailure() throws {
    let first = try report([
      ("a.jpg", "done", "2026-12-04T01:00:00.000Z"), ("b.jpg", "failed", "2026-12-04T01:00:00.000Z"),
    ])
    let second = try report([
      ("a.jpg", "skipped", "2026-12-05T01:00:00.000Z"), ("b.jpg", "done", "2026-12-05T01:00:00.000Z"),
    ])
    for reports in [[first, second], [second, first]] {
      let merged = try RunReport.merged(reports)
      #expect(merged.entries.map(\.status) == [.done, .done], "in either order")
      #expect(merged.entries[1].time == "2026-12-05T01:00:00.000Z")
    }
  }

  @Test func reportsOfDifferentPipelinesAreNotMerged() throws {
    let web = try report(pipeline: "/p/web.pipeline", [("a.jpg", "done", "T")])
    let thumbs = try report(pipeline: "/p/thumbs.pipeline", [("a.jpg", "done", "T")])
    #expect(throws: ReportError.self) { try RunReport.merged([web, thumbs]) }
  }

  @Test func anEventReadsBackAsItWasWritten() throws {
    let original = try report([("a.jpg", "failed", "T")])
    let again = try JSONDecoder().decode(RunReport.self, from: try original.json())
    #expect(try again.json() == original.json())
  }
}
