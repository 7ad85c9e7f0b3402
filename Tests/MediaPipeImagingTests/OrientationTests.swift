import Testing

@testable import MediaPipeImaging

/// Every EXIF orientation comes out upright: red square top-left, blue bottom-right.
@Suite struct OrientationTests {
  @Test(arguments: 1...8)
  func appliedByDefault(orientation: Int) throws {
    let image = try single("resize 300x300", "orient-\(orientation).jpg")
    #expect((image.width, image.height) == (300, 200))
    #expect(close(try image.rgb(10, 10), [255, 0, 0], tolerance: 30))
    #expect(close(try image.rgb(290, 190), [0, 0, 255], tolerance: 30))
    #expect(close(try image.rgb(290, 10), [255, 255, 255], tolerance: 30))
  }

  @Test(arguments: 1...8)
  func appliedWithoutAResize(orientation: Int) throws {
    let image = try single("compress png", "orient-\(orientation).jpg")
    #expect((image.width, image.height) == (300, 200))
    #expect(close(try image.rgb(10, 10), [255, 0, 0], tolerance: 30))
  }

  /// Small targets decode the JPEG at 1/8 (libjpeg scaling), resize in the stored
  /// frame, then turn upright: the corners must still be right.
  @Test(arguments: 1...8)
  func appliedWhenDecodingScaledDown(orientation: Int) throws {
    let image = try single("resize 36x36", "orient-\(orientation).jpg")
    #expect((image.width, image.height) == (36, 24))
    #expect(close(try image.rgb(2, 2), [255, 0, 0], tolerance: 60))
    #expect(close(try image.rgb(33, 21), [0, 0, 255], tolerance: 60))
  }

  @Test func keepLeavesTheStoredPixels() throws {
    let image = try single("orientation keep\nresize 300x300", "orient-6.jpg")
    #expect((image.width, image.height) == (200, 300))
  }

  @Test func autorotateStepAfterKeep() throws {
    let image = try single("orientation keep\nautorotate\nresize 300x300", "orient-6.jpg")
    #expect((image.width, image.height) == (300, 200))
    #expect(close(try image.rgb(10, 10), [255, 0, 0], tolerance: 30))
  }
}
