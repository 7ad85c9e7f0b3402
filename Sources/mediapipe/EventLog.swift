import Foundation
import MediaPipe

#if canImport(Glibc)
  import Glibc
#endif

/// One line per file on stdout: text for people, or JSON lines for programs.
///
/// JSON lines are `FileEvent`s, the shape of `--report`'s entries; a line about
/// the command itself (start, stop, a rescan) is `{"message":…,"status":"note","time":…}`.
final class EventLog {
  let format: WorkerOptions.LogFormat
  private let encoder: JSONEncoder

  init(format: WorkerOptions.LogFormat) {
    self.format = format
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  }

  /// One file's line.
  func write(_ event: FileEvent) {
    switch format {
    case .json:
      emit((try? String(decoding: encoder.encode(event), as: UTF8.self)) ?? "")
    case .text:
      var text = "\(event.time)  \(event.status.rawValue)  \(event.input)"
      if !event.outputs.isEmpty { text += " -> " + event.outputs.map(\.path).joined(separator: ", ") }
      if let failure = event.failure {
        text += ": " + failure.sentence
      } else if event.status == .skipped, let reason = event.reason {
        text += ": " + reason
      }
      if let moved = event.movedTo { text += "; moved to \(moved)" }
      if event.status != .skipped { text += "  \(event.milliseconds) ms" }
      emit(text)
    }
  }

  /// A line about the command itself, not about one file.
  func note(_ message: String) {
    switch format {
    case .json:
      let time = (try? String(decoding: encoder.encode(Self.now()), as: UTF8.self)) ?? "\"\""
      let text = (try? String(decoding: encoder.encode(message), as: UTF8.self)) ?? "\"\""
      emit("{\"message\":\(text),\"status\":\"note\",\"time\":\(time)}")
    case .text:
      emit("\(Self.now())  \(message)")
    }
  }

  private func emit(_ line: String) {
    var line = line + "\n"
    line.withUTF8 { buffer in
      var offset = 0
      while offset < buffer.count {
        let n = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
        if n <= 0 { if errno == EINTR { continue } else { break } }
        offset += n
      }
    }
  }

  static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date())
  }
}
