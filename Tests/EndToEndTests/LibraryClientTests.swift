import Foundation
import MediaPipeImaging
import Testing

/// The example program (Examples/thumbnails) is built against the MediaPipe library
/// product alone; it must run a pipeline on its own worker processes.
@Suite struct LibraryClientTests {
  let example = (binary as NSString).deletingLastPathComponent + "/mediapipe-example"

  @Test func theExampleProgramProcessesImagesThroughThePublicAPI() throws {
    try #require(FileManager.default.isExecutableFile(atPath: example), "build it first: swift build")
    let folder = try workspace(copyFixtures: false)
    for name in ["photo.jpg", "orient-6.jpg", "truncated.jpg"] {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/\(name)").path, toPath: folder + "/in/" + name)
    }
    let result = try Running(["thumbs", "in"], in: folder, executable: example).finish()
    #expect(result.status == 1, "one input is truncated: \(result.stderr)")
    let events = result.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(events.count == 3)
    let status = Dictionary(
      uniqueKeysWithValues: events.map { ($0["input"] as? String ?? "", $0["status"] as? String ?? "") })
    #expect(status["in/photo.jpg"] == "done" && status["in/orient-6.jpg"] == "done")
    #expect(status["in/truncated.jpg"] == "failed")
    // orient-6 is stored 200x300 and turned a quarter: upright it is 300x200.
    try VipsRuntime.start()
    let thumbnail = try Image.open(folder + "/thumbs/orient-6.webp", sequential: false)
    #expect((thumbnail.width, thumbnail.height) == (256, 171))
    #expect(FileManager.default.fileExists(atPath: folder + "/thumbs/photo.webp"))
  }
}
