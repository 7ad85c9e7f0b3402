import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// The built `mediapipe` (set MEDIAPIPE_BINARY to test another build).
let binary: String = {
  if let path = ProcessInfo.processInfo.environment["MEDIAPIPE_BINARY"] { return path }
  return repositoryRoot.appendingPathComponent(".build/debug/mediapipe").path
}()

/// What a finished command printed and how it ended.
struct Outcome {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// A command started in the background; files carry its output so pipes never fill up.
final class Running {
  let process = Process()
  let outPath: String
  let errPath: String

  /// - Parameter environment: added to this process's environment (the test hooks of `WorkerTestHooks`).
  /// - Parameter executable: the program to run (default: the built `mediapipe`).
  init(_ arguments: [String], in folder: String, environment: [String: String] = [:], executable: String = binary)
    throws
  {
    outPath = folder + "/.stdout-\(UUID().uuidString)"
    errPath = folder + "/.stderr-\(UUID().uuidString)"
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    process.standardInput = FileHandle.nullDevice
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    try process.run()
  }

  var pid: pid_t { process.processIdentifier }

  /// Waits for the end, killing the command if it outlives `seconds` (a hang is a failure).
  func finish(within seconds: Double = 120) -> Outcome {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
      process.terminate()
      Issue.record("the command did not finish within \(seconds) s")
      process.waitUntilExit()
    }
    process.waitUntilExit()
    let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: outPath)
    try? FileManager.default.removeItem(atPath: errPath)
    return Outcome(status: process.terminationStatus, stdout: out, stderr: err)
  }

  /// What the command has printed on stdout so far.
  var stdoutSoFar: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

  /// What the command has printed on stderr so far.
  var stderrSoFar: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

  /// The pids of this command's worker processes.
  func workers() -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
      guard let child = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 2 && pid_t(fields[1]) == pid ? child : nil
    }
  }

  /// Waits until `condition` holds or the deadline passes.
  func wait(upTo seconds: Double, for condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      usleep(20_000)
    }
    return condition()
  }
}

/// Runs `mediapipe ARGS` in `folder` and waits for it.
@discardableResult
func mediapipe(_ arguments: [String], in folder: String) throws -> Outcome {
  try Running(arguments, in: folder).finish()
}

/// A fresh folder holding a copy of the fixtures in `in/` (removed when the tests end).
func workspace(copyFixtures: Bool = true) throws -> String {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mediapipe-e2e-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
  TemporaryFolders.removeAtExit(folder)
  if copyFixtures {
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    for name in try FileManager.default.contentsOfDirectory(atPath: fixtures)
    where !name.hasSuffix(".md") && !name.hasSuffix(".sh") && !name.hasSuffix(".py") {
      try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: folder + "/in/" + name)
    }
  }
  return folder
}

/// Every file below `folder`, relative to it, sorted.
func files(below folder: String) -> [String] {
  guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
  var result: [String] = []
  while let path = walker.nextObject() as? String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
      result.append(path)
    }
  }
  return result.sorted()
}

/// Temporary files the tool might have left behind.
func leftovers(below folder: String) -> [String] {
  files(below: folder).filter { $0.contains(".mediapipe-") && $0.hasSuffix(".tmp") }
}

func pipeline(_ name: String) -> String {
  repositoryRoot.appendingPathComponent("pipelines/\(name)").path
}

/// A workspace with `images` copies of photo.jpg in `in/` (`held-1.jpg`, ...) and a file `hold`.
/// Run with `holding(folder)` in the environment, a worker stops on each of them with its
/// output written under its temporary name, until `release(folder)`: tests that need images
/// in flight wait for `holders(below:)` instead of hoping an image is slow enough.
func heldWorkspace(images: Int) throws -> String {
  let folder = try workspace(copyFixtures: false)
  for i in 1...images {
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/held-\(i).jpg")
  }
  _ = FileManager.default.createFile(atPath: folder + "/hold", contents: nil)
  return folder
}

/// The environment that makes workers hold on inputs whose path contains `text` while `folder/hold` exists.
func holding(_ folder: String, on text: String = "held-") -> [String: String] {
  ["MEDIAPIPE_TEST_HOLD_ON": text, "MEDIAPIPE_TEST_HOLD_WHILE": folder + "/hold"]
}

/// Lets held workers go on.
func release(_ folder: String) {
  unlink(folder + "/hold")
}

/// The workers holding a written temporary output below `folder` (its name ends `.mediapipe-PID.tmp`).
func holders(below folder: String) -> [pid_t] {
  leftovers(below: folder).compactMap { path in
    guard let match = path.firstMatch(of: /\.mediapipe-(\d+)\.tmp$/) else { return nil }
    return pid_t(match.1)
  }
}
