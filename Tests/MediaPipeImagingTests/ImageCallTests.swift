import Testing

@testable import MediaPipeImaging

/// Any libvips operation by name, through the one generic shim.
@Suite(.serialized) struct ImageCallTests {
  /// Black left half, white right half.
  func halves() throws -> Image {
    try generatedImage(width: 40, height: 20) { x, _ in x < 20 ? [0, 0, 0] : [255, 255, 255] }
  }

  @Test func anOperationWithOptionsReturnsItsImage() throws {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let blurred = try halves().calling("gaussblur", ["sigma": .double(2)])
    #expect((blurred.width, blurred.height, blurred.bands) == (40, 20, 3))
    // The edge is softened on both sides; far from it nothing changes.
    #expect(try blurred.rgb(19, 10)[0] > 40 && blurred.rgb(20, 10)[0] < 215)
    #expect(try blurred.rgb(2, 10) == [0, 0, 0] && blurred.rgb(37, 10) == [255, 255, 255])
  }

  @Test func aMeasuringOperationReturnsItsIntOutputs() throws {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let box = try halves().measuring(
      "find_trim", ["threshold": .double(10), "background": .doubles([0, 0, 0])],
      outputs: ["left", "top", "width", "height"])
    #expect(box == [20, 0, 20, 20])
  }

  @Test func failuresNameTheOperation() throws {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let image = try halves()
    for (operation, call) in [
      ("no_such_operation", { _ = try image.calling("no_such_operation") }),
      ("gaussblur", { _ = try image.calling("gaussblur") }),  // sigma is required
      ("gaussblur", { _ = try image.calling("gaussblur", ["sigma": .double(2), "nonsense": .int(1)]) }),
      ("gaussblur", { _ = try image.calling("gaussblur", ["sigma": .double(.infinity)]) }),
      ("find_trim", { _ = try image.measuring("find_trim", outputs: ["nonsense"]) }),
    ] as [(String, () throws -> Void)] {
      do {
        try call()
        Issue.record("\(operation) did not fail")
      } catch let error as ImagingError {
        #expect(error.operation == operation, "\(error)")
        #expect(!error.detail.isEmpty)
      }
    }
  }
}
