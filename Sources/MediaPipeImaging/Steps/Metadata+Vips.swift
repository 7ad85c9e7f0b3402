import MediaPipeCore

extension MetadataPolicy {
  /// The image ready to save under this policy, and whether the saver should
  /// strip all metadata.
  ///
  /// Without `icc` the pixels are converted to sRGB and the profile dropped.
  /// `copyright` keeps EXIF Copyright and Artist; `exif` keeps EXIF without
  /// GPS; XMP and IPTC survive only `all` (they can carry GPS too). libvips
  /// rebuilds the EXIF block on save and drops every tag whose field is gone.
  func prepare(_ image: Image) throws -> (image: Image, strip: Bool) {
    if all { return (image, false) }
    var image = image
    if !icc { image = try image.inSRGBColour() }
    if stripsEverything { return (image, true) }
    let copy = try image.copy()
    for field in copy.fieldNames where !keeps(field) {
      copy.remove(field)
    }
    return (copy, false)
  }

  /// Whether a libvips metadata field survives this policy.
  func keeps(_ field: String) -> Bool {
    if all { return true }
    switch field {
    case "icc-profile-data": return icc
    case "xmp-data", "iptc-data": return false
    case "exif-data": return exif || copyright
    default: break
    }
    if field.hasPrefix("exif-ifd") {
      if field.hasPrefix("exif-ifd3-") { return false }  // the GPS IFD
      if field.hasPrefix("exif-ifd1-") { return false }  // the embedded thumbnail's tags
      if exif { return true }
      return copyright && (field == "exif-ifd0-Copyright" || field == "exif-ifd0-Artist")
    }
    return true
  }
}
