import Testing

@testable import MediaPipeRuntime

@Suite struct WorkerOutputTests {
  func append(_ text: String, to output: inout WorkerOutput) {
    Array(text.utf8).withUnsafeBytes { output.append($0) }
  }

  @Test func keepsEverythingWhenShort() {
    var output = WorkerOutput()
    #expect(output.text == nil)
    append("one\ntwo\n", to: &output)
    #expect(output.text == "one\ntwo\n")
    #expect(output.lastLibvipsMessage == nil)
  }

  @Test func keepsTheLast64KBFromALineStart() {
    var output = WorkerOutput()
    for i in 0..<10_000 { append("line \(i) of a long backtrace\n", to: &output) }
    let text = output.text ?? ""
    #expect(text.hasPrefix("[... earlier output dropped ...]\nline "))
    #expect(text.hasSuffix("line 9999 of a long backtrace\n"))
    #expect(text.utf8.count <= WorkerOutput.limit + 40)
  }

  @Test func findsTheLastLibvipsLineAnywhereEvenSplitAcrossReads() {
    var output = WorkerOutput()
    append("(mediapipe:12): VIPS-WARNING **: first\n(mediapipe:12): VIPS-CRIT", to: &output)
    append("ICAL **: second\n", to: &output)
    for _ in 0..<5_000 { append("Thread 3 \"libvips worker\": a backtrace, not a message\n", to: &output) }
    #expect(output.lastLibvipsMessage == "VIPS-CRITICAL **: second")
    output.reset()
    #expect(output.text == nil && output.lastLibvipsMessage == nil)
    append("libvips: VIPS: no newline at the end", to: &output)
    #expect(output.lastLibvipsMessage == "libvips: VIPS: no newline at the end")
  }

  /// With tasks queued, a worker starts the next one before the parent has read
  /// the last one's `done`: the end-of-task byte keeps their output apart.
  @Test func outputIsSplitByTaskAtTheEndMarks() {
    var stream = WorkerOutputStream()
    let mark = String(UnicodeScalar(WorkerOutputStream.endOfTask))
    Array("first task\n\(mark)second ".utf8).withUnsafeBytes { stream.append($0) }
    Array("task (VIPS-WARNING **: hm)\n\(mark)\(mark)fourth".utf8).withUnsafeBytes { stream.append($0) }
    #expect(stream.finishTask() == "first task\n")
    #expect(stream.lastLibvipsMessage == "second task (VIPS-WARNING **: hm)", "the second task's, not the first's")
    #expect(stream.finishTask() == "second task (VIPS-WARNING **: hm)\n")
    #expect(stream.finishTask() == nil, "the third wrote nothing")
    #expect(stream.text == "fourth")
    stream.reset()
    #expect(stream.text == nil)
    #expect(stream.finishTask() == nil)
  }
}
