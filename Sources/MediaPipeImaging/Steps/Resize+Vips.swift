import CVips
import MediaPipeCore

extension Resize: ImagingStep {
  /// Scaling reads top to bottom; a smart crop (`gravity=attention`) analyses
  /// the whole image first. `fit=cover` ends with a crop (`finish`): only one
  /// anchored at the bottom is sure to read down to the last row, as the reference
  /// route does, so that damage below the crop is found on both routes.
  public var streams: Bool {
    guard case .anchor(let anchor) = gravity else { return false }
    return fit != .cover || [.south, .southEast, .southWest].contains(anchor)
  }

  /// Applies the resize to an image already loaded. (The first resize of a
  /// pipeline is usually fused into the decode instead: see `ImageProcessor`.)
  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    let geometry = ResizeGeometry(self, width: image.width, height: image.height)
    let scaled = try image.resized(width: geometry.scaledWidth, height: geometry.scaledHeight, route: context.route)
    return try finish(scaled, geometry: geometry, context: context)
  }

  /// The part of a resize after scaling: the crop of `cover`, the padding of `contain`.
  /// A smart crop of an animation's frames cuts each where the first was (`context.frames`).
  func finish(_ scaled: Image, geometry: ResizeGeometry, context: ImagingContext? = nil) throws -> Image {
    var image = scaled
    if let cw = geometry.cropWidth, let ch = geometry.cropHeight, cw < image.width || ch < image.height {
      switch gravity {
      case .attention, .entropy:
        image = try image.smartCrop(width: cw, height: ch, attention: gravity == .attention, frames: context?.frames)
      case .anchor(let anchor):
        let (x, y) = anchor.offset(size: (cw, ch), frame: (image.width, image.height))
        image = try image.extractArea(x: x, y: y, width: cw, height: ch)
      }
    }
    if let w = geometry.canvasWidth, let h = geometry.canvasHeight {
      let anchor: Anchor
      if case .anchor(let a) = gravity { anchor = a } else { anchor = .centre }
      image = try image.onCanvas(width: w, height: h, anchor: anchor, background: background)
    }
    return image
  }
}
