/// Text made safe inside markup: XML (XMP packets), HTML (the preview page) and
/// Pango's markup (watermark text), as element content or a quoted attribute.
public enum Markup {
  /// `&`, `<`, `>`, `"` and `'` as entities (`'` as `&#39;`, which HTML 4, XML and
  /// Pango all read); every other character as it is.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text.unicodeScalars {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(character)
      }
    }
    return out
  }
}
