import Foundation
import Testing

@testable import MediaPipeRuntime

/// The settle time of `watch`'s arrivals, on a clock the test moves by hand:
/// nothing here waits or measures time.
@Suite struct ArrivalQueueTests {
  /// Monotonic nanoseconds that pass only when the test says so.
  final class TestClock {
    var now: UInt64 = 1_000_000_000
    func advance(milliseconds: UInt64) { now += milliseconds * 1_000_000 }
  }

  func queue(settleSeconds: Double = 0.3) -> (ArrivalQueue, TestClock) {
    let clock = TestClock()
    return (ArrivalQueue(settleSeconds: settleSeconds, clock: { clock.now }), clock)
  }

  @Test func aFileIsTakenOnceItsSettleTimeIsOver() {
    var (queue, clock) = queue()
    #expect(queue.millisecondsUntilDue == nil)
    queue.schedule("/in/a.jpg")
    #expect(queue.millisecondsUntilDue == 301)
    clock.advance(milliseconds: 299)
    #expect(queue.takeDue() == [])
    #expect(queue.millisecondsUntilDue == 2)
    clock.advance(milliseconds: 1)
    #expect(queue.millisecondsUntilDue == 0)
    #expect(queue.takeDue() == ["/in/a.jpg"])
    #expect(queue.takeDue() == [], "taken once")
    #expect(queue.pending.isEmpty && queue.millisecondsUntilDue == nil)
  }

  @Test func anotherCloseStartsTheSettleTimeAgain() {
    var (queue, clock) = queue()
    queue.schedule("/in/a.jpg")
    clock.advance(milliseconds: 200)
    queue.schedule("/in/a.jpg")
    clock.advance(milliseconds: 200)
    #expect(queue.takeDue() == [], "300 ms after the first close, but only 200 after the last")
    clock.advance(milliseconds: 100)
    #expect(queue.takeDue() == ["/in/a.jpg"])
  }

  @Test func aWriteCancelsTheFileUntilItsNextClose() {
    var (queue, clock) = queue()
    queue.schedule("/in/a.jpg")
    queue.schedule("/in/b.jpg")
    queue.cancel("/in/a.jpg")
    clock.advance(milliseconds: 1000)
    #expect(queue.takeDue() == ["/in/b.jpg"])
    queue.cancel("/in/never-scheduled.jpg")
    #expect(queue.pending.isEmpty)
  }

  @Test func onlyDueFilesAreTakenAndInPathOrder() {
    var (queue, clock) = queue()
    queue.schedule("/in/c.jpg")
    queue.schedule("/in/b.jpg")
    clock.advance(milliseconds: 100)
    queue.schedule("/in/a.jpg")
    clock.advance(milliseconds: 200)
    #expect(queue.millisecondsUntilDue == 0)
    #expect(queue.takeDue() == ["/in/b.jpg", "/in/c.jpg"])
    #expect(queue.millisecondsUntilDue == 101, "a.jpg is due 100 ms later")
    clock.advance(milliseconds: 100)
    #expect(queue.takeDue() == ["/in/a.jpg"])
  }

  @Test func aFileKnownWholeIsDueAtOnce() {
    var (queue, _) = queue()
    queue.schedule("/in/slow.jpg")
    queue.schedule("/in/whole.jpg", after: 0)
    #expect(queue.millisecondsUntilDue == 0)
    #expect(queue.takeDue() == ["/in/whole.jpg"])
    #expect(queue.pending.keys.sorted() == ["/in/slow.jpg"])
  }

  @Test func noSettleTimeTakesFilesAtOnce() {
    var (queue, _) = queue(settleSeconds: 0)
    queue.schedule("/in/a.jpg")
    #expect(queue.takeDue() == ["/in/a.jpg"])
  }

  @Test func aScannedFileMustKeepItsSizeOverTheSettleTime() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let growing = folder + "/growing.jpg"
    let still = folder + "/still.jpg"
    let vanishing = folder + "/vanishing.jpg"
    for path in [growing, still, vanishing] { FileManager.default.createFile(atPath: path, contents: Data([1])) }
    var (queue, clock) = queue()
    for path in [growing, still, vanishing] { queue.schedule(path, scanned: true) }
    let handle = try #require(FileHandle(forWritingAtPath: growing))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data([2, 3]))
    try handle.close()
    try FileManager.default.removeItem(atPath: vanishing)
    clock.advance(milliseconds: 300)
    #expect(queue.takeDue() == [still])
    #expect(queue.pending.keys.sorted() == [growing], "a file that grew waits again; one that vanished is forgotten")
    clock.advance(milliseconds: 300)
    #expect(queue.takeDue() == [growing], "unchanged over the next settle time")
  }
}
