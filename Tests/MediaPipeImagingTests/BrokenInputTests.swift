import MediaPipeCore
import Testing
@testable import MediaPipeImaging

/// Broken and hostile files fail with a reason a user can act on, and leave no output.
@Suite struct BrokenInputTests {
  func reason(_ name: String, _ source: String = "resize 100x100") -> FailureReason? {
    do {
      _ = try process(source, name)
      return nil
    } catch let error as ImagingError {
      return error.reason
    } catch {
      return .processingFailed
    }
  }

  @Test func truncatedJpeg() {
    #expect(reason("truncated.jpg") == .truncated)
    #expect(reason("truncated.jpg", "compress png") == .truncated)
  }

  @Test func emptyAndTextFilesAreNotImages() {
    #expect(reason("empty.jpg") == .notAnImage)
    #expect(reason("not-an-image.jpg") == .notAnImage)
  }

  @Test func untrustedLoadersAreBlocked() {
    #expect(reason("photo.svg") == .blockedFormat)
    #expect(reason("document.pdf") == .blockedFormat)
  }
}
