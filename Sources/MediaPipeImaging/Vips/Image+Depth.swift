import CVips

/// Bits per sample: 16-bit images (PNG, TIFF) are worked on in 16 bits and
/// only brought down where a saver needs 8 bits, by scaling, never by cutting
/// off (a plain `vips_cast` turns 60000 into 255).
extension Image {
  /// Whether the samples are 16-bit (libvips's `ushort`).
  var isSixteenBit: Bool { bandFormat == VIPS_FORMAT_USHORT }

  /// 8 bits per sample: a 16-bit image scaled by 255/65535 and rounded
  /// (RGB16 becomes sRGB, GREY16 becomes B_W); any other image as it is.
  func eightBit() throws -> Image {
    guard isSixteenBit else { return self }
    let scaled = try linear([1 / 257], [0.5])  // to uchar, truncating: + 0.5 rounds
    switch interpretation {
    case VIPS_INTERPRETATION_RGB16: return try scaled.interpreted(as: VIPS_INTERPRETATION_sRGB)
    case VIPS_INTERPRETATION_GREY16: return try scaled.interpreted(as: VIPS_INTERPRETATION_B_W)
    default: return scaled
    }
  }

  /// 16 bits per sample: an 8-bit image scaled by 65535/255 (sRGB becomes
  /// RGB16, B_W becomes GREY16); any other image as it is.
  func sixteenBit() throws -> Image {
    guard bandFormat == VIPS_FORMAT_UCHAR else { return self }
    let scaled = try calling("linear", ["a": .doubles([257]), "b": .doubles([0])]).cast(VIPS_FORMAT_USHORT)
    switch interpretation {
    case VIPS_INTERPRETATION_sRGB: return try scaled.interpreted(as: VIPS_INTERPRETATION_RGB16)
    case VIPS_INTERPRETATION_B_W: return try scaled.interpreted(as: VIPS_INTERPRETATION_GREY16)
    default: return scaled
    }
  }

  /// The same pixels labelled with another interpretation (no conversion).
  func interpreted(as interpretation: VipsInterpretation) throws -> Image {
    let copy = try copy()
    copy.pointer.pointee.Type = interpretation
    return copy
  }

  /// sRGB (RGB16 for a 16-bit image), with alpha if it had alpha: the base a
  /// stamp is composited onto without losing the image's depth.
  func srgbKeepingDepth() throws -> Image {
    guard isSixteenBit else { return try srgb8() }
    var image = try inSRGBColour()
    guard image.isSixteenBit else { return try image.srgb8() }
    if image.interpretation == VIPS_INTERPRETATION_sRGB && image.bands >= 3 {
      image = try image.interpreted(as: VIPS_INTERPRETATION_RGB16)
    } else if image.interpretation != VIPS_INTERPRETATION_RGB16 || image.bands < 3 {
      image = try image.colourspace(VIPS_INTERPRETATION_RGB16)
    }
    return image
  }
}
