import ArgumentParser
import Foundation
import MediaPipeImaging
import MediaPipeRuntime

/// The worker process of the pool (started by `run`, not by people).
struct WorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "__worker", abstract: "Internal: a worker process of the pool.", shouldDisplay: false)

  func run() throws {
    // MEDIAPIPE_REFERENCE=1 (inherited from `run` or `watch`): libvips's plain
    // route for every image, no fast path (docs/reference-path.md).
    let reference = ProcessInfo.processInfo.environment["MEDIAPIPE_REFERENCE"] == "1"
    let code = WorkerMain.run(route: reference ? .reference : .fast)
    if code != 0 { throw ExitCode(code) }
  }
}
