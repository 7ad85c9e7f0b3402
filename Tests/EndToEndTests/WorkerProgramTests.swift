import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `mediapipe` starts its workers from `mediapipe-worker` and never loads libvips itself.
@Suite struct WorkerProgramTests {
  /// The shared libraries `program` needs, as `ldd` names them.
  func libraries(_ program: String) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
    process.arguments = [program]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return text.split(separator: "\n").compactMap { line in
      line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
    }
  }

  @Test func onlyTheWorkerProgramLinksLibvips() throws {
    let worker = (binary as NSString).deletingLastPathComponent + "/mediapipe-worker"
    let command = try libraries(binary)
    #expect(command.contains { $0.hasPrefix("libc.so") }, "ldd lists the libraries: \(command)")
    #expect(!command.contains { $0.hasPrefix("libvips") })
    #expect(try libraries(worker).contains { $0.hasPrefix("libvips.so") })
  }

  @Test func aRunWritesItsOutputsThroughTheWorkerProgram() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try "resize 32x32\n".write(toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    let outcome = try mediapipe(["run", "-q", "-o", "out", "p.pipeline", "in"], in: folder)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(files(below: folder + "/out").filter { !$0.hasPrefix(".") } == ["processed_a.jpg"])
  }

  /// A `mediapipe` without its worker program says what is missing and where it looked,
  /// and processes nothing (exit 2), rather than failing every image.
  @Test func aMissingWorkerProgramIsOneClearError() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: binary, toPath: folder + "/bin/mediapipe")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try "resize 32x32\n".write(toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    for command in [["run", "-o", "out", "p.pipeline", "in"], ["watch", "p.pipeline", "in"]] {
      let outcome = try Running(command, in: folder, executable: folder + "/bin/mediapipe").finish()
      #expect(outcome.status == 2, "\(command[0])")
      #expect(outcome.stderr.contains("mediapipe-worker, the program that processes the images, is missing"))
      #expect(outcome.stderr.contains(folder + "/bin/mediapipe-worker"), "\(outcome.stderr)")
      #expect(outcome.stderr.contains(folder + "/lib/mediapipe/mediapipe-worker"))
    }
    #expect(!FileManager.default.fileExists(atPath: folder + "/out/processed_a.jpg"))
    // `check`, `list` and a dry run need no worker.
    let dry = try Running(
      ["run", "--dry-run", "-o", "out", "p.pipeline", "in"], in: folder, executable: folder + "/bin/mediapipe"
    )
    .finish()
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("a.jpg"), "\(dry.stdout)")
    #expect(
      try Running(["check", "p.pipeline"], in: folder, executable: folder + "/bin/mediapipe").finish().status == 0)
    #expect(try Running(["list", "in"], in: folder, executable: folder + "/bin/mediapipe").finish().status == 0)
  }

  /// The .deb's layout: `mediapipe` in bin/, its worker in ../lib/mediapipe/.
  @Test func theWorkerIsFoundInLibMediapipe() throws {
    let folder = try workspace(copyFixtures: false)
    let worker = (binary as NSString).deletingLastPathComponent + "/mediapipe-worker"
    try FileManager.default.createDirectory(atPath: folder + "/usr/bin", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: folder + "/usr/lib/mediapipe", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: binary, toPath: folder + "/usr/bin/mediapipe")
    try FileManager.default.copyItem(atPath: worker, toPath: folder + "/usr/lib/mediapipe/mediapipe-worker")
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/a.jpg")
    try "resize 32x32\n".write(toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    let outcome = try Running(
      ["run", "-q", "-o", "out", "p.pipeline", "in"], in: folder, executable: folder + "/usr/bin/mediapipe"
    ).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(files(below: folder + "/out").filter { !$0.hasPrefix(".") } == ["processed_a.jpg"])
  }
}
