import Testing

@testable import MediaPipeCore

@Suite struct ResizeGeometryTests {
  func geometry(_ box: String, _ w: Int, _ h: Int) throws -> ResizeGeometry {
    let pipeline = try #require(compile("resize \(box)").pipeline)
    let r = try #require(pipeline.shared.first?.as(Resize.self))
    return ResizeGeometry(r, width: w, height: h)
  }

  @Test func insideKeepsAspectAndNeverEnlarges() throws {
    let g = try geometry("300x300", 4000, 3000)
    #expect((g.outputWidth, g.outputHeight) == (300, 225))
    let small = try geometry("300x300", 200, 100)
    #expect((small.outputWidth, small.outputHeight) == (200, 100))
    let enlarged = try geometry("300x300 enlarge=yes", 200, 100)
    #expect((enlarged.outputWidth, enlarged.outputHeight) == (300, 150))
  }

  @Test func coverCropsToTheBox() throws {
    let g = try geometry("400x400 fit=cover", 4000, 3000)
    #expect((g.scaledWidth, g.scaledHeight) == (533, 400))
    #expect((g.outputWidth, g.outputHeight) == (400, 400))
  }

  @Test func containPadsToTheBox() throws {
    let g = try geometry("400x400 fit=contain", 4000, 3000)
    #expect((g.scaledWidth, g.scaledHeight) == (400, 300))
    #expect((g.outputWidth, g.outputHeight) == (400, 400))
  }

  @Test func smallerThanTheBoxKeepsTheBoxShape() throws {
    let cover = try geometry("400x400 fit=cover", 300, 200)
    #expect((cover.outputWidth, cover.outputHeight) == (200, 200))
    let contain = try geometry("400x400 fit=contain", 300, 200)
    #expect((contain.scaledWidth, contain.scaledHeight) == (300, 200))
    #expect((contain.outputWidth, contain.outputHeight) == (300, 300))
    let enlarged = try geometry("400x400 fit=cover enlarge=yes", 300, 200)
    #expect((enlarged.outputWidth, enlarged.outputHeight) == (400, 400))
  }

  @Test func fillAndOutside() throws {
    let fill = try geometry("100x100 fit=fill", 4000, 3000)
    #expect((fill.outputWidth, fill.outputHeight) == (100, 100))
    let outside = try geometry("100x100 fit=outside", 4000, 3000)
    #expect((outside.outputWidth, outside.outputHeight) == (133, 100))
  }

  @Test func oneSideAndPercent() throws {
    let g = try geometry("x150", 4000, 3000)
    #expect((g.outputWidth, g.outputHeight) == (200, 150))
    let p = try geometry("10%", 4000, 3000)
    #expect((p.outputWidth, p.outputHeight) == (400, 300))
  }

  @Test func neverBelowOnePixel() throws {
    let g = try geometry("10x10", 10000, 10)
    #expect(g.outputHeight == 1 && g.outputWidth == 10)
  }
}
