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
  /// The sizes and scores of the encodes made, by quality; the bytes of two only:
  /// the last one made, and the best answer so far (`keep`), three for a moment while
  /// a new one is made. A search over a large image does not hold its seven to nine
  /// encodes at once. The price: with `max_bytes` and `auto` combined, the SSIM search
  /// may encode again a quality the size search tried (byte for byte the same).
  private var sizes: [Int: Int] = [:]
  private var scores: [Int: Double] = [:]
  private var last: (quality: Int, bytes: [UInt8])?
  private var best: (quality: Int, bytes: [UInt8])?
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
    if let kept = [best, last].lazy.compactMap({ $0 }).first(where: { $0.quality == quality }) { return kept.bytes }
    let bytes = try compress.encoded(image, as: format, quality: quality, strip: strip)
    sizes[quality] = bytes.count
    last = (quality, bytes)
    return bytes
  }

  /// Keeps the bytes of the encode at `quality` (the last one made), the best answer so far.
  private mutating func keep(_ quality: Int) {
    if let last, last.quality == quality { best = last }
  }

  /// The size of the encode at `quality`.
  private mutating func size(_ quality: Int) throws -> Int {
    if let size = sizes[quality] { return size }
    return try encoded(quality).count
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
    let atCeiling = try size(ceiling)
    keep(ceiling)
    if let maxBytes = compress.maxBytes, atCeiling > maxBytes {
      let atLowest = try size(lowest)
      keep(lowest)
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
        if try size(middle) <= maxBytes {
          fits = middle
          keep(middle)
        } else {
          over = middle
        }
      }
      ceiling = fits
    }
    guard let auto = compress.autoQuality else { return Result(bytes: try encoded(ceiling), quality: ceiling) }
    let floor = auto.searchTarget
    var chosen = ceiling
    if try score(ceiling) >= floor, ceiling > lowest {
      if try score(lowest) >= floor {
        chosen = lowest
        keep(lowest)
      } else {
        // `below` misses the floor, `meets` keeps it.
        var (below, meets) = (lowest, ceiling)
        while meets - below > 1 {
          let middle = (below + meets) / 2
          if try score(middle) >= floor {
            meets = middle
            keep(middle)
          } else {
            below = middle
          }
        }
        chosen = meets
      }
    }
    return Result(bytes: try encoded(chosen), quality: chosen, score: try score(chosen))
  }
}
