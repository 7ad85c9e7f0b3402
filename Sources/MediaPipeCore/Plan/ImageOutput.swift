/// One file a task wrote: which variant, where, its size and format, and how it
/// was encoded. Workers make it (`ImageProcessor.Output`); the coordinator reads it
/// from the wire, the state store and reports.
public struct ImageOutput: Sendable, Codable, Hashable {
  public var variant: String
  public var path: String
  public var width: Int
  public var height: Int
  public var format: String
  /// Said with --verbose: an animation written as its first frame only.
  public var note: String?
  /// The quality it was written with (searched for by `max_bytes` or
  /// `quality=auto`, or as given); nil for formats without one.
  public var quality: Int?
  /// `quality=auto`: the SSIM of the output against the image before encoding.
  public var score: Double?

  public init(
    variant: String, path: String, width: Int, height: Int, format: String, note: String? = nil, quality: Int? = nil,
    score: Double? = nil
  ) {
    self.variant = variant
    self.path = path
    self.width = width
    self.height = height
    self.format = format
    self.note = note
    self.quality = quality
    self.score = score
  }
}
