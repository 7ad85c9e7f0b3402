import MediaPipeCore

extension Flip: ImagingStep {
  /// Upside down: the first row out is the last row in.
  public var streams: Bool { false }

  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    try image.flipped(vertical: true)
  }
}
