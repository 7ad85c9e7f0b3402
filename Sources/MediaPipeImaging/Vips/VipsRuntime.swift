import CPosixShims
import CVips
import CVipsShims

/// libvips for this process: started once, one thread, no operation cache.
///
/// Parallelism comes from the process pool (one image per worker), so libvips
/// runs one thread per process; its operation cache is off because every image
/// is new and the cache only holds memory (imgproxy does the same).
public enum VipsRuntime {
  /// Options fixed at start-up.
  public struct Options: Sendable {
    /// Allow loaders libvips marks untrusted (SVG, PDF, ImageMagick, ...).
    public var allowUntrusted = false
    /// Show libvips warnings on stderr.
    public var verbose = false
    /// libvips worker threads.
    public var threads = 1

    public init(allowUntrusted: Bool = false, verbose: Bool = false, threads: Int = 1) {
      self.allowUntrusted = allowUntrusted
      self.verbose = verbose
      self.threads = threads
    }
  }

  /// Whether untrusted loaders are allowed (the last `start`'s option): the
  /// quality search sets JPEG XL's loader back to this after reading its own encodes.
  nonisolated(unsafe) public private(set) static var allowsUntrusted = false

  private static let started: Bool = {
    cvips_init("mediapipe") == 0
  }()

  /// Starts libvips (only the first call does anything) and applies `options`.
  /// - Throws: `ImagingError` if libvips cannot start.
  public static func start(_ options: Options = Options()) throws {
    guard started else {
      throw ImagingError(operation: "init", detail: ImagingError.takeBuffer(), reason: .processingFailed)
    }
    vips_concurrency_set(Int32(options.threads))
    vips_cache_set_max(0)
    vips_block_untrusted_set(options.allowUntrusted ? 0 : 1)
    allowsUntrusted = options.allowUntrusted
    // libvips 8.14 marks every JPEG XL operation untrusted, its saver too; but a
    // saver parses nothing from outside (it encodes pixels already decoded), so
    // `compress jxl` works while JPEG XL *input* stays blocked.
    vips_operation_block_set("VipsForeignSaveJxl", 0)
    cvips_route_vips_log(options.verbose ? 1 : 0)
  }

  /// Empties libvips's process-global error buffer. Operations that succeed can
  /// leave text there (a loader that seeks past damage, a fallback that was not
  /// needed), which the next failure would otherwise report as its own: a worker
  /// calls this before each image.
  public static func clearErrors() {
    vips_error_clear()
  }

  /// Returns freed heap to the system between images.
  public static func trimMemory() {
    cposix_malloc_trim()
  }
}
