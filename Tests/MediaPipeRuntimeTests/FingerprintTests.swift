import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

@Suite struct FingerprintTests {
  func fingerprint(_ source: String, base: String = "/tmp") -> String {
    PipelineCompiler.compile(source: source, file: "t", baseDirectory: base).pipeline!.fingerprint()
  }

  @Test func commentsAndLayoutDoNotCount() {
    #expect(fingerprint("resize 300x300") == fingerprint("# thumbs\n  resize   300x300   # small\n"))
  }

  @Test func stepsDo() {
    #expect(fingerprint("resize 300x300") != fingerprint("resize 300x301"))
    #expect(fingerprint("resize 300x300") != fingerprint("resize 300x300\nflip"))
  }

  @Test func theContentOfAWatermarkFileDoes() throws {
    let folder = try temporaryFolder()
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/logo.png"))
    let before = fingerprint("watermark image=logo.png", base: folder)
    try Data([1, 2, 4]).write(to: URL(fileURLWithPath: folder + "/logo.png"))
    #expect(fingerprint("watermark image=logo.png", base: folder) != before)
  }
}
