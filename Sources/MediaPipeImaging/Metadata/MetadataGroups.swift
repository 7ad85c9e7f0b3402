import MediaPipeCore

/// Which groups each EXIF, XMP and IPTC field belongs to (besides its container).
/// docs/pipeline-format.md lists the same fields under `metadata`.
enum MetadataFields {
  /// The groups of a libvips EXIF field such as `exif-ifd0-Copyright`; nil for
  /// the embedded thumbnail's tags (IFD1), which never survive.
  static func exifGroups(_ field: String) -> Set<MetadataGroup>? {
    guard field.hasPrefix("exif-ifd"), field.count > 10 else { return [.exif] }
    let ifd = field.dropFirst(8).prefix(1)
    let tag = String(field.dropFirst(10))
    switch ifd {
    case "1": return nil
    case "3": return [.exif, .gps]
    case "0":
      switch tag {
      case "Copyright", "Artist": return [.exif, .copyright]
      case "Make", "Model": return [.exif, .camera]
      case "DateTime": return [.exif, .dates]
      case "Orientation": return [.exif, .orientation]
      default: return [.exif]
      }
    case "2":
      if exifDates.contains(tag) { return [.exif, .dates] }
      if exifPlain.contains(tag) { return [.exif] }
      return [.exif, .camera]  // the Exif IFD is the camera's: exposure, lens, serial numbers
    default: return [.exif]
    }
  }

  static let exifDates: Set<String> = [
    "DateTimeOriginal", "DateTimeDigitized", "OffsetTime", "OffsetTimeOriginal", "OffsetTimeDigitized",
    "SubSecTime", "SubSecTimeOriginal", "SubSecTimeDigitized",
  ]
  /// Exif IFD tags that describe the file, not the camera.
  static let exifPlain: Set<String> = [
    "ExifVersion", "FlashPixVersion", "FlashpixVersion", "ColorSpace", "PixelXDimension", "PixelYDimension",
    "ComponentsConfiguration", "UserComment", "ImageUniqueID", "InteroperabilityIFDPointer", "Gamma",
  ]

  static let dc = "http://purl.org/dc/elements/1.1/"
  static let xmp = "http://ns.adobe.com/xap/1.0/"
  static let xmpRights = "http://ns.adobe.com/xap/1.0/rights/"
  static let exif = "http://ns.adobe.com/exif/1.0/"
  static let exifEX = "http://cipa.jp/exif/1.0/"
  static let aux = "http://ns.adobe.com/exif/1.0/aux/"
  static let tiff = "http://ns.adobe.com/tiff/1.0/"
  static let photoshop = "http://ns.adobe.com/photoshop/1.0/"
  static let iptcCore = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
  static let iptcExt = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
  /// mediapipe's own XMP namespace, for provenance.
  static let mediapipe = "urn:mediapipe:xmp:1.0/"

  /// The groups of an XMP property (besides `xmp`).
  static func xmpGroups(_ p: XMPFilter.Property) -> Set<MetadataGroup> {
    switch (p.namespace, p.name) {
    case (dc, "rights"), (dc, "creator"), (xmpRights, _), (iptcCore, "CreatorContactInfo"),
      (photoshop, "Credit"), (photoshop, "AuthorsPosition"):
      return [.copyright]
    case (exif, let name) where name.hasPrefix("GPS"): return [.gps]
    case (exifEX, let name) where name.hasPrefix("GPS"): return [.gps]
    case (photoshop, "City"), (photoshop, "State"), (photoshop, "Country"), (iptcCore, "Location"),
      (iptcCore, "CountryCode"), (iptcExt, "LocationCreated"), (iptcExt, "LocationShown"):
      return [.gps]
    case (xmp, "CreateDate"), (xmp, "ModifyDate"), (xmp, "MetadataDate"), (photoshop, "DateCreated"),
      (exif, "DateTimeOriginal"), (exif, "DateTimeDigitized"), (tiff, "DateTime"):
      return [.dates]
    case (tiff, "Orientation"): return [.orientation]
    case (tiff, "Make"), (tiff, "Model"), (exif, _), (exifEX, _), (aux, _): return [.camera]
    default: return []
    }
  }

  /// The groups of IPTC dataset `record:number` (besides `iptc`).
  static func iptcGroups(record: UInt8, number: UInt8) -> Set<MetadataGroup> {
    guard record == 2 else { return [] }
    switch number {
    case 80, 85, 110, 116: return [.copyright]  // By-line, By-line Title, Credit, Copyright Notice
    case 26, 27, 90, 92, 95, 100, 101: return [.gps]  // location codes and names, City ... Country
    case 30, 35, 37, 38, 55, 60, 62, 63: return [.dates]
    default: return []
    }
  }
}
