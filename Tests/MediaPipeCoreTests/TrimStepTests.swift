import Testing

@testable import MediaPipeCore

@Suite struct TrimStepTests {
  func trim(_ source: String) throws -> Trim {
    let pipeline = try #require(compile(source).pipeline, "\(compile(source).diagnostics)")
    return try #require(pipeline.shared.first?.as(Trim.self))
  }

  @Test func defaultsAndForms() throws {
    #expect(try trim("trim") == Trim(threshold: 10, background: nil))
    #expect(try trim("trim threshold=2.5 background=#fff") == Trim(threshold: 2.5, background: .white))
    #expect(try trim("trim threshold=0") == Trim(threshold: 0))
    #expect(try trim("trim").summary == "trim: cut away borders of the top-left pixel's colour, threshold 10")
    #expect(try trim("trim background=black threshold=30").summary == "trim: cut away borders of #000000, threshold 30")
  }

  @Test func badValuesAreReportedWhereTheyAre() {
    #expect(
      errors("resize 10x10\ntrim threshold=256") == [
        "2:16: expected a number from 0 to 255 for `threshold`, found \"256\""
      ])
    #expect(errors("trim threshold=10%") == ["1:16: expected a number from 0 to 255 for `threshold`, found \"10%\""])
    #expect(
      errors("trim background=whit") == [
        "1:17: expected a colour (a name like white, or #rrggbb) for `background`, found \"whit\""
      ])
    #expect(compile("trim background=whit").diagnostics.first?.notes == ["did you mean 'white'?"])
    #expect(errors("trim 10") == ["1:6: 'trim' takes no positional arguments, found '10'"])
    #expect(errors("trim treshold=10") == ["1:6: unknown option 'treshold' for 'trim'; did you mean 'threshold'?"])
    let rendered = compile("variant a\n  trim threshold=x", file: "shop.pipeline").renderedDiagnostics()
    #expect(
      rendered.hasPrefix("shop.pipeline:2:18: error: expected a number from 0 to 255 for `threshold`, found \"x\""))
  }
}
