import CVips
import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// Opens a JPEG XL file the tests wrote: libvips's JPEG XL loader is untrusted
/// (blocked for mediapipe's inputs), so it is let through for this read only.
/// The caller holds `oneImageAtATime`.
func openJXL(_ path: String) throws -> Image {
  vips_operation_block_set("VipsForeignLoadJxl", 0)
  defer { vips_operation_block_set("VipsForeignLoadJxl", 1) }
  return try Image.open(path, sequential: false).materialized()
}

/// `compress jxl` writes JPEG XL files libjxl reads back, at the size and with the pixels asked for.
@Suite(.serialized) struct JXLOutputTests {
  /// Runs `source` over a fixture; the outputs' paths and formats.
  func run(_ source: String, _ input: String) throws -> [ImageProcessor.Output] {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let pipeline = try #require(
      PipelineCompiler.compile(source: source, file: "jxl.pipeline", baseDirectory: "/").pipeline)
    let folder = try temporaryFolder()
    return try ImageProcessor(pipeline: pipeline).process(
      .init(path: fixture(input), outputRoot: folder, relativeDirectory: "")
    ) { path, write in try write(path) }
  }

  func read(_ path: String) throws -> Image {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    return try openJXL(path)
  }

  func original(_ name: String) throws -> Image {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    return try Image.open(fixture(name), sequential: false).materialized()
  }

  @Test func lossyJXLDecodesCloseToTheSource() throws {
    let output = try #require(try run("resize 200x200\ncompress jxl quality=90", "photo.jpg").first)
    #expect(output.path.hasSuffix(".jxl") && output.format == "jxl")
    let bytes = try #require(FileManager.default.contents(atPath: output.path))
    #expect(ImageFormat.sniff(bytes) == .jxl)
    let image = try read(output.path)
    #expect((image.width, image.height) == (output.width, output.height))
    let reference = try #require(try run("resize 200x200\ncompress png", "photo.jpg").first)
    let png = try read(reference.path)
    #expect(try meanDifference(image, png) < 3)
  }

  @Test func losslessRoundTripsExactly() throws {
    for (name, sixteen) in [("alpha.png", false), ("rgb16.png", true), ("grey16.png", true)] {
      let output = try #require(try run("compress jxl lossless=yes effort=3", name).first)
      let image = try read(output.path)
      let source = try original(name)
      #expect(image.isSixteenBit == sixteen, "\(name)")
      #expect(image.bands == source.bands, "\(name)")
      #expect(try meanDifference(image, source) == 0, "\(name)")
    }
  }

  @Test func qualityDistanceAndEffortChangeTheFile() throws {
    func size(_ source: String) throws -> Int {
      let path = try #require(try run("resize 300x300\n" + source, "photo.jpg").first).path
      return try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }
    #expect(try size("compress jxl quality=20") < size("compress jxl quality=95"))
    #expect(try size("compress jxl distance=8") < size("compress jxl distance=0.5"))
    // libvips 8.14 takes efforts 3-9: 1 runs as 3, the same file.
    #expect(try size("compress jxl effort=1") == size("compress jxl effort=3"))
  }

  @Test func sixteenBitStaysSixteenBitUnlessDepthSaysEight() throws {
    let wide = try read(try #require(try run("compress jxl distance=0.5", "rgb16.png").first).path)
    #expect(wide.isSixteenBit)
    let narrow = try read(try #require(try run("compress jxl depth=8 lossless=yes", "rgb16.png").first).path)
    #expect(narrow.bandFormat == VIPS_FORMAT_UCHAR)
    #expect(try meanDifference(narrow, original("rgb16.png").eightBit()) == 0)
  }

  /// `quality=auto` searches JPEG XL too: the score the worker reports is above the
  /// floor, and an SSIM computed here on the file read back agrees with it.
  @Test func autoQualityKeepsItsFloorInJXL() throws {
    let output = try #require(try run("metadata strip\ncompress jxl quality=auto", "photo.jpg").first)
    #expect(output.format == "jxl")
    let score = try #require(output.score)
    let quality = try #require(output.quality)
    #expect(score >= Compress.AutoQuality.standard.ssimFloor || quality == 100)
    let (before, after) = (try original("photo.jpg"), try read(output.path))
    #expect(before.width == after.width && before.height == after.height)
    let search = QualitySearchTests()
    let independent = search.ssim(
      try search.luma(before), try search.luma(after), width: before.width, height: before.height)
    #expect(abs(independent - score) < 0.003, "\(independent) here, \(score) in the worker")
    // photo.jpg keeps the floor well below 100: the search chose a quality, it did not give up.
    #expect(quality < 100)
  }

  @Test func jxlInputStaysBlocked() throws {
    let output = try #require(try run("compress jxl", "photo.jpg").first)
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    #expect(throws: ImagingError.self) { try Image.open(output.path, sequential: false) }
  }
}
