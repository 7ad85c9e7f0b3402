import CVips
import MediaPipeCore

extension Grayscale: ImagingStep {
  /// A point operation: each pixel on its own.
  public var streams: Bool { true }

  /// To sRGB first (CMYK and other profiles through their profile, as the
  /// output would be), then libvips's `B_W` (the luminance in linear light,
  /// gamma-encoded again) and back to sRGB: three equal bands, any alpha
  /// carried along, 16-bit kept as 16-bit (through `GREY16`).
  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    let colour = try image.inSRGBColour()
    let sixteen = colour.bandFormat == VIPS_FORMAT_USHORT
    return try colour.colourspace(sixteen ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
      .colourspace(sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB)
  }
}
