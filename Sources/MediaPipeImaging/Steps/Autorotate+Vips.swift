import MediaPipeCore

extension Autorotate: ImagingStep {
  /// Turning reads rows out of order.
  public var streams: Bool { false }

  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    try image.autorotated()
  }
}
