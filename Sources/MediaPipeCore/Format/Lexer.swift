/// Splits a pipeline file into statements, one per non-blank line.
///
/// A line is a step name followed by arguments separated by blanks. An argument
/// is `value` or `key=value`; a value may be written in double quotes, with `\"`
/// and `\\` as the only escapes. `#` starts a comment where a token could start
/// (so `color=#ff8800` is a colour, not a comment).
public struct Lexer {
  public let file: String

  public init(file: String) {
    self.file = file
  }

  public func statements(in source: String, diagnostics: inout DiagnosticBag) -> [Statement] {
    var result: [Statement] = []
    var lineNumber = 0
    var lineStart = source.startIndex
    while true {
      let lineEnd = source[lineStart...].firstIndex(where: \.isLineBreak) ?? source.endIndex
      lineNumber += 1
      var line = Array(source[lineStart..<lineEnd])
      if lineNumber == 1, line.first == "\u{FEFF}" { line.removeFirst() }
      if let statement = lex(line: line, number: lineNumber, diagnostics: &diagnostics) {
        result.append(statement)
      }
      guard lineEnd < source.endIndex else { break }
      lineStart = source.index(after: lineEnd)
    }
    return result
  }

  private func loc(_ line: Int, _ index: Int) -> SourceLocation {
    SourceLocation(file: file, line: line, column: index + 1)
  }

  private func lex(line: [Character], number: Int, diagnostics: inout DiagnosticBag) -> Statement? {
    var i = 0
    var tokens: [(raw: Argument, isBareWord: Bool)] = []
    var indent = 0
    var reportedControl = false
    /// Control characters (NUL, escape sequences, ...) have no place in a
    /// value: they would reach file names and terminals. Said once per line.
    func checkControls(_ range: Range<Int>) {
      guard !reportedControl, let bad = range.first(where: { line[$0] != "\t" && line[$0].isControlCharacter }) else {
        return
      }
      reportedControl = true
      let code = line[bad].unicodeScalars.first.map(unicodeName) ?? "?"
      diagnostics.error("unexpected control character \(code); a pipeline is plain text", at: loc(number, bad))
    }
    while i < line.count, line[i] == " " || line[i] == "\t" {
      i += 1
      indent += 1
    }
    while i < line.count {
      let c = line[i]
      if c == " " || c == "\t" {
        i += 1
        continue
      }
      if c == "#" { break }
      let start = i
      // Read `key=` if the token starts with a bare word followed by '='.
      var key: Located<String>?
      var j = i
      while j < line.count, line[j] != "=", line[j] != " ", line[j] != "\t", line[j] != "\"" { j += 1 }
      if j < line.count, line[j] == "=", j > i {
        key = Located(String(line[i..<j]), at: loc(number, i))
        i = j + 1
      }
      let valueStart = i
      if i < line.count, line[i] == "\"" {
        var value = ""
        var closed = false
        i += 1
        while i < line.count {
          let ch = line[i]
          if ch == "\\", i + 1 < line.count, line[i + 1] == "\"" || line[i + 1] == "\\" {
            value.append(line[i + 1])
            i += 2
            continue
          }
          if ch == "\\" {
            let next = i + 1 < line.count ? excerpt(String(line[i + 1]), limit: 1) : "end of line"
            diagnostics.error(
              "unknown escape '\\\(next)' in a string; only \\\" and \\\\ are escapes", at: loc(number, i))
            i += 1
            continue
          }
          if ch == "\"" {
            closed = true
            i += 1
            break
          }
          value.append(ch)
          i += 1
        }
        if !closed {
          diagnostics.error("unterminated string; add a closing '\"'", at: loc(number, valueStart))
        } else if i < line.count, line[i] != " ", line[i] != "\t" {
          diagnostics.error("expected a blank after the closing '\"'", at: loc(number, i))
          while i < line.count, line[i] != " ", line[i] != "\t" { i += 1 }
        }
        checkControls(start..<i)
        tokens.append((Argument(key: key, value: Located(value, at: loc(number, valueStart)), quoted: true), false))
      } else {
        var strayQuote: Int?
        while i < line.count, line[i] != " ", line[i] != "\t" {
          if line[i] == "\"", strayQuote == nil { strayQuote = i }
          i += 1
        }
        if let strayQuote {
          diagnostics.error("unexpected '\"' inside a value; quote the whole value", at: loc(number, strayQuote))
        }
        checkControls(start..<i)
        let text = String(line[valueStart..<i])
        if let key, text.isEmpty {
          diagnostics.error("expected a value after '\(excerpt(key.value))='", at: loc(number, valueStart))
        }
        if key == nil, text.hasPrefix("=") {
          diagnostics.error("expected a key before '='", at: loc(number, start))
        }
        tokens.append(
          (Argument(key: key, value: Located(text, at: loc(number, valueStart)), quoted: false), key == nil))
      }
    }
    guard let first = tokens.first else { return nil }
    guard first.isBareWord else {
      diagnostics.error("expected a step name at the start of the line", at: first.raw.location)
      return nil
    }
    return Statement(name: first.raw.value, arguments: tokens.dropFirst().map(\.raw), indent: indent)
  }
}

extension String {
  /// The lines of the text; "\n", "\r\n" (one Character in Swift) and "\r" all end a line.
  var lines: [Substring] {
    split(omittingEmptySubsequences: false, whereSeparator: \.isLineBreak)
  }
}

/// A code point as Unicode writes it: `U+0000`, `U+1F600`.
func unicodeName(_ scalar: Unicode.Scalar) -> String {
  let hex = String(scalar.value, radix: 16, uppercase: true)
  return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
