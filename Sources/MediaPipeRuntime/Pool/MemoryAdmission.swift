import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Memory-aware admission: which waiting task the pool may start next, and how
/// many a worker may have queued.
///
/// Every task has a cost, the memory its decoded pixels are estimated to take
/// (`cost(pixels:)`). Tasks in flight (running or queued in a worker) may
/// together cost at most `budget`; a task that does not fit waits until enough
/// finishes, so large images wait rather than get killed. A task alone always
/// starts, even over the budget: an image too large for the budget still runs,
/// by itself.
///
/// Waiting tasks are kept largest first (`largestFirst`), so the long images
/// start early and the run does not end on one of them. When the largest does
/// not fit, the largest that does is started instead (the pool is not left
/// idle); the large one starts as soon as the room is there.
///
/// Pure bookkeeping: no clock, no processes (the pool's tests drive it directly).
package struct MemoryAdmission {
  /// The estimated bytes all tasks in flight may take together.
  let budget: Int
  /// The estimated bytes of the tasks in flight.
  private(set) var inFlight = 0
  /// How many tasks are in flight.
  private(set) var count = 0

  /// Bytes per decoded pixel: three or four 8-bit bands, and libjpeg's
  /// coefficient buffers for a progressive decode (measured: a 14.7-megapixel
  /// progressive 4:4:4 JPEG peaks near 140 MB in a worker, ~9 bytes a pixel,
  /// about half of it the worker's own baseline).
  static let bytesPerPixel = 4
  /// Tasks at most this large (in pixels) may queue behind each other in a
  /// worker: a thumbnail-sized image takes about a millisecond, and a worker
  /// that has its next one at hand never waits for the parent.
  package static let queueablePixels = 1_000_000
  /// How many queueable tasks a worker may hold (running and waiting).
  static let queueDepth = 8
  /// A worker's queue is topped up when it holds this many or fewer, so that
  /// tasks travel in batches of several (one frame, one state-store commit).
  static let refillBelow = 2

  init(budget: Int) {
    self.budget = max(1, budget)
  }

  /// The estimated bytes of a task with `pixels` decoded pixels.
  static func cost(pixels: Int) -> Int {
    max(1, pixels) * bytesPerPixel
  }

  /// Whether a task of `cost` may start now.
  func admits(_ cost: Int) -> Bool {
    count == 0 || inFlight + cost <= budget
  }

  mutating func start(_ cost: Int) {
    inFlight += cost
    count += 1
  }

  mutating func finish(_ cost: Int) {
    inFlight = max(0, inFlight - cost)
    count = max(0, count - 1)
  }

  /// Which of the waiting tasks to start: the first (they are kept largest
  /// first) whose cost fits, looking at most `lookahead` tasks down the line.
  /// - Parameters:
  ///   - count: how many tasks wait.
  ///   - cost: the cost of the waiting task at a position (0: the next).
  /// - Returns: its position, or nil to wait.
  func choose(count: Int, lookahead: Int = 64, cost: (Int) -> Int) -> Int? {
    for position in 0..<min(count, lookahead) where admits(cost(position)) { return position }
    return nil
  }

  /// `choose` over a list of costs, next first.
  func choose(_ costs: [Int], lookahead: Int = 64) -> Int? {
    choose(count: costs.count, lookahead: lookahead) { costs[$0] }
  }

  /// Whether a worker that holds `queued` tasks (running and waiting), all of
  /// them queueable as `queuedAreSmall` says, may take one more of `pixels`.
  /// Tasks are queued only while at least `queueDepth` wait for each of the
  /// `workers`: a handful of images is spread over the workers one by one (and
  /// an interrupt finishes only those being processed), and the last ones of a
  /// large batch too.
  static func mayQueue(pixels: Int, queued: Int, queuedAreSmall: Bool, waiting: Int, workers: Int) -> Bool {
    if queued == 0 { return true }
    return queuedAreSmall && pixels <= queueablePixels && queued < queueDepth && waiting >= max(1, workers) * queueDepth
  }

  /// Whether a worker holding `queued` tasks should be given more now.
  static func wantsMore(queued: Int, queuedAreSmall: Bool) -> Bool {
    queued == 0 || (queuedAreSmall && queued <= refillBelow)
  }

  /// `tasks` reordered largest first (by `pixels`), ties kept in their order.
  static func largestFirst<T>(_ tasks: [T], pixels: (T) -> Int) -> [T] {
    tasks.enumerated().sorted { a, b in
      let pa = pixels(a.element)
      let pb = pixels(b.element)
      return pa != pb ? pa > pb : a.offset < b.offset
    }.map(\.element)
  }

  /// The budget for `jobs` workers: three quarters of the memory the system has
  /// available (`MemAvailable` in /proc/meminfo), and no more than `jobs` times a
  /// worker's own limit when there is one.
  static func defaultBudget(jobs: Int, workerLimitMB: Int?, memInfo: String? = readMemInfo()) -> Int {
    var budget = Int.max
    if let available = memInfo.flatMap(availableBytes) { budget = available / 4 * 3 }
    if let workerLimitMB { budget = min(budget, max(1, jobs) * workerLimitMB << 20) }
    return budget == Int.max ? 8 << 30 : budget
  }

  /// `MemAvailable` from the text of /proc/meminfo, in bytes.
  static func availableBytes(_ memInfo: String) -> Int? {
    for line in memInfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
      return kilobytes * 1024
    }
    return nil
  }

  static func readMemInfo() -> String? {
    try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
  }
}
