import MediaPipeCore

extension Trim: ImagingStep {
  /// Trimming must see every row before it knows the first one to keep, so it
  /// computes its input into memory; that single pass reads from top to bottom,
  /// which a streamed decode serves (and it saves the copy the decode would
  /// otherwise make first). Damage anywhere in the file is read, as on the
  /// reference route.
  public var streams: Bool { true }

  /// The box is found on an 8-bit sRGB view of the image (so `threshold` and
  /// `background` mean the same for CMYK, grey or 16-bit input) and cut from
  /// the image itself.
  public func apply(to image: Image, context: ImagingContext) throws -> Image {
    // find_trim's 3x3 median needs three pixels each way; a thinner image has
    // no border to speak of and is left as it is (sharp refuses it instead).
    guard image.width >= 3, image.height >= 3 else { return image }
    let source = try image.materialized()
    let view = try source.srgb8()
    let colour = try background.map { view.values(for: $0) } ?? view.pixel(x: 0, y: 0)
    // An animation's frames are all cut to the first frame's box (`FrameDecisions`).
    let find = {
      try view.measuring(
        "find_trim", ["threshold": .double(threshold), "background": .doubles(Array(colour.prefix(3)))],
        outputs: ["left", "top", "width", "height"])
    }
    let box = try context.frames?.decide(find) ?? find()
    // All background: nothing would remain, so nothing is cut.
    guard box[2] > 0, box[3] > 0 else { return source }
    return try source.extractArea(x: box[0], y: box[1], width: box[2], height: box[3])
  }
}
