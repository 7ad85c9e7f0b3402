import CVips
import CVipsShims
import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// A 16-bit image made from a function of the pixel position: `bands` 1 (GREY16),
/// 2 (GREY16 and alpha), 3 (RGB16) or 4 (RGB16 and alpha).
func generated16BitImage(width: Int, height: Int, bands: Int, _ pixel: (_ x: Int, _ y: Int) -> [UInt16]) throws
  -> Image
{
  var samples = [UInt16](repeating: 0, count: width * height * bands)
  for y in 0..<height {
    for x in 0..<width {
      let value = pixel(x, y)
      for b in 0..<bands { samples[(y * width + x) * bands + b] = value[b] }
    }
  }
  let image = try samples.withUnsafeBytes {
    Image(
      owning: try #require(
        vips_image_new_from_memory_copy(
          $0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_USHORT)))
  }
  image.pointer.pointee.Type = bands < 3 ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_RGB16
  return image
}

/// The mean absolute difference of two same-sized images' samples, on the 0-255
/// scale (16-bit samples are divided by 257).
func meanDifference(_ a: Image, _ b: Image) throws -> Double {
  let pa = try pixels(a), pb = try pixels(b)
  if !a.isSixteenBit && !b.isSixteenBit {
    guard pa.count == pb.count, !pa.isEmpty else { return .infinity }
    var total = 0
    for i in 0..<pa.count { total += abs(Int(pa[i]) - Int(pb[i])) }
    return Double(total) / Double(pa.count)
  }
  /// Samples on the 0-65535 scale.
  func wide(_ bytes: [UInt8], sixteen: Bool) -> [Int] {
    guard sixteen else { return bytes.map { Int($0) * 257 } }
    return stride(from: 0, to: bytes.count - 1, by: 2).map { Int(bytes[$0]) | Int(bytes[$0 + 1]) << 8 }
  }
  let sa = wide(pa, sixteen: a.isSixteenBit), sb = wide(pb, sixteen: b.isSixteenBit)
  guard sa.count == sb.count, !sa.isEmpty else { return .infinity }
  var total = 0
  for i in 0..<sa.count { total += abs(sa[i] - sb[i]) }
  return Double(total) / 257 / Double(sa.count)
}

/// 16-bit PNG and TIFF inputs stay 16-bit through every step when the output
/// holds 16 bits; 8-bit outputs get values scaled (v/257), never cut off at 255.
@Suite(.serialized) struct DepthTests {
  /// A smooth 16-bit gradient whose blue is far above 255 (a cast to 8 bits would clip it).
  static func gradient(bands: Int = 3) throws -> String {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let image = try generated16BitImage(width: 240, height: 160, bands: bands) { x, y in
      let r = UInt16(x * 65535 / 239), g = UInt16(y * 65535 / 159)
      let alpha = UInt16(x < 40 ? 0 : 65535)
      switch bands {
      case 1: return [r]
      case 2: return [r, alpha]
      case 3: return [r, g, 60000]
      default: return [r, g, 60000, alpha]
      }
    }
    return try savedPNG(image, name: "gradient16-\(bands).png")
  }

  /// The input itself, opened.
  func source(_ path: String) throws -> Image {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    return try Image.open(path, sequential: false).materialized()
  }

  @Test func pngStaysSixteenBitAndMatchesLibvipsResize() throws {
    let path = try Self.gradient()
    let out = try single("resize 120x80\ncompress png", path)
    #expect(out.bandFormat == VIPS_FORMAT_USHORT && out.interpretation == VIPS_INTERPRETATION_RGB16)
    #expect((out.width, out.height) == (120, 80))
    let expected = try source(path).calling("resize", ["scale": .double(0.5)])
    #expect(try meanDifference(out, expected) < 0.05)  // on the 0-255 scale: a few 16-bit levels
    let blue = try out.pixel(x: 60, y: 40)[2]
    #expect(abs(blue - 60000) <= 2, "blue \(blue)")
  }

  @Test func tiffAndSameKeepSixteenBits() throws {
    let path = try Self.gradient()
    for source in ["compress tiff", "compress same", "crop 100x100\ncompress tiff compression=deflate"] {
      let out = try single(source, path)
      #expect(out.bandFormat == VIPS_FORMAT_USHORT, "\(source)")
      #expect(abs(try out.pixel(x: 50, y: 50)[2] - 60000) <= 1, "\(source)")
    }
  }

  @Test func jpegGetsScaledValues() throws {
    let path = try Self.gradient()
    let src = try source(path)
    let out = try single("compress jpeg quality=95 subsample=off", path)
    #expect(out.bandFormat == VIPS_FORMAT_UCHAR)
    for (x, y) in [(10, 10), (120, 80), (230, 150)] {
      let expected = try src.pixel(x: x, y: y).map { Int(($0 / 257).rounded()) }
      let got = try out.rgb(x, y)
      #expect(close(got, expected, tolerance: 3), "(\(x), \(y)): \(got) vs \(expected)")
    }
    #expect(abs(try out.rgb(120, 80)[2] - 233) <= 2)  // 60000 / 257, not 255
  }

  @Test func eightBitSaversAllScale() throws {
    let path = try Self.gradient()
    // The gradient's samples divided by 257 and rounded, computed here (not by mediapipe):
    // a shift by 8 bits would be half a level off on average, a cast 92 levels.
    let expected = try generatedImage(width: 240, height: 160) { x, y in
      [x * 65535 / 239, y * 65535 / 159, 60000].map { UInt8((Double($0) / 257).rounded()) }
    }
    for source in ["compress webp lossless=yes", "compress png depth=8", "compress tiff depth=8", "compress gif"] {
      let out = try single(source, path)
      #expect(out.bandFormat == VIPS_FORMAT_UCHAR, "\(source)")
      let tolerance = source.contains("gif") ? 8.0 : 0.01
      #expect(try meanDifference(out, expected) <= tolerance, "\(source)")
    }
    // depth=8 is exactly v/257, rounded.
    let png = try single("compress png depth=8", path)
    #expect(try png.rgb(120, 80) == [Int((120 * 65535 / 239 as Int).asDouble / 257 + 0.5), 128, 233])
  }

  @Test func greyAndAlphaKeepTheirBands() throws {
    let grey = try single("compress png", fixture("grey16.png"))
    #expect(grey.bandFormat == VIPS_FORMAT_USHORT && grey.bands == 1)
    let grey8 = try single("compress png depth=8", fixture("grey16.png"))
    #expect(grey8.bandFormat == VIPS_FORMAT_UCHAR && grey8.bands == 1)
    let src = try source(fixture("grey16.png"))
    #expect(try meanDifference(grey8, src.eightBit()) < 0.01)
    #expect(abs(try grey8.pixel(x: 100, y: 100)[0] - (try src.pixel(x: 100, y: 100)[0] / 257)) <= 0.5)

    let alpha = try Self.gradient(bands: 4)
    let png = try single("resize 120x80\ncompress png", alpha)
    #expect(png.bandFormat == VIPS_FORMAT_USHORT && png.bands == 4)
    #expect(try png.pixel(x: 5, y: 40)[3] == 0 && png.pixel(x: 100, y: 40)[3] == 65535)
    let jpeg = try single("compress jpeg quality=95", alpha)
    #expect(close(try jpeg.rgb(5, 80), [255, 255, 255], tolerance: 2))  // transparent: the white background
    #expect(abs(try jpeg.rgb(120, 80)[2] - 233) <= 2)
    let greyAlpha = try single("compress png", try Self.gradient(bands: 2))
    #expect(greyAlpha.bandFormat == VIPS_FORMAT_USHORT && greyAlpha.bands == 2)
  }

  @Test func depthSixteenWidensAnEightBitImage() throws {
    let out = try single("compress png depth=16", fixture("photo.jpg"))
    #expect(out.bandFormat == VIPS_FORMAT_USHORT && out.interpretation == VIPS_INTERPRETATION_RGB16)
    let jpeg = try source(fixture("photo.jpg"))
    #expect(try meanDifference(out, jpeg) < 0.01)
  }

  /// A 16-bit CMYK TIFF goes to sRGB through libvips's CMYK profile in 16 bits
  /// (icc_transform writes 8 bits unless told): RGB16 out, with the colours the
  /// same image gets in 8 bits.
  @Test func cmykConvertsToSRGBInSixteenBits() throws {
    let (wide, narrow): (String, String) = try {
      oneImageAtATime.lock()
      defer { oneImageAtATime.unlock() }
      try VipsRuntime.start()
      let cmyk = try generated16BitImage(width: 120, height: 80, bands: 4) { x, y in
        [UInt16(x * 65535 / 119), UInt16(y * 65535 / 79), 20000, 5000]
      }
      cmyk.pointer.pointee.Type = VIPS_INTERPRETATION_CMYK
      let folder = try temporaryFolder()
      let paths = (folder + "/cmyk16.tif", folder + "/cmyk8.tif")
      try Image.check("tiffsave", cvips_save_with_options(cmyk.pointer, paths.0))
      let eight = try cmyk.eightBit()
      try withExtendedLifetime(eight) { try Image.check("tiffsave", cvips_save_with_options(eight.pointer, paths.1)) }
      return paths
    }()
    #expect(try source(wide).interpretation == VIPS_INTERPRETATION_CMYK && source(wide).isSixteenBit)
    let out = try single("compress tiff", wide)
    let eight = try single("compress tiff", narrow)
    #expect(out.bandFormat == VIPS_FORMAT_USHORT && out.interpretation == VIPS_INTERPRETATION_RGB16 && out.bands == 3)
    #expect(eight.bandFormat == VIPS_FORMAT_UCHAR && eight.bands == 3)
    let difference = try meanDifference(out, eight)
    #expect(difference < 1.0, "mean difference \(difference) from the 8-bit result")
  }

  /// Every step on a 16-bit image does what it does on the same image in 8 bits:
  /// stamps, backgrounds and thresholds scaled to 16 bits, nothing clipped.
  @Test(arguments: [
    "resize 120x120 fit=cover", "crop 100x60 gravity=right", "rotate 90", "flip", "flop",
    "watermark image=logo.png width=40% position=centre opacity=0.7",
    "watermark text=\"mediapipe\" size=20% color=red opacity=0.8 position=tile",
    "pad 1:1 background=#ff8000", "resize 300x300 fit=contain background=#00ff0080", "grayscale", "blur sigma=2",
    "sharpen", "trim threshold=20",
  ])
  func stepsWorkInSixteenBits(_ step: String) throws {
    let bands = step.hasPrefix("blur") || step.hasPrefix("sharpen") ? 4 : 3
    let path = try Self.gradient(bands: bands)
    let narrow: String = try {
      oneImageAtATime.lock()
      defer { oneImageAtATime.unlock() }
      return try savedPNG(try Image.open(path, sequential: false).eightBit(), name: "gradient8.png")
    }()
    let wide = try single("\(step)\ncompress png", path)
    let eight = try single("\(step)\ncompress png", narrow)
    #expect(wide.bandFormat == VIPS_FORMAT_USHORT, "\(step)")
    #expect(eight.bandFormat == VIPS_FORMAT_UCHAR, "\(step)")
    #expect((wide.width, wide.height, wide.bands) == (eight.width, eight.height, eight.bands), "\(step)")
    let difference = try meanDifference(wide, eight)
    #expect(difference < 1.0, "\(step): mean difference \(difference) from the 8-bit result")
  }
}

extension Int {
  fileprivate var asDouble: Double { Double(self) }
}
