import MediaPipeCore

extension Blur: ImagingStep {
  /// A convolution: each output row needs the rows within a few sigma of it,
  /// read as they come (a sequential decode keeps them; measured with sigma 100).
  public var streams: Bool { true }

  /// libvips's `gaussblur`, at its default integer precision, as sharp and
  /// imgproxy use it: flat areas may come out a level or two (up to 1 %) off,
  /// an artefact of libvips's vectorised integer convolution, for a fifth of
  /// the time a float convolution takes. With alpha, the colours are
  /// premultiplied first (sharp does the same), so that transparent pixels'
  /// colours do not bleed into the visible ones; that blur is in float.
  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    try image.premultiplied { try $0.calling("gaussblur", ["sigma": .double(sigma)]) }
  }
}
