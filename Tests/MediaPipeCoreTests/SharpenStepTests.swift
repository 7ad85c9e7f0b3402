import Testing

@testable import MediaPipeCore

@Suite struct SharpenStepTests {
  func sharpen(_ source: String) throws -> Sharpen {
    let pipeline = try #require(compile(source).pipeline, "\(compile(source).diagnostics)")
    return try #require(pipeline.shared.first?.as(Sharpen.self))
  }

  @Test func defaultsAreLibvipsScreenSettings() throws {
    #expect(try sharpen("sharpen") == Sharpen(sigma: 0.5, flat: 0, jagged: 3))
    #expect(try sharpen("sharpen sigma=1.5 flat=.5 jagged=2") == Sharpen(sigma: 1.5, flat: 0.5, jagged: 2))
    #expect(try sharpen("sharpen jagged=0") == Sharpen(sigma: 0.5, flat: 0, jagged: 0))
  }

  @Test func summary() throws {
    #expect(try sharpen("sharpen sigma=1").summary == "sharpen: sigma 1, flat areas 0, jagged areas 3")
  }

  @Test func badValuesAreReportedWhereTheyAre() {
    #expect(
      errors("resize 10x10\nsharpen sigma=0") == ["2:15: expected a number from 0.1 to 10 for `sigma`, found \"0\""])
    #expect(errors("sharpen sigma=11") == ["1:15: expected a number from 0.1 to 10 for `sigma`, found \"11\""])
    #expect(errors("sharpen jagged=-1") == ["1:16: expected a number from 0 to 100 for `jagged`, found \"-1\""])
    #expect(errors("sharpen flat=lots") == ["1:14: expected a number from 0 to 100 for `flat`, found \"lots\""])
    #expect(errors("sharpen sigma=１") == ["1:15: expected an ASCII digit (0-9) for `sigma`, found '１' in \"１\""])
    #expect(errors("sharpen 1.5") == ["1:9: 'sharpen' takes no positional arguments, found '1.5'"])
    #expect(errors("sharpen sigam=1") == ["1:9: unknown option 'sigam' for 'sharpen'; did you mean 'sigma'?"])
    #expect(errors("sharpn") == ["1:1: unknown step 'sharpn'; did you mean 'sharpen'?"])
  }

  @Test func diagnosticsNameTheFile() {
    let rendered = compile("variant a\n  sharpen sigma=0", file: "web.pipeline").renderedDiagnostics()
    #expect(rendered.hasPrefix("web.pipeline:2:17: error: expected a number from 0.1 to 10 for `sigma`, found \"0\""))
  }
}
