import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// Broken and hostile files fail with a reason a user can act on, and leave no output.
@Suite struct BrokenInputTests {
  func reason(_ name: String, _ source: String = "resize 100x100") -> FailureReason? {
    do {
      _ = try process(source, name)
      return nil
    } catch let error as ImagingError {
      return error.reason
    } catch {
      return .processingFailed
    }
  }

  @Test func truncatedJpeg() {
    #expect(reason("truncated.jpg") == .truncated)
    #expect(reason("truncated.jpg", "compress png") == .truncated)
  }

  @Test func emptyAndTextFilesAreNotImages() {
    #expect(reason("empty.jpg") == .notAnImage)
    #expect(reason("not-an-image.jpg") == .notAnImage)
  }

  @Test func untrustedLoadersAreBlocked() {
    #expect(reason("photo.svg") == .blockedFormat)
    #expect(reason("document.pdf") == .blockedFormat)
  }
}

/// Whose fault a libvips failure is: the input's words only blame the input.
@Suite struct FailureClassificationTests {
  @Test func aSaverRefusingTheSizeIsAProcessingFailure() {
    let reason = ImagingError.classify
    #expect(reason("jpegsave", "VipsJpeg: Maximum supported image dimension is 65500 pixels") == .processingFailed)
    #expect(reason("webpsave", "webpsave: image too large") == .processingFailed)
    #expect(reason("gifsave", "gifsave_target: frame too large") == .processingFailed)
  }

  @Test func libjpegAndLibpngBlameTheInputOnlyWhenReading() {
    let reason = ImagingError.classify
    // The saver pulled the pixels of a damaged file (decoding is lazy).
    #expect(reason("jpegsave", "VipsJpeg: Premature end of JPEG file") == .truncated)
    #expect(reason("jpegsave", "VipsJpeg: Invalid component ID 4 in SOS") == .truncated)
    #expect(reason("pngsave", "pngload_source: not enough data") == .truncated)
    // libpng's own complaint while writing.
    #expect(reason("pngsave", "vipspng: zlib error") == .cannotWriteOutput)
    // Any other operation computing the pixels is decoding.
    #expect(reason("copy_memory", "VipsJpeg: Unsupported marker type 0x05") == .truncated)
    #expect(reason("copy_memory", "vipspng: zlib error") == .truncated)
  }

  @Test func aSilentFailureBlamesTheInputOnlyWhereItDecodes() {
    let reason = ImagingError.classify
    #expect(reason("copy_memory", "") == .truncated)
    #expect(reason("thumbnail", "") == .truncated)
    #expect(reason("text", "") == .processingFailed)
    #expect(reason("composite2", "") == .processingFailed)
    #expect(reason("jpegsave", "") == .cannotWriteOutput)
  }

  /// A 70,000-px-wide JPEG cannot be written: the pipeline asked for too much,
  /// the input is fine.
  @Test(arguments: [ImagingRoute.fast, .reference]) func anOutputWiderThanJPEGAllowsIsNotTheInputsFault(
    _ route: ImagingRoute
  ) throws {
    let folder = try temporaryFolder()
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    try ConformanceImages.save(try ConformanceImages.image(width: 700, height: 1, bands: 3), folder + "/strip.png")
    let compiled = PipelineCompiler.compile(
      source: "resize 70000x enlarge=yes\ncompress jpeg", file: "t.pipeline", baseDirectory: "/")
    let pipeline = try #require(compiled.pipeline, "\(compiled.diagnostics)")
    let error = #expect(throws: ImagingError.self) {
      _ = try ImageProcessor(pipeline: pipeline, route: route).process(
        .init(path: folder + "/strip.png", outputRoot: folder, relativeDirectory: "")
      ) { final, write in try write(final) }
    }
    #expect(error?.reason == .processingFailed, "\(String(describing: error))")
  }
}
