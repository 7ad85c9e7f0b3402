import Foundation
import MediaPipeCore
import Testing

/// `--shard`, `--from-list` and `list`: an array job's tasks split the inputs,
/// share one output root, and together do exactly what one run does.
@Suite(.serialized) struct ShardingTests {
  /// Runs the built binary with only `environment` added to a copy of this process's
  /// environment from which every scheduler variable is removed.
  func run(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    var env = ProcessInfo.processInfo.environment
    for name in [
      "MEDIAPIPE_SHARD", "MEDIAPIPE_SHARD_COUNT", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
      "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT", "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE",
      "JOB_COMPLETION_INDEX",
    ] {
      env[name] = nil
    }
    process.environment = env.merging(environment) { _, new in new }
    let out = folder + "/.out-\(UUID().uuidString)", err = folder + "/.err-\(UUID().uuidString)"
    FileManager.default.createFile(atPath: out, contents: nil)
    FileManager.default.createFile(atPath: err, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle(forWritingAtPath: err)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    defer {
      try? FileManager.default.removeItem(atPath: out)
      try? FileManager.default.removeItem(atPath: err)
    }
    return Outcome(
      status: process.terminationStatus, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
  }

  /// Five folders of photos (24 inputs) and a two-variant pipeline.
  func tree() throws -> String {
    let folder = try workspace(copyFixtures: false)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    let sources = ["photo.jpg", "grey.jpg", "orient-1.jpg", "orient-6.jpg", "photo.webp", "alpha.png"]
    for folderIndex in 0..<5 {
      let sub = folder + "/in/set\(folderIndex)"
      try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
      for (index, name) in sources.enumerated() where (index + folderIndex) % 5 != 0 {
        try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: sub + "/\(index)-" + name)
      }
    }
    try FileManager.default.copyItem(atPath: fixtures + "/photo.jpg", toPath: folder + "/in/top.jpg")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("pipelines/thumbnails.pipeline").path,
      toPath: folder + "/p.pipeline")
    try FileManager.default.copyItem(atPath: fixtures + "/logo.png", toPath: folder + "/logo.png")
    return folder
  }

  /// The inputs each JSON line of `--log-format json` says were done.
  func done(_ outcome: Outcome) -> [String] {
    outcome.stdout.split(separator: "\n").compactMap { line in
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        object["status"] as? String == "done"
      else { return nil }
      return object["input"] as? String
    }
  }

  /// The files below `folder` (state stores and locks aside) with their bytes.
  func contents(below folder: String) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for path in files(below: folder) where !path.hasPrefix(".mediapipe") {
      result[path] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))
    }
    return result
  }

  @Test func fourShardsDoWhatOneRunDoes() throws {
    let folder = try tree()
    let single = try run(["run", "-o", "single", "p.pipeline", "in"], in: folder)
    #expect(single.status == 0, "\(single.stderr)")
    let inputs = files(below: folder + "/in").count

    var doneBy: [String: [Int]] = [:]
    for k in 0..<4 {
      let shard = try run(
        ["run", "--shard", "\(k)/4", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
      #expect(shard.status == 0, "\(shard.stderr)")
      for input in done(shard) { doneBy[input, default: []].append(k) }
    }
    #expect(doneBy.count == inputs)
    #expect(doneBy.values.allSatisfy { $0.count == 1 }, "\(doneBy)")
    #expect(Set(doneBy.values.map { $0[0] }).count == 4, "every shard had work")
    let expected = try contents(below: folder + "/single")
    #expect(!expected.isEmpty)
    #expect(try contents(below: folder + "/out") == expected)
    // Each shard its own store; none is the unsharded one.
    let stores = try FileManager.default.contentsOfDirectory(atPath: folder + "/out/.mediapipe").filter {
      $0.hasSuffix(".sqlite")
    }
    #expect(Set(stores) == Set((0..<4).map { "state.shard-\($0)-of-4.sqlite" }))

    // A run over everything, and one with another N, recognise what the shards did.
    let unsharded = try run(["run", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(unsharded.status == 0)
    #expect(unsharded.stderr.contains("nothing to do: \(inputs) images up to date"), "\(unsharded.stderr)")
    let otherN = try run(["run", "--shard", "1/3", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(otherN.stderr.contains("nothing to do"), "\(otherN.stderr)")

    // Five new files: the four shards' re-runs do exactly those.
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    var added: [String] = []
    for index in 0..<5 {
      let path = "in/set\(index)/new-\(index).jpg"
      try FileManager.default.copyItem(atPath: fixtures + "/orient-3.jpg", toPath: folder + "/" + path)
      added.append(path)
    }
    var again: [String] = []
    for k in 0..<4 {
      let shard = try run(
        ["run", "--shard", "\(k)/4", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
      #expect(shard.status == 0, "\(shard.stderr)")
      again += done(shard)
    }
    #expect(again.sorted() == added.sorted())
  }

  /// A link and its target can hash into different shards: the link goes by its
  /// target, so the file is done once, by the shard that takes the target, and the
  /// outputs are those of one run (the target's; a link to a file outside the input
  /// folder goes by its own name and is done once too).
  @Test func linkedFilesAreDoneOnceAcrossShards() throws {
    let folder = try workspace(copyFixtures: false)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    let sources = ["photo.jpg", "grey.jpg", "orient-1.jpg", "orient-6.jpg", "photo.webp", "alpha.png", "cmyk.jpg"]
    let files = FileManager.default
    for sub in ["in/originals", "in/albums", "outside"] {
      try files.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
    }
    for name in sources {
      try files.copyItem(atPath: fixtures + "/" + name, toPath: folder + "/in/originals/" + name)
      try files.createSymbolicLink(atPath: folder + "/in/albums/" + name, withDestinationPath: "../originals/" + name)
    }
    try files.copyItem(atPath: fixtures + "/orient-3.jpg", toPath: folder + "/outside/far.jpg")
    try files.createSymbolicLink(atPath: folder + "/in/albums/far.jpg", withDestinationPath: "../../outside/far.jpg")
    try files.createSymbolicLink(atPath: folder + "/in/albums/gone.jpg", withDestinationPath: "../originals/gone.jpg")
    try "resize 40x40\n".write(toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    // The case at hand: some link and its target fall into different shards by name.
    #expect(
      sources.contains {
        Shard.bucket(ofRelativePath: "albums/" + $0, count: 4)
          != Shard.bucket(ofRelativePath: "originals/" + $0, count: 4)
      })

    let single = try run(["run", "--log-format", "json", "-o", "single", "p.pipeline", "in"], in: folder)
    #expect(single.status == 0, "\(single.stderr)")
    #expect(Set(done(single)) == Set(sources.map { "in/originals/" + $0 } + ["in/albums/far.jpg"]))
    for count in [2, 3, 4] {
      var doneBy: [String: [Int]] = [:]
      var reported = 0
      for k in 0..<count {
        let shard = try run(
          ["run", "-v", "--shard", "\(k)/\(count)", "--log-format", "json", "-o", "out-\(count)", "p.pipeline", "in"],
          in: folder)
        #expect(shard.status == 0, "\(shard.stderr)")
        for input in done(shard) { doneBy[input, default: []].append(k) }
        reported += shard.stderr.components(separatedBy: "gone.jpg (a symbolic link").count - 1
      }
      #expect(Set(doneBy.keys) == Set(done(single)), "\(count) shards")
      #expect(doneBy.values.allSatisfy { $0.count == 1 }, "\(count) shards: \(doneBy)")
      #expect(try contents(below: folder + "/out-\(count)") == contents(below: folder + "/single"))
      #expect(reported == 1, "the dangling link is reported by one shard")
    }
  }

  /// Paths given inside other given paths, in any order: a folder inside a given
  /// folder is walked as part of it, and a file given inside one goes with it; a
  /// given file outside every folder and two links to it are one input. Each input
  /// is done once, by one shard, into the place one run over the outer folder puts
  /// it, walking or from a list.
  @Test func pathsGivenInsideOtherPathsAreDoneOnce() throws {
    let folder = try tree()
    let files = FileManager.default
    try files.createDirectory(atPath: folder + "/outside", withIntermediateDirectories: true)
    try files.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/orient-8.jpg").path, toPath: folder + "/outside/far.jpg")
    for link in ["in/set0/far-link.jpg", "in/set4/far-again.jpg"] {
      try files.createSymbolicLink(atPath: folder + "/" + link, withDestinationPath: "../../outside/far.jpg")
    }
    let reference = try run(
      ["run", "--log-format", "json", "-o", "reference", "p.pipeline", "in", "outside/far.jpg"], in: folder)
    #expect(reference.status == 0, "\(reference.stderr)")
    let expected = try contents(below: folder + "/reference")
    #expect(expected.keys.contains { $0.hasPrefix("set1/") } && expected.keys.contains { $0.hasPrefix("set2/") })
    let orders = [
      ["in/set1", "in", "in/set2/1-grey.jpg", "outside/far.jpg", "in/set3/"],
      ["outside/far.jpg", "in/set3", "in/set2/1-grey.jpg", "./in", "in/set1"],
    ]
    for (index, paths) in orders.enumerated() {
      let single = try run(["run", "--log-format", "json", "-o", "single-\(index)", "p.pipeline"] + paths, in: folder)
      #expect(single.status == 0, "\(single.stderr)")
      // An input is named as reached: "./in/..." below "./in".
      let names = { (inputs: [String]) in Set(inputs.map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : $0 }) }
      #expect(names(done(single)) == Set(done(reference)), "\(paths)")
      #expect(try contents(below: folder + "/single-\(index)") == expected, "\(paths)")
      for count in index == 0 ? [2, 3, 4] : [4] {
        var doneBy: [String: [Int]] = [:]
        let out = "out-\(index)-\(count)"
        for k in 0..<count {
          let shard = try run(
            ["run", "--shard", "\(k)/\(count)", "--log-format", "json", "-o", out, "p.pipeline"] + paths, in: folder)
          #expect(shard.status == 0, "\(shard.stderr)")
          for input in done(shard) { doneBy[input, default: []].append(k) }
        }
        #expect(names(Array(doneBy.keys)) == Set(done(reference)), "\(paths), \(count) shards")
        #expect(doneBy.values.allSatisfy { $0.count == 1 }, "\(paths), \(count) shards: \(doneBy)")
        #expect(try contents(below: folder + "/" + out) == expected, "\(paths), \(count) shards")
      }
    }
    // A list of it all, read with the folders given inside each other.
    let listed = try run(["list", "in", "outside/far.jpg"], in: folder)
    #expect(listed.status == 0)
    try listed.stdout.write(toFile: folder + "/files.txt", atomically: true, encoding: .utf8)
    for k in 0..<3 {
      let shard = try run(
        [
          "run", "--shard", "\(k)/3", "--from-list", "files.txt", "-o", "listed", "p.pipeline", "in/set1", "outside",
          "in",
        ], in: folder)
      #expect(shard.status == 0, "\(shard.stderr)")
    }
    #expect(try contents(below: folder + "/listed") == expected)
  }

  /// A shard reads only its own files from the other stores: after a run over
  /// everything, shards of any N redo nothing, and a touched file is not redone.
  @Test func shardsAfterARunOverEverythingRedoNothing() throws {
    let folder = try tree()
    let single = try run(["run", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(single.status == 0, "\(single.stderr)")
    let before = try contents(below: folder + "/out")
    for n in [4, 3, 4] {
      for k in 0..<n {
        let shard = try run(
          ["run", "--shard", "\(k)/\(n)", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
        #expect(shard.status == 0, "\(shard.stderr)")
        #expect(done(shard).isEmpty, "shard \(k)/\(n) redid \(done(shard))")
      }
    }
    // Each shard kept in its own store the records it took from the run over
    // everything: without that store, its re-run finds them in its own.
    try FileManager.default.removeItem(atPath: folder + "/out/.mediapipe/state.sqlite")
    for k in 0..<4 {
      let shard = try run(
        ["run", "--shard", "\(k)/4", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
      #expect(done(shard).isEmpty, "shard \(k)/4 redid \(done(shard))")
      #expect(!shard.stdout.contains("its outputs say so"), "shard \(k)/4 lacks records: \(shard.stdout)")
    }
    #expect(try contents(below: folder + "/out") == before)
    // A touched input whose shard's own store lacks it: same content, not redone.
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: folder + "/in/top.jpg")
    for k in 0..<4 {
      let shard = try run(
        ["run", "--shard", "\(k)/4", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
      #expect(done(shard).isEmpty, "\(shard.stdout)")
    }
    let unsharded = try run(["run", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(done(unsharded).isEmpty, "\(unsharded.stdout)")
    #expect(try contents(below: folder + "/out") == before)
  }

  /// Every input of a folder writes `same.webp` there: whichever shard did it first
  /// claims it, and every other input, in any shard, is refused, as in one run.
  @Test func anOutputClaimedByAnotherShardIsRefused() throws {
    let folder = try workspace(copyFixtures: false)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    try FileManager.default.createDirectory(atPath: folder + "/in/a", withIntermediateDirectories: true)
    let names = ["p", "q", "r", "s", "t", "u", "v", "w"]
    for name in names {
      try FileManager.default.copyItem(atPath: fixtures + "/photo.jpg", toPath: folder + "/in/a/\(name).jpg")
    }
    try "resize 10x10\noutput \"same.webp\"\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    var doneCount = 0
    var refused = 0
    var shardsWithFiles = 0
    for k in 0..<4 {
      let shard = try run(
        ["run", "--shard", "\(k)/4", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
      doneCount += done(shard).count
      refused += shard.stdout.components(separatedBy: "is also written by").count - 1
      if !shard.stdout.isEmpty { shardsWithFiles += 1 }
    }
    #expect(shardsWithFiles > 1, "the inputs fall in more than one shard")
    #expect(doneCount == 1)
    #expect(refused == names.count - 1)
    let unsharded = try run(["run", "--log-format", "json", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(done(unsharded).isEmpty)
    #expect(unsharded.stdout.components(separatedBy: "is also written by").count - 1 == names.count - 1)
  }

  @Test func autoWithoutVariablesIsAUsageError() throws {
    let folder = try tree()
    let result = try run(["run", "--shard", "auto", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(result.status == 2)
    #expect(result.stderr.contains("--shard auto found no shard in the environment"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/out"))
    let bad = try run(["run", "--shard", "4/4", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("0 to 3, found 4"), "\(bad.stderr)")
    let sparse = try run(
      ["list", "--shard", "auto", "in"], in: folder,
      environment: [
        "SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "9",
        "SLURM_ARRAY_TASK_STEP": "1", "SLURM_ARRAY_TASK_COUNT": "3",
      ])
    #expect(sparse.status == 2)
    #expect(sparse.stderr.contains("not evenly spaced"), "\(sparse.stderr)")
  }

  /// Slurm (1-based, stepped), AWS Batch, Kubernetes and MEDIAPIPE_SHARD take the files of --shard K/4.
  @Test func everySchedulerTakesTheFilesOfShardK() throws {
    let folder = try tree()
    for k in 0..<4 {
      let explicit = try run(["list", "--shard", "\(k)/4", "in"], in: folder)
      #expect(explicit.status == 0)
      let environments: [[String: String]] = [
        ["MEDIAPIPE_SHARD": "\(k)/4"],
        [
          "SLURM_ARRAY_TASK_ID": "\(k * 2 + 1)", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7",
          "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4",
        ],
        ["AWS_BATCH_JOB_ARRAY_INDEX": "\(k)", "AWS_BATCH_JOB_ARRAY_SIZE": "4"],
        ["JOB_COMPLETION_INDEX": "\(k)", "MEDIAPIPE_SHARD_COUNT": "4"],
      ]
      for environment in environments {
        let auto = try run(["list", "--shard", "auto", "in"], in: folder, environment: environment)
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stdout == explicit.stdout, "\(environment)")
      }
    }
    let kubernetes = try run(["list", "--shard", "auto", "in"], in: folder, environment: ["JOB_COMPLETION_INDEX": "1"])
    #expect(kubernetes.status == 2)
    #expect(kubernetes.stderr.contains("MEDIAPIPE_SHARD_COUNT"))
  }

  @Test func anArrayTaskWithoutShardIsWarned() throws {
    let folder = try tree()
    let result = try run(
      ["run", "-o", "out", "p.pipeline", "in"], in: folder, environment: ["SLURM_ARRAY_TASK_ID": "2"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("SLURM_ARRAY_TASK_ID=2 is set"), "\(result.stderr)")
    #expect(result.stderr.contains("--shard auto"))
    let shard = try run(
      ["run", "--shard", "auto", "-o", "out2", "p.pipeline", "in"], in: folder,
      environment: ["AWS_BATCH_JOB_ARRAY_INDEX": "0", "AWS_BATCH_JOB_ARRAY_SIZE": "2"])
    #expect(shard.status == 0)
    #expect(shard.stderr.contains("shard 0/2 (hash version 1), from AWS Batch array job"), "\(shard.stderr)")
    #expect(!shard.stderr.contains("warning"))
  }

  @Test func aListMadeOnceReplacesTheWalk() throws {
    let folder = try tree()
    try "not an image".write(toFile: folder + "/in/set1/notes.txt", atomically: true, encoding: .utf8)
    let listed = try run(["list", "in"], in: folder)
    #expect(listed.status == 0)
    let lines = listed.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == files(below: folder + "/in").count - 1)
    #expect(lines.allSatisfy { $0.hasPrefix("in/") } && !lines.contains("in/set1/notes.txt"))
    try listed.stdout.write(toFile: folder + "/files.txt", atomically: true, encoding: .utf8)
    let nul = try run(["list", "-0", "in"], in: folder)
    #expect(nul.stdout == lines.map { $0 + "\0" }.joined())
    try nul.stdout.write(toFile: folder + "/files.nul", atomically: true, encoding: .utf8)

    // Each shard of the list is what list --shard prints from the walk.
    for k in 0..<3 {
      let walked = try run(["list", "--shard", "\(k)/3", "in"], in: folder)
      let fromList = try run(["list", "--shard", "\(k)/3", "--from-list", "files.txt", "in"], in: folder)
      let fromNul = try run(["list", "--shard", "\(k)/3", "-0", "--from-list", "files.nul", "in"], in: folder)
      #expect(fromList.stdout == walked.stdout)
      #expect(fromNul.stdout == walked.stdout.replacingOccurrences(of: "\n", with: "\0"))
    }

    // A run from the list writes what a run walking the folder writes.
    let walking = try run(["run", "-o", "walked", "p.pipeline", "in"], in: folder)
    #expect(walking.status == 0)
    for k in 0..<2 {
      let shard = try run(
        ["run", "--shard", "\(k)/2", "--from-list", "files.txt", "-o", "listed", "p.pipeline", "in"], in: folder)
      #expect(shard.status == 0, "\(shard.stderr)")
    }
    #expect(try contents(below: folder + "/listed") == (try contents(below: folder + "/walked")))

    // A listed file outside the folders is a usage error; a listed file gone since is passed over.
    try (lines + ["elsewhere/x.jpg"]).joined(separator: "\n").write(
      toFile: folder + "/bad.txt", atomically: true, encoding: .utf8)
    let outside = try run(["run", "--from-list", "bad.txt", "-o", "x", "p.pipeline", "in"], in: folder)
    #expect(outside.status == 2)
    #expect(outside.stderr.contains("elsewhere/x.jpg is not below the folder in"), "\(outside.stderr)")
    try FileManager.default.removeItem(atPath: folder + "/" + lines[0])
    let gone = try run(["run", "--from-list", "files.txt", "-o", "listed", "p.pipeline", "in"], in: folder)
    #expect(gone.status == 0, "\(gone.stderr)")
    let noNul = try run(["run", "-0", "-o", "x", "p.pipeline", "in"], in: folder)
    #expect(noNul.status == 2)
  }

  @Test func watchOffersNoShard() throws {
    let folder = try tree()
    let result = try run(["watch", "--shard", "0/2", "p.pipeline", "in"], in: folder)
    #expect(result.status == 2, "\(result.stderr)")
  }
}
