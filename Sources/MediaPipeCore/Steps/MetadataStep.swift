/// A kind of metadata `metadata keep=` and `drop=` name.
///
/// Four are containers (`exif`, `xmp`, `iptc`, `icc`); the others cut across
/// them: `copyright` is the copyright and creator fields of EXIF, XMP and IPTC
/// alike, `gps` the location in all three.
public enum MetadataGroup: String, CaseIterable, Sendable, Hashable, Comparable {
  /// The EXIF block (GPS only with `gps`).
  case exif
  /// The XMP packet (its GPS properties only with `gps`).
  case xmp
  /// The IPTC IIM records (their location fields only with `gps`).
  case iptc
  /// The ICC profile; kept, the pixels are not converted to sRGB.
  case icc
  /// GPS and location fields, in EXIF, XMP and IPTC.
  case gps
  /// Copyright and artist/creator fields, in EXIF, XMP and IPTC.
  case copyright
  /// Camera make, model, lens, serial numbers and exposure settings.
  case camera
  /// When the photo was taken, digitised and modified.
  case dates
  /// The EXIF orientation tag.
  case orientation

  public static func < (a: MetadataGroup, b: MetadataGroup) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// `metadata strip` (the default), `metadata keep=GROUP,... drop=GROUP,...`,
/// `metadata keep=all`, and `provenance=yes`.
///
/// A field survives when a kept group covers it and no dropped group does.
/// GPS survives only when `gps` is kept, or with `keep=all`. Without `icc` the
/// output is converted to sRGB and carries no profile.
public struct MetadataPolicy: PipelineStep {
  /// The groups kept (empty: none).
  public var keep: Set<MetadataGroup> = []
  /// `keep=all`: every group, GPS included, less `drop`.
  public var keepsAll = false
  /// The groups dropped even where a kept group covers them.
  public var drop: Set<MetadataGroup> = []
  /// Write which tool and pipeline made the file (`provenance=yes`).
  public var provenance = false

  public init() {}

  public static let strip = MetadataPolicy()

  /// Whether fields of `group` can survive: kept (or `keep=all`) and not dropped.
  public func keeps(_ group: MetadataGroup) -> Bool {
    (keepsAll || keep.contains(group)) && !drop.contains(group)
  }

  /// Whether a field that belongs to all of `groups` survives. A GPS field
  /// needs `gps` itself; other fields need any of their groups.
  public func keepsField(in groups: Set<MetadataGroup>) -> Bool {
    if !groups.isDisjoint(with: drop) { return false }
    if groups.contains(.gps) { return keeps(.gps) }
    return keepsAll || !groups.isDisjoint(with: keep)
  }

  /// Keep the ICC profile (and do not convert to sRGB).
  public var icc: Bool { keeps(.icc) }
  /// Keep the copyright and artist fields.
  public var copyright: Bool { keeps(.copyright) }
  /// Keep EXIF.
  public var exif: Bool { keeps(.exif) }
  /// `keep=all` with nothing dropped: everything as it is.
  public var all: Bool { keepsAll && drop.isEmpty }

  public var stripsEverything: Bool { !keepsAll && keep.isEmpty && !provenance }

  public static let name = "metadata"
  public static let kind = StepKind.outputSetting
  // (No positional hint: the positional `strip` is optional, so it is never asked for.)
  public static let schema = StepSchema(keys: ["keep", "drop", "provenance"], positionals: 0...1)
  public static let documentation = StepDocumentation(
    syntax: "metadata strip | metadata keep=GROUP,... [drop=GROUP,...] [provenance=yes] | metadata keep=all",
    description:
      "Which metadata the output keeps (exif, xmp, iptc, icc, gps, copyright, camera, dates, orientation); without `icc` it is converted to sRGB."
  )

  static let groupNames = MetadataGroup.allCases.map(\.rawValue)

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> MetadataPolicy? {
    let statement = reader.statement
    var policy = MetadataPolicy()
    policy.provenance = reader.bool("provenance") ?? false
    if let argument = reader.positionals.first {
      if argument.value.value != "strip" {
        reader.invalid("'strip' or keep=...", argument, digits: .none)
      }
      for key in ["keep", "drop"] {
        if let given = reader.argument(key) {
          reader.error("give either 'strip' or \(key)=..., not both", at: given.location)
        }
      }
      return policy
    }
    if let keep = reader.argument("keep") {
      for (word, at) in items(of: keep, in: reader) {
        if word == "all" {
          policy.keepsAll = true
        } else if let group = MetadataGroup(rawValue: word) {
          policy.keep.insert(group)
        } else {
          reader.error(
            "expected all or a group (\(groupNames.joined(separator: ", "))) in `keep`, found \"\(excerpt(word))\"",
            at: at, notes: Suggestions.notes(for: word, in: groupNames + ["all"]))
        }
      }
    }
    if let drop = reader.argument("drop") {
      for (word, at) in items(of: drop, in: reader) {
        if let group = MetadataGroup(rawValue: word) {
          policy.drop.insert(group)
        } else {
          reader.error(
            "expected a group (\(groupNames.joined(separator: ", "))) in `drop`, found \"\(excerpt(word))\"", at: at,
            notes: Suggestions.notes(for: word, in: groupNames))
        }
      }
      // `drop=` alone keeps everything else.
      if reader.argument("keep") == nil { policy.keepsAll = true }
    }
    if reader.argument("keep") == nil && reader.argument("drop") == nil && !policy.provenance {
      reader.error(
        "'metadata' needs 'strip', keep=GROUP,... or drop=GROUP,... (groups: \(groupNames.joined(separator: ", ")))",
        at: statement.location)
    }
    return policy
  }

  /// The comma-separated words of an argument, lower-cased, each with its location.
  private static func items(of argument: Argument, in reader: ArgumentReader) -> [(String, SourceLocation)] {
    var column = argument.value.location.column
    var found: [(String, SourceLocation)] = []
    for item in argument.value.value.split(separator: ",", omittingEmptySubsequences: false) {
      var at = argument.value.location
      at.column = column
      found.append((item.lowercased(), at))
      column += item.count + 1
    }
    return found
  }

  public var summary: String {
    var text: String
    if all {
      text = "metadata: keep all (GPS included)"
    } else if !keepsAll && keep.isEmpty {
      text = "metadata: strip all, convert to sRGB"
    } else {
      let kept = keepsAll ? "all" : keep.sorted().map(\.rawValue).joined(separator: ", ")
      text = "metadata: keep \(kept)"
      if !drop.isEmpty { text += " except \(drop.sorted().map(\.rawValue).joined(separator: ", "))" }
      if !keeps(.gps) { text += "; GPS dropped" }
      if !icc { text += ", convert to sRGB" }
    }
    return provenance ? text + "; write provenance" : text
  }
}
