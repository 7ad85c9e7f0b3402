import CVips
import MediaPipeCore

extension Image {
  /// The image in sRGB: CMYK through its profile (or libvips's built-in CMYK
  /// profile), RGB or grey with a non-sRGB profile through that profile, LAB
  /// (TIFF) with libvips's colourspace. Greyscale and plain sRGB stay as they are.
  func inSRGBColour() throws -> Image {
    if [VIPS_INTERPRETATION_LAB, VIPS_INTERPRETATION_LABQ, VIPS_INTERPRETATION_LABS].contains(interpretation) {
      return try colourspace(VIPS_INTERPRETATION_sRGB)
    }
    if interpretation == VIPS_INTERPRETATION_CMYK {
      return try iccToSRGB(fallbackProfile: "cmyk")
    }
    if let profile = blob("icc-profile-data"), !ICCProfile.isSRGB(profile) {
      return try iccToSRGB(fallbackProfile: nil)
    }
    return self
  }

  /// 8-bit sRGB, with alpha if it had alpha: what compositing a colour stamp needs.
  func srgb8() throws -> Image {
    // Scaled to 8 bits first (rounded; a cast would cut 16-bit values off at 255).
    var image = try inSRGBColour().eightBit()
    if image.interpretation != VIPS_INTERPRETATION_sRGB || image.bands < 3 {
      image = try image.colourspace(VIPS_INTERPRETATION_sRGB)
    }
    if image.bandFormat != VIPS_FORMAT_UCHAR {
      image = try image.cast(VIPS_FORMAT_UCHAR)
    }
    return image
  }

  /// Band values for `color` in this image's bands and range.
  func values(for color: MediaPipeCore.Color) -> [Double] {
    let scale = bandFormat == VIPS_FORMAT_USHORT ? 257.0 : 1.0
    let r = Double(color.red), g = Double(color.green), b = Double(color.blue)
    let a = color.alpha * 255
    let grey = 0.2126 * r + 0.7152 * g + 0.0722 * b
    let raw: [Double]
    switch bands {
    case 1: raw = [grey]
    case 2: raw = [grey, a]
    case 3: raw = [r, g, b]
    default: raw = [r, g, b, a] + Array(repeating: a, count: max(0, bands - 4))
    }
    return raw.map { $0 * scale }
  }
}

/// Reads just enough of an ICC profile to tell whether it is sRGB.
enum ICCProfile {
  /// True when the profile's description names sRGB (the common camera and
  /// web profiles do): converting through it would change nothing but time.
  static func isSRGB(_ profile: [UInt8]) -> Bool {
    let needle = Array("sRGB".utf8)
    let utf16 = [0, 0x73, 0, 0x52, 0, 0x47, 0, 0x42] as [UInt8]
    return profile.firstRange(of: needle) != nil || profile.firstRange(of: utf16) != nil
  }
}
