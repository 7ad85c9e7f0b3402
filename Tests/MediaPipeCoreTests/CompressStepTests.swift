import Testing

@testable import MediaPipeCore

/// `compress jxl` and `depth=`: what parses, and the exact diagnostics for what does not.
@Suite struct CompressStepTests {
  func compress(_ source: String) throws -> Compress {
    let result = compile(source)
    return try #require(result.pipeline, "\(result.diagnostics)").variants[0].compress
  }

  @Test func jxlTakesQualityOrDistanceEffortAndLossless() throws {
    let q = try compress("compress jxl quality=90 effort=9")
    #expect(q.format == .jxl && q.quality == 90 && q.distance == nil && q.effort == 9)
    #expect(q.summary == "compress: JPEG XL, quality 90, effort 9")
    let d = try compress("compress jxl distance=0.5 effort=1")
    #expect(d.distance == 0.5 && d.quality == nil && d.effort == 1)
    #expect(d.summary == "compress: JPEG XL, distance 0.5, effort 1")
    #expect(try compress("compress jxl lossless=yes").summary == "compress: JPEG XL, lossless")
    #expect(try compress("compress jxl").summary == "compress: JPEG XL, distance 1")
    #expect(Compress.Format.jxl.fileExtension == "jxl" && Compress.Format.jxl.matches(extension: "jxl"))
  }

  @Test func jxlDiagnostics() {
    #expect(
      errors("compress jxl quality=90 distance=2") == [
        "1:25: `distance` and `quality` (column 14) both set how lossy JPEG XL is; give one of them"
      ])
    #expect(
      errors("compress jxl distance=2 quality=90") == [
        "1:25: `quality` and `distance` (column 14) both set how lossy JPEG XL is; give one of them"
      ])
    #expect(errors("compress jxl distance=16") == ["1:23: expected a number from 0 to 15 for `distance`, found \"16\""])
    #expect(
      errors("compress jxl distance=far") == ["1:23: expected a number from 0 to 15 for `distance`, found \"far\""])
    #expect(errors("compress jxl effort=0") == ["1:21: expected a whole number from 1 to 9 for `effort`, found \"0\""])
    #expect(
      errors("compress jxl quality=101") == [
        "1:22: expected a whole number from 1 to 100, or auto, auto:high, auto:low for `quality`, found \"101\""
      ]
    )
    #expect(errors("compress jxl lossless=maybe").first?.hasPrefix("1:23: expected yes or no") == true)
    #expect(
      errors("compress webp distance=1") == [
        "1:15: `distance` does not apply to webp; webp takes quality, lossless, effort, max_bytes, min_quality"
      ])
    #expect(
      errors("compress jxl level=3") == [
        "1:14: `level` does not apply to jxl; jxl takes quality, distance, effort, lossless, depth, max_bytes, min_quality"
      ])
  }

  @Test func depthIsEightOrSixteenForFormatsThatHoldSixteen() throws {
    #expect(try compress("compress png").depth == nil)
    #expect(try compress("compress png depth=8").depth == .eight)
    #expect(try compress("compress tiff depth=16").depth == .sixteen)
    #expect(try compress("compress same depth=8").depth == .eight)
    #expect(try compress("compress jxl depth=16").depth == .sixteen)
    #expect(try compress("compress png depth=8").summary == "compress: PNG, level 6, 8-bit")
    #expect(errors("compress png depth=12") == ["1:20: expected one of 8, 16 for `depth`, found \"12\""])
    #expect(
      errors("compress jpeg depth=16") == [
        "1:15: `depth` does not apply to jpeg; jpeg takes quality, progressive, subsample, optimize, background, max_bytes, min_quality"
      ])
    #expect(
      errors("compress png palette=yes depth=16") == [
        "1:26: `depth=16` cannot be written with `palette=yes` (a palette holds 8-bit colours)"
      ])
    #expect(
      errors("compress tiff compression=jpeg depth=16") == [
        "1:32: `depth=16` cannot be written with `compression=jpeg` (JPEG holds 8 bits)"
      ])
  }

  @Test func sameWritesJXLOnlyForJXLInput() {
    #expect(ImageFormat.jxl.writableFormat == .jxl)
    #expect(ImageFormat.jp2.writableFormat == .png)
    for format in ImageFormat.allCases where format != .jxl {
      #expect(format.writableFormat != .jxl)
    }
  }
}
