/// `metadata strip` (the default) or `metadata keep=icc,copyright,exif|all`.
///
/// Without `icc` the output is converted to sRGB and carries no profile. GPS
/// never survives unless `keep=all`.
public struct MetadataPolicy: PipelineStep {
  /// Keep the ICC profile (and do not convert to sRGB).
  public var icc = false
  /// Keep the EXIF Copyright and Artist fields.
  public var copyright = false
  /// Keep EXIF (camera, exposure, dates), without GPS.
  public var exif = false
  /// Keep everything as it is, GPS, XMP and IPTC included.
  public var all = false

  public init() {}

  public static let strip = MetadataPolicy()

  public var stripsEverything: Bool { !icc && !copyright && !exif && !all }

  public static let name = "metadata"
  public static let kind = StepKind.outputSetting
  public static let schema = StepSchema(keys: ["keep"], positionals: 0...1, positionalHint: "strip")
  public static let documentation = StepDocumentation(
    syntax: "metadata strip | metadata keep=icc,copyright,exif | metadata keep=all",
    description: "Which metadata the output keeps; without `icc` it is converted to sRGB.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> MetadataPolicy? {
    let statement = reader.statement
    var policy = MetadataPolicy()
    if let argument = reader.positionals.first {
      if argument.value.value != "strip" {
        reader.invalid("'strip' or keep=...", argument, digits: .none)
      }
      if let keep = reader.argument("keep") {
        reader.error("give either 'strip' or keep=..., not both", at: keep.location)
      }
    } else if let keep = reader.argument("keep") {
      let names = ["icc", "copyright", "exif", "all"]
      var column = keep.value.location.column
      for item in keep.value.value.split(separator: ",", omittingEmptySubsequences: false) {
        let word = item.lowercased()
        switch word {
        case "icc": policy.icc = true
        case "copyright": policy.copyright = true
        case "exif": policy.exif = true
        case "all": policy.all = true
        default:
          var at = keep.value.location
          at.column = column
          reader.error(
            "expected icc, copyright, exif or all in `keep`, found \"\(excerpt(String(item)))\"", at: at,
            notes: Suggestions.notes(for: word, in: names))
        }
        column += item.count + 1
      }
    } else {
      reader.error("'metadata' needs 'strip' or keep=icc,copyright,exif (or keep=all)", at: statement.location)
    }
    return policy
  }

  public var summary: String {
    if all { return "metadata: keep all (GPS included)" }
    if stripsEverything { return "metadata: strip all, convert to sRGB" }
    var kept: [String] = []
    if icc { kept.append("ICC profile") }
    if copyright { kept.append("copyright and artist") }
    if exif { kept.append("EXIF without GPS") }
    return "metadata: keep \(kept.joined(separator: ", ")); drop the rest" + (icc ? "" : ", convert to sRGB")
  }
}
