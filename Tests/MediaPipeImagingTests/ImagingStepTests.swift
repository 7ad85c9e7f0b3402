import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// Every image step has its imaging half: forgetting `<Step>+Vips.swift`
/// fails here rather than at run time.
@Suite struct ImagingStepTests {
  @Test func everyImageStepHasAnImagingConformance() {
    for step in StepRegistry.all {
      let imaging = step is any ImagingStep.Type
      switch step.kind {
      case .image: #expect(imaging, "'\(step.name)' has no ImagingStep conformance (Steps/<Step>+Vips.swift)")
      case .outputSetting: #expect(!imaging, "'\(step.name)' is an output setting; it acts when the result is written")
      }
    }
  }
}
