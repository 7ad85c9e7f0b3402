import CVips
import CVipsShims
import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// Animated GIF and WebP: frames, delays and loop kept where the output can
/// animate, the first frame elsewhere, every frame processed alike, the limits.
@Suite(.serialized) struct AnimationTests {
  static let delays = [100, 250, 400]

  /// Three 120x90 frames: white, a dark square whose left edge moves 10 px per
  /// frame, and a band of the frame's own colour along the bottom.
  static func frame(_ index: Int) throws -> Image {
    let colours: [[UInt8]] = [[200, 30, 30], [30, 180, 40], [40, 50, 210]]
    return try generatedImage(width: 120, height: 90) { x, y in
      if y >= 80 { return colours[index] }
      if (20 + 10 * index..<50 + 10 * index).contains(x) && (20..<50).contains(y) { return [20, 20, 20] }
      return [255, 255, 255]
    }
  }

  /// The animation saved as `file` (a libvips file name, with options).
  static func saved(_ file: String, frames: Int = 3) throws -> String {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let stack = try Image.joined(
      frames: (0..<frames).map { try frame($0 % 3) }, delays: (0..<frames).map { delays[$0 % 3] }, loop: 2)
    let path = try temporaryFolder() + "/" + file
    try Image.check("save", cvips_save_with_options(stack.pointer, path))
    return path.components(separatedBy: "[")[0]
  }

  /// Runs `source` over `path`; each output with its image, every frame loaded.
  func run(_ source: String, _ path: String, maxPixels: Int = 100_000_000, maxFrames: Int = 1000)
    throws -> [(output: ImageProcessor.Output, image: Image)]
  {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    let compiled = PipelineCompiler.compile(
      source: source, file: "test.pipeline", baseDirectory: repositoryRoot.appendingPathComponent("fixtures").path)
    let pipeline = try #require(compiled.pipeline, "\(compiled.diagnostics)")
    var results: [[(ImageProcessor.Output, Image)]] = []
    for route in [ImagingRoute.fast, .reference] {
      let processor = ImageProcessor(pipeline: pipeline, maxPixels: maxPixels, maxFrames: maxFrames, route: route)
      let folder = try temporaryFolder()
      let outputs = try processor.process(.init(path: path, outputRoot: folder, relativeDirectory: "")) {
        path, write in try write(path)
      }
      results.append(
        try outputs.map { output in
          let header = try Image.open(output.path, sequential: false)
          return (output, header.pageCount > 1 ? try Image.frames(output.path, scale: 1) : header)
        })
    }
    // Both routes write the same frames, sizes, delays and loop.
    for (fast, reference) in zip(results[0], results[1]) {
      #expect(
        (fast.1.width, fast.1.height, fast.1.pageHeight) == (
          reference.1.width, reference.1.height, reference.1.pageHeight
        ))
      #expect(fast.1.delays == reference.1.delays && fast.1.loop == reference.1.loop)
    }
    return results[0]
  }

  @Test(arguments: ["anim.gif", "anim.webp[lossless]"])
  func animatedOutputsKeepEveryFrameDelayAndLoop(_ file: String) throws {
    let path = try Self.saved(file)
    let (output, image) = try #require(run("resize 60x60", path).first)
    #expect(image.pageCount == 3 && image.pageHeight == 45 && image.height == 135 && image.width == 60)
    #expect(image.delays == Self.delays)
    #expect(image.loop == 2)
    #expect((output.width, output.height) == (60, 45))
    #expect(output.note == nil)
    // Each frame is its own: the bottom band keeps its frame's colour.
    for (frame, colour) in [[200, 30, 30], [30, 180, 40], [40, 50, 210]].enumerated() {
      let found = try image.rgb(30, 45 * frame + 43)
      #expect(close(Array(found.prefix(3)), colour, tolerance: 40), "frame \(frame): \(found)")
    }
  }

  /// `quality=auto` and `max_bytes` search an animation's every frame: the encodes
  /// it scores are read back whole, not as their first frame.
  @Test(arguments: ["compress webp quality=auto", "compress webp quality=auto max_bytes=40k"])
  func qualitySearchesKeepEveryFrame(_ source: String) throws {
    let path = try Self.saved("anim.gif")
    let (output, image) = try #require(run(source, path).first)
    #expect(image.pageCount == 3 && image.height == 270 && image.width == 120)
    #expect(image.delays == Self.delays)
    let score = try #require(output.score)
    #expect(score >= Compress.AutoQuality.standard.ssimFloor || output.quality == 100, "\(score)")
  }

  @Test func gifToWebPAndBackStaysAnimated() throws {
    let path = try Self.saved("anim.gif")
    let outputs = try run(
      "variant a\n  compress webp lossless=yes\nvariant b\n  crop 100x70\n  compress gif", path)
    for (_, image) in outputs {
      #expect(image.pageCount == 3 && image.delays == Self.delays && image.loop == 2)
    }
    #expect(outputs[1].image.pageHeight == 70)
  }

  @Test(arguments: ["jpeg", "png", "avif", "tiff"])
  func stillFormatsGetTheFirstFrameWithANote(_ format: String) throws {
    let path = try Self.saved("anim.gif")
    let (output, image) = try #require(run("compress \(format)", path).first)
    #expect(image.pageCount == 1 && (image.width, image.height) == (120, 90))
    let band = try image.rgb(60, 85)
    #expect(close(Array(band.prefix(3)), [200, 30, 30], tolerance: 40), "\(band)")
    #expect(output.note == "the first of 3 frames was written (\(format.uppercased()) does not animate)")
  }

  @Test func animationFirstTakesTheFirstFrameOnPurpose() throws {
    let path = try Self.saved("anim.webp[lossless]")
    let outputs = try run(
      "variant poster\n  animation first\n  compress webp lossless=yes\nvariant moving\n  compress webp lossless=yes",
      path)
    #expect(outputs[0].image.pageCount == 1 && outputs[0].image.height == 90)
    #expect(outputs[0].output.note == "the first of 3 frames was written (`animation first`)")
    #expect(outputs[1].image.pageCount == 3 && outputs[1].output.note == nil)
  }

  @Test func aWatermarkLandsOnEveryFrame() throws {
    let path = try Self.saved("anim.webp[lossless]")
    let (_, image) = try #require(
      run(
        "watermark image=logo.png width=20 position=top-right margin=0 opacity=1\ncompress webp lossless=yes", path
      ).first)
    #expect(image.pageCount == 3)
    // The same stamp in the top-right corner of the first and the last frame.
    let first = try image.extractArea(x: 100, y: 0, width: 20, height: 10).materialized()
    let last = try image.extractArea(x: 100, y: 180, width: 20, height: 10).materialized()
    #expect(try pixels(first) == pixels(last))
    let plain = try Image.frames(path, scale: 1).extractArea(x: 100, y: 180, width: 20, height: 10).materialized()
    #expect(try pixels(last) != pixels(plain))
  }

  @Test func contentChoicesAreTheFirstFramesOnEveryFrame() throws {
    // The square moves: a smart crop or a trim per frame would cut each
    // frame differently; all frames are cut where the first was.
    let path = try Self.saved("anim.webp[lossless]")
    // (The resize scales the frames by 40/90: the square then moves 4.4 px a frame.)
    for (source, shift) in [
      ("resize 40x40 fit=cover gravity=attention", 9), ("crop 40x40 gravity=entropy", 20), ("trim", 20),
    ] {
      let (_, image) = try #require(run(source + "\ncompress webp lossless=yes", path).first)
      #expect(image.pageCount == 3, "\(source)")
      let h = image.pageHeight
      // The square moved right by 10 px a frame (scaled), within the same window; a
      // window per frame would follow it.
      let firstDark = try (0..<image.width).first { try image.rgb($0, h / 2)[0] < 100 }
      let lastDark = try (0..<image.width).first { try image.rgb($0, 2 * h + h / 2)[0] < 100 }
      if let firstDark, let lastDark {
        #expect(abs(lastDark - firstDark - shift) <= 1, "\(source): \(firstDark), \(lastDark), \(image.width)x\(h)")
      }
    }
  }

  @Test func maxPixelsCountsEveryFrame() throws {
    let path = try Self.saved("anim.gif")
    // 120x90 = 10,800 a frame; three are 32,400.
    #expect(throws: ImagingError.self) { try run("compress gif", path, maxPixels: 30_000) }
    do {
      _ = try run("compress gif", path, maxPixels: 30_000)
    } catch let error as ImagingError {
      #expect(error.reason == .tooManyPixels)
      #expect(error.detail.hasPrefix("3 frames of 120x90 are 32,400 pixels") || error.detail.contains("megapixels"))
    }
    // A still output decodes one frame only.
    #expect(try run("compress png", path, maxPixels: 30_000).count == 1)
  }

  @Test func maxFramesRefusesLongAnimations() throws {
    let path = try Self.saved("anim.gif", frames: 5)
    do {
      _ = try run("compress gif", path, maxFrames: 4)
      Issue.record("5 frames went through a limit of 4")
    } catch let error as ImagingError {
      #expect(error.reason == .tooManyFrames)
      #expect(error.detail == "5 frames; the limit is 4")
      #expect(error.remedy == .raiseLimit(.frames(4)))
    }
    #expect(try run("compress gif", path, maxFrames: 5).first?.image.pageCount == 5)
  }
}
