import CVips
import CVipsShims
import MediaPipeCore

/// The searches of `compress max_bytes=` and `compress quality=auto`: bisections
/// over whole qualities, each try encoded in memory from the one image (computed
/// into memory once, so the source is never decoded again), and for `auto`
/// decoded from memory and compared with it (`cvips_ssim`).
struct QualitySearch {
  let compress: Compress
  let image: Image
  let format: Compress.Format
  let strip: Bool
  /// Encodes and scores already made, by quality.
  private var encodes: [Int: [UInt8]] = [:]
  private var scores: [Int: Double] = [:]
  /// The pre-encode image's luma, for `auto` (made on first use).
  private var reference: Image?

  struct Result {
    var bytes: [UInt8]
    var quality: Int
    /// The SSIM of the chosen encode, for `quality=auto`.
    var score: Double?
  }

  init(compress: Compress, image: Image, format: Compress.Format, strip: Bool) throws {
    self.compress = compress
    self.image = try image.materialized()
    self.format = format
    self.strip = strip
  }

  private mutating func encoded(_ quality: Int) throws -> [UInt8] {
    if let bytes = encodes[quality] { return bytes }
    let bytes = try compress.encoded(image, as: format, quality: quality, strip: strip)
    encodes[quality] = bytes
    return bytes
  }

  private mutating func score(_ quality: Int) throws -> Double {
    if let score = scores[quality] { return score }
    if reference == nil { reference = try Image.call("luma") { cvips_luma(image.pointer, $0) } }
    let bytes = try encoded(quality)
    var ssim = 0.0
    // libjxl's loader is blocked for inputs (untrusted) unless allowed; these bytes
    // are our own encode. Afterwards it is as the run asked (--allow-untrusted-formats).
    if format == .jxl { vips_operation_block_set("VipsForeignLoadJxl", 0) }
    let status = bytes.withUnsafeBytes { cvips_ssim_encoded(reference!.pointer, $0.baseAddress, $0.count, &ssim) }
    if format == .jxl { vips_operation_block_set("VipsForeignLoadJxl", VipsRuntime.allowsUntrusted ? 0 : 1) }
    try Image.check("ssim", status)
    scores[quality] = ssim
    return ssim
  }

  /// The highest quality within `max_bytes` (up to `quality`, else 100), then
  /// for `auto` the lowest at or under it that keeps the SSIM floor (or that
  /// highest one, the closest, when none does).
  /// - Throws: `ImagingError` (`overBudget`) when even `min_quality` is over `max_bytes`.
  mutating func run() throws -> Result {
    let lowest = compress.minQuality
    // `quality=auto` sets no quality: its search starts from 100.
    var ceiling = max(lowest, compress.quality ?? 100)
    if let maxBytes = compress.maxBytes, try encoded(ceiling).count > maxBytes {
      let atLowest = try encoded(lowest).count
      if atLowest > maxBytes {
        throw ImagingError(
          operation: "max_bytes",
          detail:
            "cannot fit in \(ByteCount.text(maxBytes)) even at quality \(lowest) (got \(ByteCount.text(atLowest)))",
          reason: .overBudget, remedy: .loosenBudget)
      }
      // `fits` fits, `over` does not.
      var (fits, over) = (lowest, ceiling)
      while over - fits > 1 {
        let middle = (fits + over) / 2
        if try encoded(middle).count <= maxBytes { fits = middle } else { over = middle }
      }
      ceiling = fits
    }
    guard let auto = compress.autoQuality else { return Result(bytes: try encoded(ceiling), quality: ceiling) }
    let floor = auto.searchTarget
    var chosen = ceiling
    if try score(ceiling) >= floor, ceiling > lowest {
      if try score(lowest) >= floor {
        chosen = lowest
      } else {
        // `below` misses the floor, `meets` keeps it.
        var (below, meets) = (lowest, ceiling)
        while meets - below > 1 {
          let middle = (below + meets) / 2
          if try score(middle) >= floor { meets = middle } else { below = middle }
        }
        chosen = meets
      }
    }
    return Result(bytes: try encoded(chosen), quality: chosen, score: try score(chosen))
  }
}
