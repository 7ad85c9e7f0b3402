import Foundation
import MediaPipeImaging
import Testing

@Suite(.serialized) struct RunCommandTests {
  static let good =
    [
      "alpha.png", "cmyk.jpg", "grey.jpg", "grey16.png", "logo.png", "photo-large.jpg", "photo.jpg", "photo.tiff",
      "photo.webp", "rgb16.png", "phone.heic", "phone-av1.avif", "adobergb.png", "prophoto.tif", "grey-icc.jpg",
      "lab.tif", "p3.png",
    ] + (1...8).map { "orient-\($0).jpg" }

  @Test func resizePipelineOverTheFixtures() throws {
    let folder = try workspace()
    let before = try Dictionary(
      uniqueKeysWithValues: files(below: folder + "/in").map {
        ($0, try Data(contentsOf: URL(fileURLWithPath: folder + "/in/" + $0)))
      })
    let result = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(result.status == 1, "some fixtures are broken on purpose: \(result.stderr)")
    for name in Self.good {
      let stem = (name as NSString).deletingPathExtension
      // `compress same` writes TIFF as .tif and HEIC as AVIF.
      let ext = name.hasSuffix(".tiff") ? "tif" : name.hasSuffix(".heic") ? "avif" : (name as NSString).pathExtension
      #expect(FileManager.default.fileExists(atPath: "\(folder)/in/processed_\(stem).\(ext)"), "output of \(name)")
    }
    #expect(result.stderr.contains("failed: in/empty.jpg: not an image"))
    #expect(result.stderr.contains("failed: in/not-an-image.jpg: not an image"))
    #expect(result.stderr.contains("failed: in/truncated.jpg: truncated"))
    #expect(result.stderr.contains("failed: in/photo.svg: blocked format"))
    #expect(result.stderr.contains("failed: in/document.pdf: blocked format"))
    #expect(result.stderr.contains("processed 25 of 30 images"))
    let written = files(below: folder + "/in").filter { $0.hasPrefix("processed_") }
    for broken in ["empty", "not-an-image", "truncated", "photo.svg", "document"] {
      #expect(!written.contains { $0.contains(broken) }, "no output for \(broken)")
    }
    #expect(leftovers(below: folder).isEmpty)
    for (name, data) in before {
      #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/in/" + name)) == data, "\(name) was modified")
    }
    try VipsRuntime.start()
    let out = try Image.open(folder + "/in/processed_photo-large.jpg", sequential: false)
    #expect((out.width, out.height) == (300, 225))
  }

  @Test func runningTwiceNeverProcessesItsOwnOutputs() throws {
    let folder = try workspace()
    try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    let first = files(below: folder + "/in")
    let second = try mediapipe(["run", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(second.status == 1)
    #expect(files(below: folder + "/in") == first)
    #expect(!first.contains { $0.contains("processed_processed_") })
    #expect(second.stderr.contains("25 skipped as outputs of this pipeline"))
  }

  @Test func dryRunPrintsAndWritesNothing() throws {
    let folder = try workspace()
    let before = files(below: folder)
    let result = try mediapipe(["run", "--dry-run", pipeline("thumbnails.pipeline"), "in"], in: folder)
    #expect(result.status == 0)
    #expect(result.stdout.contains("in/photo.jpg -> in/large/photo.jpg, in/thumbs/photo.webp"))
    #expect(result.stdout.contains("in/empty.jpg: would fail: not an image"))
    #expect(files(below: folder) == before)
  }

  @Test func webPipelineWithOutputFolder() throws {
    let folder = try workspace()
    let result = try mediapipe(["run", "-o", "out", pipeline("web.pipeline"), "in"], in: folder)
    #expect(result.status == 1)
    try VipsRuntime.start()
    let image = try Image.open(folder + "/out/processed_photo-large.jpg", sequential: false)
    #expect((image.width, image.height) == (1600, 1200))
    #expect(image.loader == "jpegload")
    let photo = try Image.open(folder + "/out/processed_photo.jpg", sequential: false)
    #expect(photo.has("exif-ifd0-Copyright") && !photo.has("exif-ifd3-GPSLatitude") && !photo.has("exif-ifd0-Make"))
    // The mark sits bottom-right over the dark green band: brighter there than in the source,
    // and the same as the source top-left.
    let source = try Image.open(folder + "/in/photo-large.jpg", sequential: false)
    let marked = try image.statistics(x: 1300, y: 1150, width: 270, height: 25)
    let plain = try source.statistics(x: 1300, y: 1150, width: 270, height: 25)
    #expect(marked.mean > plain.mean + 10, "watermark present bottom-right: \(marked.mean) vs \(plain.mean)")
    let topLeftMarked = try image.statistics(x: 20, y: 20, width: 300, height: 60)
    let topLeftPlain = try source.statistics(x: 20, y: 20, width: 300, height: 60)
    #expect(abs(topLeftMarked.mean - topLeftPlain.mean) < 3, "no watermark top-left")
    #expect(files(below: folder + "/in").allSatisfy { !$0.hasPrefix("processed_") })
  }

  @Test func thumbnailsPipelineMirrorsFolders() throws {
    let folder = try workspace()
    try FileManager.default.createDirectory(atPath: folder + "/in/2024/trip", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: folder + "/in/orient-6.jpg", toPath: folder + "/in/2024/trip/beach.jpg")
    let result = try mediapipe(["run", "-o", "out", pipeline("thumbnails.pipeline"), "in"], in: folder)
    #expect(result.status == 1)
    try VipsRuntime.start()
    let large = try Image.open(folder + "/out/2024/trip/large/beach.jpg", sequential: false)
    #expect((large.width, large.height) == (300, 200), "upright")
    let thumb = try Image.open(folder + "/out/2024/trip/thumbs/beach.webp", sequential: false)
    #expect((thumb.width, thumb.height) == (200, 200), "cover 400x400 never enlarges past the 300x200 source")
    let big = try Image.open(folder + "/out/thumbs/photo-large.webp", sequential: false)
    #expect((big.width, big.height) == (400, 400))
    #expect(big.loader == "webpload")
    #expect(FileManager.default.fileExists(atPath: folder + "/out/large/photo-large.jpg"))
    #expect(leftovers(below: folder).isEmpty)
  }

  @Test func anOutputThatWouldOverwriteItsInputFails() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    let original = try Data(contentsOf: URL(fileURLWithPath: folder + "/in/a.jpg"))
    try "resize 10x10\noutput \"{name}\"\n".write(toFile: folder + "/same.pipeline", atomically: true, encoding: .utf8)
    let result = try mediapipe(["run", "same.pipeline", "in"], in: folder)
    #expect(result.status == 1)
    #expect(result.stderr.contains("would overwrite the input"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/in/a.jpg")) == original)
  }

  @Test func exitCodeTwoForUsageAndPipelineErrors() throws {
    let folder = try workspace(copyFixtures: false)
    try "resiz 300x300\ncompress jpeg qualty=80\n".write(
      toFile: folder + "/typo.pipeline", atomically: true, encoding: .utf8)
    let bad = try mediapipe(["run", "typo.pipeline", "in"], in: folder)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("typo.pipeline:1:1: error: unknown step 'resiz'; did you mean 'resize'?"))
    #expect(
      bad.stderr.contains("typo.pipeline:2:15: error: unknown option 'qualty' for 'compress'; did you mean 'quality'?"))
    #expect(try mediapipe(["run", "missing.pipeline", "in"], in: folder).status == 2)
    #expect(try mediapipe(["run", pipeline("resize.pipeline"), "no-such-folder"], in: folder).status == 2)
    #expect(try mediapipe(["run", "--jobs", "0", pipeline("resize.pipeline"), "in"], in: folder).status == 2)
    #expect(try mediapipe(["run", "--no-such-flag"], in: folder).status == 2)
    // A limit too large to count in bytes is a usage error, not a crash, in every command that takes it.
    for command in [["run"], ["watch"], ["preview", "-o", "p"]] {
      let huge = try mediapipe(
        command + ["--max-file-size", "10000000000000", pipeline("resize.pipeline"), "in"], in: folder)
      #expect(huge.status == 2 && huge.stderr.contains("--max-file-size is too large"), "\(command): \(huge.stderr)")
    }
  }

  @Test func checkReportsEveryErrorOrSummarises() throws {
    let folder = try workspace(copyFixtures: false)
    try "resize 300x300 fit=covr\nwatermark text=\"x\" positon=top\n".write(
      toFile: folder + "/typo.pipeline", atomically: true, encoding: .utf8)
    let bad = try mediapipe(["check", "typo.pipeline"], in: folder)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("typo.pipeline:1:20: error:"))
    #expect(bad.stderr.contains("did you mean 'cover'?"))
    #expect(
      bad.stderr.contains(
        "typo.pipeline:2:20: error: unknown option 'positon' for 'watermark'; did you mean 'position'?"))
    #expect(bad.stderr.contains("2 errors in typo.pipeline"))
    let good = try mediapipe(["check", pipeline("web.pipeline")], in: folder)
    #expect(good.status == 0)
    #expect(good.stdout.contains("resize: fit inside width 1600px, height 1600px, never enlarging"))
  }

  @Test func helpDocumentsTheExitCodes() throws {
    let help = try mediapipe(["--help"], in: NSTemporaryDirectory())
    #expect(help.status == 0)
    #expect(help.stdout.contains("130  interrupted"))
    #expect(!help.stdout.contains("__worker"))
  }

  /// `--verbose` says what each output was written with: the quality `quality=auto`
  /// chose and its SSIM, or the quality given; a format without one says neither.
  @Test func verboseSaysTheQualityAndScoreOfEachOutput() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try """
    variant auto
      compress jpeg quality=auto
      output "auto_{stem}.jpg"
    variant fixed
      compress webp quality=70
      output "fixed_{stem}.webp"
    variant lossless
      compress png
      output "png_{stem}.png"
    """.write(toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    let result = try mediapipe(["run", "-v", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("done: in/a.jpg -> ") })
    #expect(line.contains(try Regex(#"out/auto_a\.jpg \(\d+x\d+, [0-9.]+ [KMG]?B, quality \d+, SSIM 0\.9[6-9]\d\d\)"#)))
    #expect(line.contains(try Regex(#"out/fixed_a\.webp \(\d+x\d+, [0-9.]+ [KMG]?B, quality 70\)"#)))
    #expect(line.contains(try Regex(#"out/png_a\.png \(\d+x\d+, [0-9.]+ [KMG]?B\)"#)))
  }
}

/// Outputs never land on a file mediapipe did not write.
@Suite(.serialized) struct OverwriteSafetyTests {
  @Test func anOutputNeverReplacesAnotherOriginal() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/alpha.png").path, toPath: folder + "/in/a.png")
    let original = try Data(contentsOf: URL(fileURLWithPath: folder + "/in/a.jpg"))
    try "resize 50x50\ncompress jpeg\noutput \"{stem}.jpg\"\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    let result = try mediapipe(["run", "p.pipeline", "in"], in: folder)
    #expect(result.status == 1)
    #expect(
      result.stderr.contains("failed: in/a.png: cannot write output (its output in/a.jpg would overwrite another input")
    )
    #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/in/a.jpg")) == original)
  }

  @Test func aFileMediapipeDidNotWriteIsReplacedOnlyWithForce() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
    try "someone else's file".write(toFile: folder + "/out/processed_a.jpg", atomically: true, encoding: .utf8)
    let refused = try mediapipe(["run", "-o", "out", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("already exists and was not written by mediapipe"))
    #expect(try String(contentsOfFile: folder + "/out/processed_a.jpg", encoding: .utf8) == "someone else's file")
    let forced = try mediapipe(["run", "--force", "-o", "out", pipeline("resize.pipeline"), "in"], in: folder)
    #expect(forced.status == 0)
    #expect((try? String(contentsOfFile: folder + "/out/processed_a.jpg", encoding: .utf8)) == nil, "now a JPEG")
  }
}
