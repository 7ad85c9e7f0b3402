import CVips
import CVipsShims
import Foundation
import Testing

@testable import MediaPipeImaging

/// Inputs the fuzz targets in fuzz/ found failing (docs/fuzzing.md), fed through
/// the code path that failed, so the fix stays fixed.
@Suite struct FuzzRegressionTests {
  /// An image built the way fuzz/transposed_resize/harness.c builds one from its input:
  /// sides, bands and target size from the first 9 bytes, the rest a pixel pattern repeated.
  private func transposedResizeCase(_ input: [UInt8]) throws -> (image: Image, targetWidth: Int, targetHeight: Int) {
    func be16(_ i: Int) -> Int { Int(input[i]) << 8 | Int(input[i + 1]) }
    let width = 1 + be16(0) % 1000
    let height = 1 + be16(2) % min(1000, 200_000 / width)
    let bands = 1 + Int(input[4]) % 4
    let pattern = input.dropFirst(9)
    let bytes = (0..<width * height * bands).map { pattern[pattern.startIndex + $0 % pattern.count] }
    let pointer = try #require(
      bytes.withUnsafeBytes {
        vips_image_new_from_memory_copy(
          $0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR)
      })
    return (Image(owning: pointer), 1 + be16(5) % width, 1 + be16(7) % height)
  }

  /// transposed_resize: the fuzzer's first find, a 2-band 2000x3 image to 5x1 (a
  /// horizontal reduction of 400), failed with libvips's "reducev: reduce factor too
  /// large": lanczos3 over a reduction past ~333 needs more than the reducer's 2000
  /// points. Reductions past 300 now box-shrink first.
  @Test(arguments: [
    // The fuzzer's input (width-1, height-1, bands-1, target width and height selectors, pattern)
    // with the width re-encoded for the harness's bound of 1000: 1000x3 to 2x1, a reduction of 500.
    [0x03, 0xE7, 0x00, 0x02, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0xFF, 0x10] as [UInt8],
    // 500x400 grey to 1x1: past 300 on both axes.
    [0x01, 0xF3, 0x01, 0x8F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56],
  ])
  func transposedResizeTakesAnyReduction(input: [UInt8]) throws {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let (image, targetWidth, targetHeight) = try transposedResizeCase(input)
    let hscale = Double(targetWidth) / Double(image.width)
    let vscale = Double(targetHeight) / Double(image.height)
    let resized = try Image.call("resize") { cvips_resize_transposed(image.pointer, $0, hscale, vscale) }
    #expect((resized.width, resized.height, resized.bands) == (targetWidth, targetHeight, image.bands))
    // The pattern's mean survives any amount of averaging.
    let mean = try pixels(resized).map(Double.init).reduce(0, +) / Double(targetWidth * targetHeight * image.bands)
    let patternMean = input.dropFirst(9).map(Double.init).reduce(0, +) / Double(input.count - 9)
    #expect(abs(mean - patternMean) < 40, "mean \(mean), pattern's \(patternMean)")
  }

  /// The same through a pipeline: a tall 30x4000 PNG turned a quarter and resized to
  /// 10 pixels wide (a reduction of 400) used to fail with "reduce factor too large".
  @Test func aPipelineResizeByMoreThan333Works() throws {
    let folder = try temporaryFolder()
    let path = folder + "/tall.png"
    do {
      oneImageAtATime.lock()
      defer { oneImageAtATime.unlock() }
      try VipsRuntime.start()
      let bytes = (0..<30 * 4000).map { UInt8(truncatingIfNeeded: $0 / 30) }
      let pointer = try #require(
        bytes.withUnsafeBytes {
          vips_image_new_from_memory_copy($0.baseAddress, $0.count, 30, 4000, 1, VIPS_FORMAT_UCHAR)
        })
      try Image.check("pngsave", cvips_pngsave(pointer, path, 1, 0, 1))
      g_object_unref(pointer)
    }
    let image = try single("rotate 90\nresize 10x\ncompress png\noutput \"{stem}-small.png\"", path)
    #expect((image.width, image.height) == (10, 1))
  }

  /// ssim: cvips_luma flattened alpha with a background of three values, read from a
  /// three-element array; libvips takes a colour image of 4 or more bands (CMYK 5)
  /// and a grey one of 2 or more as having alpha, and flatten wants a value for every
  /// other band, so with CMYK and alpha, or sRGB with extra samples, it read past the array (AddressSanitizer: stack-buffer-overflow, on the
  /// fuzz seeds `five-and-six-bands` and `cmyk-alpha.tif`). `compress quality=auto`
  /// hands cvips_luma such an image as it is (a 6-band TIFF arrives with 6). The
  /// bytes read past the array only set the background of bands that luma drops, so
  /// outside AddressSanitizer the old code gave these same values: this test pins
  /// the result, the fuzz target catches the read.
  @Test(arguments: [5, 6])
  func lumaTakesImagesWithMoreThanFourBands(bands: Int) throws {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let (width, height) = (7, 3)
    let samples = (0..<width * height * bands).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
    let pointer = try #require(
      samples.withUnsafeBytes {
        vips_image_new_from_memory_copy(
          $0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR)
      })
    // Labelled sRGB, as libvips loads a TIFF with extra samples (a memory image is
    // "multiband", which libvips never takes as having alpha).
    let image = try Image(owning: pointer).interpreted(as: VIPS_INTERPRETATION_sRGB)
    #expect(image.hasAlpha)
    let luma = try Image.call("luma") { cvips_luma(image.pointer, $0) }
    #expect((luma.width, luma.height, luma.bands) == (width, height, 1))
    let values = try pixels(luma).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    for pixel in 0..<width * height {
      let p = samples[(pixel * bands)..<(pixel * bands + bands)].map(Double.init)
      let alpha = p[bands - 1] / 255
      // On white, then Rec. 601; libvips's flatten truncates to whole levels.
      let rgb = p.prefix(3).map { alpha * $0 + (1 - alpha) * 255 }
      let expected = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
      #expect(abs(Double(values[pixel]) - expected) <= 1.001, "pixel \(pixel)")
    }
  }
}
