import CVips
import CVipsShims
import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// `compress max_bytes=` and `compress quality=auto`, checked from outside the
/// search: sizes of files, libvips's own file savers at the next quality, and an
/// SSIM computed here in plain Swift.
@Suite(.serialized) struct QualitySearchTests {
  /// The image as the pipeline has it before encoding, for a pipeline with no
  /// image steps: the fixture decoded (these are upright 8-bit sRGB without
  /// alpha or a profile).
  func preEncode(_ name: String) throws -> Image {
    try VipsRuntime.start()
    return try Image.open(fixture(name), sequential: false).materialized()
  }

  /// The size libvips's file saver writes for `image` as `format` at `quality`,
  /// stripped like the pipeline's output (`metadata strip`; the metadata removed
  /// from the image too, as libvips 8.14.1's webpsave ignores `strip`).
  func fileSize(_ image: Image, _ format: String, quality: Int) throws -> Int {
    let path = try temporaryFolder() + "/q.\(format)"
    let bare = try image.withoutMetadata()
    try Image.check("save", cvips_save_with_options(bare.pointer, "\(path)[Q=\(quality),strip]"))
    return try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
  }

  @Test(arguments: [
    ("photo-large.jpg", "jpg", "jpeg", "60k"), ("photo-large.jpg", "webp", "webp", "40k"),
    ("photo.jpg", "jpg", "jpeg", "25k"), ("photo.jpg", "webp", "webp", "12k"),
    ("photo.webp", "webp", "webp", "3k"), ("photo.tiff", "jpg", "jpeg", "4.5k"),
  ])
  func theOutputIsTheHighestQualityThatFits(input: String, ext: String, format: String, budget: String) throws {
    let limit = try #require(ByteCount.parse(budget))
    let outputs = try process(
      "metadata strip\ncompress \(format) max_bytes=\(budget) min_quality=5", input)
    let output = try #require(outputs.first?.output)
    let size = try #require(FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int)
    #expect(size <= limit, "\(input) as \(format): \(size) bytes over \(limit)")
    let quality = try #require(output.quality)
    #expect(output.score == nil)
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    let before = try preEncode(input)
    #expect(try fileSize(before, ext, quality: quality) == size, "libvips's saver writes the same file")
    if quality < 100 {
      let next = try fileSize(before, ext, quality: quality + 1)
      #expect(next > limit, "\(input) as \(format): quality \(quality + 1) is \(next) bytes, within \(limit)")
    }
  }

  @Test func aBudgetTheImageFitsAtFullQualityKeepsQuality100() throws {
    let output = try #require(try process("compress webp max_bytes=5M", "photo.jpg").first?.output)
    #expect(output.quality == 100)
  }

  @Test func theQualityGivenIsTheHighestTried() throws {
    let output = try #require(try process("compress jpeg quality=70 max_bytes=5M", "photo.jpg").first?.output)
    #expect(output.quality == 70)
  }

  @Test func underMinQualityItFailsSayingWhatItGot() throws {
    let error = #expect(throws: ImagingError.self) {
      try process("compress jpeg max_bytes=20k min_quality=60", "photo-large.jpg")
    }
    #expect(error?.reason == .overBudget)
    #expect(error?.remedy == .loosenBudget)
    #expect(
      error?.detail.hasPrefix("cannot fit in 20.0 KB even at quality 60 (got ") == true, "\(error?.detail ?? "")")
  }

  // MARK: - quality=auto

  /// Mean SSIM (gaussian window, sigma 1.5, 11x11, Wang et al.'s constants) on
  /// Rec. 601 luma, written here from the definition: an independent check of
  /// the libvips-built one in the worker. Edges are clamped.
  func ssim(_ a: [Double], _ b: [Double], width: Int, height: Int) -> Double {
    let radius = 5
    var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
    let total = kernel.reduce(0, +)
    kernel = kernel.map { $0 / total }
    func blur(_ x: [Double]) -> [Double] {
      var rows = [Double](repeating: 0, count: x.count)
      for y in 0..<height {
        for i in 0..<width {
          var sum = 0.0
          for k in -radius...radius { sum += kernel[k + radius] * x[y * width + min(max(i + k, 0), width - 1)] }
          rows[y * width + i] = sum
        }
      }
      var out = [Double](repeating: 0, count: x.count)
      for y in 0..<height {
        for i in 0..<width {
          var sum = 0.0
          for k in -radius...radius { sum += kernel[k + radius] * rows[min(max(y + k, 0), height - 1) * width + i] }
          out[y * width + i] = sum
        }
      }
      return out
    }
    let c1: Double = (0.01 * 255) * (0.01 * 255)
    let c2: Double = (0.03 * 255) * (0.03 * 255)
    let (ma, mb) = (blur(a), blur(b))
    func product(_ x: [Double], _ y: [Double]) -> [Double] { zip(x, y).map { $0 * $1 } }
    let (saa, sbb, sab) = (blur(product(a, a)), blur(product(b, b)), blur(product(a, b)))
    var sum = 0.0
    for i in 0..<a.count {
      let (va, vb, cov) = (saa[i] - ma[i] * ma[i], sbb[i] - mb[i] * mb[i], sab[i] - ma[i] * mb[i])
      let numerator: Double = (2 * ma[i] * mb[i] + c1) * (2 * cov + c2)
      let denominator: Double = (ma[i] * ma[i] + mb[i] * mb[i] + c1) * (va + vb + c2)
      sum += numerator / denominator
    }
    return sum / Double(a.count)
  }

  func luma(_ image: Image) throws -> [Double] {
    let samples = try pixels(image.eightBit())
    let bands = image.bands
    return stride(from: 0, to: samples.count, by: bands).map { (i: Int) -> Double in
      guard bands >= 3 else { return Double(samples[i]) }
      let (r, g, b) = (Double(samples[i]), Double(samples[i + 1]), Double(samples[i + 2]))
      return 0.299 * r + 0.587 * g + 0.114 * b
    }
  }

  @Test func autoIsSmallerThanQuality82AndKeepsItsFloor() throws {
    var (autoBytes, fixedBytes) = (0, 0)
    for input in ["photo-large.jpg", "photo.jpg", "photo.webp", "photo.tiff"] {
      for format in ["jpeg", "webp"] {
        let auto = try #require(
          try process("metadata strip\ncompress \(format) quality=auto", input).first)
        let fixed = try #require(
          try process("metadata strip\ncompress \(format) quality=82", input).first)
        let score = try #require(auto.output.score)
        #expect(score >= Compress.AutoQuality.standard.ssimFloor || auto.output.quality == 100)
        autoBytes += try #require(FileManager.default.attributesOfItem(atPath: auto.output.path)[.size] as? Int)
        fixedBytes += try #require(FileManager.default.attributesOfItem(atPath: fixed.output.path)[.size] as? Int)
        oneImageAtATime.lock()
        defer { oneImageAtATime.unlock() }
        let before = try preEncode(input)
        let after = try Image.open(auto.output.path, sequential: false).materialized()
        #expect(before.width == after.width && before.height == after.height)
        let independent = ssim(try luma(before), try luma(after), width: before.width, height: before.height)
        // The two differ only in the window's edges and truncation.
        #expect(abs(independent - score) < 0.003, "\(input) \(format): \(independent) here, \(score) in the worker")
        #expect(independent >= Compress.AutoQuality.standard.ssimFloor - 0.003, "\(input) \(format)")
      }
    }
    #expect(autoBytes < fixedBytes, "quality=auto wrote \(autoBytes) bytes, quality=82 \(fixedBytes)")
  }

  @Test func autoHighKeepsMoreThanAutoLow() throws {
    let low = try #require(try process("compress webp quality=auto:low min_quality=1", "photo.jpg").first?.output)
    let high = try #require(try process("compress webp quality=auto:high min_quality=1", "photo.jpg").first?.output)
    #expect(try #require(low.quality) < (try #require(high.quality)))
    #expect(try #require(high.score) >= Compress.AutoQuality.high.ssimFloor)
    #expect(try #require(low.score) >= Compress.AutoQuality.low.ssimFloor)
  }

  /// A budget below what `auto` alone writes binds: the output is the highest quality
  /// under it (the floor is then out of reach), with its score.
  @Test func autoWithABudgetStaysUnderIt() throws {
    let free = try #require(
      try process("metadata strip\ncompress jpeg quality=auto:high min_quality=5", "photo-large.jpg").first?.output)
    let freeSize = try #require(FileManager.default.attributesOfItem(atPath: free.path)[.size] as? Int)
    // Halfway between the smallest it can be and what auto writes.
    let budget = (try fileSize(try preEncode("photo-large.jpg"), "jpg", quality: 5) + freeSize) / 2
    let output = try #require(
      try process(
        "metadata strip\ncompress jpeg quality=auto:high max_bytes=\(budget) min_quality=5", "photo-large.jpg"
      )
      .first?.output)
    let size = try #require(FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int)
    #expect(size <= budget)
    let quality = try #require(output.quality)
    #expect(quality < (try #require(free.quality)))
    #expect(try fileSize(try preEncode("photo-large.jpg"), "jpg", quality: quality + 1) > budget)
    #expect(output.score != nil)
  }

  /// The SSIM of two images' lumas, as `quality=auto` scores (`cvips_luma`, `cvips_ssim`).
  func lumaSSIM(_ a: Image, _ b: Image) throws -> Double {
    let (la, lb) = (
      try Image.call("luma") { cvips_luma(a.pointer, $0) }, try Image.call("luma") { cvips_luma(b.pointer, $0) }
    )
    var ssim = 0.0
    try Image.check("ssim", cvips_ssim(la.pointer, lb.pointer, &ssim))
    return ssim
  }

  /// `cvips_ssim` (one pass over the rows, in C) gives what `cvips_ssim_reference`
  /// (libvips's gaussblur and arithmetic) gives, bit for bit: on generated images at
  /// every size edge (1 pixel, one row, one column, narrower and shorter than the
  /// window) with 1 to 4 bands, noisy, flat and all-extreme, and on photos against
  /// their own JPEG at quality 30 (CMYK and grey among them).
  @Test func theOnePassSSIMIsLibvipsBitForBit() throws {
    try VipsRuntime.start()
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt8 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
    func compare(_ a: Image, _ b: Image, _ what: String) throws {
      let (la, lb) = (
        try Image.call("luma") { cvips_luma(a.pointer, $0) }, try Image.call("luma") { cvips_luma(b.pointer, $0) }
      )
      var (fast, reference) = (0.0, 0.0)
      try Image.check("ssim", cvips_ssim(la.pointer, lb.pointer, &fast))
      try Image.check("ssim", cvips_ssim_reference(la.pointer, lb.pointer, &reference))
      #expect(fast.bitPattern == reference.bitPattern, "\(what): \(fast) against \(reference)")
    }
    // 513x200 of unrelated noise: a low SSIM, whose sum rounds (the order it is summed in counts).
    for (width, height) in [(1, 1), (1, 9), (9, 1), (2, 3), (4, 4), (5, 11), (13, 8), (64, 33), (257, 19), (513, 200)] {
      for bands in 1...4 {
        let count = width * height * bands
        let noise = (0..<count).map { _ in next() }
        let near = noise.map { UInt8(clamping: Int($0) + Int(next() % 21) - 10) }
        let other = (0..<count).map { _ in next() }
        let flat = [UInt8](repeating: 128, count: count)
        let extremes = (0..<count).map { index -> UInt8 in (index / bands + index / (width * bands)) % 2 == 0 ? 0 : 255
        }
        func image(_ samples: [UInt8]) throws -> Image {
          try generatedImage(width: width, height: height, bands: bands) { x, y in
            Array(samples[(y * width + x) * bands..<(y * width + x + 1) * bands])
          }
        }
        for (name, a, b) in [
          ("noise, near", noise, near), ("noise, other", noise, other), ("noise, flat", noise, flat),
          ("flat, flat", flat, flat),
          ("extremes, noise", extremes, noise), ("extremes, flat", extremes, flat),
        ] {
          try compare(try image(a), try image(b), "\(width)x\(height), \(bands) bands, \(name)")
        }
      }
    }
    // A sample that is not a number (a float TIFF can hold one): both fail, with a message.
    let samples: [Float] = [1, 2, .nan, 4, 5, 6]
    let nan = try samples.withUnsafeBytes {
      Image(owning: try #require(vips_image_new_from_memory_copy($0.baseAddress, $0.count, 3, 2, 1, VIPS_FORMAT_FLOAT)))
    }
    var score = 0.0
    vips_error_clear()
    #expect(cvips_ssim(nan.pointer, nan.pointer, &score) != 0)
    #expect(String(cString: vips_error_buffer()).contains("not finite"))
    #expect(cvips_ssim_reference(nan.pointer, nan.pointer, &score) != 0)
    vips_error_clear()
    // 16-bit lumas (on the 8-bit scale, fractions kept) against their 8-bit selves; alpha flattened.
    for name in ["rgb16.png", "grey16.png", "alpha.png"] {
      try compare(try preEncode(name), try preEncode(name).eightBit(), name + " against 8 bits")
    }
    let folder = try temporaryFolder()
    for name in ["photo.jpg", "photo-large.jpg", "grey.jpg", "cmyk.jpg", "orient-6.jpg", "p3.png", "adobergb.png"] {
      let run = Process()
      run.executableURL = URL(fileURLWithPath: "/usr/bin/vips")
      run.arguments = ["copy", fixture(name), folder + "/\(name).jpg[Q=30]"]
      try run.run()
      run.waitUntilExit()
      #expect(run.terminationStatus == 0, "\(name)")
      try compare(try preEncode(name), try Image.open(folder + "/\(name).jpg", sequential: false), name)
    }
  }

  /// A CMYK image (kept so with `metadata keep=icc`) is scored on the colours its
  /// four inks make: its first three bands are not red, green and blue, and a
  /// change in black alone must count.
  @Test func cmykIsScoredOnItsColoursBlackIncluded() throws {
    let cmyk = try preEncode("cmyk.jpg")
    #expect(cmyk.interpretation == VIPS_INTERPRETATION_CMYK && cmyk.bands == 4)
    // The same image as sRGB scores as the same picture.
    let srgb = try cmyk.colourspace(VIPS_INTERPRETATION_sRGB)
    #expect(try lumaSSIM(cmyk, srgb) > 0.999)
    // Half the black, cyan, magenta and yellow untouched: a different picture.
    let folder = try temporaryFolder()
    let run = Process()
    run.executableURL = URL(fileURLWithPath: "/usr/bin/vips")
    run.arguments = ["linear", fixture("cmyk.jpg"), folder + "/k.tif", "1 1 1 0.5", "0 0 0 0", "--uchar"]
    try run.run()
    run.waitUntilExit()
    #expect(run.terminationStatus == 0)
    let lighterBlack = try Image.open(folder + "/k.tif", sequential: false)
    #expect(lighterBlack.interpretation == VIPS_INTERPRETATION_CMYK)
    #expect(try lumaSSIM(cmyk, lighterBlack) < 0.98)
  }
}
