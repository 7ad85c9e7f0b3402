import CVips
import CVipsShims
import Foundation
import Testing

@testable import MediaPipeImaging

/// Animated GIFs through the built binary: the --verbose note for a still
/// output, frames kept for an animated one, and --max-frames.
@Suite struct AnimationRunTests {
  /// A folder with `in/anim.gif` (three 64x48 frames of photo.jpg) and `p.pipeline`.
  func animatedWorkspace() throws -> String {
    let folder = try workspace(copyFixtures: false)
    try VipsRuntime.start()
    let photo = repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path
    let frame = try Image.thumbnail(photo, width: 64, height: 48, autorotate: true)
    let stack = try Image.joined(frames: [frame, frame, frame], delays: [50, 60, 70], loop: 0)
    try Image.check("gifsave", cvips_save_with_options(stack.pointer, folder + "/in/anim.gif"))
    try "resize 32x32\nvariant still\n  compress jpeg\nvariant moving\n  compress gif\n".write(
      toFile: folder + "/p.pipeline", atomically: true, encoding: .utf8)
    return folder
  }

  @Test func aStillOutputIsNotedWithVerboseOnly() throws {
    let folder = try animatedWorkspace()
    let quiet = try mediapipe(["run", "p.pipeline", "in"], in: folder)
    #expect(quiet.status == 0, "\(quiet.stderr)")
    #expect(!quiet.stderr.contains("frames was written"))
    let verbose = try mediapipe(["run", "--force", "--verbose", "p.pipeline", "in"], in: folder)
    #expect(verbose.status == 0)
    #expect(verbose.stderr.contains("the first of 3 frames was written (JPEG does not animate)"), "\(verbose.stderr)")
    let moving = try Image.open(folder + "/in/processed_anim_moving.gif", sequential: false)
    #expect(moving.pageCount == 3 && moving.delays == [50, 60, 70])
    let still = try Image.open(folder + "/in/processed_anim_still.jpg", sequential: false)
    #expect((still.width, still.height) == (32, 24))
  }

  @Test func tooManyFramesIsRefusedWithTheFlagToRaise() throws {
    let folder = try animatedWorkspace()
    let result = try mediapipe(["run", "--max-frames", "2", "p.pipeline", "in"], in: folder)
    #expect(result.status == 1)
    #expect(
      result.stderr.contains("failed: in/anim.gif: too many frames (3 frames; the limit is 2 (--max-frames))"),
      "\(result.stderr)")
  }
}
