import Testing

@testable import MediaPipeCore

@Suite struct GrayscaleStepTests {
  @Test func takesNoArguments() throws {
    let pipeline = try #require(compile("grayscale").pipeline)
    #expect(pipeline.shared == [Step(Grayscale())])
    #expect(pipeline.summary.contains("1. grayscale: luminance, as sRGB"))
  }

  @Test func errorsSayWhereAndSuggestTheSpelling() {
    #expect(errors("resize 10x10\ngrayscale yes") == ["2:11: 'grayscale' takes no positional arguments, found 'yes'"])
    #expect(errors("grayscale weights=1") == ["1:11: 'grayscale' takes no options, found 'weights'"])
    #expect(errors("greyscale") == ["1:1: unknown step 'greyscale'; did you mean 'grayscale'?"])
    let rendered = compile("variant a\n  grayscale 1", file: "bw.pipeline").renderedDiagnostics()
    #expect(rendered.hasPrefix("bw.pipeline:2:13: error: 'grayscale' takes no positional arguments, found '1'"))
  }
}
