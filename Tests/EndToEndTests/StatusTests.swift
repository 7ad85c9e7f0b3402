import Foundation
import Testing

/// `mediapipe status`: what an operator reads the morning after an array job.
@Suite(.serialized) struct StatusTests {
  /// Two folders of photos with one broken file each, run as 4 shards into `out`, each
  /// with its own report.
  func shardedNight() throws -> String {
    let folder = try workspace(copyFixtures: false)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    for sub in ["a", "b"] {
      try FileManager.default.createDirectory(atPath: folder + "/in/" + sub, withIntermediateDirectories: true)
      for name in ["photo.jpg", "grey.jpg", "cmyk.jpg", "orient-3.jpg", "alpha.png", "truncated.jpg"] {
        try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: folder + "/in/\(sub)/\(sub)-" + name)
      }
    }
    for k in 0..<4 {
      let result = try mediapipe(
        ["run", "--shard", "\(k)/4", "--report", "r-{shard}.json", "-o", "out", pipeline("resize.pipeline"), "in"],
        in: folder)
      #expect([0, 1].contains(result.status), "\(result.stderr)")
    }
    return folder
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func statusMatchesTheMergedReportsPerShard() throws {
    let folder = try shardedNight()
    let merged = try json(
      try mediapipe(["report", "merge"] + (0..<4).map { "r-shard-\($0)-of-4.json" }, in: folder).stdout)
    let summary = try #require(merged["summary"] as? [String: Any])

    let result = try mediapipe(["status", "--json", "out", "in"], in: folder)
    #expect(result.status == 1, "failures: exit 1")
    let status = try json(result.stdout)
    let progress = try #require((status["pipelines"] as? [[String: Any]])?.first)
    #expect(progress["done"] as? Int == summary["done"] as? Int && progress["done"] as? Int == 10)
    #expect(progress["failed"] as? Int == summary["failed"] as? Int && progress["failed"] as? Int == 2)
    #expect(progress["notYetDone"] as? Int == 0)
    let parts = try #require(progress["parts"] as? [[String: Any]])
    #expect(parts.compactMap { $0["shard"] as? String } == ["0/4", "1/4", "2/4", "3/4"])
    #expect(parts.reduce(0) { $0 + ($1["done"] as? Int ?? 0) } == 10, "the shards add up")
    let failures = try #require(progress["failures"] as? [[String: Any]])
    #expect(failures.compactMap { $0["reason"] as? String } == ["truncated", "truncated"])

    let text = try mediapipe(["status", "out", "in"], in: folder)
    #expect(text.stdout.contains("12 inputs: 10 done, 2 failed, 0 not yet done"), "\(text.stdout)")
    #expect(text.stdout.contains("in/a/a-truncated.jpg: truncated: "))
  }

  @Test func newFilesAreNotYetDoneUnderTheirShardAndFailuresMakeAList() throws {
    let folder = try shardedNight()
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    for name in ["new1.jpg", "new2.jpg", "new3.jpg"] {
      try FileManager.default.copyItem(atPath: fixtures + "/photo.jpg", toPath: folder + "/in/a/" + name)
    }
    let status = try json(try mediapipe(["status", "--json", "out", "in"], in: folder).stdout)
    let progress = try #require((status["pipelines"] as? [[String: Any]])?.first)
    #expect(progress["notYetDone"] as? Int == 3)
    let parts = try #require(progress["parts"] as? [[String: Any]])
    #expect(parts.reduce(0) { $0 + ($1["notYetDone"] as? Int ?? 0) } == 3, "each under its shard")
    // Each new file is counted under the shard that takes it.
    for part in parts {
      let shard = try #require(part["shard"] as? String)
      let listed = try mediapipe(["list", "--shard", shard, "in"], in: folder).stdout
      let new = listed.split(separator: "\n").filter { $0.contains("/new") }.count
      #expect(part["notYetDone"] as? Int == new, "shard \(shard)")
    }

    let failed = try mediapipe(["status", "--failed", "out"], in: folder)
    #expect(
      failed.stdout.split(separator: "\n").map { ($0 as NSString).lastPathComponent } == [
        "a-truncated.jpg", "b-truncated.jpg",
      ])
    try failed.stdout.write(toFile: folder + "/failed.txt", atomically: true, encoding: .utf8)
    let retry = try mediapipe(
      ["run", "--from-list", "failed.txt", "-o", "out", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(retry.stderr.contains("2 failed"), "only the failures were tried: \(retry.stderr)")
  }

  @Test func aDoneRetryClearsTheFailureAndEverythingDoneExitsZero() throws {
    let folder = try shardedNight()
    for sub in ["a", "b"] {
      try FileManager.default.removeItem(atPath: folder + "/in/\(sub)/\(sub)-truncated.jpg")
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/grey.jpg").path,
        toPath: folder + "/in/\(sub)/\(sub)-truncated.jpg")
    }
    #expect(try mediapipe(["run", "-o", "out", pipeline("resize.pipeline"), "in"], in: folder).status == 0)
    let result = try mediapipe(["status", "out", "in"], in: folder)
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.contains("12 inputs: 12 done, 0 failed, 0 not yet done"), "\(result.stdout)")
  }

  @Test func anOutputFolderNoRunWroteIntoIsAClearError() throws {
    let folder = try workspace(copyFixtures: false)
    let result = try mediapipe(["status", "in"], in: folder)
    #expect(result.status == 2)
    #expect(result.stderr.contains("no state store in \(folder)/in"), "\(result.stderr)")
  }
}
