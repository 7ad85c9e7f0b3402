import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One line per file the watcher handles, as text or JSON lines, on stdout.
struct WatchLog {
  enum Format: String, Sendable {
    case text, json
  }

  let format: Format

  struct Line: Encodable {
    var time: String
    var input: String
    var status: String
    var outputs: [String]?
    var reason: String?
    var message: String?
    var detail: String?
    var movedTo: String?
    var milliseconds: Int?
  }

  func write(_ line: Line) {
    var text: String
    switch format {
    case .json:
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      text = (try? String(decoding: encoder.encode(line), as: UTF8.self)) ?? ""
    case .text:
      text = "\(line.time)  \(line.status)  \(line.input)"
      if let outputs = line.outputs, !outputs.isEmpty { text += " -> " + outputs.joined(separator: ", ") }
      if let message = line.message { text += ": " + message }
      if let detail = line.detail { text += " (\(detail))" }
      if let moved = line.movedTo { text += "; moved to \(moved)" }
      if let ms = line.milliseconds { text += "  \(ms) ms" }
    }
    text += "\n"
    text.withUTF8 { buffer in _ = Glibc.write(1, buffer.baseAddress, buffer.count) }
  }

  /// A line for the watcher itself (start, stop, rescans), not about one file.
  func note(_ message: String) {
    switch format {
    case .json:
      let line = "{\"message\":" + jsonString(message) + ",\"status\":\"note\",\"time\":\"\(Self.now())\"}\n"
      line.utf8CString.withUnsafeBufferPointer { _ = Glibc.write(1, $0.baseAddress, $0.count - 1) }
    case .text:
      let line = "\(Self.now())  \(message)\n"
      line.utf8CString.withUnsafeBufferPointer { _ = Glibc.write(1, $0.baseAddress, $0.count - 1) }
    }
  }

  private func jsonString(_ s: String) -> String {
    (try? String(decoding: JSONEncoder().encode(s), as: UTF8.self)) ?? "\"\""
  }

  static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date())
  }
}
