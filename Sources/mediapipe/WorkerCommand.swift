import ArgumentParser
import MediaPipeRuntime

/// The worker process of the pool (started by `run`, not by people).
struct WorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "__worker", abstract: "Internal: a worker process of the pool.", shouldDisplay: false)

  func run() throws {
    let code = WorkerMain.run()
    if code != 0 { throw ExitCode(code) }
  }
}
