import Testing

@testable import MediaPipeCore

@Suite struct LexerTests {
  func lex(_ source: String) -> ([Statement], [Diagnostic]) {
    var bag = DiagnosticBag()
    let statements = Lexer(file: "t").statements(in: source, diagnostics: &bag)
    return (statements, bag.all)
  }

  @Test func stepsArgumentsAndComments() {
    let (statements, diagnostics) = lex("# comment\n\nresize 300x300 fit=cover   # trailing\n  flip\n")
    #expect(diagnostics.isEmpty)
    #expect(statements.map(\.name.value) == ["resize", "flip"])
    let args = statements[0].arguments
    #expect(args.count == 2)
    #expect(args[0].key == nil && args[0].value.value == "300x300")
    #expect(args[1].key?.value == "fit" && args[1].value.value == "cover")
    #expect(statements[0].name.location.line == 3)
    #expect(args[1].value.location.column == 20)
    #expect(statements[1].indent == 2)
  }

  @Test func quotedStringsWithEscapes() {
    let (statements, diagnostics) = lex(#"watermark text="say \"hi\" \\ # not a comment" size=2%"#)
    #expect(diagnostics.isEmpty)
    #expect(statements[0].arguments[0].value.value == #"say "hi" \ # not a comment"#)
    #expect(statements[0].arguments[0].quoted)
    #expect(statements[0].arguments[1].value.value == "2%")
  }

  @Test func hashInsideAValueIsNotAComment() {
    let (statements, _) = lex("watermark text=x color=#ff8800")
    #expect(statements[0].arguments[1].value.value == "#ff8800")
  }

  @Test func unterminatedStringAndBadEscapeAreReported() {
    let (_, diagnostics) = lex("output \"abc\nwatermark text=\"a\\nb\"")
    #expect(diagnostics.map { "\($0.location.line):\($0.location.column)" } == ["1:8", "2:18"])
    #expect(diagnostics[0].message.contains("unterminated string"))
    #expect(diagnostics[1].message.contains("unknown escape"))
  }

  @Test func windowsLineEndingsAndByteOrderMark() {
    let (statements, diagnostics) = lex("\u{FEFF}resize 10x10\r\nflip\r\n")
    #expect(diagnostics.isEmpty)
    #expect(statements.map(\.name.value) == ["resize", "flip"])
    #expect(statements[0].name.location.column == 1)
  }
}
