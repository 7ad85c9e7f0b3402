import MediaPipeCore

extension Flop: ImagingStep {
  /// Mirroring reads each row as it comes.
  public var streams: Bool { true }

  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    try image.flipped(vertical: false)
  }
}
