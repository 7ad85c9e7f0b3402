import Testing

@testable import MediaPipeCore

@Suite struct BlurStepTests {
  @Test func sigmaIsRequired() throws {
    let pipeline = try #require(compile("blur sigma=2.5").pipeline)
    #expect(pipeline.shared == [Step(Blur(sigma: 2.5))])
    #expect(pipeline.shared[0].summary == "blur: gaussian, sigma 2.5 px")
    #expect(errors("resize 10x10\nblur") == ["2:1: 'blur' needs a strength, like 'blur sigma=2'"])
  }

  @Test func badValuesAreReportedWhereTheyAre() {
    #expect(errors("blur sigma=0.2") == ["1:12: expected a number from 0.3 to 100 for `sigma`, found \"0.2\""])
    #expect(errors("blur sigma=101") == ["1:12: expected a number from 0.3 to 100 for `sigma`, found \"101\""])
    #expect(errors("blur sigma=soft") == ["1:12: expected a number from 0.3 to 100 for `sigma`, found \"soft\""])
    #expect(errors("blur 3") == ["1:6: 'blur' takes no positional arguments, found '3'"])
    #expect(errors("blur sigma=2 sigma=3") == ["1:14: 'sigma' is given twice (first at column 6)"])
    #expect(errors("blur radius=3") == ["1:6: unknown option 'radius' for 'blur'"])
    #expect(compile("blur radius=3").diagnostics.first?.notes == ["'blur' takes: sigma"])
    #expect(errors("blurr sigma=2") == ["1:1: unknown step 'blurr'; did you mean 'blur'?"])
  }

  @Test func diagnosticsNameTheFile() {
    let rendered = compile("variant a\n  blur sigma=0", file: "bg.pipeline").renderedDiagnostics()
    #expect(rendered.hasPrefix("bg.pipeline:2:14: error: expected a number from 0.3 to 100 for `sigma`, found \"0\""))
  }
}
