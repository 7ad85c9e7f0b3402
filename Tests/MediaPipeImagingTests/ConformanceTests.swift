import CVips
import Foundation
import MediaPipeCore
import TestSupport
import Testing

@testable import MediaPipeImaging

/// Every fast path against libvips's plain route, over a broad generated matrix:
/// EXIF orientations 1-8, JPEG flavours (baseline, progressive, 4:2:0/4:2:2/4:4:4,
/// greyscale, CMYK, restart markers), PNG 8/16-bit with and without alpha and with
/// a palette, WebP, TIFF, GIF, HEIC and AVIF, sizes from 1x1 to larger than the
/// target; crossed with resizes of every fit, crops, turns, flips, watermarks,
/// variants and every output format.
///
/// For each case: no error, the expected dimensions, the scene upright (its
/// quadrant colours where they should be), and pixels within `tolerance` of the
/// reference route (mean absolute difference over all samples, 0-255).
@Suite(.serialized) struct ConformanceTests {
  /// Mean absolute difference allowed between the fast and the reference route.
  /// The routes shrink differently on purpose (libjpeg's DCT scaling, the 1/8
  /// DC-scan decode and a lanczos3 over the whole reduction, against
  /// vips_thumbnail's shrink-on-load with a factor of two kept), so they agree
  /// to within JPEG noise, not to the bit. A turned, shifted or wrongly sized
  /// result differs by tens.
  static let tolerance = 3.0
  /// CMYK: the fast route resizes in CMYK and converts to sRGB after, libvips's
  /// thumbnail converts first; both are right, and differ a little more.
  static let cmykTolerance = 4.0
  /// Outputs at most eight pixels across (a 25x4000 strip resized into a box):
  /// lanczos3 over the whole reduction (fast) and libvips's box pre-shrink then
  /// lanczos3 (reference) weigh the few source pixels of each output pixel
  /// differently; both are right.
  static let thinTolerance = 5.0

  /// A pipeline of the matrix, and what it does to the upright size and the quadrants.
  struct Case: Sendable {
    var name: String
    var source: String
    /// The expected output size for an upright input size (nil: only compare the routes).
    var size: @Sendable (Int, Int) -> (Int, Int)?
    /// Where each quadrant's colour ends up (nil: not checked, e.g. crops).
    var turn: Turn?
    /// Quadrants a watermark may cover.
    var covered: Set<Quadrant> = []
    /// The outputs are 16-bit and compared at 16 bits (on the 0-255 scale).
    var sixteen = false
  }

  enum Turn { case none, quarter, half, threeQuarters, upsideDown, mirrored }

  static func fit(_ w: Int, _ h: Int, box: (Int, Int), cover: Bool = false, enlarge: Bool = false) -> (Int, Int) {
    let rx = Double(box.0) / Double(w), ry = Double(box.1) / Double(h)
    var s = cover ? max(rx, ry) : min(rx, ry)
    if !enlarge { s = min(s, 1) }
    return (max(1, Int((Double(w) * s).rounded())), max(1, Int((Double(h) * s).rounded())))
  }

  static let cases: [Case] = [
    Case(name: "no steps", source: "", size: { ($0, $1) }, turn: Turn.none),
    Case(name: "compress jpeg", source: "compress jpeg quality=90", size: { ($0, $1) }, turn: Turn.none),
    Case(
      name: "resize inside", source: "resize 300x200",
      size: { w, h in
        // Lands exactly on the box side it fits.
        let (fw, fh) = fit(w, h, box: (300, 200))
        return (fw, fh)
      }, turn: Turn.none),
    Case(
      name: "resize inside enlarge", source: "resize 300x200 enlarge=yes",
      size: { fit($0, $1, box: (300, 200), enlarge: true) }, turn: Turn.none),
    Case(
      name: "resize cover", source: "resize 120x120 fit=cover",
      size: { w, h in
        let (sw, sh) = fit(w, h, box: (120, 120), cover: true)
        let k = min(1, Double(sw) / 120, Double(sh) / 120)
        return (min(sw, max(1, Int((120 * k).rounded()))), min(sh, max(1, Int((120 * k).rounded()))))
      }, turn: nil),
    Case(
      name: "resize cover enlarge", source: "resize 120x90 fit=cover enlarge=yes", size: { _, _ in (120, 90) },
      turn: nil),
    Case(
      name: "resize contain enlarge", source: "resize 200x200 fit=contain enlarge=yes background=black",
      size: { _, _ in (200, 200) }, turn: nil),
    Case(
      name: "resize contain", source: "resize 200x200 fit=contain background=black", size: { _, _ in nil }, turn: nil),
    Case(
      name: "resize fill enlarge", source: "resize 150x100 fit=fill enlarge=yes", size: { _, _ in (150, 100) },
      turn: Turn.none),
    Case(
      name: "resize fill", source: "resize 150x100 fit=fill", size: { w, h in (min(w, 150), min(h, 100)) },
      turn: Turn.none),
    Case(
      name: "resize outside", source: "resize 100x100 fit=outside", size: { fit($0, $1, box: (100, 100), cover: true) },
      turn: Turn.none),
    Case(
      name: "resize 50%", source: "resize 50%",
      size: { w, h in (max(1, Int((Double(w) / 2).rounded())), max(1, Int((Double(h) / 2).rounded()))) },
      turn: Turn.none),
    Case(name: "crop", source: "crop 100x80", size: { w, h in (min(w, 100), min(h, 80)) }, turn: nil),
    Case(name: "trim", source: "trim", size: { _, _ in nil }, turn: nil),
    Case(name: "pad", source: "pad 1:1 gravity=bottom", size: { w, h in (max(w, h), max(w, h)) }, turn: nil),
    Case(name: "rotate 90", source: "rotate 90", size: { ($1, $0) }, turn: .quarter),
    Case(name: "rotate 180", source: "rotate 180", size: { ($0, $1) }, turn: .half),
    Case(
      name: "rotate 270 after resize", source: "resize 300x300\nrotate 270",
      size: { w, h in
        let (a, b) = fit(w, h, box: (300, 300))
        return (b, a)
      }, turn: .threeQuarters),
    Case(name: "flip", source: "flip", size: { ($0, $1) }, turn: .upsideDown),
    Case(name: "flop", source: "flop", size: { ($0, $1) }, turn: .mirrored),
    Case(
      name: "text watermark top-left", source: "watermark text=\"© mediapipe\" size=5% position=top-left",
      size: { ($0, $1) }, turn: Turn.none, covered: [.topLeft]),
    Case(
      name: "image watermark centre", source: "resize 300x300\nwatermark image=logo.png width=30% position=centre",
      size: { fit($0, $1, box: (300, 300)) }, turn: nil),
    Case(
      name: "image watermark wider than the image", source: "watermark image=logo.png width=100% position=top margin=0",
      size: { ($0, $1) }, turn: nil),
    Case(
      name: "web",
      source: "resize 1600x1600\nwatermark text=\"© 2026\" size=2% color=white opacity=0.5\ncompress jpeg quality=82",
      size: { fit($0, $1, box: (1600, 1600)) }, turn: Turn.none, covered: [.bottomRight]),
    Case(
      name: "variants",
      source:
        "variant large\n  resize 400x400\n  compress jpeg\nvariant thumb\n  resize 64x64 fit=cover\n  compress webp\n",
      size: { _, _ in nil }, turn: nil),
    Case(name: "sharpen", source: "resize 300x300\nsharpen", size: { fit($0, $1, box: (300, 300)) }, turn: Turn.none),
    Case(name: "grayscale", source: "grayscale", size: { ($0, $1) }, turn: nil),
    Case(name: "blur", source: "resize 300x300\nblur sigma=2", size: { fit($0, $1, box: (300, 300)) }, turn: Turn.none),
    Case(name: "png", source: "resize 200x200\ncompress png", size: { fit($0, $1, box: (200, 200)) }, turn: Turn.none),
    Case(
      name: "webp", source: "resize 200x200\ncompress webp quality=90", size: { fit($0, $1, box: (200, 200)) },
      turn: Turn.none),
    Case(
      name: "avif", source: "resize 64x64\ncompress avif quality=90 effort=0", size: { fit($0, $1, box: (64, 64)) },
      turn: Turn.none),
    Case(
      name: "tiff", source: "resize 200x200\ncompress tiff", size: { fit($0, $1, box: (200, 200)) }, turn: Turn.none),
    Case(name: "gif", source: "resize 200x200\ncompress gif", size: { fit($0, $1, box: (200, 200)) }, turn: Turn.none),
    Case(
      name: "jxl", source: "resize 200x200\ncompress jxl quality=90 effort=3",
      size: { fit($0, $1, box: (200, 200)) }, turn: Turn.none),
    Case(
      name: "png 16-bit", source: "resize 200x200\nsharpen\nwatermark text=\"16\" size=10%\ncompress png depth=16",
      size: { fit($0, $1, box: (200, 200)) }, turn: nil, sixteen: true),
  ]

  static let largeImageCases: Set = [
    "no steps", "resize inside", "resize cover", "rotate 90", "flip", "text watermark top-left", "web", "variants",
  ]

  static let folder: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mediapipe-conformance-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    TemporaryFolders.removeAtExit(path)
    return path
  }()

  static let images: [ConformanceImage] = {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    do {
      try VipsRuntime.start()
      return try ConformanceImages.make(in: folder + "/in")
    } catch {
      FileHandle.standardError.write(Data("making the conformance images failed: \(error)\n".utf8))
      return []
    }
  }()

  @Test func theMatrixIsWhole() {
    #expect(Self.images.count >= 104, "\(Self.images.count) images")
  }

  @Test(arguments: images) func fastPathsMatchTheReference(_ image: ConformanceImage) throws {
    // Photos of several megapixels go through the cases that plan their decode
    // differently (the DC-scan and DCT-shrink paths, turns, stamps, variants).
    let large = image.width * image.height > 2_000_000
    for testCase in Self.cases where !large || Self.largeImageCases.contains(testCase.name) {
      try check(image, testCase)
    }
  }

  func check(_ image: ConformanceImage, _ testCase: Case) throws {
    let label = "\(image.name) × \(testCase.name)"
    let fast = try run(testCase, on: image, route: .fast, label: label)
    let reference = try run(testCase, on: image, route: .reference, label: label)
    #expect(fast.count == reference.count, "\(label): outputs")
    for (f, r) in zip(fast, reference) {
      #expect(
        (f.width, f.height) == (r.width, r.height),
        "\(label): fast \(f.width)x\(f.height), reference \(r.width)x\(r.height)")
      if image.name.contains("animated") {
        // Frames kept where the output animates (GIF and WebP), each the expected size.
        #expect(f.height == 3 * f.pageHeight || f.pageHeight == f.height, "\(label): \(f.height) rows")
        #expect(f.pageHeight == r.pageHeight, "\(label): frames of \(f.pageHeight) and \(r.pageHeight) rows")
      }
      if fast.count == 1, let expected = testCase.size(image.width, image.height) {
        #expect((f.width, f.pageHeight) == expected, "\(label): \(f.width)x\(f.pageHeight), expected \(expected)")
      }
      guard (f.width, f.height) == (r.width, r.height) else { continue }
      let difference = try meanAbsoluteDifference(f, r)
      let tolerance =
        min(f.width, f.height) <= 8
        ? Self.thinTolerance : image.name.contains("cmyk") ? Self.cmykTolerance : Self.tolerance
      #expect(difference <= tolerance, "\(label): mean difference \(difference) from the reference")
      if image.checksColours, let turn = testCase.turn, f.width >= 16, f.height >= 16 {
        for quadrant in Quadrant.allCases where !testCase.covered.contains(quadrant) {
          let colour = try f.rgb(quadrant.column * f.width / 4, quadrant.row * f.pageHeight / 4)
          let expected = quadrant.source(after: turn).colour.map { Int($0) }
          #expect(
            close(Array(colour.prefix(3)), expected, tolerance: 60),
            "\(label): \(quadrant) is \(colour), expected about \(expected)")
        }
      }
    }
  }

  /// Runs one case in-process; the outputs, opened and converted to 8-bit sRGB.
  func run(_ testCase: Case, on image: ConformanceImage, route: ImagingRoute, label: String) throws -> [Image] {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    let compiled = PipelineCompiler.compile(
      source: testCase.source, file: "conformance.pipeline",
      baseDirectory: repositoryRoot.appendingPathComponent("pipelines").path)
    let pipeline = try #require(compiled.pipeline, "\(label): \(compiled.diagnostics)")
    let out = Self.folder + "/out-\(route.rawValue)"
    let processor = ImageProcessor(pipeline: pipeline, route: route)
    do {
      let outputs = try processor.process(.init(path: image.path, outputRoot: out, relativeDirectory: "")) {
        path, write in
        try FileManager.default.createDirectory(
          atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try write(path)
      }
      return try outputs.map {
        // An animation is compared over all its frames.
        let header = $0.path.hasSuffix(".jxl") ? try openJXL($0.path) : try Image.open($0.path, sequential: false)
        let file = header.pageCount > 1 ? try Image.frames($0.path, scale: 1) : header
        if testCase.sixteen { #expect(file.isSixteenBit, "\(label) (\(route)): a \(file.bandFormat) output") }
        let opened = try (testCase.sixteen ? file.srgbKeepingDepth() : file.srgb8()).materialized()
        try? FileManager.default.removeItem(atPath: $0.path)
        return opened
      }
    } catch {
      Issue.record("\(label) (\(route)): \(error)")
      return []
    }
  }

  /// On the 0-255 scale (16-bit samples divided by 257).
  func meanAbsoluteDifference(_ a: Image, _ b: Image) throws -> Double {
    try meanDifference(a, b)
  }
}

extension Quadrant {
  /// Which quarter of a 4x4 grid holds the quadrant's centre.
  var column: Int { self == .topLeft || self == .bottomLeft ? 1 : 3 }
  var row: Int { self == .topLeft || self == .topRight ? 1 : 3 }

  /// The quadrant of the input whose colour lands here after `turn`.
  func source(after turn: ConformanceTests.Turn) -> Quadrant {
    switch (turn, self) {
    case (.none, _): return self
    case (.quarter, .topLeft): return .bottomLeft
    case (.quarter, .topRight): return .topLeft
    case (.quarter, .bottomRight): return .topRight
    case (.quarter, .bottomLeft): return .bottomRight
    case (.half, .topLeft): return .bottomRight
    case (.half, .topRight): return .bottomLeft
    case (.half, .bottomLeft): return .topRight
    case (.half, .bottomRight): return .topLeft
    case (.threeQuarters, .topLeft): return .topRight
    case (.threeQuarters, .topRight): return .bottomRight
    case (.threeQuarters, .bottomRight): return .bottomLeft
    case (.threeQuarters, .bottomLeft): return .topLeft
    case (.upsideDown, .topLeft): return .bottomLeft
    case (.upsideDown, .topRight): return .bottomRight
    case (.upsideDown, .bottomLeft): return .topLeft
    case (.upsideDown, .bottomRight): return .topRight
    case (.mirrored, .topLeft): return .topRight
    case (.mirrored, .topRight): return .topLeft
    case (.mirrored, .bottomLeft): return .bottomRight
    case (.mirrored, .bottomRight): return .bottomLeft
    }
  }
}

/// Downsizes keep libvips's pixel-centre convention: a thin bar lands where the
/// reference route puts it, whether or not the photo's sides are multiples of
/// the JPEG shrink (a partial last block once shifted thumbnails by ~0.4 px).
@Suite(.serialized) struct SubPixelTests {
  @Test(arguments: [(2600, 1700), (2603, 1701), (2604, 1702), (2607, 1705)])
  func barsLandWhereTheReferencePutsThem(_ size: (Int, Int)) throws {
    let (w, h) = size
    let folder = try temporaryFolder()
    let (barX, barY) = (w * 5 / 11, h * 6 / 13)
    var samples = [UInt8](repeating: 0, count: w * h * 3)
    for y in 0..<h {
      for x in 0..<w where (barX..<barX + 8).contains(x) || (barY..<barY + 8).contains(y) {
        for b in 0..<3 { samples[(y * w + x) * 3 + b] = 255 }
      }
    }
    oneImageAtATime.lock()
    let image = try samples.withUnsafeBytes {
      Image(
        owning: try #require(
          vips_image_new_from_memory_copy($0.baseAddress, $0.count, Int32(w), Int32(h), 3, VIPS_FORMAT_UCHAR)))
    }
    image.pointer.pointee.Type = VIPS_INTERPRETATION_sRGB
    for progressive in [false, true] {
      try ConformanceImages.save(
        image, folder + "/bars-\(progressive).jpg[Q=95,subsample_mode=off\(progressive ? ",interlace" : "")]")
    }
    oneImageAtATime.unlock()
    for source in ["resize 300x300\ncompress png", "resize 128x128\ncompress png"] {
      for progressive in [false, true] {
        let input = folder + "/bars-\(progressive).jpg"
        let fast = try centroids(source, input, route: .fast)
        let reference = try centroids(source, input, route: .reference)
        let exact = ((Double(barX) + 4) * fast.scaleX - 0.5, (Double(barY) + 4) * fast.scaleY - 0.5)
        let label = "\(w)x\(h) \(progressive ? "progressive" : "baseline") \(source.split(separator: "\n")[0])"
        #expect(
          abs(fast.x - reference.x) <= 0.3 && abs(fast.y - reference.y) <= 0.3,
          "\(label): fast \(fast), reference \(reference)")
        #expect(abs(fast.x - exact.0) <= 0.3 && abs(fast.y - exact.1) <= 0.3, "\(label): fast \(fast), exact \(exact)")
      }
    }
  }

  /// The centroids of the vertical and the horizontal bar in the only output.
  func centroids(_ source: String, _ input: String, route: ImagingRoute) throws -> (
    x: Double, y: Double, scaleX: Double, scaleY: Double
  ) {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    let pipeline = try #require(
      PipelineCompiler.compile(source: source, file: "bars.pipeline", baseDirectory: "/").pipeline)
    let folder = try temporaryFolder()
    let outputs = try ImageProcessor(pipeline: pipeline, route: route).process(
      .init(path: input, outputRoot: folder, relativeDirectory: "")
    ) { path, write in try write(path) }
    let image = try Image.open(try #require(outputs.first).path, sequential: false)
    let (w, h, bands) = (image.width, image.height, image.bands)
    let data = try pixels(image)
    var columns = [Double](repeating: 0, count: w), rows = [Double](repeating: 0, count: h)
    for y in 0..<h {
      for x in 0..<w {
        let v = Double(data[(y * w + x) * bands + 1])
        columns[x] += v
        rows[y] += v
      }
    }
    let input = try Image.open(input, sequential: false)
    return (centroid(columns), centroid(rows), Double(w) / Double(input.width), Double(h) / Double(input.height))
  }

  /// The weighted mean position of what stands above the median (the other bar's floor).
  func centroid(_ profile: [Double]) -> Double {
    let floor = profile.sorted()[profile.count / 2]
    var sum = 0.0, weighted = 0.0
    for (i, v) in profile.enumerated() where v > floor {
      sum += v - floor
      weighted += Double(i) * (v - floor)
    }
    return weighted / sum
  }
}
