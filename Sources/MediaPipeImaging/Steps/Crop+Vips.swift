import MediaPipeCore

extension Crop: ImagingStep {
  /// A crop reads only down to its last row: a streamed decode would never
  /// reach damage below it, and the file would pass here and fail on the
  /// reference route (which decodes it whole). Smart crops analyse the whole image.
  public var streams: Bool { false }

  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    switch self {
    case .box(let width, let height, let gravity):
      let w = min(width, image.width), h = min(height, image.height)
      switch gravity {
      case .attention, .entropy:
        return try image.smartCrop(width: w, height: h, attention: gravity == .attention, frames: context.frames)
      case .anchor(let anchor):
        let (x, y) = anchor.offset(size: (w, h), frame: (image.width, image.height))
        return try image.extractArea(x: x, y: y, width: w, height: h)
      }
    case .rect(let x, let y, let width, let height):
      let w = min(width, image.width - x), h = min(height, image.height - y)
      guard x < image.width, y < image.height, w > 0, h > 0 else {
        throw ImagingError(
          operation: "crop",
          detail: "the crop \(x),\(y),\(width),\(height) lies outside the \(image.width)x\(image.height) image",
          reason: .processingFailed)
      }
      return try image.extractArea(x: x, y: y, width: w, height: h)
    }
  }
}
