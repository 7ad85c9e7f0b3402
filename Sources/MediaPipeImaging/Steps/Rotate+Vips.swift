import MediaPipeCore

extension Rotate: ImagingStep {
  /// Turning reads rows out of order (a quarter turn reads columns; a half turn from the bottom).
  public var streams: Bool { false }

  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    try image.rotated(degrees: rawValue)
  }
}
