import Foundation

/// Byte counts for people: "812 B", "3.4 KB", "1.2 MB", "2.05 GB", in powers of
/// 1000 (as `compress max_bytes=200k` reads them, so that a budget of `200k`
/// prints as "200.0 KB").
public enum ByteCount {
  public static func text(_ n: Int) -> String {
    if n < 1000 { return "\(n) B" }
    if n < 1_000_000 { return String(format: "%.1f KB", Double(n) / 1000) }
    if n < 1_000_000_000 { return String(format: "%.1f MB", Double(n) / 1_000_000) }
    return String(format: "%.2f GB", Double(n) / 1_000_000_000)
  }

  /// A size as people write it: `150000`, `200k`, `200kb`, `1.5M`, `1.5mb`, in
  /// powers of 1000 (k = 1000 bytes, M = 1,000,000; case does not matter); nil
  /// for anything else, and for less than one byte.
  public static func parse(_ text: String) -> Int? {
    var number = Substring(text.lowercased())
    if number.hasSuffix("b") { number = number.dropLast() }
    var unit = 1.0
    if number.hasSuffix("k") {
      unit = 1000
      number = number.dropLast()
    } else if number.hasSuffix("m") {
      unit = 1_000_000
      number = number.dropLast()
    }
    guard let value = NumberSyntax.decimal(number), value.isFinite else { return nil }
    let bytes = (value * unit).rounded(.down)
    guard bytes >= 1, bytes <= Double(Int32.max) else { return nil }
    return Int(bytes)
  }
}
