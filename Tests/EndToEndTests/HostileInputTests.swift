import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Files nobody vetted: bombs, untrusted formats, slow and memory-hungry images, odd names.
@Suite(.serialized) struct HostileInputTests {
  /// A PNG whose header claims 40,000 x 40,000 pixels, with a few bytes of data behind it.
  static func decompressionBomb() -> [UInt8] {
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
      let body = Array(type.utf8) + data
      let length = UInt32(data.count)
      return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
        + bigEndian(crc32(body))
    }
    func bigEndian(_ v: UInt32) -> [UInt8] {
      [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
    let ihdr = bigEndian(40_000) + bigEndian(40_000) + [8, 0, 0, 0, 0]  // 8-bit greyscale
    let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat)
      + chunk("IEND", [])
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  @Test func aDecompressionBombIsRefusedFromItsHeader() throws {
    let folder = try workspace(copyFixtures: false)
    try Data(Self.decompressionBomb()).write(to: URL(fileURLWithPath: folder + "/in/bomb.png"))
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/good.jpg")
    let result = try mediapipe(["run", "--report", "r.json", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 1)
    #expect(
      result.stderr.contains(
        "failed: in/bomb.png: too many pixels (40000x40000 is 1600 megapixels; the limit is 100 megapixels (--max-pixels))"
      ))
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_good.jpg"))
    let report = try String(contentsOfFile: folder + "/r.json", encoding: .utf8)
    #expect(report.contains("\"reason\" : \"too-many-pixels\""))
  }

  @Test func fileSizeLimit() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo-large.jpg").path, toPath: folder + "/in/big.jpg")
    let result = try mediapipe(["run", "--max-file-size", "1", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 0, "85 KB is under 1 MB")
    try Data(count: 1_200_000).write(to: URL(fileURLWithPath: folder + "/in/padded.jpg"))
    let refused = try mediapipe(["run", "--max-file-size", "1", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(refused.stderr.contains("failed: in/padded.jpg: file too large"))
  }

  @Test func untrustedFormatsOnlyWhenAllowed() throws {
    let folder = try workspace(copyFixtures: false)
    for name in ["photo.svg", "document.pdf"] {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/\(name)").path, toPath: folder + "/in/" + name)
    }
    let refused = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("failed: in/photo.svg: blocked format"))
    #expect(refused.stderr.contains("failed: in/document.pdf: blocked format"))
    let allowed = try mediapipe(["run", "--allow-untrusted-formats", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_photo.png"))
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_document.png"))
  }

  /// `compress jxl quality=auto` reads its own JPEG XL encodes back; with untrusted
  /// formats allowed, a JPEG XL input the same worker takes next is still read.
  @Test func allowedJPEGXLInputStaysAllowedAfterAJXLQualitySearch() throws {
    let folder = try workspace(copyFixtures: false)
    let photo = repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/a.jpg")
    let made = try Running(["copy", photo, folder + "/in/b.jxl"], in: folder, executable: "/usr/bin/vips").finish()
    #expect(made.status == 0, "\(made.stderr)")
    try "compress jxl quality=auto\noutput \"{stem}.jxl\"\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    let blocked = try mediapipe(["run", "-j", "1", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(blocked.stderr.contains("failed: in/b.jxl: blocked format"), "\(blocked.stderr)")
    // One worker: a.jpg's search first, then b.jxl.
    let allowed = try mediapipe(
      ["run", "-j", "1", "--force", "--allow-untrusted-formats", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(files(below: folder + "/out").filter { !$0.hasPrefix(".") }.sorted() == ["a.jxl", "b.jxl"])
  }

  @Test func aBlockedFileClaimsNoOutputName() throws {
    // photo.svg would write processed_photo.png, as photo.png does: while SVG is
    // blocked, the PNG must still be written.
    let folder = try workspace(copyFixtures: false)
    for (name, as_) in [("photo.svg", "photo.svg"), ("alpha.png", "photo.png")] {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/\(name)").path, toPath: folder + "/in/" + as_)
    }
    let result = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 1)
    #expect(result.stderr.contains("failed: in/photo.svg: blocked format"))
    #expect(!result.stderr.contains("also written by"), "\(result.stderr)")
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_photo.png"))
  }

  @Test func aSlowImageTimesOutAndTheRunGoesOn() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/slow.jpg")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/orient-1.jpg").path, toPath: folder + "/in/quick.jpg")
    // slow.jpg never finishes (the worker holds it until it is killed); quick.jpg takes
    // milliseconds: a 5 s timeout is hundreds of times what it needs, however loaded the machine.
    let result = try Running(
      ["run", "-j", "1", "--timeout", "5", "--report", "r.json", pipeline("resize.pipeline"), "in"], in: folder,
      environment: ["MEDIAPIPE_TEST_HOLD_ON": "slow.jpg"]
    ).finish()
    #expect(result.status == 1)
    #expect(result.stderr.contains("retrying in/slow.jpg: timed out"))
    #expect(
      result.stderr.contains(
        "failed: in/slow.jpg: timed out (took longer than 5 s; the worker was stopped (--timeout))"))
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_quick.jpg"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/in/processed_slow.jpg"))
    #expect(leftovers(below: folder).isEmpty)
    #expect(try String(contentsOfFile: folder + "/r.json", encoding: .utf8).contains("\"reason\" : \"timed-out\""))
  }

  @Test func aMemoryCapFailsTheHungryImageOnly() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo-large.jpg").path, toPath: folder + "/in/hungry.jpg")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/orient-1.jpg").path, toPath: folder + "/in/small.jpg")
    // Two variants hold the 10x enlarged image in memory: ~550 MB for the 1600x1200 photo.
    try "resize 1000% enlarge=yes\nvariant a\n  compress png level=0\nvariant b\n  compress jpeg\n"
      .write(toFile: folder + "/big.pipeline", atomically: true, encoding: .utf8)
    let result = try mediapipe(["run", "--worker-memory", "128", "big.pipeline", "in"], in: folder)
    #expect(result.status == 1)
    #expect(result.stderr.contains("failed: in/hungry.jpg: out of memory"))
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_small_a.png"))
    #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_small_b.jpg"))
  }

  @Test func awkwardFileNames() throws {
    let folder = try workspace(copyFixtures: false)
    let names = ["with space.jpg", "ünïcødé 写真.jpg", "-leading-dash.jpg", "new\nline.jpg", "quote\"and'apostrophe.jpg"]
    for name in names {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/" + name)
    }
    let result = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    for name in names {
      #expect(FileManager.default.fileExists(atPath: folder + "/in/processed_" + name), "\(name.debugDescription)")
    }
    // A path starting with a dash, given on the command line after `--`.
    let direct = try mediapipe(
      ["run", "--force", "--", pipeline("resize.pipeline"), "in/-leading-dash.jpg"], in: folder)
    #expect(direct.status == 0, "\(direct.stderr)")
  }

  @Test func symbolicLinksNeverLeadIntoALoop() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/in/sub", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/sub/a.jpg")
    try FileManager.default.createSymbolicLink(atPath: folder + "/in/sub/loop", withDestinationPath: "..")
    try FileManager.default.createSymbolicLink(atPath: folder + "/in/link.jpg", withDestinationPath: "sub/a.jpg")
    let result = try Running(["run", "-v", pipeline("resize.pipeline"), "in"], in: folder).finish(within: 120)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("in/sub/loop (a symbolic link to a folder or to nothing; not followed)"))
    #expect(FileManager.default.fileExists(atPath: folder + "/in/sub/processed_a.jpg"))
    #expect(!files(below: folder + "/in/sub").contains { $0.contains("loop/") })
  }
}

/// Damaged files of every format are refused as damaged, and special files never hang a run.
@Suite(.serialized) struct DamagedFileTests {
  func bytes(_ fixture: String) throws -> Data {
    try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/\(fixture)"))
  }

  @Test func truncatedFilesOfEveryFormat() throws {
    let folder = try workspace(copyFixtures: false)
    try bytes("alpha.png").prefix(600).write(to: URL(fileURLWithPath: folder + "/in/cut.png"))
    try bytes("photo.webp").prefix(2000).write(to: URL(fileURLWithPath: folder + "/in/cut.webp"))
    try bytes("photo.tiff").prefix(3000).write(to: URL(fileURLWithPath: folder + "/in/cut.tiff"))
    try (Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
      .write(to: URL(fileURLWithPath: folder + "/in/garbage.jpg"))
    // A JPEG header claiming 65000 x 65000 pixels, with no image data behind it.
    var header = Data([0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFD, 0xE8, 0xFD, 0xE8, 0x01, 0x01, 0x11, 0x00])
    header.append(contentsOf: [0xFF, 0xD9])
    try header.write(to: URL(fileURLWithPath: folder + "/in/header-only.jpg"))
    // A GIF, written by mediapipe itself, then cut.
    try "compress gif\noutput \"{stem}.gif\"\n".write(
      toFile: folder + "/gif.pipeline", atomically: true, encoding: .utf8)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/src.jpg")
    try mediapipe(["run", "-o", "gif", "gif.pipeline", "src.jpg"], in: folder)
    try Data(contentsOf: URL(fileURLWithPath: folder + "/gif/src.gif")).prefix(3000).write(
      to: URL(fileURLWithPath: folder + "/in/cut.gif"))

    let result = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 1)
    for name in ["cut.png", "cut.webp", "cut.tiff", "garbage.jpg", "header-only.jpg", "cut.gif"] {
      #expect(
        result.stderr.contains("failed: in/\(name): truncated or corrupt image data"), "\(name): \(result.stderr)")
    }
    #expect(!result.stderr.contains(".mediapipe-"), "no temporary names in messages")
    #expect(files(below: folder + "/in").allSatisfy { !$0.hasPrefix("processed_") })
    #expect(leftovers(below: folder).isEmpty)
  }

  /// libvips keeps one error buffer per process: what one image leaves there must never
  /// show up in the failure of the next image the same worker takes.
  @Test func eachFailureNamesOnlyItsOwnFile() throws {
    let folder = try workspace(copyFixtures: false)
    // An AVIF written by mediapipe itself, with 2,000 bytes in its middle zeroed: libvips
    // reads it (seeking past the damage) and leaves "bad seek" in its error buffer.
    try "compress avif\noutput \"{stem}.avif\"\n".write(
      toFile: folder + "/avif.pipeline", atomically: true, encoding: .utf8)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo-large.jpg").path, toPath: folder + "/src.jpg")
    try mediapipe(["run", "-o", "avif", "avif.pipeline", "src.jpg"], in: folder)
    var avif = try Data(contentsOf: URL(fileURLWithPath: folder + "/avif/src.avif"))
    for i in (avif.count / 2)..<min(avif.count, avif.count / 2 + 2000) { avif[i] = 0 }
    try avif.write(to: URL(fileURLWithPath: folder + "/in/damaged.avif"))
    try bytes("photo-large.jpg").prefix(28_000).write(to: URL(fileURLWithPath: folder + "/in/cut.jpg"))
    try bytes("alpha.png").prefix(496).write(to: URL(fileURLWithPath: folder + "/in/cut.png"))
    try "hello, not an image\n".write(toFile: folder + "/in/text.jpg", atomically: true, encoding: .utf8)
    for name in ["photo.jpg", "orient-1.jpg", "alpha.png", "grey.jpg"] {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/\(name)").path, toPath: folder + "/in/good-" + name)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/in")
    // One worker takes them all, largest first: cut.jpg, damaged.avif, ..., cut.png.
    let result = try mediapipe(["run", "-j", "1", "--report", "r.json", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 1)
    let failures = result.stderr.split(separator: "\n").filter { $0.hasPrefix("failed: ") }
    for name in ["cut.jpg", "cut.png", "text.jpg"] {
      #expect(failures.contains { $0.hasPrefix("failed: in/\(name): ") }, "\(name) failed: \(result.stderr)")
    }
    for line in failures {
      let own = try #require(names.first { line.hasPrefix("failed: in/\($0): ") })
      let rest = line.dropFirst("failed: in/\(own): ".count)
      for other in names where other != own {
        #expect(!rest.contains(other), "\(own)'s failure names \(other): \(line)")
      }
      #expect(!rest.contains("bad seek") || own.hasSuffix(".avif"), "\(line)")
    }
    let report =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/r.json")))
      as? [String: Any]
    for entry in report?["entries"] as? [[String: Any]] ?? [] {
      let input = (entry["input"] as? String ?? "").replacingOccurrences(of: "in/", with: "")
      let detail = entry["detail"] as? String ?? ""
      for other in names where other != input {
        #expect(!detail.contains(other), "\(input)'s detail names \(other): \(detail)")
      }
    }
    for name in ["photo.jpg", "orient-1.jpg", "alpha.png", "grey.jpg"] {
      let output = "processed_good-" + name
      #expect(FileManager.default.fileExists(atPath: folder + "/in/" + output), "\(output) was written")
    }
  }

  @Test func specialFilesNeverHang() throws {
    let folder = try workspace(copyFixtures: false)
    #expect(mkfifo(folder + "/in/pipe.jpg", 0o644) == 0)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    let walked = try Running(["run", pipeline("resize.pipeline"), "in"], in: folder).finish(within: 120)
    #expect(walked.status == 0, "a FIFO inside a folder is passed over")
    let named = try Running(["run", pipeline("resize.pipeline"), "in/pipe.jpg"], in: folder).finish(within: 120)
    #expect(named.status == 2)
    #expect(named.stderr.contains("in/pipe.jpg: not a regular file or folder"))
    #expect(try Running(["run", pipeline("resize.pipeline"), "/dev/zero"], in: folder).finish(within: 120).status == 2)
  }
}
