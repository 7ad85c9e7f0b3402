import Foundation
import Testing

@testable import MediaPipeCore

/// Hostile and absurd pipeline files: the compiler never traps, refuses what
/// no image could satisfy with the exact location, and its rendered output
/// stays bounded whatever the input. No timings: large inputs only have to
/// finish and give bounded answers.
@Suite struct ParserHardeningTests {
  // MARK: - Digits of other scripts

  /// Every numeric place, written with fullwidth (or Arabic-Indic) digits.
  static let foreignDigitPipelines: [String] = [
    "watermark text=\"x\" color=#ｆｆｆ",
    "watermark text=\"x\" color=#ff８800",
    "resize 300x300 fit=contain background=#０００",
    "compress jpeg background=#ｆｆｆｆｆｆ",
    "watermark text=\"x\" size=１２",
    "watermark text=\"x\" size=１２px",
    "watermark text=\"x\" size=２%",
    "watermark image=logo.png width=２０%",
    "watermark text=\"x\" margin=１０",
    "watermark text=\"x\" opacity=０.５",
    "compress jpeg quality=８０",
    "compress jpeg quality=\"８０\"",
    "compress png level=６",
    "compress webp effort=٣",
    "resize １２３x1",
    "resize 1x１",
    "resize ５０%",
    "resize width=１００",
    "resize height=５０%",
    "crop １０x１０",
    "crop 0,0,１,1",
    "rotate ９０",
    "version １",
  ]

  @Test(arguments: foreignDigitPipelines)
  func foreignDigitsAreAnErrorNamingTheDigit(_ source: String) {
    let result = compile(source)
    #expect(result.pipeline == nil)
    let errors = result.diagnostics.filter { $0.severity == .error }
    #expect(errors.count == 1, "\(errors)")
    #expect(errors.first?.message.contains("ASCII") == true, "\(errors)")
  }

  @Test func theCaretIsUnderTheForeignDigit() {
    #expect(
      errors("watermark text=\"x\" color=#ｆｆｆ") == [
        "1:27: expected an ASCII hex digit (0-9, a-f) for `color`, found 'ｆ' in \"#ｆｆｆ\""
      ])
    #expect(errors("resize 1x１") == ["1:10: expected an ASCII digit (0-9), found '１' in \"1x１\""])
    #expect(
      errors("compress jpeg quality=\"８０\"") == [
        "1:24: expected an ASCII digit (0-9) for `quality`, found '８' in \"８０\""
      ])
    let text = compile("compress jpeg quality=８０").renderedDiagnostics()
    #expect(text.contains("note: expected a whole number from 1 to 100"))
  }

  /// Words written in another script are wrong words, not wrong digits: they
  /// keep their own message and notes. Numbers keep the digit message, with
  /// the caller's notes after it.
  @Test func onlyNumbersGetTheForeignDigitMessage() {
    #expect(
      errors("watermark text=\"x\" position=ｂｏｔｔｏｍ") == [
        "1:29: expected a position (centre, top, bottom-right, ...) for `position`, found \"ｂｏｔｔｏｍ\""
      ])
    #expect(
      errors("compress ｗｅｂｐ") == [
        "1:10: expected a format (jpeg, png, webp, avif, tiff, gif, jxl, same), found \"ｗｅｂｐ\""
      ])
    #expect(
      errors("watermark text=\"x\" color=ｗｈｉｔｅ") == [
        "1:26: expected a colour (a name like white, or #rrggbb) for `color`, found \"ｗｈｉｔｅ\""
      ])
    #expect(
      errors("watermark text=\"x\" position=三") == [
        "1:29: expected a position (centre, top, bottom-right, ...) for `position`, found \"三\""
      ])
    #expect(errors("resize １２３x１００") == ["1:8: expected an ASCII digit (0-9), found '１' in \"１２３x１００\""])
    let near = compile("watermark text=\"x\" position=bottom１").renderedDiagnostics()
    #expect(near.contains("note: did you mean 'bottom'?"), "\(near)")
    #expect(!near.contains("ASCII"), "\(near)")
    let choice = compile("compress jpeg subsample=4:2:０").renderedDiagnostics()
    #expect(
      choice.contains("error: expected an ASCII digit (0-9) for `subsample`, found '０' in \"4:2:０\""), "\(choice)")
    #expect(
      choice.contains("note: expected one of auto, on, 4:2:0, off, 4:4:4\nnote: did you mean '4:2:0'?"), "\(choice)")
  }

  @Test func colourParsingTakesOnlyASCIIHex() {
    #expect(Color.parse("#ｆｆｆ") == nil)
    #expect(Color.parse("#ff٣") == nil)
    #expect(Color.parse("#FfF") == Color.white)
    #expect(Color.parse("#00000080")?.alpha == Double(0x80) / 255)
    #expect(Color.parse("#" + String(repeating: "f", count: 10_000)) == nil)
  }

  @Test func numbersAreOnlyPlainDecimals() {
    for text in ["+5", "-5", "1e3", "0x10", "nan", "inf", " 5", "5 ", "", "１"] {
      #expect(NumberSyntax.integer(text) == nil, "\(text)")
    }
    #expect(NumberSyntax.integer("007") == 7)
    #expect(NumberSyntax.integer("9223372036854775807") == Int.max)
    #expect(NumberSyntax.integer("9223372036854775808") == nil)
    for text in ["1e308", "0x1p3", "nan", "inf", "1.", ".", "1.2.3", "-0.5", "０.５"] {
      #expect(NumberSyntax.decimal(text) == nil, "\(text)")
    }
    #expect(NumberSyntax.decimal("0.5") == 0.5)
    #expect(NumberSyntax.decimal(".5") == 0.5)
    #expect(NumberSyntax.decimal(String(repeating: "9", count: 400)) == nil)
    #expect(
      errors("watermark text=\"x\" opacity=1e-1") == [
        "1:28: expected a number from 0 to 1 for `opacity`, found \"1e-1\""
      ])
  }

  // MARK: - Huge and absurd values

  @Test func hugeNumbersAreRangeErrorsAtTheirValue() {
    #expect(
      errors("resize 99999999999999999999x1") == [
        "1:8: expected each side from 1 to 100000 pixels, found \"99999999999999999999x1\""
      ])
    #expect(errors("resize 1e308%") == ["1:8: expected a size like 300x300, 300x, x200 or 50%, found \"1e308%\""])
    #expect(
      errors("resize 1000.5% enlarge=yes") == [
        "1:8: expected a percentage above 0% up to 1000%, found \"1000.5%\""
      ])
    #expect(errors("resize 100001x1") == ["1:8: expected each side from 1 to 100000 pixels, found \"100001x1\""])
    #expect(
      errors("compress jpeg quality=99999999999999999999999").first?.hasPrefix(
        "1:23: expected a whole number from 1 to 100") == true)
    #expect(
      errors("crop 9223372036854775807,0,1,1").first?.hasPrefix(
        "1:6: expected x,y,width,height with x,y from 0 to 100000") == true)
    #expect(
      errors("crop 100001x10").first?.hasPrefix("1:6: expected a size like 400x300 (sides from 1 to 100000)") == true)
    #expect(
      errors("resize width=99999999999999999999%").first?.hasPrefix("1:14: expected pixels from 1 to 100000") == true)
    #expect(
      errors("watermark text=\"x\" margin=99999999999999999999px").first?.hasPrefix(
        "1:27: expected pixels from 0 to 100000") == true)
    #expect(
      errors("version 99999999999999999999") == [
        "1:9: this pipeline needs format version 99999999999999999999; this mediapipe reads up to version 1"
      ])
    #expect(errors("version 0") == ["1:9: expected a version number like 1, found \"0\""])
  }

  @Test func valuesNoImageCouldSatisfyAreRefused() {
    #expect(
      errors("watermark text=\"Hello\" size=100000") == [
        "1:29: expected pixels from 1 to 2000 (like 24) or a percentage above 0% up to 100% (like 2%) for `size`, found \"100000\""
      ])
    #expect(errors("watermark text=\"Hello\" size=2000").isEmpty)
    #expect(
      errors("watermark text=\"Hello\" size=101%").first?.hasPrefix("1:29: expected pixels from 1 to 2000") == true)
    #expect(
      errors("watermark image=logo.png width=101%").first?.hasPrefix("1:32: expected pixels from 1 to 100000") == true)
    #expect(
      errors("watermark text=\"x\" margin=51%").first?.hasPrefix(
        "1:27: expected pixels from 0 to 100000 (like 24) or a percentage from 0% up to 50%") == true)
    #expect(
      errors("resize width=1001% enlarge=yes").first?.hasPrefix(
        "1:14: expected pixels from 1 to 100000 (like 24) or a percentage above 0% up to 1000%") == true)
    let long = String(repeating: "a", count: 1001)
    #expect(
      errors("watermark text=\"\(long)\"") == ["1:16: expected a watermark text of at most 1000 characters, found 1001"]
    )
    #expect(
      errors("output \"\(String(repeating: "a", count: 256)).jpg\"").first?.hasPrefix(
        "1:9: expected names of at most 255 bytes") == true)
    #expect(
      errors("variant \(String(repeating: "v", count: 101))") == [
        "1:9: expected a variant name of at most 100 characters, found 101"
      ])
    #expect(errors("variant ab٣").first?.hasPrefix("1:9: a variant name may contain letters, ASCII digits") == true)
  }

  @Test func geometryNeverTraps() {
    let extremes = [Int.min, -1, 0, 1, 3, 100_000, Int.max]
    let resizes = [
      Resize(width: .pixels(100_000), height: .pixels(1)),
      Resize(width: .pixels(Int.max), height: .pixels(Int.min)),
      Resize(width: .percent(1000), height: .percent(.nan)),
      Resize(width: .percent(.infinity), height: nil),
      Resize(scale: 1000), Resize(scale: .nan), Resize(scale: -.infinity),
    ]
    for var resize in resizes {
      for fit in Resize.Fit.allCases {
        resize.fit = fit
        for enlarge in [false, true] {
          resize.enlarge = enlarge
          for w in extremes {
            for h in extremes {
              let g = ResizeGeometry(resize, width: w, height: h)
              #expect(g.outputWidth >= 1 && g.outputHeight >= 1)
            }
          }
        }
      }
    }
    #expect(Length.percent(.greatestFiniteMagnitude).pixels(of: Int.max) > 0)
    #expect(Length.percent(.nan).offset(of: 10) == 0)
  }

  // MARK: - Bounded output

  @Test func aLineOf20000QuotesRendersBoundedText() {
    for line in [String(repeating: "\"", count: 20_000), "x" + String(repeating: "\"", count: 20_000)] {
      let result = compile(line)
      #expect(result.pipeline == nil)
      #expect(result.renderedDiagnostics().utf8.count < 20_000)
    }
  }

  @Test func manyErrorsAreCappedWithACount() {
    let source = "resize " + Array(repeating: "a\"", count: 20_000).joined(separator: " ")
    let result = compile(source)
    #expect(result.errorCount == 20_002)
    #expect(result.diagnostics.count == PipelineLimits.keptDiagnostics)
    let text = result.renderedDiagnostics()
    #expect(text.utf8.count < 20_000)
    #expect(text.components(separatedBy: ": error: ").count - 1 == 50)
    #expect(text.hasSuffix("... and 19,952 more errors\n"))
    // The kept ones are the earliest in the file.
    #expect(result.diagnostics.first?.location.column == 8)
  }

  @Test func anExcerptIsCutAroundTheColumnWithTheCaretUnderIt() throws {
    let source =
      "resize 1x1 " + String(repeating: "fit=inside ", count: 500) + "enlarge=maybe"
      + String(repeating: " #", count: 500)
    let result = compile(source)
    let found = try #require(result.diagnostics.first { $0.message.contains("maybe") })
    let text = [found].rendered(source: source)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let excerptLine = Array(lines[1])
    let caretLine = lines[2]
    #expect(excerptLine.first == "…" && excerptLine.last == "…")
    #expect(excerptLine.count <= 102)
    let caret = caretLine.count - 1
    #expect(caretLine.last == "^")
    #expect(String(excerptLine[caret..<(caret + 5)]) == "maybe")
  }

  @Test func aLineThatFitsIsShownWhole() {
    let source = String(repeating: " ", count: 80) + "resiz 1x1"
    let lines = compile(source).renderedDiagnostics().split(separator: "\n")
    #expect(lines[1] == source[...])
    #expect(lines[2] == String(repeating: " ", count: 80) + "^")
  }

  @Test func theCaretAllowsForWideCharacters() {
    let source = "watermark text=\"日本\" colour=white"
    let text = compile(source).renderedDiagnostics()
    let lines = text.split(separator: "\n")
    // "colour" is at column 21; the two wide characters before it take two cells each.
    #expect(lines[2].count - 1 == 22)
  }

  @Test func controlCharactersAreNeverEchoed() {
    let source = "resiz\u{1B}[31m 10x10"
    let text = compile(source).renderedDiagnostics()
    #expect(!text.contains("\u{1B}"))
  }

  @Test func theBagKeepsTheEarliestAndCountsTheRest() {
    var bag = DiagnosticBag(capacity: 10)
    for line in stride(from: 5000, to: 0, by: -1) {
      bag.error("e\(line)", at: SourceLocation(file: "f", line: line, column: 1))
    }
    bag.warning("w", at: SourceLocation(file: "f", line: 1, column: 2))
    bag.warning("w", at: SourceLocation(file: "f", line: 1, column: 2))
    #expect(bag.errorCount == 5000)
    #expect(bag.warningCount == 1)
    #expect(bag.sorted.map(\.message) == ["e1", "w", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"])
    var outer = DiagnosticBag()
    outer.append(contentsOf: bag)
    #expect(outer.errorCount == 5000 && outer.warningCount == 1)
  }

  /// A diagnostic said again after the bag let it go is not counted twice.
  @Test func aRepeatOfADroppedDiagnosticIsNotCountedAgain() {
    var bag = DiagnosticBag(capacity: 10)
    for line in 1...20 { bag.error("e\(line)", at: SourceLocation(file: "f", line: line, column: 1)) }
    for line in [15, 20, 5] { bag.error("e\(line)", at: SourceLocation(file: "f", line: line, column: 1)) }
    #expect(bag.errorCount == 20)
    #expect(bag.sorted.map(\.message) == (1...10).map { "e\($0)" })
  }

  // MARK: - Large files finish (no timing asserted)

  @Test func aFileOf40000LinesChecks() {
    let source = String(repeating: "resize 1x1\n", count: 40_000)
    let result = compile(source)
    #expect(result.diagnostics.isEmpty)
    #expect(result.pipeline?.shared.count == 40_000)
  }

  @Test func manyVariantsCheck() {
    var source = ""
    for i in 0..<5000 { source += "variant v\(i)\n  resize \(i + 1)x\(i + 1)\n" }
    source += "variant v7\n"
    let result = compile(source)
    #expect(result.pipeline == nil)
    #expect(errors(source) == ["10001:9: variant 'v7' is defined twice (first on line 15)"])
  }

  @Test func aOneMegabyteLineFinishesWithBoundedOutput() {
    let megabyte = 1_000_000
    // One long token each, then lines with an error every few characters
    // (a quarter of a megabyte is already 60,000 and more errors).
    let quarter = megabyte / 4
    for line in [
      String(repeating: "x", count: megabyte),
      "watermark text=\"" + String(repeating: "y", count: megabyte) + "\"",
      "resize 1x1 " + String(repeating: "a=1 ", count: quarter / 4),
      "output \"" + String(repeating: "{", count: 10) + String(repeating: "}", count: quarter) + "\"",
      "resize \"" + String(repeating: "\\n", count: quarter / 2) + "\"",
    ] {
      let result = compile(line)
      #expect(result.pipeline == nil)
      #expect(result.diagnostics.count <= PipelineLimits.keptDiagnostics)
      #expect(result.renderedDiagnostics().utf8.count < 40_000)
    }
  }

  @Test func aTooLargeFileIsRefusedUnread() {
    let source = String(repeating: "#\n", count: PipelineLimits.maxSourceBytes / 2 + 1)
    #expect(errors(source) == ["1:1: expected a pipeline file of at most 10,000,000 bytes, found 10,000,002 bytes"])
  }

  // MARK: - Bytes and line structure

  func compileBytes(_ bytes: [UInt8]) -> PipelineCompiler.Result {
    PipelineCompiler.compile(
      contents: bytes, file: "test.pipeline", baseDirectory: repositoryRoot.appendingPathComponent("fixtures").path)
  }

  @Test func invalidUTF8IsAnErrorAtItsPlace() {
    let bytes = Array("resize 10x10\nwatermark text=\"a".utf8) + [0xFF, 0xFE] + Array("b\"\n".utf8)
    let result = compileBytes(bytes)
    #expect(result.pipeline == nil)
    let messages = result.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    #expect(messages == ["2:18: the file is not UTF-8: byte 0xFF at byte offset 30 is not part of a character"])
    #expect(result.renderedDiagnostics().contains("\u{FFFD}"))
    #expect(compileBytes(Array("resize 10x10\n".utf8)).pipeline != nil)
    #expect(compileBytes([0xC3]).errorCount == 2)  // and "\u{FFFD}" is no step
    #expect(compileBytes([]).pipeline != nil)
  }

  @Test func nulAndOtherControlCharactersAreErrorsInValuesOnly() {
    #expect(errors("output \"a\u{0}b.jpg\"") == ["1:10: unexpected control character U+0000; a pipeline is plain text"])
    #expect(errors("resize 10x10\u{7}").contains("1:13: unexpected control character U+0007; a pipeline is plain text"))
    #expect(errors("resize 10x10 # a comment with \u{0} in it").isEmpty)
    #expect(errors("\u{0}\u{0}\u{0}").count == 2)  // the character, and no step name
  }

  @Test func lineEndingsBOMAndTabs() {
    let source = "\u{FEFF}resize 10x10\r\n\tcompress\tjpeg\r\rmetadata strip\r\nresiz 1x1"
    #expect(errors(source) == ["5:1: unknown step 'resiz'; did you mean 'resize'?"])
    #expect(errors("\u{FEFF}resiz 1x1") == ["1:1: unknown step 'resiz'; did you mean 'resize'?"])
    #expect(compileBytes([0xEF, 0xBB, 0xBF]).pipeline != nil)
    #expect(
      compileBytes([0xEF, 0xBB, 0xBF] + Array("resiz 1x1".utf8)).renderedDiagnostics().contains("\nresiz 1x1\n^\n"))
  }

  @Test func unterminatedStringsAndTrailingBackslashes() {
    #expect(errors("watermark text=\"abc") == ["1:16: unterminated string; add a closing '\"'"])
    #expect(
      errors("watermark text=\"abc\\").contains(
        "1:20: unknown escape '\\end of line' in a string; only \\\" and \\\\ are escapes"))
    #expect(errors("watermark text=\"abc\\\"").contains("1:16: unterminated string; add a closing '\"'"))
    #expect(!errors("\\").isEmpty)
    #expect(!errors("\"").isEmpty)
  }

  /// Random bytes, and example pipelines with random bytes written into them:
  /// never a trap, every diagnostic on a real line.
  @Test func randomBytes() {
    var rng = ParserFuzzTests.Generator(state: 99)
    let seeds = ParserFuzzTests.seeds.map { Array($0.utf8) }
    let interesting: [UInt8] = [
      0, 0x0A, 0x0D, 0x09, 0x20, 0x22, 0x5C, 0x3D, 0x23, 0x25, 0x7B, 0x7D, 0x78, 0x31, 0xEF, 0xBB, 0xBF, 0xFF, 0xC3,
      0xEF, 0xBC, 0x91,
    ]
    for round in 0..<2000 {
      var bytes: [UInt8]
      if round % 2 == 0, let seed = seeds.randomElement(using: &rng) {
        bytes = seed
        for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
          let i = Int.random(in: 0..<bytes.count, using: &rng)
          let b =
            Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
          if Bool.random(using: &rng) { bytes[i] = b } else { bytes.insert(b, at: i) }
        }
      } else {
        bytes = (0..<Int.random(in: 0..<120, using: &rng)).map { _ in
          Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        }
      }
      let result = compileBytes(bytes)
      let lineCount = result.source.lines.count
      if result.pipeline == nil { #expect(result.errorCount > 0) }
      for d in result.diagnostics {
        #expect(
          d.location.line >= 1 && d.location.line <= max(1, lineCount) && d.location.column >= 1, "\(d) in \(bytes)")
      }
      #expect(result.renderedDiagnostics().utf8.count < 60_000)
    }
  }
}
