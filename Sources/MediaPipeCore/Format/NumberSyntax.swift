/// Numbers as the pipeline format writes them: ASCII digits only.
///
/// Swift's `Int(_:)` and `Double(_:)` accept more than the format does (`+5`,
/// `1e308`, `0x1p3`, `nan`, `inf`), and `Character.isNumber`/`isHexDigit` accept
/// digits from every script (`１２３`, `٣`). These accept exactly `[0-9]+`, and
/// `[0-9]+(.[0-9]+)?` or `.[0-9]+` for decimals; anything else is nil, never a trap.
enum NumberSyntax {
  /// A whole number written with ASCII digits, or nil (also when it does not fit an `Int`).
  static func integer<S: StringProtocol>(_ text: S) -> Int? {
    guard !text.isEmpty else { return nil }
    var value = 0
    for byte in text.utf8 {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
      if o1 || o2 { return nil }
      value = sum
    }
    return value
  }

  /// A decimal number written with ASCII digits and at most one `.`, or nil.
  static func decimal<S: StringProtocol>(_ text: S) -> Double? {
    var digits = 0
    var dots = 0
    var digitsAfterDot = 0
    for byte in text.utf8 {
      if byte == UInt8(ascii: ".") {
        dots += 1
      } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        digits += 1
        if dots > 0 { digitsAfterDot += 1 }
      } else {
        return nil
      }
    }
    guard digits > 0, dots <= 1, dots == 0 || digitsAfterDot > 0 else { return nil }
    // Validated above: Double's own parser sees nothing but digits and one dot.
    guard let value = Double(String(text)), value.isFinite else { return nil }
    return value
  }

  /// The value of an ASCII hex digit, or nil.
  static func hexValue(_ c: Character) -> UInt8? {
    guard let ascii = c.asciiValue else { return nil }
    switch ascii {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return ascii - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return ascii - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return ascii - UInt8(ascii: "A") + 10
    default: return nil
    }
  }

  /// The first character that is a digit in some script but not an ASCII one
  /// (`１`, `٣`, `ｆ`), with its offset in characters: the likely reason a
  /// number that looks right is refused.
  static func firstForeignDigit(in text: String) -> (character: Character, offset: Int)? {
    for (offset, c) in text.enumerated() where !c.isASCII && (c.isNumber || c.isHexDigit) {
      return (c, offset)
    }
    return nil
  }
}

/// `value` as an `Int`, clamped to `Int`'s range; 0 for NaN. Double-to-Int
/// conversion traps outside that range, so every such conversion of a value
/// derived from user input goes through here.
func clampedInt(_ value: Double) -> Int {
  if value.isNaN { return 0 }
  if value >= 9.0e18 { return 9_000_000_000_000_000_000 }
  if value <= -9.0e18 { return -9_000_000_000_000_000_000 }
  return Int(value)
}

/// User text shortened for a message: at most `limit` characters, with an
/// ellipsis; a tab shown as a blank and other control characters as U+FFFD,
/// so a message never carries a terminal escape or a NUL.
func excerpt(_ text: String, limit: Int = 60) -> String {
  var out = ""
  var count = 0
  for c in text {
    if count == limit {
      out += "…"
      break
    }
    out.append(c == "\t" ? " " : c.isControlCharacter ? "\u{FFFD}" : c)
    count += 1
  }
  return out
}

extension Character {
  /// Whether this is one of 0-9 (and not a digit of another script).
  var isASCIIDigit: Bool { asciiValue.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }

  /// Whether this is a control character (C0, DEL, C1), a tab included.
  var isControlCharacter: Bool {
    unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
  }
}
