import Foundation
import Testing

@testable import MediaPipeRuntime

/// An event's time, formatted without a formatter per event.
@Suite struct FileEventTimeTests {
  @Test func iso8601AsTheFormatterWritesIt() {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    for (seconds, milliseconds) in [(0, 0), (1_764_095_250, 5), (951_825_599, 999), (4_102_444_799, 123), (68, 70)] {
      let date = Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000 + 0.0001)
      #expect(FileEvent.iso8601(seconds: seconds, milliseconds: milliseconds) == formatter.string(from: date))
    }
  }

  @Test func nowIsNow() throws {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let parsed = try #require(formatter.date(from: FileEvent.now()))
    #expect(abs(parsed.timeIntervalSinceNow) < 3600, "the same hour, whatever the machine's speed")
  }
}
