import Testing

@testable import MediaPipeCore

@Suite struct OutputTemplateTests {
  func template(_ text: String) throws -> OutputTemplate {
    var bag = DiagnosticBag()
    let t = OutputTemplate.parse(text, at: SourceLocation(file: "t", line: 1, column: 8), diagnostics: &bag)
    #expect(bag.all.isEmpty)
    return try #require(t)
  }

  let values = OutputTemplate.Values(
    name: "a.b.JPG", stem: "a.b", ext: "webp", dir: "2024/trip", variant: "thumb", width: 400, height: 300)

  @Test func tokens() throws {
    #expect(
      try template("{dir}/{stem}_{variant}_{width}x{height}.{ext}").render(values) == "2024/trip/a.b_thumb_400x300.webp"
    )
    #expect(try template("copy-of-{name}").render(values) == "copy-of-a.b.JPG")
    #expect(OutputTemplate.single.render(values) == "processed_a.b.webp")
  }

  @Test func emptyDirectoryCollapses() throws {
    var v = values
    v.dir = ""
    #expect(try template("{dir}/{stem}.jpg").render(v) == "a.b.jpg")
  }

  @Test func aValueThatWouldEscapeRendersNothing() throws {
    var v = values
    v.stem = ".."
    #expect(try template("{stem}/x.jpg").render(v) == nil)
  }

  @Test func literalExtension() throws {
    #expect(try template("large/{stem}.JPG").literalExtension == "jpg")
    #expect(try template("{stem}.{ext}").literalExtension == nil)
  }
}

@Suite struct OutputPathTests {
  let values = OutputTemplate.Values(name: "a.jpg", stem: "a", ext: "jpg", dir: "2024/trip", variant: "v")

  func template(_ text: String) -> OutputTemplate {
    var bag = DiagnosticBag()
    return OutputTemplate.parse(text, at: SourceLocation(file: "t", line: 1, column: 1), diagnostics: &bag)!
  }

  @Test func mirroredBelowTheRoot() {
    #expect(template("thumbs/{stem}.webp").path(root: "/out", values: values) == "/out/2024/trip/thumbs/a.webp")
  }

  @Test func aTemplateWithDirPlacesItItself() {
    #expect(template("{dir}/small/{stem}.jpg").path(root: "/out/", values: values) == "/out/2024/trip/small/a.jpg")
    #expect(template("flat/{dir}-{stem}.jpg").path(root: "/out", values: values) == "/out/flat/2024/trip-a.jpg")
  }
}
