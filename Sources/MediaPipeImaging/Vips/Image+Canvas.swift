import CVips
import MediaPipeCore

extension Image {
  /// The image on a `width` x `height` canvas of `background`, placed by `anchor`
  /// (`resize fit=contain`, `pad`).
  ///
  /// The background is an sRGB colour, so a CMYK image is converted to sRGB
  /// first; a background that is not opaque adds an alpha band to an image
  /// without one. A canvas no larger than the image returns it unchanged.
  func onCanvas(width: Int, height: Int, anchor: Anchor, background: MediaPipeCore.Color) throws -> Image {
    guard width > self.width || height > self.height else { return self }
    var image = self
    if image.interpretation == VIPS_INTERPRETATION_CMYK { image = try image.inSRGBColour() }
    if background.alpha < 1, !image.hasAlpha {
      image = try image.appendingBands([image.bandFormat == VIPS_FORMAT_USHORT ? 65535 : 255])
    }
    let (x, y) = anchor.offset(size: (image.width, image.height), frame: (width, height))
    return try image.embedded(x: x, y: y, width: width, height: height, background: image.values(for: background))
  }
}
