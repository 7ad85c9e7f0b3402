import Foundation
import Testing

@testable import MediaPipeCore

@Suite struct ShardTests {
  // MARK: - K/N

  @Test func parsesKOfN() throws {
    #expect(try Shard.parse("3/16") == Shard(index: 3, count: 16))
    #expect(try Shard.parse("0/1") == Shard(index: 0, count: 1))
    #expect(try Shard.parse("3/16").name == "shard-3-of-16")
    #expect(try Shard.parse("3/16").description == "3/16")
  }

  @Test(arguments: [
    ("16/16", "must be less than the number of shards (16): 0 to 15, found 16"),
    ("-1/4", "found -1"),
    ("0/0", "the number of shards must be from 1"),
    ("3", "expected K/N"),
    ("a/b", "expected K/N"),
    ("1/2/3", "expected K/N"),
    ("", "expected K/N"),
  ])
  func refusesWhatIsNotAShard(text: String, message: String) {
    #expect {
      _ = try Shard.parse(text)
    } throws: { ($0 as? ShardError)?.message.contains(message) == true }
  }

  // MARK: - Hash version 1

  /// Pinned: a change here moves files between shards from one night to the next,
  /// which needs a new hash version (and a note in docs/scale-out.md).
  @Test func hashVersion1IsPinned() {
    #expect(Shard.hashVersion == 1)
    let pinned: [(String, Int, Int)] = [
      ("IMG_0001.jpg", 16, 6), ("IMG_0001.jpg", 4, 1), ("2024/07/IMG_0001.JPG", 16, 1), ("a/b.c.jpg", 16, 7),
      ("café.jpg", 16, 7), ("./x//y.png", 16, 3), (".hidden", 16, 4),
      ("a-very-long-folder-name-over-32-bytes/with/deep/nesting/photo.heic", 16, 5),
    ]
    for (path, count, shard) in pinned {
      #expect(Shard.bucket(ofRelativePath: path, count: count) == shard, "\(path) of \(count)")
    }
    var key = Shard.key(relativePath: "2024/07/IMG_0001.JPG")
    #expect(key.withUTF8 { XXHash64.hash(UnsafeRawBufferPointer($0)) } == 0xceb9_2d80_a89d_02fb)
  }

  @Test func keyIsTheCleanRelativePathWithoutItsExtension() {
    #expect(Shard.key(relativePath: "a/b/IMG_1.JPG") == "a/b/IMG_1")
    #expect(Shard.key(relativePath: "./a//b/./c.d.png") == "a/b/c.d")
    #expect(Shard.key(relativePath: "a.dir/noext") == "a.dir/noext")
    #expect(Shard.key(relativePath: "a/.hidden") == "a/.hidden")
    // NFD (as macOS writes names) and NFC hash alike.
    let nfd = "cafe\u{301}.jpg", nfc = "caf\u{e9}.jpg"
    #expect(Array(nfd.utf8) != Array(nfc.utf8))
    #expect(Shard.key(relativePath: nfd) == "caf\u{e9}")
    #expect(Shard.bucket(ofRelativePath: nfd, count: 7) == Shard.bucket(ofRelativePath: nfc, count: 7))
    // Files that differ only in their extension (one output name) share a shard.
    #expect(Shard.bucket(ofRelativePath: "x/p.png", count: 13) == Shard.bucket(ofRelativePath: "x/p.jpg", count: 13))
  }

  @Test func bytesAndStringsAgree() throws {
    let paths =
      Self.paths + ["café.jpg", "cafe\u{301}.jpg", "./a//b.png", "a/.hidden", "noext", "a.b/c", ".x.jpg", "a/b."]
    for count in [2, 3, 16] {
      for index in 0..<count {
        let shard = try Shard(index: index, count: count)
        for path in paths {
          var text = path
          let byBytes = text.withUTF8 { shard.contains(relativePathBytes: UnsafeRawBufferPointer($0)) }
          #expect(byBytes == shard.contains(relativePath: path), "\(path) in \(shard)")
        }
      }
    }
  }

  @Test func oneShotHashEqualsStreaming() {
    for length in [0, 1, 3, 4, 7, 8, 31, 32, 33, 64, 100] {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      var streaming = XXHash64()
      streaming.update(bytes)
      #expect(bytes.withUnsafeBytes { XXHash64.hash($0) } == streaming.finalize(), "\(length) bytes")
    }
  }

  // MARK: - Partitions

  static let paths: [String] = (0..<2000).map { "folder\($0 % 37)/sub\($0 % 5)/IMG_\($0).jpg" }

  @Test func shardsAreDisjointAndComplete() throws {
    for count in 1...8 {
      let shards = try (0..<count).map { try Shard(index: $0, count: count) }
      for path in Self.paths {
        #expect(shards.filter { $0.contains(relativePath: path) }.count == 1, "\(path) of \(count)")
      }
      // Every shard gets a fair share (2,000 files: far from empty or double).
      for shard in shards {
        let share = Self.paths.filter { shard.contains(relativePath: $0) }.count
        #expect(share > 2000 / count / 2 && share < 2000 / count * 2, "\(shard): \(share)")
      }
    }
  }

  @Test func addingFilesMovesNone() {
    let before = Dictionary(uniqueKeysWithValues: Self.paths.map { ($0, Shard.bucket(ofRelativePath: $0, count: 4)) })
    let added = Self.paths + (0..<500).map { "new/IMG_\($0).jpg" }
    for path in added where before[path] != nil {
      #expect(Shard.bucket(ofRelativePath: path, count: 4) == before[path])
    }
  }

  @Test func growingNMovesFilesOnlyIntoTheNewShard() {
    for count in 1...7 {
      var moved = 0
      for path in Self.paths {
        let old = Shard.bucket(ofRelativePath: path, count: count)
        let new = Shard.bucket(ofRelativePath: path, count: count + 1)
        if old != new {
          #expect(new == count)
          moved += 1
        }
      }
      // About 1/(N+1) of them.
      let expected = 2000 / (count + 1)
      #expect(moved > expected / 2 && moved < expected * 2, "\(count) -> \(count + 1): \(moved)")
    }
  }

  // MARK: - --shard auto

  static func resolve(_ environment: [String: String]) throws -> ShardEnvironment.Resolved? {
    try ShardEnvironment.resolve(environment)
  }

  static func slurm(id: Int, min: Int, max: Int, step: Int, count: Int) -> [String: String] {
    [
      "SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "\(min)", "SLURM_ARRAY_TASK_MAX": "\(max)",
      "SLURM_ARRAY_TASK_STEP": "\(step)", "SLURM_ARRAY_TASK_COUNT": "\(count)",
    ]
  }

  @Test func noVariablesNoShard() throws {
    #expect(try Self.resolve(["HOME": "/root", "SLURM_JOB_ID": "12"]) == nil)
    #expect(ShardEnvironment.arrayTask(in: ["SLURM_JOB_ID": "12"]) == nil)
  }

  @Test func mediapipeShardComesFirst() throws {
    let env = Self.slurm(id: 1, min: 1, max: 8, step: 1, count: 8).merging(["MEDIAPIPE_SHARD": "5/6"]) { a, _ in a }
    let resolved = try #require(try Self.resolve(env))
    #expect(resolved.shard == (try Shard(index: 5, count: 6)))
    #expect(resolved.source == "MEDIAPIPE_SHARD=5/6")
    #expect(throws: ShardError.self) { try Self.resolve(["MEDIAPIPE_SHARD": "6/6"]) }
  }

  @Test func slurmArrayFromOne() throws {
    // --array=1-8: tasks 1..8 are shards 0..7 of 8.
    for id in 1...8 {
      let resolved = try #require(try Self.resolve(Self.slurm(id: id, min: 1, max: 8, step: 1, count: 8)))
      #expect(resolved.shard == (try Shard(index: id - 1, count: 8)))
      #expect(resolved.source.hasPrefix("Slurm array task (SLURM_ARRAY_TASK_ID=\(id)"))
    }
  }

  @Test func slurmArrayWithAStep() throws {
    // --array=0-15:2: tasks 0, 2, ..., 14 are shards 0..7 of 8.
    for id in stride(from: 0, through: 14, by: 2) {
      let resolved = try #require(try Self.resolve(Self.slurm(id: id, min: 0, max: 14, step: 2, count: 8)))
      #expect(resolved.shard == (try Shard(index: id / 2, count: 8)))
    }
  }

  @Test func slurmSparseListIsRefused() {
    // --array=1,5,9 seen with step 1, and --array=0-3,7.
    for env in [
      Self.slurm(id: 5, min: 1, max: 9, step: 1, count: 3), Self.slurm(id: 7, min: 0, max: 7, step: 1, count: 5),
    ] {
      #expect {
        _ = try Self.resolve(env)
      } throws: { ($0 as? ShardError)?.message.contains("not evenly spaced") == true }
    }
    var missing = Self.slurm(id: 1, min: 1, max: 8, step: 1, count: 8)
    missing["SLURM_ARRAY_TASK_COUNT"] = nil
    #expect(throws: ShardError.self) { try Self.resolve(missing) }
  }

  @Test func awsBatchArray() throws {
    let resolved = try #require(
      try Self.resolve(["AWS_BATCH_JOB_ARRAY_INDEX": "2", "AWS_BATCH_JOB_ARRAY_SIZE": "4"]))
    #expect(resolved.shard == (try Shard(index: 2, count: 4)))
    #expect(resolved.source.hasPrefix("AWS Batch array job"))
    #expect(throws: ShardError.self) { try Self.resolve(["AWS_BATCH_JOB_ARRAY_INDEX": "2"]) }
  }

  @Test func kubernetesIndexedJob() throws {
    let resolved = try #require(try Self.resolve(["JOB_COMPLETION_INDEX": "3", "MEDIAPIPE_SHARD_COUNT": "4"]))
    #expect(resolved.shard == (try Shard(index: 3, count: 4)))
    #expect {
      _ = try Self.resolve(["JOB_COMPLETION_INDEX": "3"])
    } throws: { ($0 as? ShardError)?.message.contains("MEDIAPIPE_SHARD_COUNT is not") == true }
    #expect(throws: ShardError.self) { try Self.resolve(["JOB_COMPLETION_INDEX": "4", "MEDIAPIPE_SHARD_COUNT": "4"]) }
    #expect(throws: ShardError.self) { try Self.resolve(["JOB_COMPLETION_INDEX": "x", "MEDIAPIPE_SHARD_COUNT": "4"]) }
  }

  /// Every scheduler's task K of 4 takes exactly the files of `--shard K/4`.
  @Test func everySchedulerGivesTheSamePartition() throws {
    for k in 0..<4 {
      let explicit = try Shard.parse("\(k)/4")
      let environments: [[String: String]] = [
        ["MEDIAPIPE_SHARD": "\(k)/4"],
        Self.slurm(id: k + 1, min: 1, max: 4, step: 1, count: 4),
        Self.slurm(id: k * 3, min: 0, max: 9, step: 3, count: 4),
        ["AWS_BATCH_JOB_ARRAY_INDEX": "\(k)", "AWS_BATCH_JOB_ARRAY_SIZE": "4"],
        ["JOB_COMPLETION_INDEX": "\(k)", "MEDIAPIPE_SHARD_COUNT": "4"],
      ]
      let expected = Self.paths.filter { explicit.contains(relativePath: $0) }
      for env in environments {
        let shard = try #require(try Self.resolve(env)).shard
        #expect(Self.paths.filter { shard.contains(relativePath: $0) } == expected, "\(env)")
      }
    }
  }

  @Test func arrayTaskIsNoticed() {
    #expect(ShardEnvironment.arrayTask(in: ["SLURM_ARRAY_TASK_ID": "3"]) == "SLURM_ARRAY_TASK_ID=3")
    #expect(ShardEnvironment.arrayTask(in: ["AWS_BATCH_JOB_ARRAY_INDEX": "0"]) == "AWS_BATCH_JOB_ARRAY_INDEX=0")
    #expect(ShardEnvironment.arrayTask(in: ["JOB_COMPLETION_INDEX": "1"]) == "JOB_COMPLETION_INDEX=1")
  }
}
