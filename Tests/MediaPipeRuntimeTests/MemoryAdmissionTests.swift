import Testing

@testable import MediaPipeRuntime

/// Memory-aware admission and the order of waiting tasks (`MemoryAdmission`): pure
/// bookkeeping, no processes, no clock.
@Suite struct MemoryAdmissionTests {
  let megapixel = 1_000_000

  @Test func tasksStartWhileTheirEstimatesFitTheBudget() {
    var admission = MemoryAdmission(budget: MemoryAdmission.cost(pixels: 50 * megapixel))
    let twenty = MemoryAdmission.cost(pixels: 20 * megapixel)
    #expect(admission.admits(twenty))
    admission.start(twenty)
    #expect(admission.admits(twenty))
    admission.start(twenty)
    #expect(!admission.admits(twenty), "60 megapixels in flight would be over 50")
    admission.finish(twenty)
    #expect(admission.admits(twenty), "room again once one finishes")
  }

  @Test func anImageOverTheBudgetStillRunsAlone() {
    var admission = MemoryAdmission(budget: MemoryAdmission.cost(pixels: 10 * megapixel))
    let huge = MemoryAdmission.cost(pixels: 200 * megapixel)
    #expect(admission.admits(huge), "nothing in flight: it runs")
    admission.start(huge)
    #expect(!admission.admits(MemoryAdmission.cost(pixels: 1)), "and nothing else beside it")
    admission.finish(huge)
    #expect(admission.inFlight == 0 && admission.count == 0)
  }

  @Test func theLargestThatFitsIsChosenAndTheBlockedOneWaits() {
    var admission = MemoryAdmission(budget: MemoryAdmission.cost(pixels: 100 * megapixel))
    admission.start(MemoryAdmission.cost(pixels: 70 * megapixel))
    let waiting = [80, 40, 20, 5].map { MemoryAdmission.cost(pixels: $0 * megapixel) }
    #expect(admission.choose(waiting) == 2, "80 and 40 do not fit beside 70; 20 does")
    #expect(admission.choose(waiting, lookahead: 2) == nil, "no further than the lookahead")
    admission.finish(MemoryAdmission.cost(pixels: 70 * megapixel))
    #expect(admission.choose(waiting) == 0, "alone, the largest goes first")
    #expect(MemoryAdmission().choose([Int]()) == nil)
  }

  @Test func waitingTasksAreKeptLargestFirstTiesInOrder() {
    let tasks = [("a", 10), ("b", 300), ("c", 10), ("d", 300), ("e", 0)]
    #expect(MemoryAdmission.largestFirst(tasks) { $0.1 }.map(\.0) == ["b", "d", "a", "c", "e"])
  }

  @Test func onlySmallTasksQueueBehindEachOtherInLargeBatches() {
    let small = 64 * 48
    let large = 12 * megapixel
    let many = 2 * MemoryAdmission.queueDepth
    func mayQueue(_ pixels: Int, queued: Int, small: Bool = true, waiting: Int = many) -> Bool {
      MemoryAdmission.mayQueue(pixels: pixels, queued: queued, queuedAreSmall: small, waiting: waiting, workers: 2)
    }
    #expect(mayQueue(large, queued: 0, small: false, waiting: 1), "an idle worker takes anything")
    #expect(!mayQueue(large, queued: 1), "a large one never waits behind another")
    #expect(!mayQueue(small, queued: 1, small: false), "nor a small one behind a large")
    #expect(mayQueue(small, queued: 1))
    #expect(!mayQueue(small, queued: MemoryAdmission.queueDepth), "up to the depth")
    #expect(!mayQueue(small, queued: 1, waiting: many - 1), "a few images are spread one by one")
    #expect(MemoryAdmission.wantsMore(queued: 0, queuedAreSmall: false))
    #expect(!MemoryAdmission.wantsMore(queued: 1, queuedAreSmall: false), "a worker on a large image gets no more")
    #expect(MemoryAdmission.wantsMore(queued: MemoryAdmission.refillBelow, queuedAreSmall: true))
    let above = MemoryAdmission.refillBelow + 1
    #expect(!MemoryAdmission.wantsMore(queued: above, queuedAreSmall: true), "topped up in batches")
  }

  @Test func theDefaultBudgetComesFromMemAvailableAndTheWorkersLimit() {
    let meminfo = "MemTotal:       24684084 kB\nMemFree:        17975000 kB\nMemAvailable:    8000000 kB\n"
    #expect(MemoryAdmission.availableBytes(meminfo) == 8_000_000 * 1024)
    #expect(MemoryAdmission.defaultBudget(jobs: 4, workerLimitMB: nil, memInfo: meminfo) == 8_000_000 * 1024 / 4 * 3)
    #expect(MemoryAdmission.defaultBudget(jobs: 2, workerLimitMB: 512, memInfo: meminfo) == 2 * 512 << 20)
    #expect(MemoryAdmission.defaultBudget(jobs: 2, workerLimitMB: 512, memInfo: "nonsense") == 2 * 512 << 20)
    #expect(MemoryAdmission.defaultBudget(jobs: 2, workerLimitMB: nil, memInfo: nil) == 8 << 30, "nothing known: 8 GB")
  }
}

extension MemoryAdmission {
  init() { self.init(budget: Int.max) }
}
