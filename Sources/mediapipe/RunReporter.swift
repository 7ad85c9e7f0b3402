import Foundation
import MediaPipe

#if canImport(Glibc)
  import Glibc
#endif

/// What a run tells the user while it goes: a progress bar on a terminal
/// (done/total, images/s, ETA), one line per failure, and a summary.
/// Without a terminal there is no bar, only plain lines.
final class RunReporter {
  enum Verbosity: Sendable {
    case quiet, normal, verbose
  }

  let verbosity: Verbosity
  let showBar: Bool
  let total: Int
  let start = DispatchTime.now().uptimeNanoseconds
  var done = 0
  var failed = 0
  /// Failures decided before any worker saw the image.
  var failedUpFront = 0
  var outputs = 0
  var inputBytes = 0
  var outputBytes = 0
  private var barShown = false
  private var lastDraw: UInt64 = 0

  init(total: Int, verbosity: Verbosity, terminal: Bool = isatty(2) != 0) {
    self.total = total
    self.verbosity = verbosity
    self.showBar = terminal && verbosity != .quiet && total > 0
  }

  var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  /// Takes one input's event and prints what needs printing.
  func receive(_ event: FileEvent) {
    switch event.status {
    case .skipped:
      note("skipped \(event.input): \(event.reason ?? "")")
      return
    case .failed:
      done += 1
      if event.upFront { failedUpFront += 1 }
      failed += 1
      line("failed: \(event.input): \(event.failure?.sentence ?? "")", to: 2)
    case .done:
      done += 1
      inputBytes += event.inputBytes
      outputs += event.outputs.count
      outputBytes += event.outputs.reduce(0) { $0 + $1.bytes }
      if verbosity == .verbose {
        let list = event.outputs.map { "\($0.path) (\(Self.described($0)))" }.joined(separator: ", ")
        line("done: \(event.input) -> \(list) in \(event.milliseconds) ms", to: 1)
        for output in event.outputs { if let note = output.note { line("note: \(output.path): \(note)", to: 2) } }
      }
    }
    workerOutput(event.workerOutput)
    draw(force: done == total)
  }

  /// "800x600, 154.2 KB, quality 74, SSIM 0.9712": an output for --verbose.
  static func described(_ output: FileEvent.Output) -> String {
    var parts = ["\(output.width)x\(output.height)", ByteCount.text(output.bytes)]
    if let quality = output.quality { parts.append("quality \(quality)") }
    if let score = output.score { parts.append(String(format: "SSIM %.4f", score)) }
    return parts.joined(separator: ", ")
  }

  /// For --verbose: what a worker wrote on stdout and stderr during an image
  /// (libvips warnings, a crash's backtrace), below that image's line.
  func workerOutput(_ text: String?) {
    guard verbosity == .verbose, let text, !text.isEmpty else { return }
    line(Self.indented(text), to: 2)
  }

  /// Each line of a worker's output behind "  | ", so it reads as belonging to the line above.
  static func indented(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).reversed().drop { $0.isEmpty }.reversed()
      .map { "  | " + $0 }.joined(separator: "\n")
  }

  /// A note for --verbose.
  func note(_ text: String) {
    if verbosity == .verbose { line(text, to: 2) }
  }

  /// An error line, shown even with --quiet.
  func error(_ text: String) {
    line(text, to: 2)
  }

  /// A line that is always shown (not in --quiet).
  func say(_ text: String) {
    if verbosity != .quiet { line(text, to: 2) }
  }

  /// Redraws the bar if a moment has passed.
  func tick() { draw(force: false) }

  private func draw(force: Bool) {
    guard showBar else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    guard force || now - lastDraw > 200_000_000 else { return }
    lastDraw = now
    let width = 30
    let filled = total == 0 ? width : width * done / total
    // Images that failed before reaching a worker (not an image, a name clash) finish
    // at once; the rate counts only what the workers did.
    let worked = done - failedUpFront
    let rate = elapsed > 0.5 && worked > 0 ? Double(worked) / elapsed : 0
    var eta = "--:--", speed = "-- img/s"
    if rate > 0 {
      let seconds = Int((Double(total - done) / rate).rounded())
      eta = String(format: "%d:%02d", seconds / 60, seconds % 60)
      speed = String(format: "%.1f img/s", rate)
    }
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let text = String(format: "[%@] %d/%d  %@  ETA %@", bar, done, total, speed, eta)
    write(2, "\r\u{1B}[K" + text)
    barShown = true
  }

  private func line(_ text: String, to fd: Int32) {
    if barShown {
      write(2, "\r\u{1B}[K")
      barShown = false
    }
    write(fd, text + "\n")
    if showBar && done < total { draw(force: true) }
  }

  /// Ends the bar and prints the summary.
  func summary(skippedOutputs: Int, notStarted: Int, interrupted: Bool, upToDate: Int = 0) {
    if barShown {
      write(2, "\r\u{1B}[K")
      barShown = false
    }
    guard verbosity != .quiet || interrupted else { return }
    if total == 0 && upToDate > 0 && !interrupted {
      write(
        2,
        "nothing to do: \(upToDate) image\(upToDate == 1 ? "" : "s") up to date (checked in \(String(format: "%.1f s", elapsed)))\n"
      )
      return
    }
    var parts = [
      "processed \(done - failed) of \(total) image\(total == 1 ? "" : "s") (\(outputs) output\(outputs == 1 ? "" : "s"))"
    ]
    if failed > 0 { parts.append("\(failed) failed") }
    if upToDate > 0 { parts.append("\(upToDate) up to date") }
    if skippedOutputs > 0 { parts.append("\(skippedOutputs) skipped as outputs of this pipeline") }
    if notStarted > 0 { parts.append("\(notStarted) not started") }
    let time = String(format: "%.1f s", elapsed)
    var text = parts.joined(separator: ", ") + " in \(time)"
    text += "; input \(ByteCount.text(inputBytes)), output \(ByteCount.text(outputBytes))"
    if interrupted { text = "interrupted: " + text + "; run the same command again to finish" }
    write(2, text + "\n")
  }

  private func write(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { buffer in
      var offset = 0
      while offset < buffer.count {
        let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if n <= 0 { if errno == EINTR { continue } else { break } }
        offset += n
      }
    }
  }
}
