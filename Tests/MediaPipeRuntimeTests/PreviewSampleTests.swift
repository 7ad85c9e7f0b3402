import Testing

@testable import MediaPipeRuntime

/// `preview --sample N`: folders take turns, files within a folder evenly spaced.
@Suite struct PreviewSampleTests {
  func file(_ folder: String, _ name: String) -> InputFile {
    InputFile(
      path: "r/\(folder)/\(name)", root: "r", relativeDirectory: folder, size: 1, modified: 0,
      canonicalPath: "/r/\(folder)/\(name)", format: .jpeg, dimensions: nil)
  }

  @Test func foldersTakeTurnsAndFilesAreEvenlySpaced() {
    let files =
      (0..<10).map { file("a", "a\($0).jpg") } + (0..<2).map { file("b", "b\($0).jpg") } + [file("c", "c0.jpg")]
    // b and c give what they have (2 and 1); a takes the other 3, every third of its 10.
    #expect(
      PreviewSample.choose(files, count: 6).map(\.name) == ["a0.jpg", "a3.jpg", "a6.jpg", "b0.jpg", "b1.jpg", "c0.jpg"])
    #expect(PreviewSample.choose(files, count: 3).map(\.name) == ["a0.jpg", "b0.jpg", "c0.jpg"])
    #expect(PreviewSample.choose(files, count: 13).count == 13)
    #expect(PreviewSample.choose(files, count: 50).count == 13)
    #expect(PreviewSample.choose(files, count: 0).isEmpty)
    #expect(
      PreviewSample.choose(files.reversed(), count: 6).map(\.name) == PreviewSample.choose(files, count: 6).map(\.name))
  }
}
