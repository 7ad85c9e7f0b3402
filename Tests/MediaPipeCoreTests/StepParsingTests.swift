import Testing

@testable import MediaPipeCore

@Suite struct StepParsingTests {
  func steps(_ source: String) throws -> [Step] {
    let result = compile(source)
    #expect(result.diagnostics.filter { $0.severity == .error }.isEmpty, "\(result.diagnostics)")
    return try #require(result.pipeline).shared
  }

  @Test func resizeForms() throws {
    #expect(try steps("resize 300x") == [Step(Resize(width: .pixels(300)))])
    #expect(try steps("resize x200") == [Step(Resize(height: .pixels(200)))])
    #expect(try steps("resize 50%") == [Step(Resize(scale: 50))])
    #expect(try steps("resize width=25%") == [Step(Resize(width: .percent(25)))])
    #expect(try steps("resize height=120") == [Step(Resize(height: .pixels(120)))])
    var contain = Resize(width: .pixels(10), height: .pixels(20))
    contain.fit = .contain
    contain.background = Color(red: 255, green: 0, blue: 0)
    contain.gravity = .anchor(.north)
    #expect(try steps("resize 10x20 fit=contain background=#f00 gravity=top") == [Step(contain)])
    #expect(errors("resize 10x20 fit=cover width=3").first?.contains("not both") == true)
    #expect(errors("resize").first?.contains("needs a size") == true)
    #expect(errors("resize 10x fit=cover") == ["1:1: fit=cover needs both a width and a height, like 400x300"])
  }

  @Test func cropRotateFlip() throws {
    #expect(try steps("crop 40x30 gravity=south") == [Step(Crop.box(width: 40, height: 30, gravity: .anchor(.south)))])
    #expect(try steps("crop 1,2,30,40") == [Step(Crop.rect(x: 1, y: 2, width: 30, height: 40))])
    #expect(
      try steps("rotate 270\nflip\nflop\nautorotate")
        == [Step(Rotate.threeQuarters), Step(Flip()), Step(Flop()), Step(Autorotate())])
    #expect(errors("rotate 45") == ["1:8: expected one of 90, 180, 270, found \"45\""])
    #expect(errors("flip now") == ["1:6: 'flip' takes no positional arguments, found 'now'"])
  }

  @Test func watermarkDefaultsAndTile() throws {
    let parsed = try steps("watermark text=\"a\" position=tile")
    let w = try #require(parsed.first?.as(Watermark.self))
    #expect(w.placement == .tile)
    #expect(w.opacity == 1)
    #expect(w.mark == .text("a", font: "DejaVu Sans", size: .percent(3), color: .white))
    #expect(errors("watermark size=3").first?.contains("needs text=") == true)
    #expect(errors("watermark text=a image=logo.png").first?.contains("not both") == true)
  }

  @Test func compressAndMetadata() throws {
    let result = compile("compress avif quality=40 effort=2\nmetadata keep=icc,exif")
    let variant = try #require(result.pipeline).variants[0]
    #expect(variant.compress.format == .avif && variant.compress.quality == 40 && variant.compress.effort == 2)
    #expect(variant.metadata.icc && variant.metadata.exif && !variant.metadata.copyright)
    #expect(errors("compress bmp").first?.hasPrefix("1:10: expected a format") == true)
  }

  @Test func colours() {
    #expect(Color.parse("#fff") == .white)
    #expect(Color.parse("#00000080")?.alpha == Double(0x80) / 255)
    #expect(Color.parse("Black") == .black)
    #expect(Color.parse("#ggg") == nil)
    #expect(Color.parse("blu") == nil)
  }
}
