/// Reads one statement's arguments against the step's schema, collecting every
/// problem as a diagnostic instead of stopping at the first.
///
/// A step declares its keys and how many positional arguments it takes up
/// front; unknown keys, repeated keys and extra positionals are reported at
/// once, with a suggestion for near misses. The typed getters then report bad
/// values in the form "expected X for `key`, found "Y"".
public struct ArgumentReader {
  public let statement: Statement
  public private(set) var diagnostics = DiagnosticBag()
  private var keyed: [String: Argument] = [:]
  public private(set) var positionals: [Argument] = []

  var step: String { statement.name.value }

  /// - Parameters:
  ///   - keys: the keys this step accepts.
  ///   - positionals: how many positional arguments it accepts.
  ///   - positionalHint: what a positional argument should look like, for messages.
  public init(_ statement: Statement, keys: [String], positionals range: ClosedRange<Int>, positionalHint: String = "")
  {
    self.statement = statement
    for argument in statement.arguments {
      if let key = argument.key {
        if !keys.contains(key.value) {
          let message: String
          if keys.isEmpty {
            message = "'\(step)' takes no options, found '\(excerpt(key.value))'"
          } else {
            message =
              "unknown option '\(excerpt(key.value))' for '\(step)'"
              + Suggestions.suffix(for: key.value, in: keys)
          }
          let guessed = Suggestions.nearest(to: key.value, in: keys) != nil
          let notes = keys.isEmpty || guessed ? [] : ["'\(step)' takes: \(keys.joined(separator: ", "))"]
          diagnostics.error(message, at: key.location, notes: notes)
        } else if let first = keyed[key.value] {
          diagnostics.error(
            "'\(excerpt(key.value))' is given twice (first at column \(first.location.column))", at: key.location)
        } else {
          keyed[key.value] = argument
        }
      } else {
        positionals.append(argument)
      }
    }
    if positionals.count > range.upperBound {
      let extra = positionals[range.upperBound]
      let what =
        range.upperBound == 0
        ? "no positional arguments"
        : range.upperBound == 1 ? "one positional argument" : "at most \(range.upperBound) positional arguments"
      var message = "'\(step)' takes \(what), found '\(excerpt(extra.value.value))'"
      if !extra.quoted, let near = Suggestions.nearest(to: extra.value.value, in: keys) {
        message += "; did you mean '\(near)=...'?"
      }
      diagnostics.error(message, at: extra.location)
    }
    if positionals.count < range.lowerBound {
      let hint = positionalHint.isEmpty ? "" : " (\(positionalHint))"
      diagnostics.error(
        "'\(step)' needs \(range.lowerBound == 1 ? "an argument" : "\(range.lowerBound) arguments")\(hint)",
        at: statement.location)
    }
  }

  /// Reads a statement against a step's schema (see `init(_:keys:positionals:positionalHint:)`).
  public init(_ statement: Statement, schema: StepSchema) {
    self.init(statement, keys: schema.keys, positionals: schema.positionals, positionalHint: schema.positionalHint)
  }

  /// The raw argument for `key`, if given.
  public func argument(_ key: String) -> Argument? { keyed[key] }

  /// Whether `key` was given.
  public func has(_ key: String) -> Bool { keyed[key] != nil }

  /// Reports a problem with an argument.
  public mutating func error(_ message: String, at location: SourceLocation, notes: [String] = []) {
    diagnostics.error(message, at: location, notes: notes)
  }

  /// Adds problems found by a helper that reports into a bag of its own.
  public mutating func append(_ found: DiagnosticBag) {
    diagnostics.append(contentsOf: found)
  }

  /// What a value is written with, for `invalid`.
  enum Digits {
    /// A word (a choice, a position, a colour name): no digits expected.
    case none
    /// A number: decimal digits.
    case decimal
    /// Hex notation (`#rrggbb`).
    case hex
  }

  /// Reports a value that is not what `expected` says. Where a number belongs
  /// (`digits` other than `.none`), a digit from another script (`１`, `٣`) is
  /// named as the reason, with the caret under it.
  mutating func invalid(
    _ expected: String, _ argument: Argument, key: String? = nil, notes: [String] = [], digits: Digits = .decimal
  ) {
    let name = key.map { " for `\($0)`" } ?? ""
    let value = argument.value.value
    if digits != .none, let foreign = NumberSyntax.firstForeignDigit(in: value) {
      let ascii = digits == .hex ? "an ASCII hex digit (0-9, a-f)" : "an ASCII digit (0-9)"
      diagnostics.error(
        "expected \(ascii)\(name), found '\(foreign.character)' in \"\(excerpt(value))\"",
        at: argument.location(ofCharacter: foreign.offset), notes: ["expected \(expected)"] + notes)
      return
    }
    diagnostics.error(
      "expected \(expected)\(name), found \"\(excerpt(value))\"", at: argument.value.location, notes: notes)
  }

  // MARK: - Typed values

  /// An integer in `range`.
  public mutating func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
    guard let argument = keyed[key] else { return nil }
    guard let n = NumberSyntax.integer(argument.value.value), range.contains(n) else {
      invalid("a whole number from \(range.lowerBound) to \(range.upperBound)", argument, key: key)
      return nil
    }
    return n
  }

  /// A decimal number in `range`.
  public mutating func double(_ key: String, in range: ClosedRange<Double>) -> Double? {
    guard let argument = keyed[key] else { return nil }
    guard let n = NumberSyntax.decimal(argument.value.value), range.contains(n) else {
      invalid(
        "a number from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))", argument, key: key)
      return nil
    }
    return n
  }

  /// `yes`/`no` (also `true`/`false`, `on`/`off`).
  public mutating func bool(_ key: String) -> Bool? {
    guard let argument = keyed[key] else { return nil }
    switch argument.value.value.lowercased() {
    case "yes", "true", "on": return true
    case "no", "false", "off": return false
    default:
      invalid("yes or no", argument, key: key, digits: .none)
      return nil
    }
  }

  /// One of `choices`.
  public mutating func choice<T>(_ key: String, _ choices: KeyValuePairs<String, T>) -> T? {
    guard let argument = keyed[key] else { return nil }
    return choice(argument, key: key, choices)
  }

  /// One of `choices`, for a given argument.
  public mutating func choice<T>(_ argument: Argument, key: String?, _ choices: KeyValuePairs<String, T>) -> T? {
    let text = argument.value.value.lowercased()
    if let match = choices.first(where: { $0.key == text }) { return match.value }
    let names = choices.map(\.key)
    // Numerals among the choices (`rotate 90`, `subsample=4:2:0`): a number belongs here.
    let numeric = names.contains { $0.first?.isWholeNumber == true }
    invalid(
      "one of \(names.joined(separator: ", "))", argument, key: key,
      notes: Suggestions.notes(for: text, in: names), digits: numeric ? .decimal : .none)
    return nil
  }

  /// A length: `N`, `Npx` (whole pixels up to `maxPixels`) or `N%` (in `percentRange`).
  public mutating func length(
    _ key: String, percentRange: ClosedRange<Double> = 0...100, allowZero: Bool = false,
    maxPixels: Int = PipelineLimits.maxSide
  ) -> Length? {
    guard let argument = keyed[key] else { return nil }
    let text = argument.value.value
    let low =
      allowZero ? "from \(formatNumber(percentRange.lowerBound))%" : "above \(formatNumber(percentRange.lowerBound))%"
    let expected =
      "pixels from \(allowZero ? 0 : 1) to \(maxPixels) (like 24) or a percentage \(low) up to \(formatNumber(percentRange.upperBound))% (like 2%)"
    if text.hasSuffix("%") {
      guard let p = NumberSyntax.decimal(text.dropLast()), percentRange.contains(p), allowZero || p > 0 else {
        invalid(expected, argument, key: key)
        return nil
      }
      return .percent(p)
    }
    let digits = text.hasSuffix("px") ? text.dropLast(2) : Substring(text)
    guard let n = NumberSyntax.integer(digits), n >= (allowZero ? 0 : 1), n <= maxPixels else {
      invalid(expected, argument, key: key)
      return nil
    }
    return .pixels(n)
  }

  /// A colour.
  public mutating func color(_ key: String) -> Color? {
    guard let argument = keyed[key] else { return nil }
    guard let color = Color.parse(argument.value.value) else {
      invalid(
        "a colour (a name like white, or #rrggbb)", argument, key: key,
        notes: Suggestions.notes(for: argument.value.value, in: Array(Color.named.keys).sorted()),
        digits: argument.value.value.hasPrefix("#") ? .hex : .none)
      return nil
    }
    return color
  }

  /// A gravity; `smart` says whether attention/entropy are allowed.
  public mutating func gravity(_ key: String, smart: Bool) -> Gravity? {
    guard let argument = keyed[key] else { return nil }
    let words = smart ? Gravity.words : Array(Anchor.spellings.keys).sorted()
    guard let gravity = Gravity.parse(argument.value.value), smart || !gravity.isSmart else {
      invalid(
        smart
          ? "a position (centre, top, bottom-right, ...) or attention/entropy"
          : "a position (centre, top, bottom-right, ...)",
        argument, key: key, notes: Suggestions.notes(for: argument.value.value, in: words), digits: .none)
      return nil
    }
    return gravity
  }

  /// A string (any text).
  public func string(_ key: String) -> String? { keyed[key]?.value.value }
}

extension Argument {
  /// Where the character at `offset` of the value was written: exact for an
  /// unquoted value and for a quoted one without escapes, else the value's start.
  func location(ofCharacter offset: Int) -> SourceLocation {
    var at = value.location
    if !quoted {
      at.column += offset
    } else if !value.value.contains(where: { $0 == "\"" || $0 == "\\" }) {
      at.column += offset + 1
    }
    return at
  }
}

extension Gravity {
  var isSmart: Bool {
    if case .anchor = self { return false }
    return true
  }
}
