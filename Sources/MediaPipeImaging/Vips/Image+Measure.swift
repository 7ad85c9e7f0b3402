import CVipsShims

/// Measurements over a region: what tests (and checks) compare images by,
/// rather than by bytes.
extension Image {
  /// Statistics of one region over all bands.
  public struct RegionStatistics: Sendable {
    public var mean: Double
    public var minimum: Double
    public var maximum: Double
  }

  /// The mean, minimum and maximum of the pixels in a region (bands pooled).
  public func statistics(x: Int, y: Int, width: Int, height: Int, bands: Range<Int>? = nil) throws -> RegionStatistics {
    var region = try extractArea(x: x, y: y, width: width, height: height)
    if let bands { region = try region.extractBands(bands.lowerBound, count: bands.count) }
    var mean = 0.0, minimum = 0.0, maximum = 0.0
    try Image.check("avg", cvips_avg(region.pointer, &mean))
    try Image.check("min", cvips_min(region.pointer, &minimum))
    try Image.check("max", cvips_max(region.pointer, &maximum))
    return RegionStatistics(mean: mean, minimum: minimum, maximum: maximum)
  }
}
