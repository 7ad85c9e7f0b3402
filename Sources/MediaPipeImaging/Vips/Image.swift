import CVips
import CVipsShims

/// An owned libvips image. The class holds the only reference it was given
/// and releases it in `deinit`.
///
/// Not Sendable: a worker handles one image at a time on one thread.
public final class Image {
  let pointer: UnsafeMutablePointer<VipsImage>

  init(owning pointer: UnsafeMutablePointer<VipsImage>) {
    self.pointer = pointer
  }

  deinit {
    g_object_unref(pointer)
  }

  /// Runs one libvips call that produces an image; the one checked path into libvips.
  /// - Throws: `ImagingError` with the operation name and libvips's error text.
  static func call(_ operation: String, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32)
    throws
    -> Image
  {
    var out: UnsafeMutablePointer<VipsImage>?
    let status = body(&out)
    guard status == 0, let out else {
      if let out { g_object_unref(out) }
      throw ImagingError(operation: operation, detail: ImagingError.takeBuffer())
    }
    return Image(owning: out)
  }

  /// Runs one libvips call that returns a status only (savers).
  static func check(_ operation: String, _ status: Int32) throws {
    guard status == 0 else { throw ImagingError(operation: operation, detail: ImagingError.takeBuffer()) }
  }

  // MARK: - Header

  public var width: Int { Int(vips_image_get_width(pointer)) }
  public var height: Int { Int(vips_image_get_height(pointer)) }
  public var bands: Int { Int(vips_image_get_bands(pointer)) }
  public var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }
  public var interpretation: VipsInterpretation { vips_image_get_interpretation(pointer) }
  public var bandFormat: VipsBandFormat { vips_image_get_format(pointer) }

  /// The EXIF orientation (1–8), or 1 when there is none.
  public var orientation: Int {
    var value: Int32 = 1
    guard has("orientation"), vips_image_get_int(pointer, "orientation", &value) == 0 else { return 1 }
    return (1...8).contains(Int(value)) ? Int(value) : 1
  }

  /// Whether the file is a progressive (or interlaced) image.
  public var isInterlaced: Bool {
    var value: Int32 = 0
    guard has("interlaced"), vips_image_get_int(pointer, "interlaced", &value) == 0 else { return false }
    return value != 0
  }

  /// The name of the loader libvips used, such as "jpegload".
  public var loader: String? { string("vips-loader") }

  /// Whether a metadata field exists.
  public func has(_ field: String) -> Bool { vips_image_get_typeof(pointer, field) != 0 }

  /// A string field.
  public func string(_ field: String) -> String? {
    guard has(field) else { return nil }
    var out: UnsafePointer<CChar>?
    guard vips_image_get_string(pointer, field, &out) == 0, let out else {
      vips_error_clear()
      return nil
    }
    return String(cString: out)
  }

  /// A blob field's bytes.
  public func blob(_ field: String) -> [UInt8]? {
    guard has(field) else { return nil }
    var data: UnsafeRawPointer?
    var length = 0
    guard vips_image_get_blob(pointer, field, &data, &length) == 0, let data else {
      vips_error_clear()
      return nil
    }
    return Array(UnsafeRawBufferPointer(start: data, count: length))
  }

  /// Every metadata field name.
  public var fieldNames: [String] {
    guard let fields = vips_image_get_fields(pointer) else { return [] }
    defer { g_strfreev(fields) }
    var names: [String] = []
    var i = 0
    while let name = fields[i] {
      names.append(String(cString: name))
      i += 1
    }
    return names
  }

  /// A copy without EXIF, XMP, IPTC, ICC and thumbnail metadata (the pixels shared).
  func withoutMetadata() throws -> Image {
    let copy = try self.copy()
    for field in copy.fieldNames
    where field.hasPrefix("exif-") || field == "xmp-data" || field == "iptc-data" || field == "icc-profile-data"
      || field == "jpeg-thumbnail-data" || field == "orientation" || field == "resolution-unit"
    {
      copy.remove(field)
    }
    return copy
  }

  /// Removes a metadata field (on an image this code owns exclusively, such as a fresh copy).
  func remove(_ field: String) {
    _ = vips_image_remove(pointer, field)
  }

  /// A pixel's band values (for tests and checks); decodes the image.
  public func pixel(x: Int, y: Int) throws -> [Double] {
    var values: UnsafeMutablePointer<Double>?
    var n: Int32 = 0
    guard cvips_getpoint(pointer, &values, &n, Int32(x), Int32(y)) == 0, let values else {
      throw ImagingError(operation: "getpoint", detail: ImagingError.takeBuffer())
    }
    defer { g_free(values) }
    return Array(UnsafeBufferPointer(start: values, count: Int(n)))
  }
}
