import CVips
import MediaPipeCore

/// Renders watermark stamps and keeps them for the next image: a batch of
/// same-sized photos renders its text or scales its logo once per worker.
final class WatermarkStamps {
  private let route: ImagingRoute
  init(route: ImagingRoute) { self.route = route }

  private struct Key: Hashable {
    var mark: Watermark.Mark
    var opacity: Double
    /// The stamp's size in pixels (text size or logo width).
    var pixels: Int
    /// The image's size, for texts past `largestRenderedText` only (they are fitted when scaled up).
    var frame: [Int] = []
  }

  private var cache: [Key: Image] = [:]
  /// The largest text size given to Pango, in pixels (the pipeline format's own limit for `size=Npx`).
  static let largestRenderedText = PipelineLimits.maxTextPixels
  private static let capacity = 16

  /// An 8-bit sRGB + alpha stamp with the opacity applied, for an image of this size.
  func stamp(for watermark: Watermark, imageWidth: Int, imageHeight: Int) throws -> Image {
    let pixels: Int
    switch watermark.mark {
    case .text(_, _, let size, _): pixels = size.pixels(of: imageHeight)
    case .image(let path, let width):
      // As wide as asked, but no taller than the image: a 65535x1 strip would
      // otherwise scale the logo to ~20,000 px (700 MB) before fitting it.
      let (logoWidth, logoHeight) = try logoSize(path)
      let fitting = Int(Double(imageHeight) * Double(logoWidth) / Double(max(1, logoHeight)))
      pixels = max(1, min(width.pixels(of: imageWidth), imageWidth, fitting))
    }
    var key = Key(mark: watermark.mark, opacity: watermark.opacity, pixels: pixels)
    if case .text = watermark.mark, pixels > Self.largestRenderedText { key.frame = [imageWidth, imageHeight] }
    if let hit = cache[key] { return hit }
    let stamp = try render(watermark, pixels: pixels, frame: (imageWidth, imageHeight))
    if cache.count >= WatermarkStamps.capacity { cache.removeAll() }
    cache[key] = stamp
    return stamp
  }

  private var logoSizes: [String: (Int, Int)] = [:]

  /// A logo's size, from its header.
  private func logoSize(_ path: String) throws -> (Int, Int) {
    if let size = logoSizes[path] { return size }
    let header = try Image.open(path, sequential: true)
    logoSizes[path] = (header.width, header.height)
    return (header.width, header.height)
  }

  private func render(_ watermark: Watermark, pixels: Int, frame: (width: Int, height: Int)) throws -> Image {
    var stamp: Image
    var opacity = watermark.opacity
    switch watermark.mark {
    case .text(let text, let font, _, let color):
      let markup = "<span foreground=\"\(color.hex)\">\(Markup.escape(text))</span>"
      // Pango's time grows with the glyphs' area: a 100 % text on a 12,000-px
      // photo took 25 s. Past `largestRenderedText` the text is rendered at that
      // size and the stamp scaled up (the pixels of so large a text are smooth).
      let rendered = min(pixels, Self.largestRenderedText)
      stamp = try Image.text(markup: markup, font: "\(font) \(rendered)")
      if rendered < pixels {
        // Scaled up and fitted into the image in one resize.
        let scale = min(
          Double(pixels) / Double(rendered), Double(frame.width) / Double(stamp.width),
          Double(frame.height) / Double(stamp.height))
        stamp = try stamp.resized(
          width: max(1, Int((Double(stamp.width) * scale).rounded())),
          height: max(1, Int((Double(stamp.height) * scale).rounded())), route: route)
      }
      opacity *= color.alpha
    case .image(let path, _):
      let logo = try Image.open(path, sequential: false, failOnError: true).srgb8()
      let height = max(1, Int((Double(logo.height) * Double(pixels) / Double(logo.width)).rounded()))
      stamp = try logo.resized(width: pixels, height: height, route: route)
      if !stamp.hasAlpha { stamp = try stamp.appendingBands([255]) }
    }
    if opacity < 1 {
      stamp = try stamp.linear([1, 1, 1, opacity], [0, 0, 0, 0])
    }
    return try stamp.materialized()
  }

}

extension Watermark: ImagingStep {
  /// A tiled stamp or one along the bottom edge is composited as the rows come;
  /// one higher up is cut out of, and inserted back into, rows already passed.
  public var streams: Bool {
    switch placement {
    case .tile: return true
    case .anchor(let anchor): return [.south, .southEast, .southWest].contains(anchor)
    }
  }

  /// Stamps the watermark, compositing only the stamp's region (cheaper than
  /// compositing the whole frame) unless it is tiled.
  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    let route = context.route
    let base = try image.srgbKeepingDepth()
    var stamp = try context.stamps.stamp(for: self, imageWidth: base.width, imageHeight: base.height)
    // The stamp is 8-bit sRGB: on a 16-bit image, its colours and alpha scaled to 16 bits.
    if base.isSixteenBit { stamp = try stamp.colourspace(VIPS_INTERPRETATION_RGB16) }
    if stamp.width > base.width || stamp.height > base.height {
      let scale = min(Double(base.width) / Double(stamp.width), Double(base.height) / Double(stamp.height))
      stamp = try stamp.resized(
        width: max(1, Int(Double(stamp.width) * scale)), height: max(1, Int(Double(stamp.height) * scale)), route: route
      )
    }
    let margin = self.margin.offset(of: min(base.width, base.height))
    var result: Image
    switch placement {
    case .anchor(let anchor):
      var (x, y) = anchor.offset(
        size: (stamp.width, stamp.height), frame: (base.width, base.height), margin: (margin, margin))
      x = max(0, min(x, base.width - stamp.width))
      y = max(0, min(y, base.height - stamp.height))
      let region = try base.extractArea(x: x, y: y, width: stamp.width, height: stamp.height)
      var stamped = try region.composited(under: stamp)
      stamped = try stamped.matching(base)
      result = try base.inserting(stamped, x: x, y: y)
    case .tile:
      let cell = try stamp.embedded(
        x: margin / 2, y: margin / 2, width: stamp.width + margin, height: stamp.height + margin,
        background: [0, 0, 0, 0])
      let across = (base.width + cell.width - 1) / cell.width
      let down = (base.height + cell.height - 1) / cell.height
      let tiles = try cell.replicated(across: across, down: down)
        .extractArea(x: 0, y: 0, width: base.width, height: base.height)
      result = try base.composited(under: tiles).matching(base)
    }
    return result
  }
}

extension Image {
  /// In `base`'s band format (8 or 16 bits) and number of bands: drops the
  /// alpha compositing added to an opaque image.
  func matching(_ base: Image) throws -> Image {
    var image = self
    if image.bandFormat != base.bandFormat { image = try image.cast(base.bandFormat) }
    if image.bands > base.bands { image = try image.extractBands(0, count: base.bands) }
    return image
  }
}
