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
