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
public struct DiagnosticBag: Sendable {
  public private(set) var all: [Diagnostic] = []

  public init() {}

  public var hasErrors: Bool { all.contains { $0.severity == .error } }

  public mutating func error(_ message: String, at location: SourceLocation, notes: [String] = []) {
    all.append(.error(message, at: location, notes: notes))
  }

  public mutating func warning(_ message: String, at location: SourceLocation) {
    all.append(Diagnostic(.warning, message, at: location))
  }

  public mutating func append(contentsOf other: [Diagnostic]) {
    all.append(contentsOf: other)
  }

  /// The diagnostics in file order, each said once.
  public var sorted: [Diagnostic] {
    var seen = Set<Diagnostic>()
    return all.enumerated().sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
      .map(\.element).filter { seen.insert($0).inserted }
  }
}

extension Array where Element == Diagnostic {
  /// Renders the diagnostics the way compilers do:
  ///
  ///     web.pipeline:2:1: error: unknown step 'resiz'
  ///     resiz 1600x1600
  ///     ^
  ///     note: did you mean 'resize'?
  public func rendered(source: String) -> String {
    let lines = source.lines
    var out = ""
    for diagnostic in self {
      let loc = diagnostic.location
      out += "\(loc): \(diagnostic.severity.rawValue): \(diagnostic.message)\n"
      if loc.line >= 1, loc.line <= lines.count {
        let text = lines[loc.line - 1].replacingTabs()
        out += text + "\n"
        out += String(repeating: " ", count: Swift.max(0, loc.column - 1)) + "^\n"
      }
      for note in diagnostic.notes {
        out += "note: \(note)\n"
      }
    }
    return out
  }
}

extension Substring {
  fileprivate func replacingTabs() -> String {
    String(self.map { $0 == "\t" ? " " : $0 })
  }
}
