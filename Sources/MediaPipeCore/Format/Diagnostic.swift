/// One problem found in a pipeline file. Problems are collected and reported
/// together; none of them stops the reading of the rest of the file.
public struct Diagnostic: Sendable, Hashable {
  /// How bad the problem is.
  public enum Severity: String, Sendable {
    /// The pipeline cannot run.
    case error
    /// The pipeline runs, but probably not as meant.
    case warning
  }

  public var severity: Severity
  public var message: String
  public var location: SourceLocation
  /// Extra lines shown under the caret, such as "did you mean 'resize'?".
  public var notes: [String]

  public init(_ severity: Severity, _ message: String, at location: SourceLocation, notes: [String] = []) {
    self.severity = severity
    self.message = message
    self.location = location
    self.notes = notes
  }

  public static func error(_ message: String, at location: SourceLocation, notes: [String] = []) -> Diagnostic {
    Diagnostic(.error, message, at: location, notes: notes)
  }
}

/// Collects diagnostics while a pipeline is read.
///
/// Every diagnostic is counted, but only the earliest `capacity` in the file
/// are kept, so a hostile file with millions of problems costs bounded memory
/// (a hash, 8 bytes, of each one not kept). A diagnostic equal to one already
/// added is dropped (said once, counted once).
public struct DiagnosticBag: Sendable {
  private typealias Entry = (diagnostic: Diagnostic, order: Int)
  private var entries: [Entry] = []
  private var seen = Set<Diagnostic>()
  /// The hashes of the diagnostics trimmed from `entries`: one said again is
  /// not counted again.
  private var trimmed = Set<Int>()
  private var nextOrder = 0
  private let capacity: Int
  /// Errors found, kept or not.
  public private(set) var errorCount = 0
  /// Warnings found, kept or not.
  public private(set) var warningCount = 0

  public init(capacity: Int = PipelineLimits.keptDiagnostics) {
    self.capacity = max(1, capacity)
  }

  /// The kept diagnostics, in the order they were found.
  public var all: [Diagnostic] { kept.sorted { $0.order < $1.order }.map(\.diagnostic) }

  /// The kept diagnostics in file order.
  public var sorted: [Diagnostic] { kept.map(\.diagnostic) }

  public var hasErrors: Bool { errorCount > 0 }

  /// The earliest `capacity` entries in file order.
  private var kept: ArraySlice<Entry> {
    entries.sorted(by: Self.fileOrder).prefix(capacity)
  }

  public mutating func error(_ message: String, at location: SourceLocation, notes: [String] = []) {
    add(.error(message, at: location, notes: notes))
  }

  public mutating func warning(_ message: String, at location: SourceLocation) {
    add(Diagnostic(.warning, message, at: location))
  }

  public mutating func add(_ diagnostic: Diagnostic) {
    guard !seen.contains(diagnostic), !trimmed.contains(diagnostic.hashValue) else { return }
    switch diagnostic.severity {
    case .error: errorCount += 1
    case .warning: warningCount += 1
    }
    seen.insert(diagnostic)
    entries.append((diagnostic, nextOrder))
    nextOrder += 1
    // Trim in batches so that keeping the earliest stays O(n log capacity).
    if entries.count >= 2 * capacity {
      let inFileOrder = entries.sorted(by: Self.fileOrder)
      for entry in inFileOrder.dropFirst(capacity) { trimmed.insert(entry.diagnostic.hashValue) }
      entries = Array(inFileOrder.prefix(capacity))
      seen = Set(entries.map(\.diagnostic))
    }
  }

  public mutating func append(contentsOf other: [Diagnostic]) {
    for diagnostic in other { add(diagnostic) }
  }

  /// Adds another bag's diagnostics and counts, the ones it did not keep included.
  public mutating func append(contentsOf other: DiagnosticBag) {
    let otherKept = other.all
    for diagnostic in otherKept { add(diagnostic) }
    let keptErrors = otherKept.filter { $0.severity == .error }.count
    errorCount += other.errorCount - keptErrors
    warningCount += other.warningCount - (otherKept.count - keptErrors)
  }

  private static func fileOrder(_ a: Entry, _ b: Entry) -> Bool {
    (a.diagnostic.location, a.order) < (b.diagnostic.location, b.order)
  }
}

extension Array where Element == Diagnostic {
  /// Renders the diagnostics the way compilers do:
  ///
  ///     web.pipeline:2:1: error: unknown step 'resiz'
  ///     resiz 1600x1600
  ///     ^
  ///     note: did you mean 'resize'?
  ///
  /// The output is bounded whatever the input: at most `limit` diagnostics,
  /// then one line that counts the rest; each quotes at most about 100
  /// characters of its line around the column (with "…" where it is cut), and
  /// messages and notes are cut at 300 characters.
  ///
  /// - Parameters:
  ///   - source: the text the diagnostics were found in.
  ///   - limit: how many diagnostics to show.
  ///   - errorCount, warningCount: the totals, when there were more than these
  ///     diagnostics (`PipelineCompiler.Result` counts the ones it did not keep);
  ///     nil counts the array.
  public func rendered(
    source: String, limit: Int = PipelineLimits.renderedDiagnostics, errorCount: Int? = nil, warningCount: Int? = nil
  ) -> String {
    var lines = LineCursor(source)
    var resume: LineExcerpt.Position?
    var out = ""
    var shownErrors = 0
    var shownWarnings = 0
    for diagnostic in self.prefix(Swift.max(0, limit)) {
      switch diagnostic.severity {
      case .error: shownErrors += 1
      case .warning: shownWarnings += 1
      }
      let loc = diagnostic.location
      out += "\(loc): \(diagnostic.severity.rawValue): \(bounded(diagnostic.message))\n"
      if let line = lines.line(loc.line) {
        let (text, caretPadding) = LineExcerpt.make(line, number: loc.line, column: loc.column, resume: &resume)
        out += text + "\n"
        out += String(repeating: " ", count: caretPadding) + "^\n"
      }
      for note in diagnostic.notes.prefix(5) {
        out += "note: \(bounded(note))\n"
      }
    }
    let moreErrors = (errorCount ?? filter { $0.severity == .error }.count) - shownErrors
    let moreWarnings = (warningCount ?? filter { $0.severity == .warning }.count) - shownWarnings
    var more: [String] = []
    if moreErrors > 0 { more.append("\(groupedThousands(moreErrors)) more error\(moreErrors == 1 ? "" : "s")") }
    if moreWarnings > 0 { more.append("\(groupedThousands(moreWarnings)) more warning\(moreWarnings == 1 ? "" : "s")") }
    if !more.isEmpty { out += "... and \(more.joined(separator: " and "))\n" }
    return out
  }
}

/// A message or note cut at 300 characters, control characters made visible.
private func bounded(_ text: String) -> String { excerpt(text, limit: 300) }

/// `1234567` as "1,234,567".
func groupedThousands(_ n: Int) -> String {
  let digits = String(n.magnitude)
  var out = ""
  for (i, c) in digits.enumerated() {
    if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return (n < 0 ? "-" : "") + out
}

/// Finds lines by number, walking forward from the last one found, so
/// rendering diagnostics in file order reads the source once.
struct LineCursor {
  private let source: String
  private var number = 1
  private var start: String.Index
  private var end: String.Index?

  init(_ source: String) {
    self.source = source
    start = source.startIndex
  }

  /// Line `n` (1-based) without its line break, or nil past the end.
  mutating func line(_ n: Int) -> Substring? {
    guard n >= 1 else { return nil }
    if n < number {
      number = 1
      start = source.startIndex
      end = nil
    }
    while number < n {
      guard let lineEnd = currentEnd(), lineEnd < source.endIndex else { return nil }
      start = source.index(after: lineEnd)
      end = nil
      number += 1
    }
    return source[start..<(currentEnd() ?? source.endIndex)]
  }

  private mutating func currentEnd() -> String.Index? {
    if end == nil { end = source[start...].firstIndex(where: \.isLineBreak) ?? source.endIndex }
    return end
  }
}

extension Character {
  /// "\n", "\r\n" (one Character in Swift) and "\r" end a line.
  var isLineBreak: Bool { self == "\n" || self == "\r\n" || self == "\r" }
}

/// The part of a line shown under a diagnostic.
enum LineExcerpt {
  /// Characters shown before the column when the line is cut.
  static let before = 50
  /// Characters shown in all: a line up to this long is shown whole.
  static let width = 100

  /// Where a walk along a line stopped: its 1-based column and index, so the
  /// next diagnostic on the same line (further right) resumes there.
  struct Position {
    var line: Int
    var column: Int
    var index: String.Index
  }

  /// The text to show and how many blanks put the caret under `column`.
  /// Tabs are shown as one blank, control characters as U+FFFD, and wide
  /// (East Asian) characters count two cells for the caret. A byte-order mark
  /// at the start of the file is not shown (columns do not count it).
  static func make(
    _ line: Substring, number: Int, column: Int, resume: inout Position?
  ) -> (text: String, caretPadding: Int) {
    var line = line
    if number == 1, line.first == "\u{FEFF}" { line = line.dropFirst() }
    let column = max(1, column)
    // A line that fits is shown whole; a longer one from `before` characters left of the column.
    let fits = line.dropFirst(width).isEmpty  // walks at most `width` characters
    let firstShown = fits ? 1 : max(1, column - before)
    var index = line.startIndex
    var at = 1
    if let r = resume, r.line == number, r.column <= firstShown, r.index >= line.startIndex, r.index <= line.endIndex {
      index = r.index
      at = r.column
    }
    while at < firstShown, index < line.endIndex {
      index = line.index(after: index)
      at += 1
    }
    resume = Position(line: number, column: at, index: index)
    var text = at > 1 ? "…" : ""
    var padding = at > 1 ? 1 : 0
    var shown = 0
    while index < line.endIndex, shown < width {
      let c = line[index]
      let visible: Character = c == "\t" ? " " : c.isControlCharacter ? "\u{FFFD}" : c
      text.append(visible)
      if at < column { padding += visible.displayWidth }
      at += 1
      shown += 1
      index = line.index(after: index)
    }
    if index < line.endIndex { text += "…" }
    return (text, padding)
  }
}

extension Character {
  /// Terminal cells this character takes: 2 for wide East Asian characters
  /// and emoji, else 1. An approximation of Unicode's East Asian Width, close
  /// enough to put a caret under the right character.
  var displayWidth: Int {
    guard let v = unicodeScalars.first?.value else { return 1 }
    switch v {
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
      0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
      0x1F900...0x1F9FF, 0x20000...0x3FFFD:
      return 2
    default:
      return 1
    }
  }
}
