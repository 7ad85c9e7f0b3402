import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// libvips's words, as libvips 8.14 and its loaders and savers print them (taken
/// from real failures: `vips copy` on damaged files, a full disk, a missing folder;
/// several lines joined with "; " as `ImagingError.takeBuffer` joins them), and the
/// operation that raised them, mapped to a reason the user can act on.
@Suite struct ImagingErrorTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var operation: String
    var detail: String
    var reason: FailureReason
    init(_ operation: String, _ detail: String, _ reason: FailureReason) {
      self.operation = operation
      self.detail = detail
      self.reason = reason
    }
    var testDescription: String { "\(operation): \(detail.isEmpty ? "(nothing)" : detail)" }
  }

  static let notImages: [Case] = [
    Case("load", "VipsForeignLoad: \"/in/notes.jpg\" is not a known file format", .notAnImage),
    Case("thumbnail", "VipsForeignLoad: \"/in/empty.jpg\" is not a known file format", .notAnImage),
    Case("jpegload", "VipsJpeg: Not a JPEG file: starts with 0x89 0x50", .notAnImage),
  ]

  static let blockedAndUnsupported: [Case] = [
    Case("svgload", "svgload: operation is blocked", .blockedFormat),
    Case("heifload", "heif: Unsupported feature: Unsupported codec (4.3000)", .unsupportedFormat),
  ]

  static let damagedInputs: [Case] = [
    // libjpeg, when a loader was asked to fail on warnings.
    Case("jpegload", "VipsJpeg: Premature end of input file", .truncated),
    Case("thumbnail", "VipsJpeg: Premature end of JPEG file", .truncated),
    Case("jpegload", "VipsJpeg: Corrupt JPEG data: 1 extraneous bytes before marker 0xd9", .truncated),
    Case("jpegload", "VipsJpeg: Unsupported marker type 0x05", .truncated),
    Case("pngload", "vipspng: libpng read error", .truncated),
    Case("webpload", "webp: unable to parse image", .truncated),
    Case("gifload", "gifload: no frames in GIF", .truncated),
    Case("heifload", "heif: Invalid input: No 'meta' box (2.104)", .truncated),
    Case(
      "magickload",
      "magick2vips: libMagick error: t.tiff: Can not read TIFF directory count. `TIFFFetchDirectory' "
        + "@ error/tiff.c/TIFFErrors/603; magick2vips: unable to read file \"t.tiff\"", .truncated),
    // A sequential decode asked for rows it had passed: the file was read out of order.
    Case("thumbnail", "VipsJpeg: out of order read at line 48", .truncated),
    Case("copy_memory", "vipspng: out of order read at line 16", .truncated),
    Case("webpsave", "tiff2vips: out of order read -- at line 2490, but line 0 requested", .truncated),
    // Decoding is lazy: the saver pulled the pixels of a damaged file.
    Case("jpegsave", "VipsJpeg: Premature end of JPEG file", .truncated),
    Case("pngsave", "vipspng: libpng read error", .truncated),
    Case("webpsave", "gifload: no frames in GIF", .truncated),
    // A loader that only warned, so libvips failed without a word.
    Case("thumbnail", "", .truncated),
  ]

  static let memory: [Case] = [
    Case("thumbnail", "vips_tracked: out of memory --- size == 142MB", .outOfMemory),
    Case("copy_memory", "vips_malloc: out of memory --- size == 512MB", .outOfMemory),
    Case("jpegload", "VipsJpeg: Insufficient memory (case 4)", .outOfMemory),
  ]

  static let unwritable: [Case] = [
    Case(
      "jpegsave", "/out/.a.jpg.mediapipe-7.tmp: unable to open for write; unix error: No such file or directory",
      .cannotWriteOutput),
    Case(
      "pngsave", "/out/.a.png.mediapipe-7.tmp: unable to open for write; unix error: Permission denied",
      .cannotWriteOutput),
    Case(
      "jpegsave",
      "/out/.a.jpg.mediapipe-7.tmp: write error; unix error: No space left on device; "
        + "VipsJpeg: Output file write error --- out of disk space?; wbuffer_write: write failed", .cannotWriteOutput),
    Case("jpegsave", "VipsJpeg: Output file write error --- out of disk space?", .cannotWriteOutput),
    Case("jpegsave", "", .cannotWriteOutput),
  ]

  static let steps: [Case] = [
    Case("extract_area", "extract_area: bad extract area", .processingFailed)
  ]

  @Test(arguments: notImages + blockedAndUnsupported + damagedInputs + memory + unwritable + steps)
  func classifies(_ example: Case) {
    #expect(ImagingError.classify(operation: example.operation, detail: example.detail) == example.reason)
  }

  // These fail on main until branch `fix9` is merged: there libjpeg's words when
  // saving blame the input (`truncated`), every other saver's failure is a write
  // error, and any silent failure outside a saver blames the input.
  static let notTheInputsFault: [Case] = [
    Case("jpegsave", "VipsJpeg: Maximum supported image dimension is 65500 pixels", .processingFailed),
    Case("webpsave", "webpsave: image too large", .processingFailed),
    Case("composite2", "", .processingFailed),
  ]

  /// A saver's own refusal, and a silent failure where nothing decodes: the steps
  /// asked for what cannot be, the input is not to blame.
  @Test(arguments: notTheInputsFault)
  func blamesTheStepsNotTheInput(_ example: Case) {
    #expect(ImagingError.classify(operation: example.operation, detail: example.detail) == example.reason)
  }

  @Test func theErrorCarriesItsReason() {
    let error = ImagingError(operation: "jpegload", detail: "VipsJpeg: Premature end of JPEG file")
    #expect(error.reason == .truncated)
    #expect(error.description == "truncated or corrupt image data (jpegload: VipsJpeg: Premature end of JPEG file)")
    let given = ImagingError(
      operation: "thumbnail", detail: "", reason: .tooManyPixels, remedy: .raiseLimit(.pixels(100)))
    #expect(given.reason == .tooManyPixels && given.remedy == .raiseLimit(.pixels(100)), "a given reason wins")
  }

  @Test func anImageJustOverThePixelLimitDoesNotReadAsEqualToIt() {
    #expect(ImageProcessor.overLimit(400_000_000, 100_000_000) == "400 megapixels; the limit is 100 megapixels")
    #expect(ImageProcessor.overLimit(100_010_000, 100_000_000) == "100,010,000 pixels; the limit is 100,000,000")
  }
}
