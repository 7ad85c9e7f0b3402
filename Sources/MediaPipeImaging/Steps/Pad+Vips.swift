import MediaPipeCore

extension Pad: ImagingStep {
  /// The canvas is written row by row and the image's rows come in order,
  /// whatever the gravity: rows of background only, then rows holding the
  /// image, then background again. Every row of the image is read.
  public var streams: Bool { true }

  /// Places the image on its canvas (the same rules as `resize fit=contain`:
  /// a CMYK image becomes sRGB, a background with transparency adds alpha).
  /// - Throws: `ImagingError` when the canvas would be larger than
  ///   `PipelineLimits.maxSide` on a side the image itself is not.
  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    let (width, height) = canvas(width: image.width, height: image.height)
    let limit = PipelineLimits.maxSide
    if width > max(limit, image.width) || height > max(limit, image.height) {
      throw ImagingError(
        operation: "pad",
        detail:
          "a \(width)x\(height) canvas for the \(image.width)x\(image.height) image is larger than \(limit) pixels on a side",
        reason: .processingFailed)
    }
    return try image.onCanvas(width: width, height: height, anchor: gravity, background: background)
  }
}
