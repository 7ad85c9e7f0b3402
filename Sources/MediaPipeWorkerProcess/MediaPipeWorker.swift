import Foundation
import MediaPipeRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// The entry point of worker processes: the `mediapipe-worker` program, and any
/// program that runs an `Engine` and hosts its own workers.
///
/// An engine starts its workers as `EngineOptions.workerExecutable __worker`
/// (by default the running program itself). Such a program calls
/// `runIfRequested()` first thing in `main`, as `multiprocessing` programs call
/// `freeze_support()`: in a worker it serves images and exits, anywhere else it
/// returns at once. (The `mediapipe` command starts `mediapipe-worker` instead, so
/// that it never loads libvips itself.)
public enum MediaPipeWorker {
  /// The argument a worker process is started with.
  public static let argument = EngineOptions.workerArgument

  /// In a worker process (`argv[1]` is `__worker`), runs as a worker and exits;
  /// otherwise returns.
  public static func runIfRequested(arguments: [String] = CommandLine.arguments) {
    guard arguments.count >= 2, arguments[1] == argument else { return }
    // MEDIAPIPE_REFERENCE=1 (inherited from the parent): libvips's plain route for
    // every image, no fast path (docs/reference-path.md).
    let reference = ProcessInfo.processInfo.environment["MEDIAPIPE_REFERENCE"] == "1"
    exit(WorkerMain.run(route: reference ? .reference : .fast))
  }
}
