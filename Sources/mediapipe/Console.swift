import ArgumentParser
import Foundation
import MediaPipe

/// Where the engine's log lines go: set by each command to its own printer (the
/// progress display of `run`, the timestamped log of `watch`).
final class LogRoute: @unchecked Sendable {
  // @unchecked: the engine, its pool and the printers all run on the command's one
  // thread; the route is set before the engine starts and read only from there.
  var write: (Logger.Level, String, Logger.Metadata?) -> Void = { _, _, _ in }
}

/// A swift-log handler that hands each line to a `LogRoute`.
struct RoutedLogHandler: LogHandler {
  let route: LogRoute
  var logLevel: Logger.Level
  var metadata: Logger.Metadata = [:]
  var metadataProvider: Logger.MetadataProvider?

  func log(event: LogEvent) { route.write(event.level, "\(event.message)", event.metadata) }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
}

enum Console {
  /// A logger whose lines go to `route`, from `level` up.
  static func logger(_ route: LogRoute, level: Logger.Level) -> Logger {
    Logger(label: "mediapipe") { _ in RoutedLogHandler(route: route, logLevel: level) }
  }

  /// The worker output a log line carries (a retried image's crash), if any.
  static func workerOutput(_ metadata: Logger.Metadata?) -> String? {
    guard case .string(let text)? = metadata?["workerOutput"] else { return nil }
    return text
  }

  /// Prints why the engine could not start or go on, and returns the exit code
  /// (the same for `run` and `watch`).
  static func fail(_ error: Error) -> ExitCode {
    switch error {
    case EngineError.invalidPipeline(_, let result):
      printError(result.renderedDiagnostics(), newline: false)
      printError("\(error)")
      return ExitCode(RunExitCode.usage.rawValue)
    case EngineError.interrupted:
      printError("error: \(error)")
      return ExitCode(RunExitCode.interrupted.rawValue)
    case let error as EngineError:
      printError("error: \(error)")
      if let remedy = error.remedy { printError(Flags.advice(remedy)) }
      if case .busy = error { return ExitCode(RunExitCode.busy.rawValue) }
      return ExitCode(RunExitCode.usage.rawValue)
    default:
      printError("error: \(error)")
      return ExitCode(RunExitCode.usage.rawValue)
    }
  }

  /// `body`'s value; or, if it throws, prints why and throws the exit code (see `fail`).
  static func attempt<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw fail(error) }
  }

  /// Prints the pipeline's warnings, if it has any.
  static func warnings(_ engine: Engine) {
    if !engine.compiled.diagnostics.isEmpty { printError(engine.compiled.renderedDiagnostics(), newline: false) }
  }

  /// The exit code for a lock lost while working: 75 when another run holds it, 2
  /// when it cannot be made again.
  static func code(for trouble: LockTrouble) -> RunExitCode {
    if case .lost = trouble { return .busy }
    return .usage
  }
}

/// Writes to stderr.
func printError(_ text: String, newline: Bool = true) {
  FileHandle.standardError.write((text + (newline ? "\n" : "")).data(using: .utf8)!)
}
