import Testing

@testable import MediaPipeCore

@Suite struct PadStepTests {
  func pad(_ source: String) throws -> Pad {
    let pipeline = try #require(compile(source).pipeline, "\(compile(source).diagnostics)")
    return try #require(pipeline.shared.first?.as(Pad.self))
  }

  @Test func formsAndDefaults() throws {
    #expect(try pad("pad 1000x800") == Pad(.size(width: 1000, height: 800), background: .white, gravity: .centre))
    #expect(try pad("pad 1:1") == Pad(.ratio(width: 1, height: 1)))
    #expect(
      try pad("pad 1.91:1 background=#000 gravity=top")
        == Pad(.ratio(width: 1.91, height: 1), background: .black, gravity: .north))
    #expect(try pad("pad 300X200 gravity=bottom-left").gravity == .southWest)
    #expect(try pad("pad 4:3").summary == "pad: to the aspect ratio 4:3 with #ffffff, the image at centre")
    #expect(
      try pad("pad 10x20 background=transparent gravity=left").summary
        == "pad: to at least 10x20 with #000000 at 0%, the image at left")
  }

  @Test func canvases() throws {
    func canvas(_ source: String, _ w: Int, _ h: Int) throws -> [Int] {
      let c = try pad(source).canvas(width: w, height: h)
      return [c.width, c.height]
    }
    #expect(try canvas("pad 1:1", 640, 480) == [640, 640])
    #expect(try canvas("pad 1:1", 480, 640) == [640, 640])
    #expect(try canvas("pad 4:3", 1000, 1000) == [1333, 1000])
    #expect(try canvas("pad 16:9", 1920, 1080) == [1920, 1080])  // already the ratio
    #expect(try canvas("pad 1000x1000", 640, 480) == [1000, 1000])
    #expect(try canvas("pad 500x500", 640, 480) == [640, 500])  // never cuts
    #expect(try canvas("pad 100:1", 1, 1) == [100, 1])
    #expect(try canvas("pad 1:100", 1, 1) == [1, 100])
  }

  @Test func badValuesAreReportedWhereTheyAre() {
    #expect(errors("pad") == ["1:1: 'pad' needs an argument (a size like 1000x1000, or an aspect ratio like 1:1)"])
    let sizeOrRatio = "expected a size like 1000x1000, or an aspect ratio like 1:1"
    let ratio = "expected an aspect ratio from 1:100 to 100:1, like 1:1 or 4:3"
    #expect(errors("pad square") == ["1:5: \(sizeOrRatio), found \"square\""])
    #expect(errors("pad 0x10") == ["1:5: expected each side from 1 to 100000 pixels, found \"0x10\""])
    #expect(errors("pad 1000x") == ["1:5: \(sizeOrRatio), found \"1000x\""])
    #expect(errors("pad 1:0") == ["1:5: \(ratio), found \"1:0\""])
    #expect(errors("pad 1000:1") == ["1:5: \(ratio), found \"1000:1\""])
    #expect(
      errors("pad 1:1 gravity=attention") == [
        "1:17: expected a position (centre, top, bottom-right, ...) for `gravity`, found \"attention\""
      ])
    #expect(
      errors("pad 1:1 background=wite") == [
        "1:20: expected a colour (a name like white, or #rrggbb) for `background`, found \"wite\""
      ])
    #expect(errors("pad 1:1 colour=white") == ["1:9: unknown option 'colour' for 'pad'"])
    #expect(errors("pad 1:1 2:1") == ["1:9: 'pad' takes one positional argument, found '2:1'"])
    let rendered = compile("resize 1000x1000\npad 1:1 gravity=up", file: "shop.pipeline").renderedDiagnostics()
    #expect(
      rendered.hasPrefix(
        "shop.pipeline:2:17: error: expected a position (centre, top, bottom-right, ...) for `gravity`, found \"up\""))
  }
}
