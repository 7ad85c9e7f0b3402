import Foundation
import Testing

/// `mediapipe report merge` over the reports of real runs.
@Suite struct ReportMergeTests {
  @Test func twoTasksReportsMergeIntoOne() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/in/one", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: folder + "/in/two", withIntermediateDirectories: true)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    try FileManager.default.copyItem(atPath: fixtures + "/photo.jpg", toPath: folder + "/in/one/a.jpg")
    try FileManager.default.copyItem(atPath: fixtures + "/truncated.jpg", toPath: folder + "/in/one/b.jpg")
    try FileManager.default.copyItem(atPath: fixtures + "/grey.jpg", toPath: folder + "/in/two/c.jpg")
    let resize = pipeline("resize.pipeline")
    #expect(try mediapipe(["run", "--report", "r1.json", "-o", "out", resize, "in/one"], in: folder).status == 1)
    #expect(try mediapipe(["run", "--report", "r2.json", "-o", "out", resize, "in/two"], in: folder).status == 0)

    let merged = try mediapipe(["report", "merge", "r1.json", "r2.json"], in: folder)
    #expect(merged.status == 0, "\(merged.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [String: Any])
    let summary = try #require(json["summary"] as? [String: Any])
    #expect(summary["inputs"] as? Int == 3 && summary["done"] as? Int == 2 && summary["failed"] as? Int == 1)
    #expect(summary["exitCode"] as? Int == 1)
    let entries = try #require(json["entries"] as? [[String: Any]])
    #expect(entries.compactMap { $0["reason"] as? String } == ["truncated"], "\(entries)")

    let toFile = try mediapipe(["report", "merge", "-o", "all.json", "r1.json", "r2.json"], in: folder)
    #expect(toFile.status == 0)
    #expect(toFile.stderr.contains("merged 2 reports into all.json: 3 inputs, 2 done, 0 skipped, 1 failed"))
    #expect(FileManager.default.fileExists(atPath: folder + "/all.json"))
  }

  @Test func aFileThatIsNotAReportIsAClearError() throws {
    let folder = try workspace(copyFixtures: false)
    try "{}".write(toFile: folder + "/bad.json", atomically: true, encoding: .utf8)
    let result = try mediapipe(["report", "merge", "bad.json", "missing.json"], in: folder)
    #expect(result.status == 2)
    #expect(result.stderr.contains("bad.json is not a mediapipe report"), "\(result.stderr)")
  }
}
