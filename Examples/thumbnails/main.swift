// An example client of the MediaPipe library: makes 256-px WebP thumbnails of every
// image below the folders given, and prints one JSON line per input.
//
//     swift run mediapipe-example thumbs/ photos/
//
// It uses only the public API of the `MediaPipe` product.
import Foundation
import MediaPipe
import MediaPipeWorkerProcess

// Worker processes are this same program started with `__worker`: serve and exit.
MediaPipeWorker.runIfRequested()

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
  FileHandle.standardError.write(Data("usage: mediapipe-example OUTPUT-FOLDER PATH...\n".utf8))
  exit(2)
}
let outputFolder = arguments[0]
let paths = Array(arguments.dropFirst())

// A pipeline is a file; a program writes its own.
let pipelinePath = NSTemporaryDirectory() + "mediapipe-example-\(getpid()).pipeline"
try "resize 256x256\ncompress webp quality=80\noutput \"{stem}.webp\"\n".write(
  toFile: pipelinePath, atomically: true, encoding: .utf8)

var logger = Logger(label: "mediapipe-example")
logger.logLevel = .warning
let options = EngineOptions(
  pipelinePath: pipelinePath, outputRoot: outputFolder, jobs: 2, allowUntrusted: false, statePath: nil, shard: nil,
  stateJournal: .automatic, force: false,
  waitForLock: true, dryRun: false, limits: .standard, libvipsWarnings: false)

do {
  // The engine reads the pipeline once, here; the file can go (exit() skips a top-level defer).
  let engine: Engine
  do {
    defer { try? FileManager.default.removeItem(atPath: pipelinePath) }
    engine = try Engine(options: options, lockRoots: paths, logger: logger, interrupts: nil)
  }
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  let outcome = try engine.run(paths) { event in
    print(String(decoding: try! encoder.encode(event), as: UTF8.self))
  }
  FileHandle.standardError.write(Data("\(outcome.done) done, \(outcome.failed) failed\n".utf8))
  exit(outcome.failed == 0 && !outcome.interrupted ? 0 : 1)
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(2)
}
