import Foundation
import Testing

/// `run --shard auto` as the tasks of a real Slurm array: together they write exactly
/// what one unsharded run writes, each input is done by one task, and a second array
/// does nothing. Skipped, with the reason, where no cluster runs (SlurmSupport.swift).
@Suite(.serialized, .enabled(if: Slurm.available, Slurm.skipReason))
struct SlurmShardingTests {
  /// Five folders of real photos (and one broken file). With the web pipeline (JPEG out)
  /// each folder's photo.webp and photo.tiff clash with its photo.jpg over one output
  /// name: such inputs share a shard, so they fail exactly as in one run.
  func tree() throws -> String {
    let folder = try workspace(copyFixtures: false)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    let names = [
      "photo.jpg", "grey.jpg", "cmyk.jpg", "orient-2.jpg", "orient-5.jpg", "orient-8.jpg", "photo.webp", "alpha.png",
      "rgb16.png", "photo.tiff",
    ]
    for set in 0..<5 {
      let sub = folder + "/in/set\(set)"
      try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
      for name in names {
        try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: sub + "/\(set)-" + name)
      }
    }
    try FileManager.default.copyItem(atPath: fixtures + "/truncated.jpg", toPath: folder + "/in/broken.jpg")
    return folder
  }

  /// Each report's inputs with the given status, by report file.
  func inputs(_ status: String, inReportsIn folder: String) throws -> [String: [String]] {
    var found: [String: [String]] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasPrefix("r-") {
      let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
      let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      let entries = try #require(report["entries"] as? [[String: Any]])
      found[name] = entries.filter { $0["status"] as? String == status }.compactMap { $0["input"] as? String }.sorted()
    }
    return found
  }

  @Test func aFourTaskArrayWritesWhatOneRunWrites() throws {
    let folder = try tree()
    let web = pipeline("web.pipeline")
    let script = """
      #!/bin/sh
      exec "$MEDIAPIPE" run --shard auto -j 1 --report "r-{shard}.json" -o out "$PIPELINE" in
      """
    let environment = ["MEDIAPIPE": binary, "PIPELINE": web]
    let first = try Slurm.submitArray("0-3", script: script, in: folder, environment: environment)
    #expect(first.status == 1, "the broken file fails its task with 1: \(first.stdout) \(first.stderr)")

    // Every input done (or failed) by exactly one task, and task K took what --shard K/4 takes.
    let done = try inputs("done", inReportsIn: folder), failed = try inputs("failed", inReportsIn: folder)
    #expect(done.count == 4, "one report per task: \(done.keys.sorted())")
    let all = (done.values.flatMap { $0 } + failed.values.flatMap { $0 }).sorted()
    #expect(all.count == 51 && Set(all).count == 51, "each of the 51 inputs once")
    for k in 0..<4 {
      let listed = try mediapipe(["list", "--shard", "\(k)/4", "in"], in: folder).stdout
        .split(separator: "\n").map(String.init).sorted()
      let name = "r-shard-\(k)-of-4.json"
      #expect(((done[name] ?? []) + (failed[name] ?? [])).sorted() == listed, "task \(k) took shard \(k)/4")
    }

    // Byte for byte what one unsharded run writes.
    let single = try mediapipe(["run", "-o", "single", web, "in"], in: folder)
    #expect(single.status == 1)
    let outputs = files(below: folder + "/out").filter { !$0.hasPrefix(".mediapipe") }
    #expect(outputs == files(below: folder + "/single").filter { !$0.hasPrefix(".mediapipe") })
    #expect(outputs.count == 40, "50 photos, 10 of them clashing")
    for path in outputs {
      let a = try Data(contentsOf: URL(fileURLWithPath: folder + "/out/" + path))
      let b = try Data(contentsOf: URL(fileURLWithPath: folder + "/single/" + path))
      #expect(a == b, "\(path) differs")
    }

    // A second array does nothing but try the failures again.
    let failures = failed.values.flatMap { $0 }.sorted()
    #expect(failures.count == 11 && failures.contains("in/broken.jpg"))
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasPrefix("r-") {
      try FileManager.default.removeItem(atPath: folder + "/" + name)
    }
    let second = try Slurm.submitArray("0-3", script: script, in: folder, environment: environment)
    #expect(second.status == 1)
    #expect(try inputs("done", inReportsIn: folder).values.allSatisfy(\.isEmpty), "nothing redone")
    #expect(try inputs("failed", inReportsIn: folder).values.flatMap { $0 }.sorted() == failures)
  }
}
