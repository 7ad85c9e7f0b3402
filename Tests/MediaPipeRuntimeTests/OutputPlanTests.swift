import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

/// Where each input's outputs go, and which inputs may not run because of where
/// they would go: decided before any image is decoded.
@Suite struct OutputPlanTests {
  func pipeline(_ source: String) throws -> Pipeline {
    let compiled = PipelineCompiler.compile(source: source, file: "t.pipeline", baseDirectory: "/")
    return try #require(compiled.pipeline, "\(compiled.diagnostics)")
  }

  /// An input as the scanner would report it (the file need not exist).
  func input(
    _ path: String, root: String? = nil, dir: String = "", format: ImageFormat? = .jpeg, size: Int = 1000
  ) -> InputFile {
    InputFile(
      path: path, root: root ?? (path as NSString).deletingLastPathComponent, relativeDirectory: dir, size: size,
      modified: 0, canonicalPath: path, format: format)
  }

  /// A folder with these (empty) files in it, for the checks that look at the disk.
  func folder(with files: [String] = []) throws -> String {
    let folder = try temporaryFolder()
    for file in files {
      let path = folder + "/" + file
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      FileManager.default.createFile(atPath: path, contents: Data([1]))
    }
    return folder
  }

  func plan(
    _ source: String, _ inputs: [InputFile], outputRoot: String? = nil, knownOutputs: Set<String> = [],
    overwrite: Bool = false, writtenByMediapipe: @escaping (String) -> Bool = { _ in false },
    allowUntrusted: Bool = false, claimed: [String: String] = [:], maxFileSize: Int? = nil
  ) throws -> OutputPlan {
    OutputPlan(
      pipeline: try pipeline(source), inputs: inputs, outputRoot: outputRoot, knownOutputs: knownOutputs,
      overwrite: overwrite, writtenByMediapipe: writtenByMediapipe, allowUntrusted: allowUntrusted, claimed: claimed,
      maxFileSize: maxFileSize)
  }

  // MARK: - Names

  @Test func oneOutputIsNamedAfterTheInputInTheFormatWritten() throws {
    let plan = try plan(
      "resize 10x10", [input("/in/a.jpg"), input("/in/b.png", format: .png), input("/in/c.heic", format: .heif)])
    #expect(
      plan.entries.map(\.outputs) == [["/in/processed_a.jpg"], ["/in/processed_b.png"], ["/in/processed_c.avif"]])
    #expect(plan.entries.allSatisfy { $0.problem == nil && $0.outputRoot == "/in" })
  }

  @Test func aCompressedFormatGivesTheExtension() throws {
    let inputs = [input("/in/a.jpg"), input("/in/b.png", format: .png)]
    #expect(
      try plan("compress webp", inputs).entries.map(\.outputs) == [["/in/processed_a.webp"], ["/in/processed_b.webp"]])
    #expect(
      try plan("compress tiff", inputs).entries.map(\.outputs) == [["/in/processed_a.tif"], ["/in/processed_b.tif"]])
  }

  @Test func variantsGetOneNameEach() throws {
    let source = """
      variant small
        resize 10x10
      variant web
        compress webp
      """
    let plan = try plan(source, [input("/in/a.jpg")])
    #expect(plan.entries.first?.outputs == ["/in/processed_a_small.jpg", "/in/processed_a_web.webp"])
  }

  @Test func aTemplateNamesTheOutputs() throws {
    let source = """
      variant large
        output "large/{stem}.{ext}"
      variant thumb
        compress webp
        output "thumbs/{name}-{variant}.{ext}"
      """
    let plan = try plan(source, [input("/in/a.jpg")])
    #expect(plan.entries.first?.outputs == ["/in/large/a.jpg", "/in/thumbs/a.jpg-thumb.webp"])
  }

  @Test func sizesInTheNameStayPatterns() throws {
    let plan = try plan("output \"{stem}-{width}x{height}.{ext}\"", [input("/in/a.jpg")])
    #expect(plan.entries.first?.outputs == ["/in/a-{width}x{height}.jpg"])
    #expect(plan.entries.first?.problem == nil)
  }

  @Test func foldersBelowTheInputRootAreMirroredBelowTheOutputRoot() throws {
    let nested = input("/in/2024/june/a.jpg", root: "/in", dir: "2024/june")
    let below = try plan("resize 10x10", [nested], outputRoot: "/out").entries.first
    #expect(below?.outputs == ["/out/2024/june/processed_a.jpg"])
    #expect(below?.outputRoot == "/out")
    let slash = try plan("resize 10x10", [nested], outputRoot: "/out/").entries.first
    #expect(slash?.outputs == ["/out/2024/june/processed_a.jpg"])
    // Without -o, next to the input: the same mirror below its own root.
    let beside = try plan("resize 10x10", [nested]).entries.first
    #expect(beside?.outputs == ["/in/2024/june/processed_a.jpg"])
  }

  @Test func aTemplateThatPlacesDirItselfIsNotMirroredTwice() throws {
    let nested = input("/in/2024/june/a.jpg", root: "/in", dir: "2024/june")
    let plan = try plan("output \"by-folder/{dir}/{stem}.{ext}\"", [nested], outputRoot: "/out")
    #expect(plan.entries.first?.outputs == ["/out/by-folder/2024/june/a.jpg"])
    // At the root, `{dir}` is empty and leaves no empty folder name.
    let top = try self.plan(
      "output \"by-folder/{dir}/{stem}.{ext}\"", [input("/in/b.jpg", root: "/in")], outputRoot: "/out")
    #expect(top.entries.first?.outputs == ["/out/by-folder/b.jpg"])
  }

  @Test func aNameThatWouldLeaveTheOutputFolderFails() throws {
    // `...jpg` has the stem `..`.
    let plan = try plan("output \"{stem}/thumb.{ext}\"", [input("/in/...jpg"), input("/in/a.jpg")])
    let entry = try #require(plan.entries.first)
    #expect(entry.problem?.reason == .cannotWriteOutput)
    #expect(entry.problem?.detail == "its output name would leave the output folder")
    #expect(entry.outputs.isEmpty)
    #expect(plan.entries.last?.problem == nil, "the next input is not affected")
  }

  @Test func twoVariantsOnOneFileFail() throws {
    // Two templates that differ only by a `./` render to the same file.
    let source = """
      variant a
        output "{stem}.png"
      variant b
        output "./{stem}.png"
      """
    let entry = try #require(try plan(source, [input("/in/a.jpg")]).entries.first)
    #expect(entry.problem?.reason == .cannotWriteOutput)
    #expect(entry.problem?.detail == "two variants would write the same file /in/a.png")
  }

  @Test func whatIsNotAnImageFailsAsSuch() throws {
    let plan = try plan("resize 10x10", [input("/in/a.jpg", format: nil, size: 0), input("/in/b.jpg", format: nil)])
    #expect(plan.entries.map(\.problem?.reason) == [.notAnImage, .notAnImage])
    #expect(plan.entries.map(\.problem?.detail) == ["the file is empty", "its content is not a known image format"])
  }

  // MARK: - Clashes

  @Test func anOutputOntoItsOwnInputFails() throws {
    let entry = try #require(try plan("output \"{name}\"", [input("/in/a.jpg")]).entries.first)
    #expect(entry.problem?.reason == .cannotWriteOutput)
    #expect(entry.problem?.remedy == .writeElsewhere)
    #expect(entry.problem?.detail.contains("overwrite the input itself") == true)
  }

  @Test func anOutputOntoAnotherInputFails() throws {
    let plan = try plan(
      "compress jpeg\noutput \"{stem}.{ext}\"",
      [
        input("/in/a.png", format: .png), input("/in/b.png", format: .png),
        input("/in/b.jpg"),
      ])
    #expect(plan.entries.map(\.input.name) == ["a.png", "b.png", "b.jpg"])
    #expect(plan.entries[0].problem == nil)
    #expect(plan.entries[1].problem?.detail == "its output /in/b.jpg would overwrite another input; change `output`")
    #expect(plan.entries[1].problem?.remedy == .writeElsewhere)
    #expect(plan.entries[2].problem?.detail.contains("overwrite the input itself") == true)
  }

  @Test func anOutputAnotherInputWritesFailsTheSecond() throws {
    let folder = try folder(with: ["a.jpg", "a.png"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let inputs = [input(folder + "/a.jpg"), input(folder + "/a.png", format: .png)]
    let plan = try plan("compress webp", inputs)
    #expect(plan.entries[0].problem == nil, "the first to claim a name keeps it")
    #expect(plan.entries[1].problem?.reason == .cannotWriteOutput)
    #expect(
      plan.entries[1].problem?.detail == "its output \(folder)/processed_a.webp is also written by \(folder)/a.jpg")
  }

  @Test func aClaimOfAnEarlierRunCountsWhileItsInputExists() throws {
    let folder = try folder(with: ["a.png", "old.jpg"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let output = folder + "/processed_a.webp"
    let mine = [input(folder + "/a.png", format: .png)]
    let claimedByOld = try plan("compress webp", mine, claimed: [output: folder + "/old.jpg"])
    #expect(claimedByOld.entries.first?.problem?.detail == "its output \(output) is also written by \(folder)/old.jpg")
    let claimedByGone = try plan("compress webp", mine, claimed: [output: folder + "/gone.jpg"])
    #expect(claimedByGone.entries.first?.problem == nil, "an input that no longer exists claims nothing")
    let claimedBySelf = try plan("compress webp", mine, claimed: [output: folder + "/a.png"])
    #expect(claimedBySelf.entries.first?.problem == nil, "an input's own earlier claim is no clash")
  }

  @Test func anExistingFileMediapipeDidNotWriteFailsUnlessOverwriting() throws {
    let folder = try folder(with: ["a.jpg", "processed_a.jpg"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let inputs = [input(folder + "/a.jpg")]
    let refused = try #require(try plan("resize 10x10", inputs).entries.first?.problem)
    #expect(refused.reason == .cannotWriteOutput)
    #expect(refused.remedy == .replaceExisting)
    #expect(refused.detail == "\(folder)/processed_a.jpg already exists and was not written by mediapipe; move it away")
    #expect(try plan("resize 10x10", inputs, overwrite: true).entries.first?.problem == nil)
    #expect(try plan("resize 10x10", inputs, writtenByMediapipe: { _ in true }).entries.first?.problem == nil)
    #expect(try plan("resize 10x10", inputs, knownOutputs: [folder + "/processed_a.jpg"]).entries.first?.problem == nil)
  }

  @Test func overwritingNeverReplacesAnInput() throws {
    let entry = try #require(try plan("output \"{name}\"", [input("/in/a.jpg")], overwrite: true).entries.first)
    #expect(entry.problem?.remedy == .writeElsewhere)
  }

  @Test func aKnownOutputIsNeverAnInput() throws {
    let plan = try plan(
      "resize 10x10", [input("/in/a.jpg"), input("/in/processed_a.jpg")], knownOutputs: ["/in/processed_a.jpg"])
    #expect(plan.entries.map(\.input.name) == ["a.jpg"])
    #expect(plan.ownOutputs.map(\.name) == ["processed_a.jpg"])
    #expect(plan.entries.first?.problem == nil)
  }

  // MARK: - Blocked formats and limits

  @Test func aBlockedFormatFailsAndClaimsNoName() throws {
    let folder = try folder(with: ["photo.bmp", "photo.png"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let inputs = [input(folder + "/photo.bmp", format: .bmp), input(folder + "/photo.png", format: .png)]
    let blocked = try plan("resize 10x10", inputs)
    #expect(blocked.entries[0].problem?.reason == .blockedFormat)
    #expect(blocked.entries[0].problem?.remedy == .allowUntrustedFormats)
    #expect(blocked.entries[1].problem == nil, "the blocked photo.bmp does not keep photo.png from its name")
    // Allowed, the BMP writes a PNG and takes the name first.
    let allowed = try plan("resize 10x10", inputs, allowUntrusted: true)
    #expect(allowed.entries[0].problem == nil)
    #expect(allowed.entries[0].outputs == [folder + "/processed_photo.png"])
    #expect(allowed.entries[1].problem?.detail.contains("is also written by \(folder)/photo.bmp") == true)
  }

  @Test func inputsOverTheFileSizeLimitFailWithTheLimit() throws {
    let plan = try plan(
      "resize 10x10",
      [
        input("/in/big.jpg", size: 2001), input("/in/edge.jpg", size: 2000),
        input("/in/text.jpg", format: nil, size: 5000),
        input("/in/doc.pdf", format: .pdf, size: 5000),
      ], maxFileSize: 2000)
    let big = try #require(plan.entries[0].problem)
    #expect(big.reason == .fileTooLarge)
    #expect(big.remedy == .raiseLimit(.fileSize(bytes: 2000)))
    #expect(plan.entries[1].problem == nil, "a file of exactly the limit passes")
    #expect(plan.entries[2].problem?.reason == .fileTooLarge, "a huge file is refused for its size, whatever it holds")
    #expect(plan.entries[3].problem?.reason == .blockedFormat, "a blocked format is said first")
  }

  @Test func anInputOverTheSizeLimitClaimsNoName() throws {
    // Like a blocked format (above), an input that will not run does not keep
    // another from its name: `a.png` writes processed_a.webp, which `a.jpg` would
    // have claimed first.
    let folder = try folder(with: ["a.jpg", "a.png"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let inputs = [input(folder + "/a.jpg", size: 5000), input(folder + "/a.png", format: .png)]
    let plan = try plan("compress webp", inputs, maxFileSize: 2000)
    #expect(plan.entries[0].problem?.reason == .fileTooLarge)
    #expect(plan.entries[1].problem == nil)
  }
}
