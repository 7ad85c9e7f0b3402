import Foundation
import Testing

/// `metadata provenance=yes` through the real binary and its workers: the file
/// says which mediapipe and which pipeline made it, the same fingerprint the
/// output mark carries.
@Suite struct ProvenanceTests {
  @Test func theOutputNamesToolAndPipeline() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/photo.jpg")
    try "metadata keep=copyright provenance=yes\ncompress webp\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    let result = try mediapipe(["run", "p.pipeline", "in"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let output = folder + "/in/processed_photo.webp"
    let exif = try #require(
      String(data: try read(["exiftool", "-s3", "-XMP-mediapipe:Pipeline", "-EXIF:Software", output]), encoding: .utf8))
    let mark = String(
      decoding: try read([
        "python3", "-c", "import os,sys; print(os.getxattr(sys.argv[1], 'user.mediapipe.output').decode())", output,
      ]), as: UTF8.self
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    let parts = mark.components(separatedBy: "; ")  // "mediapipe V", "pipeline F", "input H"
    let fingerprint = parts[1].replacingOccurrences(of: "pipeline ", with: "")
    #expect(exif.split(separator: "\n").map(String.init) == [fingerprint, parts[0]], "\(exif)")
  }

  func read(_ command: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
  }
}
