import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Test-only hooks of the worker, read from its environment when it starts.
///
/// They let the end-to-end tests hold a worker at a known point, or crash it, on
/// a named file, so that no test depends on how fast or how loaded the machine
/// is. They are not options: nothing but the tests should set them.
///
/// - `MEDIAPIPE_TEST_HOLD_ON=TEXT`: for an input whose path contains TEXT, the
///   worker writes each output's temporary file (`.NAME.mediapipe-PID.tmp`, so
///   the test can tell which worker holds which image), then waits before
///   renaming it into place: while the file `MEDIAPIPE_TEST_HOLD_WHILE` exists,
///   or for ever when that is not set (until a timeout or a kill ends it).
/// - `MEDIAPIPE_TEST_CRASH_ON=TEXT`: for an input whose path contains TEXT, the
///   worker writes some 150 KB of backtrace- and assertion-like text and one
///   libvips-like warning to stderr, then dereferences a bad pointer (SIGSEGV).
struct WorkerTestHooks {
  var holdOn: String?
  var holdWhile: String?
  var crashOn: String?

  init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    holdOn = environment["MEDIAPIPE_TEST_HOLD_ON"].flatMap { $0.isEmpty ? nil : $0 }
    holdWhile = environment["MEDIAPIPE_TEST_HOLD_WHILE"].flatMap { $0.isEmpty ? nil : $0 }
    crashOn = environment["MEDIAPIPE_TEST_CRASH_ON"].flatMap { $0.isEmpty ? nil : $0 }
  }

  /// Waits, after `input`'s temporary output was written, if asked to.
  func holdAfterWriting(_ input: String) {
    guard let holdOn, input.contains(holdOn) else { return }
    while holdWhile.map({ access($0, F_OK) == 0 }) ?? true { usleep(10_000) }
  }

  /// Crashes noisily before processing `input`, if asked to.
  func crashIfAsked(_ input: String) {
    guard let crashOn, input.contains(crashOn) else { return }
    var text =
      "(mediapipe:\(getpid())): GLib-GObject-CRITICAL **: g_object_unref: assertion 'G_IS_OBJECT (object)' failed\n"
    text += "(mediapipe:\(getpid())): VIPS-WARNING **: test hook: about to crash on \(input)\n"
    text += "\n💣 Program crashed: Bad pointer dereference at 0x0000000000000000\n\nThread 0 crashed:\n\n"
    for frame in 0..<2000 { text += "\(frame) 0x00000000deadbeef in frame\(frame) at Backtrace.swift:\(frame)\n" }
    text += "\nRegisters:\nrax 0x0000000000000000  0\nrip 0x00000000deadbeef\n"
    text.withUTF8 { buffer in
      var offset = 0
      while offset < buffer.count {
        let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
        if n <= 0 { break }
        offset += n
      }
    }
    // A real bad pointer dereference (a raised SIGSEGV is not one: Swift's backtracer,
    // when enabled, returns from it and the worker goes on).
    UnsafeMutablePointer<Int>(bitPattern: 8)!.pointee = 1
  }
}
