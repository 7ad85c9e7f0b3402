import Foundation
import Testing

@testable import MediaPipeCore

/// The one list of steps drives parsing, suggestions, `check` and the docs.
@Suite struct StepRegistryTests {
  @Test func namesAreUniqueAndNoKeyword() {
    let names = StepRegistry.names
    #expect(Set(names).count == names.count, "\(names)")
    #expect(Set(names).isDisjoint(with: PipelineCompiler.keywords))
    #expect(names.allSatisfy { !$0.isEmpty && $0 == $0.lowercased() })
  }

  @Test func everyRegisteredStepIsParsedByItsName() {
    for step in StepRegistry.all {
      let found = errors(step.name)
      // A step may need arguments, but its name is never unknown.
      #expect(!found.contains { $0.contains("unknown step") }, "\(step.name): \(found)")
      #expect(StepRegistry.step(named: step.name) == step)
    }
  }

  @Test func misspeltNamesAreSuggestedFromTheRegistryAndTheKeywords() {
    #expect(errors("watermrk text=a") == ["1:1: unknown step 'watermrk'; did you mean 'watermark'?"])
    #expect(errors("varaint a") == ["1:1: unknown step 'varaint'; did you mean 'variant'?"])
    let far = compile("zzzzzzzz").diagnostics.first
    #expect(far?.notes == ["steps: " + (StepRegistry.names + PipelineCompiler.keywords).joined(separator: ", ")])
  }

  @Test func checkSummarisesEveryStepWithItsOwnLine() throws {
    let pipeline = try #require(compile("resize 300x300\nflip\nrotate 90").pipeline)
    let summary = pipeline.summary
    for step in pipeline.shared { #expect(summary.contains(step.summary), "\(summary)") }
    #expect(summary.contains("  2. flip: upside down"))
  }

  @Test func outputSettingsGoToTheVariantAndOncePerSection() throws {
    let pipeline = try #require(compile("compress png\nresize 10x10\noutput \"{stem}.png\"").pipeline)
    #expect(pipeline.shared.map(\.name) == ["resize"])
    #expect(pipeline.variants[0].compress.format == .png)
    #expect(pipeline.variants[0].output.text == "{stem}.png")
    #expect(
      errors("metadata strip\nmetadata strip") == ["2:1: 'metadata' is given twice in this section (first on line 1)"])
  }

  @Test func stepsAreEqualByTypeAndArguments() {
    #expect(Step(Flip()) == Step(Flip()))
    #expect(Step(Flip()) != Step(Flop()))
    #expect(Step(Rotate.quarter) != Step(Rotate.half))
    #expect(Set([Step(Flip()), Step(Flip()), Step(Flop())]).count == 2)
  }

  /// Re-runs are skipped by the pipeline's fingerprint, which is taken from
  /// the canonical text: any argument written differently must change it.
  @Test func everyArgumentReachesTheCanonicalText() throws {
    let pairs = [
      ("resize 300x300", "resize 300x301"), ("crop 10x10 gravity=top", "crop 10x10 gravity=bottom"),
      ("rotate 90", "rotate 270"), ("compress jpeg quality=80", "compress jpeg quality=81"),
    ]
    for (a, b) in pairs {
      let pa = try #require(compile(a).pipeline), pb = try #require(compile(b).pipeline)
      #expect(pa.canonicalText != pb.canonicalText, "\(a) / \(b)")
    }
  }

  /// docs/pipeline-format.md's step list is generated from `StepRegistry.all`.
  /// `MEDIAPIPE_UPDATE_DOCS=1 swift test --filter StepRegistryTests` rewrites it.
  @Test func theDocsStepListIsTheRegistrys() throws {
    let url = repositoryRoot.appendingPathComponent("docs/pipeline-format.md")
    let document = try String(contentsOf: url, encoding: .utf8)
    let updated = try #require(StepRegistry.updatingDocumentation(document), "the step-list markers are missing")
    if ProcessInfo.processInfo.environment["MEDIAPIPE_UPDATE_DOCS"] == "1", updated != document {
      try updated.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    // Compared as a Bool, so a failure prints the advice rather than the whole page.
    let upToDate = updated == document
    #expect(
      upToDate,
      "docs/pipeline-format.md's step list differs from StepRegistry.all; run MEDIAPIPE_UPDATE_DOCS=1 swift test --filter StepRegistryTests"
    )
  }

  @Test func everyStepHasADocumentedSection() throws {
    let document = try String(
      contentsOf: repositoryRoot.appendingPathComponent("docs/pipeline-format.md"), encoding: .utf8)
    for step in StepRegistry.all {
      let documented = document.contains("\n### \(step.name)\n")
      #expect(documented, "docs/pipeline-format.md has no '### \(step.name)' section")
      #expect(step.documentation.syntax.hasPrefix(step.name), "\(step.name): \(step.documentation.syntax)")
    }
  }

  /// The parser fuzzer's dictionary (`scripts/fuzz.sh --print-dictionary`) finds every
  /// step's name and keys in the steps' files, so that libFuzzer reaches a new step's
  /// arguments with no edit to the fuzzing set-up.
  @Test func theFuzzDictionaryHasEveryStepAndKey() throws {
    let script = Process()
    script.executableURL = URL(fileURLWithPath: "/bin/bash")
    script.arguments = [repositoryRoot.appendingPathComponent("scripts/fuzz.sh").path, "--print-dictionary"]
    let pipe = Pipe()
    script.standardOutput = pipe
    try script.run()
    let dictionary = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    script.waitUntilExit()
    #expect(script.terminationStatus == 0)
    for step in StepRegistry.all {
      #expect(dictionary.contains("=\"\(step.name)\"\n"), "the dictionary lacks the step \(step.name)")
      for key in step.schema.keys {
        #expect(dictionary.contains("=\"\(key)=\"\n"), "the dictionary lacks \(step.name)'s key \(key)=")
      }
    }
  }
}
