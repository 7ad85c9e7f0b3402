import Testing

@testable import MediaPipeImaging

@Suite struct GeometryStepTests {
  @Test func cropBoxWithGravity() throws {
    let image = try single("crop 60x60 gravity=top-left", "orient-1.jpg")
    #expect((image.width, image.height) == (60, 60))
    #expect(close(try image.rgb(30, 30), [255, 0, 0], tolerance: 30))
    let corner = try single("crop 50x50 gravity=bottom-right", "orient-1.jpg")
    #expect(close(try corner.rgb(25, 25), [0, 0, 255], tolerance: 30))
  }

  @Test func cropRectangleIsClippedToTheImage() throws {
    let image = try single("crop 250,150,100,100", "orient-1.jpg")
    #expect((image.width, image.height) == (50, 50))
    #expect(close(try image.rgb(45, 45), [0, 0, 255], tolerance: 30))
  }

  @Test func cropOutsideTheImageFails() throws {
    #expect(throws: ImagingError.self) { try single("crop 400,400,10,10", "orient-1.jpg") }
  }

  @Test func rotateTurnsClockwise() throws {
    let image = try single("rotate 90", "orient-1.jpg")
    #expect((image.width, image.height) == (200, 300))
    // Red was top-left; a quarter turn clockwise puts it top-right.
    #expect(close(try image.rgb(190, 10), [255, 0, 0], tolerance: 30))
  }

  @Test func flipAndFlop() throws {
    let flipped = try single("flip", "orient-1.jpg")
    #expect(close(try flipped.rgb(10, 190), [255, 0, 0], tolerance: 30))
    let flopped = try single("flop", "orient-1.jpg")
    #expect(close(try flopped.rgb(290, 10), [255, 0, 0], tolerance: 30))
  }
}
