import Testing

@testable import MediaPipeCore

/// `compress max_bytes=`, `min_quality=` and `quality=auto`: what parses, and the
/// exact diagnostics for what does not.
@Suite struct CompressBudgetTests {
  func compress(_ source: String) throws -> Compress {
    let result = compile(source)
    return try #require(result.pipeline, "\(result.diagnostics)").variants[0].compress
  }

  @Test func sizesAreInPowersOf1000() {
    #expect(ByteCount.parse("150000") == 150_000)
    #expect(ByteCount.parse("200k") == 200_000)
    #expect(ByteCount.parse("200KB") == 200_000)
    #expect(ByteCount.parse("1.5M") == 1_500_000)
    #expect(ByteCount.parse("1.5mb") == 1_500_000)
    for bad in ["", "k", "abc", "-5k", "1e6", "0", "0.5", "1.5G", "２00k", "99999999999999999999"] {
      #expect(ByteCount.parse(bad) == nil, "\(bad)")
    }
    #expect(ByteCount.text(200_000) == "200.0 KB")
    #expect(ByteCount.text(1_500_000) == "1.5 MB")
  }

  @Test func budgetsAndAutoParse() throws {
    let jpeg = try compress("compress jpeg max_bytes=200k")
    #expect(jpeg.maxBytes == 200_000 && jpeg.minQuality == 30 && jpeg.autoQuality == nil && jpeg.searchesQuality)
    #expect(jpeg.summary == "compress: JPEG, at most 200.0 KB (quality 30 to 100)")
    let webp = try compress("compress webp quality=auto:high max_bytes=1.5M min_quality=40")
    #expect(webp.autoQuality == .high && webp.maxBytes == 1_500_000 && webp.minQuality == 40)
    #expect(
      webp.summary == "compress: WEBP, quality auto:high (SSIM at least 0.98), at most 1.5 MB (quality 40 to 100)")
    #expect(try compress("compress avif quality=auto").autoQuality == .standard)
    #expect(try compress("compress jxl quality=AUTO:LOW").autoQuality == .low)
    #expect(try compress("compress jpeg quality=75 max_bytes=100k").quality == 75)
    #expect(try compress("compress jpeg quality=75").searchesQuality == false)
  }

  @Test func badValuesSayWhereAndWhat() {
    #expect(
      errors("compress jpeg max_bytes=abc") == [
        "1:25: expected a size like 150000, 200k or 1.5M (k = 1000 bytes, M = 1,000,000) for `max_bytes`, found \"abc\""
      ])
    #expect(
      errors("compress webp quality=auto:medium") == [
        "1:23: expected a whole number from 1 to 100, or auto, auto:high, auto:low for `quality`, found \"auto:medium\""
      ])
    #expect(
      errors("compress png max_bytes=200k") == [
        "1:14: `max_bytes` does not apply to png; png takes level, palette, depth"
      ])
    #expect(
      errors("compress png quality=auto") == [
        "1:14: `quality` does not apply to png; png takes level, palette, depth"
      ])
    #expect(
      errors("compress same quality=auto") == [
        "1:23: `quality=auto` does not apply to same; it searches the quality of jpeg, webp, avif and jxl"
      ])
    #expect(
      errors("compress jpeg min_quality=40") == ["1:15: `min_quality` applies only with `max_bytes` or `quality=auto`"])
    #expect(
      errors("compress jpeg max_bytes=100k min_quality=0") == [
        "1:42: expected a whole number from 1 to 100 for `min_quality`, found \"0\""
      ])
    #expect(
      errors("compress webp max_bytes=100k lossless=yes") == [
        "1:15: `max_bytes` searches a lossy quality; it cannot be used with `lossless=yes`"
      ])
    #expect(
      errors("compress jxl max_bytes=100k distance=2") == [
        "1:14: `max_bytes` searches the quality; it cannot be used with `distance` (column 29)"
      ])
    #expect(
      errors("compress jpeg quality=50 max_bytes=100k min_quality=60") == [
        "1:41: `min_quality=60` is above `quality=50`, the highest quality `max_bytes` tries"
      ])
  }
}
