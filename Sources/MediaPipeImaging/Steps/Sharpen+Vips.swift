import MediaPipeCore

extension Sharpen: ImagingStep {
  /// A small convolution: each output row needs a few rows around it, read as they come.
  public var streams: Bool { true }

  /// libvips's `sharpen`: it works on L* and returns the image in its own
  /// colour space, band format and alpha (sRGB, 16-bit, grey, CMYK alike).
  /// With alpha, on premultiplied colours (as blur): what is hidden under
  /// transparent pixels does not change the visible ones.
  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    try image.premultiplied {
      try $0.calling("sharpen", ["sigma": .double(sigma), "m1": .double(flat), "m2": .double(jagged)])
    }
  }
}
