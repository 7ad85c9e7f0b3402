import Foundation
import Testing

@testable import MediaPipeCore

/// Random and mutated pipeline text: the compiler never crashes, and answers
/// either with a pipeline or with at least one error, every one placed on a
/// real line and column of the input.
@Suite struct ParserFuzzTests {
  /// A small deterministic generator (SplitMix64), so a failure can be replayed.
  struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static let seeds: [String] = {
    let names = ["resize.pipeline", "web.pipeline", "thumbnails.pipeline"]
    return names.compactMap {
      try? String(contentsOf: repositoryRoot.appendingPathComponent("pipelines/\($0)"), encoding: .utf8)
    }
  }()

  static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 =\"\\#%{}x,.-/\n\t©é")

  func check(_ source: String) {
    let result = compile(source)
    let lines = source.lines
    if result.pipeline == nil {
      #expect(result.diagnostics.contains { $0.severity == .error }, "no error for: \(source.debugDescription)")
    }
    for d in result.diagnostics {
      #expect(d.location.line >= 1 && d.location.line <= max(1, lines.count), "\(d) in \(source.debugDescription)")
      #expect(d.location.column >= 1)
    }
    _ = result.diagnostics.rendered(source: source)
  }

  @Test func mutatedExamplePipelines() {
    var rng = Generator(state: 2026)
    for _ in 0..<3000 {
      var chars = Array(Self.seeds.randomElement(using: &rng)!)
      for _ in 0..<Int.random(in: 1...6, using: &rng) {
        guard !chars.isEmpty else { break }
        let i = Int.random(in: 0..<chars.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: chars.remove(at: i)
        case 1: chars.insert(Self.alphabet.randomElement(using: &rng)!, at: i)
        default: chars[i] = Self.alphabet.randomElement(using: &rng)!
        }
      }
      check(String(chars))
    }
  }

  @Test func randomText() {
    var rng = Generator(state: 7)
    for _ in 0..<2000 {
      let length = Int.random(in: 0..<80, using: &rng)
      check(String((0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! }))
    }
  }
}
