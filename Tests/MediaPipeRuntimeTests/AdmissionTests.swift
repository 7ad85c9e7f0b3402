import Testing

@testable import MediaPipeRuntime

/// Memory-aware admission and the order of waiting tasks (`Admission`): pure
/// bookkeeping, no processes, no clock.
@Suite struct AdmissionTests {
  let megapixel = 1_000_000

  @Test func tasksStartWhileTheirEstimatesFitTheBudget() {
    var admission = Admission(budget: Admission.cost(pixels: 50 * megapixel))
    let twenty = Admission.cost(pixels: 20 * megapixel)
    #expect(admission.admits(twenty))
    admission.start(twenty)
    #expect(admission.admits(twenty))
    admission.start(twenty)
    #expect(!admission.admits(twenty), "60 megapixels in flight would be over 50")
    admission.finish(twenty)
    #expect(admission.admits(twenty), "room again once one finishes")
  }

  @Test func anImageOverTheBudgetStillRunsAlone() {
    var admission = Admission(budget: Admission.cost(pixels: 10 * megapixel))
    let huge = Admission.cost(pixels: 200 * megapixel)
    #expect(admission.admits(huge), "nothing in flight: it runs")
    admission.start(huge)
    #expect(!admission.admits(Admission.cost(pixels: 1)), "and nothing else beside it")
    admission.finish(huge)
    #expect(admission.inFlight == 0 && admission.count == 0)
  }

  @Test func theLargestThatFitsIsChosenAndTheBlockedOneWaits() {
    var admission = Admission(budget: Admission.cost(pixels: 100 * megapixel))
    admission.start(Admission.cost(pixels: 70 * megapixel))
    let waiting = [80, 40, 20, 5].map { Admission.cost(pixels: $0 * megapixel) }
    #expect(admission.choose(waiting) == 2, "80 and 40 do not fit beside 70; 20 does")
    #expect(admission.choose(waiting, lookahead: 2) == nil, "no further than the lookahead")
    admission.finish(Admission.cost(pixels: 70 * megapixel))
    #expect(admission.choose(waiting) == 0, "alone, the largest goes first")
    #expect(Admission().choose([Int]()) == nil)
  }

  @Test func waitingTasksAreKeptLargestFirstTiesInOrder() {
    let tasks = [("a", 10), ("b", 300), ("c", 10), ("d", 300), ("e", 0)]
    #expect(Admission.largestFirst(tasks) { $0.1 }.map(\.0) == ["b", "d", "a", "c", "e"])
  }

  @Test func onlySmallTasksQueueBehindEachOtherUpToAShare() {
    let small = 64 * 48
    let large = 12 * megapixel
    #expect(Admission.mayQueue(pixels: large, queued: 0, queuedAreSmall: true), "an idle worker takes anything")
    #expect(!Admission.mayQueue(pixels: large, queued: 1, queuedAreSmall: true), "a large one never waits behind")
    #expect(!Admission.mayQueue(pixels: small, queued: 1, queuedAreSmall: false), "nor a small one behind a large")
    #expect(Admission.mayQueue(pixels: small, queued: 1, queuedAreSmall: true))
    #expect(!Admission.mayQueue(pixels: small, queued: Admission.queueDepth, queuedAreSmall: true), "up to the depth")
    #expect(!Admission.mayQueue(pixels: small, queued: 2, queuedAreSmall: true, share: 2), "and to a fair share")
    #expect(Admission.wantsMore(queued: 0, queuedAreSmall: false))
    #expect(!Admission.wantsMore(queued: 1, queuedAreSmall: false), "a worker on a large image gets no more")
    #expect(Admission.wantsMore(queued: Admission.refillBelow, queuedAreSmall: true))
    #expect(!Admission.wantsMore(queued: Admission.refillBelow + 1, queuedAreSmall: true), "topped up in batches")
  }

  @Test func theDefaultBudgetComesFromMemAvailableAndTheWorkersLimit() {
    let meminfo = "MemTotal:       24684084 kB\nMemFree:        17975000 kB\nMemAvailable:    8000000 kB\n"
    #expect(Admission.availableBytes(meminfo) == 8_000_000 * 1024)
    #expect(Admission.defaultBudget(jobs: 4, workerLimitMB: nil, memInfo: meminfo) == 8_000_000 * 1024 / 4 * 3)
    #expect(Admission.defaultBudget(jobs: 2, workerLimitMB: 512, memInfo: meminfo) == 2 * 512 << 20)
    #expect(Admission.defaultBudget(jobs: 2, workerLimitMB: 512, memInfo: "nonsense") == 2 * 512 << 20)
    #expect(Admission.defaultBudget(jobs: 2, workerLimitMB: nil, memInfo: nil) == 8 << 30, "nothing known: 8 GB")
  }
}

extension Admission {
  init() { self.init(budget: Int.max) }
}
