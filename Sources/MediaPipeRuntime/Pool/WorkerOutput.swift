import Foundation

/// What a worker wrote on its stdout and stderr during one task: libvips
/// warnings, GLib assertions, a crash's backtrace.
///
/// The parent reads it from a pipe as it arrives (a worker that writes a lot
/// never blocks) and keeps the last `limit` bytes. It never goes to the user's
/// terminal as it is: a crash is reported in one line, naming the last libvips
/// message, and the text itself goes to the report's detail and to verbose output.
struct WorkerOutput {
  /// Bytes kept per task: the end of a long backtrace is what explains it.
  static let limit = 64 * 1024

  private var bytes: [UInt8] = []
  /// Whether earlier bytes were dropped to stay within `limit`.
  private var truncated = false
  /// The line being received (up to its first 4 KB), to find libvips's lines in
  /// all of the output, not only in the part kept.
  private var partialLine: [UInt8] = []
  private var lastLibvipsLine: [UInt8]?

  var isEmpty: Bool { bytes.isEmpty }

  mutating func append(_ chunk: UnsafeRawBufferPointer) {
    bytes.append(contentsOf: chunk)
    // Trim in large steps so a chatty worker costs amortised O(1) per byte.
    if bytes.count > 2 * Self.limit {
      bytes.removeFirst(bytes.count - Self.limit)
      truncated = true
    }
    for byte in chunk {
      if byte == UInt8(ascii: "\n") {
        if Self.isLibvips(partialLine) { lastLibvipsLine = partialLine }
        partialLine.removeAll(keepingCapacity: true)
      } else if partialLine.count < 4096 {
        partialLine.append(byte)
      }
    }
  }

  mutating func reset() {
    bytes.removeAll(keepingCapacity: true)
    truncated = false
    partialLine.removeAll(keepingCapacity: true)
    lastLibvipsLine = nil
  }

  /// The text kept (the last `limit` bytes, from a line start), nil when the worker wrote nothing.
  var text: String? {
    guard !bytes.isEmpty else { return nil }
    var tail = bytes.suffix(Self.limit)
    guard truncated || tail.count < bytes.count else { return String(decoding: tail, as: UTF8.self) }
    if let newline = tail.firstIndex(of: UInt8(ascii: "\n")) { tail = tail[(newline + 1)...] }
    return "[... earlier output dropped ...]\n" + String(decoding: tail, as: UTF8.self)
  }

  /// The last line that libvips wrote (its GLib log domain is "VIPS"), on one
  /// line and shortened: what a crash report shows. Nil when there is none.
  var lastLibvipsMessage: String? {
    let line = Self.isLibvips(partialLine) ? partialLine : lastLibvipsLine
    return line.map { Self.shortened(String(decoding: $0, as: UTF8.self)) }
  }

  /// GLib's lines for the "VIPS" domain ("VIPS-WARNING **: ...", "VIPS:ERROR:..."), and
  /// ours for verbose output ("libvips: VIPS: ..."); not a backtrace's `Thread 3 "libvips worker"`.
  private static func isLibvips(_ line: [UInt8]) -> Bool {
    let text = String(decoding: line, as: UTF8.self)
    return text.contains("VIPS-") || text.contains("VIPS:") || text.hasPrefix("libvips: ")
  }

  private static func shortened(_ line: String) -> String {
    var message = line.trimmingCharacters(in: .whitespaces)
    // GLib's "(program:pid): " prefix says nothing the user needs.
    if message.hasPrefix("("), let close = message.range(of: "): ") { message = String(message[close.upperBound...]) }
    if message.count > 200 { message = String(message.prefix(199)) + "…" }
    return message
  }
}

/// A worker's output split by task: the worker writes `endOfTask` after each
/// task, before its `done`, so that the output of the task it starts next (with
/// several queued, at once) is never taken for the one it finished.
package struct WorkerOutputStream {
  /// The byte a worker writes on its stdout/stderr pipe at the end of each task
  /// (ASCII "record separator": libvips, GLib and backtraces never write it).
  package static let endOfTask: UInt8 = 0x1E

  /// The output of the task the worker is on (or just finished, until its `done` is handled).
  private(set) var current = WorkerOutput()
  /// Output written after end marks whose `done` has not been handled yet, in order.
  private var later: [WorkerOutput] = []

  var text: String? { current.text }
  var lastLibvipsMessage: String? { current.lastLibvipsMessage }

  mutating func append(_ chunk: UnsafeRawBufferPointer) {
    var start = 0
    for index in 0..<chunk.count where chunk[index] == Self.endOfTask {
      add(UnsafeRawBufferPointer(rebasing: chunk[start..<index]))
      later.append(WorkerOutput())
      start = index + 1
    }
    add(UnsafeRawBufferPointer(rebasing: chunk[start..<chunk.count]))
  }

  private mutating func add(_ piece: UnsafeRawBufferPointer) {
    guard !piece.isEmpty else { return }
    if later.isEmpty { current.append(piece) } else { later[later.count - 1].append(piece) }
  }

  /// At a task's `done`: its output; what followed its end mark becomes the current output.
  mutating func finishTask() -> String? {
    let text = current.text
    if later.isEmpty { current.reset() } else { current = later.removeFirst() }
    return text
  }

  /// Forgets everything (the worker was idle: what it wrote belongs to no task).
  mutating func reset() {
    current.reset()
    later.removeAll()
  }
}
