import Foundation

/// One line of a pipeline file: a step name and its arguments, as written.
public struct Statement: Sendable, Hashable {
  public var name: Located<String>
  public var arguments: [Argument]
  /// Leading spaces (cosmetic; sections are made by `variant` lines).
  public var indent: Int

  public init(name: Located<String>, arguments: [Argument], indent: Int) {
    self.name = name
    self.arguments = arguments
    self.indent = indent
  }

  public var location: SourceLocation { name.location }

  /// The statement as one normalised line: every value quoted, single blanks.
  public var canonicalText: String {
    ([name.value]
      + arguments.map { argument in
        let value =
          "\""
          + argument.value.value.replacingOccurrences(of: "\\", with: "\\\\")
          .replacingOccurrences(of: "\"", with: "\\\"") + "\""
        return argument.key.map { "\($0.value)=" + value } ?? value
      }).joined(separator: " ")
  }
}

/// A positional argument (`300x300`, `"large/{stem}.jpg"`) or a `key=value` one.
public struct Argument: Sendable, Hashable {
  /// The key of a `key=value` argument; nil for a positional one.
  public var key: Located<String>?
  public var value: Located<String>
  /// Whether the value was written in double quotes (quoted values are never keys).
  public var quoted: Bool

  public init(key: Located<String>?, value: Located<String>, quoted: Bool) {
    self.key = key
    self.value = value
    self.quoted = quoted
  }

  /// Where the argument starts.
  public var location: SourceLocation { key?.location ?? value.location }
}
