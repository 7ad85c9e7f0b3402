import CVips
import MediaPipeCore

/// What `metadata provenance=yes` writes: the tool and the pipeline.
public struct Provenance: Sendable, Equatable {
  /// "mediapipe VERSION": EXIF Software and XMP xmp:CreatorTool.
  public var software: String
  /// The pipeline's fingerprint: XMP mediapipe:pipeline (nil: not written).
  public var pipeline: String?

  public init(software: String = "mediapipe \(MediaPipeVersion.current)", pipeline: String?) {
    self.software = software
    self.pipeline = pipeline
  }
}

extension MetadataPolicy {
  /// The image ready to save as `format` under this policy, and whether the
  /// saver should strip all metadata.
  ///
  /// Without `icc` the pixels are converted to sRGB and the profile dropped.
  /// EXIF fields go one by one (libvips rebuilds the EXIF block on save from
  /// the `exif-ifd*` fields and drops every tag whose field is gone); the XMP
  /// packet and the IPTC records are rewritten by `XMPFilter` and `IPTCFilter`.
  /// GPS is gone from all three unless `gps` is kept.
  func prepare(_ image: Image, for format: Compress.Format, provenance: Provenance?) throws -> (
    image: Image, strip: Bool
  ) {
    var image = image
    if !icc { image = try image.inSRGBColour() }
    if stripsEverything { return (image, true) }
    let copy = try image.copy()
    // libvips 8.14 writes no EXIF into a TIFF: its copyright and artist go into
    // the XMP instead, where the XMP has none of its own.
    let fallbacks = format == .tiff ? exifCopyrightAsXMP(copy) : []
    for field in copy.fieldNames {
      switch field {
      case "icc-profile-data":
        if !icc { copy.remove(field) }
      case "exif-data":
        break  // libvips rebuilds it from the fields
      case "orientation":
        if !keepsField(in: [.exif, .orientation]) { copy.remove(field) }
      case "exif-ifd0-Orientation":
        // libvips writes the tag from `orientation` (1 when it is gone): the
        // stored value may be stale (HEIF loaders rotate and drop `orientation`).
        copy.remove(field)
      case "xmp-data":
        let filtered = copy.blob(field).flatMap {
          xmpFilter(provenance: provenance, fallbacks: fallbacks).apply(to: $0)
        }
        copy.set(field, blob: filtered)
      case "iptc-data":
        let filter = IPTCFilter { record, number in
          self.keepsField(in: MetadataFields.iptcGroups(record: record, number: number).union([.iptc]))
        }
        var filtered = copy.blob(field).flatMap { filter.apply(to: $0, writing: format == .tiff ? .bare : .photoshop) }
        if format == .tiff, let iim = filtered { filtered = Self.paddedForTIFFSave(iim) }
        copy.set(field, blob: filtered)
      default:
        if field.hasPrefix("exif-") {
          if let groups = MetadataFields.exifGroups(field), keepsField(in: groups) { continue }
          copy.remove(field)
        }
      }
    }
    let writesProvenance = self.provenance && provenance != nil
    if !writesProvenance && !copy.fieldNames.contains(where: { $0.hasPrefix("exif-ifd") }) {
      copy.remove("exif-data")
    }
    if let provenance, writesProvenance { copy.set("exif-ifd0-Software", string: provenance.software) }
    if !copy.has("xmp-data") && (writesProvenance || !fallbacks.isEmpty) {
      copy.set("xmp-data", blob: xmpFilter(provenance: provenance, fallbacks: fallbacks).packetWithAdditionsOnly())
    }
    return (copy, false)
  }

  /// EXIF copyright and artist, as XMP `dc:rights` and `dc:creator`, where this
  /// policy keeps both the EXIF field and the XMP property it becomes (so
  /// `drop=xmp` writes no XMP, and `keep=exif` no `dc:rights`).
  private func exifCopyrightAsXMP(_ image: Image) -> [XMPFilter.Fallback] {
    let fields: [(tag: String, name: String, form: XMPFilter.Fallback.Form)] = [
      ("Copyright", "rights", .languageAlternative), ("Artist", "creator", .orderedList),
    ]
    return fields.compactMap { field in
      let key = "exif-ifd0-" + field.tag
      let property = XMPFilter.Property(namespace: MetadataFields.dc, name: field.name)
      guard let groups = MetadataFields.exifGroups(key), keepsField(in: groups),
        keepsField(in: MetadataFields.xmpGroups(property).union([.xmp])),
        let value = image.string(key).flatMap(Self.exifValue), !value.isEmpty
      else { return nil }
      return XMPFilter.Fallback(
        prefix: "dc", namespace: MetadataFields.dc, name: field.name, value: value, form: field.form)
    }
  }

  /// The value of a libvips EXIF string field, written "VALUE (DESCRIPTION, FORMAT,
  /// N components, M bytes)". The description may hold parentheses of its own, even
  /// unmatched ones ("Smith :-) (Smith :-) (Photographer) - [None] (Editor), ASCII,
  /// ...)" for a Copyright): a text value is its first M - 1 bytes (M counts the
  /// closing NUL) where " (" and the same bytes again follow them; else (a value
  /// padded with NULs, or a Copyright naming an editor too) it is what precedes the
  /// description, found by matching parentheses from the end.
  static func exifValue(_ field: String) -> String? {
    guard field.hasSuffix(")") else { return nil }
    let bytes = Array(field.utf8)
    // The first M - 1 bytes, where the description that follows starts with them
    // again (a Copyright naming an editor too counts both in M: it goes below).
    if let count = declaredBytes(field), count >= 1, 2 * count < bytes.count,
      bytes[count - 1] == UInt8(ascii: " "), bytes[count] == UInt8(ascii: "("),
      bytes[(count + 1)...].starts(with: bytes[..<(count - 1)]),
      let value = String(validating: bytes[..<(count - 1)], as: UTF8.self)
    {
      return value
    }
    var depth = 0
    var index = field.endIndex
    while index > field.startIndex {
      index = field.index(before: index)
      if field[index] == ")" { depth += 1 }
      if field[index] == "(" {
        depth -= 1
        if depth == 0 { break }
      }
    }
    guard depth == 0 else { return nil }
    var value = field[..<index]
    while value.last == " " { value = value.dropLast() }
    return String(value)
  }

  /// M in a field's closing "..., M bytes)".
  private static func declaredBytes(_ field: String) -> Int? {
    guard field.hasSuffix(" bytes)"), let comma = field.lastIndex(of: ",") else { return nil }
    let number = field[field.index(after: comma)...].dropFirst().dropLast(" bytes)".count)
    return Int(number)
  }

  /// IIM for libvips 8.14's tiffsave, which passes the blob's length in
  /// 4-byte units to libtiff as the tag's byte count, so only the first quarter
  /// is written (measured with exiftool: 39 bytes of IIM came out as 10). Four
  /// times the length, zero-filled, makes it write the whole IIM; readers
  /// (exiftool, libvips, `IPTCFilter`) ignore trailing zeros, so a libvips
  /// that writes every byte stays correct.
  static func paddedForTIFFSave(_ iim: [UInt8]) -> [UInt8] {
    let rounded = (iim.count + 3) / 4 * 4
    return iim + [UInt8](repeating: 0, count: 4 * rounded - iim.count)
  }

  private func xmpFilter(provenance: Provenance?, fallbacks: [XMPFilter.Fallback]) -> XMPFilter {
    var filter = XMPFilter { property in
      self.keepsField(in: MetadataFields.xmpGroups(property).union([.xmp]))
    }
    filter.fallbacks = fallbacks
    if let provenance, self.provenance {
      filter.additions.append(("xmp", MetadataFields.xmp, "CreatorTool", provenance.software))
      if let pipeline = provenance.pipeline {
        filter.additions.append(("mediapipe", MetadataFields.mediapipe, "pipeline", pipeline))
      }
    }
    return filter
  }
}

extension Image {
  /// Sets a blob field, or removes it when `blob` is nil (on an image this code owns exclusively).
  func set(_ field: String, blob: [UInt8]?) {
    guard let blob else {
      remove(field)
      return
    }
    blob.withUnsafeBytes { vips_image_set_blob_copy(pointer, field, $0.baseAddress, $0.count) }
  }

  /// Sets a string field (on an image this code owns exclusively).
  func set(_ field: String, string: String) {
    vips_image_set_string(pointer, field, string)
  }
}
