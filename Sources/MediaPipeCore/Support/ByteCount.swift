import Foundation

/// Byte counts for people: "812 B", "3.4 KB", "1.2 MB", "2.05 GB" (powers of 1024).
public enum ByteCount {
  public static func text(_ n: Int) -> String {
    if n < 1024 { return "\(n) B" }
    if n < 1024 * 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
    if n < 1024 * 1024 * 1024 { return String(format: "%.1f MB", Double(n) / 1_048_576) }
    return String(format: "%.2f GB", Double(n) / 1_073_741_824)
  }
}
