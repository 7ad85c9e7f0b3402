import Foundation
import Testing

@testable import MediaPipeCore

/// The pipelines in pipelines/ compile exactly as written, to the plan the docs describe.
@Suite struct ExamplePipelinesTests {
  func load(_ name: String) throws -> PipelineCompiler.Result {
    let url = repositoryRoot.appendingPathComponent("pipelines/\(name)")
    let source = try String(contentsOf: url, encoding: .utf8)
    return PipelineCompiler.compile(source: source, file: name, baseDirectory: url.deletingLastPathComponent().path)
  }

  @Test func resizePipeline() throws {
    let result = try load("resize.pipeline")
    #expect(result.diagnostics.isEmpty)
    let pipeline = try #require(result.pipeline)
    #expect(pipeline.shared == [Step(Resize(width: .pixels(300), height: .pixels(300)))])
    #expect(pipeline.variants.count == 1)
    #expect(pipeline.variants[0].output == .single)
    #expect(pipeline.variants[0].compress.format == .same)
    #expect(pipeline.variants[0].metadata == .strip)
  }

  @Test func webPipeline() throws {
    let result = try load("web.pipeline")
    #expect(result.diagnostics.isEmpty)
    let pipeline = try #require(result.pipeline)
    #expect(pipeline.shared.count == 2)
    let watermark = try #require(pipeline.shared[1].as(Watermark.self))
    #expect(watermark.mark == .text("© 2026 Example Photo", font: "DejaVu Sans", size: .percent(2), color: .white))
    #expect(watermark.opacity == 0.5)
    #expect(watermark.placement == .anchor(.southEast))
    #expect(watermark.margin == .percent(2))
    let variant = pipeline.variants[0]
    #expect(variant.compress.format == .jpeg && variant.compress.quality == 82 && variant.compress.progressive)
    #expect(variant.metadata.copyright && !variant.metadata.exif && !variant.metadata.icc && !variant.metadata.all)
  }

  @Test func thumbnailsPipeline() throws {
    let result = try load("thumbnails.pipeline")
    #expect(result.diagnostics.isEmpty)
    let pipeline = try #require(result.pipeline)
    #expect(pipeline.shared == [Step(Autorotate())])
    #expect(pipeline.variants.map(\.name) == ["large", "thumb"])
    #expect(pipeline.variants.map(\.output.text) == ["large/{stem}.jpg", "thumbs/{stem}.webp"])
    #expect(pipeline.variants[1].compress.format == .webp && pipeline.variants[1].compress.quality == 75)
    var cover = Resize(width: .pixels(400), height: .pixels(400))
    cover.fit = .cover
    cover.gravity = .attention
    #expect(pipeline.variants[1].steps.first == Step(cover))
    #expect(pipeline.referencedFiles.count == 1 && pipeline.referencedFiles[0].hasSuffix("pipelines/logo.png"))
  }
}
