import CVips
import CVipsShims

/// The libvips operations the steps use, each a thin checked wrapper.
extension Image {
  // MARK: Loading

  /// Opens a file lazily (only the header is read until pixels are needed).
  /// - Parameters:
  ///   - sequential: stream top to bottom (one pass, little memory).
  ///   - failOnError: treat truncated or corrupt data as an error.
  public static func open(_ path: String, sequential: Bool, failOnError: Bool = true) throws -> Image {
    guard let image = cvips_load(path, sequential ? 1 : 0, failOnError ? 1 : 0) else {
      throw ImagingError(operation: "load", detail: ImagingError.takeBuffer())
    }
    return Image(owning: image)
  }

  /// Loads and resizes to exactly `width` x `height` in one go, using the
  /// format's shrink-on-load (JPEG DCT scaling, WebP scaling) where it can.
  public static func thumbnail(
    _ path: String, width: Int, height: Int, autorotate: Bool, failOnError: Bool = true
  ) throws -> Image {
    try call("thumbnail") {
      cvips_thumbnail(
        path, $0, Int32(width), Int32(height), Int32(VIPS_SIZE_FORCE.rawValue), autorotate ? 0 : 1, failOnError ? 1 : 0)
    }
  }

  /// Loads a JPEG decoded at 1/`shrink` of its size by libjpeg (DCT scaling).
  public static func jpeg(_ path: String, shrink: Int, sequential: Bool, failOnError: Bool = true) throws -> Image {
    guard let image = cvips_jpegload_shrunk(path, Int32(shrink), sequential ? 1 : 0, failOnError ? 1 : 0) else {
      throw ImagingError(operation: "jpegload", detail: ImagingError.takeBuffer())
    }
    return Image(owning: image)
  }

  /// A progressive JPEG decoded at 1/8 from its DC scans alone: the same pixels
  /// as `jpeg(path, shrink: 8, ...)` for a fraction of the work, carrying
  /// `header`'s metadata. Nil when the file does not allow it (not progressive,
  /// CMYK, damaged, ...): load it with `jpeg(_:shrink:sequential:)` then.
  public static func jpegEighthFromDC(_ path: String, header: Image) -> Image? {
    var out: UnsafeMutablePointer<VipsImage>?
    guard cvips_jpegload_dc_eighth(path, header.pointer, &out) == 0, let out else {
      _ = ImagingError.takeBuffer()  // the fallback's own errors must not read as this one's
      return nil
    }
    return Image(owning: out)
  }

  /// Resizes an image already loaded to exactly `width` x `height` (lanczos3).
  ///
  /// Opaque 8-bit downsizes take `cvips_resize_transposed` (both passes through
  /// libvips's vectorised vertical reducer, lanczos3 over the whole reduction);
  /// other opaque images `vips_resize`; images with alpha `thumbnail_image`,
  /// which premultiplies so that transparent edges keep their colour.
  /// (`thumbnail_image` on an opaque image does the same resize with more
  /// bookkeeping: measured ~6 ms more per 4-megapixel photo.)
  /// `route: .reference` never takes the transposed resize.
  public func resized(width: Int, height: Int, route: ImagingRoute) throws -> Image {
    if width == self.width && height == self.height { return self }
    if hasAlpha && isSixteenBit {
      // thumbnail_image would bring it down to 8-bit sRGB: premultiply here instead.
      return try premultiplied {
        try $0.scaled(
          width: width, height: height, hscale: Double(width) / Double(self.width),
          vscale: Double(height) / Double(self.height), route: route)
      }
    }
    if hasAlpha {
      return try Image.call("thumbnail_image") {
        cvips_thumbnail_image(pointer, $0, Int32(width), Int32(height), Int32(VIPS_SIZE_FORCE.rawValue), 1)
      }
    }
    return try scaled(
      width: width, height: height, hscale: Double(width) / Double(self.width),
      vscale: Double(height) / Double(self.height), route: route)
  }

  /// Resizes a JPEG that libjpeg decoded at 1/`shrink` of `stored` to exactly
  /// `width` x `height`.
  ///
  /// A side that is not a multiple of `shrink` decodes to a fraction of a pixel
  /// (1700 / 8 = 212.5): libjpeg decodes the last partial block as a whole row
  /// (the encoder padded it with copies of the edge), libvips 8.14 drops it.
  /// libvips's reducers map the decode's pixel centres onto the output's over
  /// whole pixels, so the decode is cut or edge-extended to the whole size
  /// nearest the true one: the picture then lands within a quarter of a decoded
  /// pixel of where libvips's centre convention puts it (measured 0.26-0.39 px
  /// of a 300-px thumbnail before, when the decode kept whatever size it had).
  public func resized(width: Int, height: Int, shrunkFrom stored: (width: Int, height: Int), by shrink: Int) throws
    -> Image
  {
    let nearestWidth = max(1, Int((Double(stored.width) / Double(shrink)).rounded()))
    let nearestHeight = max(1, Int((Double(stored.height) / Double(shrink)).rounded()))
    var source = self
    if source.width < nearestWidth || source.height < nearestHeight {
      source = try Image.call("embed") {
        cvips_embed_copy(
          pointer, $0, 0, 0, Int32(max(nearestWidth, self.width)), Int32(max(nearestHeight, self.height)))
      }
    }
    source = try source.extractArea(x: 0, y: 0, width: nearestWidth, height: nearestHeight)
    return try source.resized(width: width, height: height, route: .fast)
  }

  /// Resizes by `hscale` x `vscale` and cuts or refits to exactly `width` x `height`.
  private func scaled(width: Int, height: Int, hscale: Double, vscale: Double, route: ImagingRoute) throws -> Image {
    let resized = try Image.call("resize") {
      route == .fast && transposable(hscale: hscale, vscale: vscale)
        ? cvips_resize_transposed(pointer, $0, hscale, vscale) : cvips_resize(pointer, $0, hscale, vscale, 2)
    }
    // vips_resize rounds its output size; land exactly on the size asked for.
    if resized.width == width && resized.height == height { return resized }
    if resized.width >= width && resized.height >= height {
      return try resized.extractArea(x: 0, y: 0, width: width, height: height)
    }
    if bandFormat != VIPS_FORMAT_UCHAR {
      // A pixel short (thumbnail_image would make it 8-bit sRGB): the edge repeated.
      let wide = try Image.call("embed") {
        cvips_embed_copy(
          resized.pointer, $0, 0, 0, Int32(max(width, resized.width)), Int32(max(height, resized.height)))
      }
      return try wide.extractArea(x: 0, y: 0, width: width, height: height)
    }
    return try Image.call("thumbnail_image") {
      cvips_thumbnail_image(pointer, $0, Int32(width), Int32(height), Int32(VIPS_SIZE_FORCE.rawValue), 1)
    }
  }

  /// Whether a downsize is quicker with the image transposed between its two
  /// passes: libvips 8.14 reduces rows with vector code but columns with a scalar
  /// loop, which makes the horizontal pass ~5x slower on 8-bit images.
  private func transposable(hscale: Double, vscale: Double) -> Bool {
    bandFormat == VIPS_FORMAT_UCHAR && hscale < 1 && vscale <= 1
  }

  /// The pixels computed into memory, so several variants can read them.
  public func materialized() throws -> Image {
    guard let copy = vips_image_copy_memory(pointer) else {
      throw ImagingError(operation: "copy_memory", detail: ImagingError.takeBuffer())
    }
    return Image(owning: copy)
  }

  /// A new image sharing these pixels whose metadata may be changed freely.
  func copy() throws -> Image {
    try Image.call("copy") { cvips_copy(pointer, $0) }
  }

  // MARK: Geometry

  public func autorotated() throws -> Image {
    try Image.call("autorot") { cvips_autorot(pointer, $0) }
  }

  public func extractArea(x: Int, y: Int, width: Int, height: Int) throws -> Image {
    if x == 0 && y == 0 && width == self.width && height == self.height { return self }
    return try Image.call("extract_area") {
      cvips_extract_area(pointer, $0, Int32(x), Int32(y), Int32(width), Int32(height))
    }
  }

  /// libvips smart crop to `width` x `height`. It analyses the whole image
  /// before cutting, so the input is computed into memory first (a streamed,
  /// sequential image cannot be read twice).
  /// On an animation's frames, each is cut where the first frame was (`frames`).
  func smartCrop(width: Int, height: Int, attention: Bool, frames: FrameDecisions?) throws -> Image {
    guard let frames else { return try smartCrop(width: width, height: height, attention: attention) }
    var cut: Image?
    let origin = try frames.decide {
      let first = try smartCrop(width: width, height: height, attention: attention)
      cut = first
      return [first.cutOrigin.x, first.cutOrigin.y]
    }
    if let cut { return cut }
    return try extractArea(
      x: max(0, min(origin[0], self.width - width)), y: max(0, min(origin[1], self.height - height)), width: width,
      height: height)
  }

  public func smartCrop(width: Int, height: Int, attention: Bool) throws -> Image {
    let source = try materialized()
    let interesting = attention ? VIPS_INTERESTING_ATTENTION : VIPS_INTERESTING_ENTROPY
    return try Image.call("smartcrop") {
      cvips_smartcrop(source.pointer, $0, Int32(width), Int32(height), Int32(interesting.rawValue))
    }
  }

  /// Turns the image clockwise by a multiple of 90 degrees.
  public func rotated(degrees: Int) throws -> Image {
    let angle: VipsAngle
    switch degrees {
    case 90: angle = VIPS_ANGLE_D90
    case 180: angle = VIPS_ANGLE_D180
    case 270: angle = VIPS_ANGLE_D270
    default: return self
    }
    return try Image.call("rot") { cvips_rot(pointer, $0, Int32(angle.rawValue)) }
  }

  /// `vertical` turns it upside down; otherwise mirrors it left to right.
  public func flipped(vertical: Bool) throws -> Image {
    let direction = vertical ? VIPS_DIRECTION_VERTICAL : VIPS_DIRECTION_HORIZONTAL
    return try Image.call("flip") { cvips_flip(pointer, $0, Int32(direction.rawValue)) }
  }

  /// Places the image at (x, y) on a canvas filled with `background` values.
  public func embedded(x: Int, y: Int, width: Int, height: Int, background: [Double]) throws -> Image {
    try Image.call("embed") {
      cvips_embed(pointer, $0, Int32(x), Int32(y), Int32(width), Int32(height), background, Int32(background.count))
    }
  }

  func replicated(across: Int, down: Int) throws -> Image {
    try Image.call("replicate") { cvips_replicate(pointer, $0, Int32(across), Int32(down)) }
  }

  // MARK: Pixels

  /// Renders Pango markup as an sRGB + alpha image.
  static func text(markup: String, font: String) throws -> Image {
    try call("text") { cvips_text_rgba($0, markup, font, nil) }
  }

  /// `overlay` drawn over this image (same size).
  func composited(under overlay: Image) throws -> Image {
    try Image.call("composite2") { cvips_composite_over(pointer, overlay.pointer, $0) }
  }

  func inserting(_ sub: Image, x: Int, y: Int) throws -> Image {
    try Image.call("insert") { cvips_insert(pointer, sub.pointer, $0, Int32(x), Int32(y)) }
  }

  /// Each band multiplied by `a` plus `b`, back in 8 bits.
  func linear(_ a: [Double], _ b: [Double]) throws -> Image {
    try Image.call("linear") { cvips_linear_uchar(pointer, $0, a, b, Int32(a.count)) }
  }

  func appendingBands(_ constants: [Double]) throws -> Image {
    try Image.call("bandjoin_const") { cvips_bandjoin_const(pointer, $0, constants, Int32(constants.count)) }
  }

  public func extractBands(_ first: Int, count: Int) throws -> Image {
    try Image.call("extract_band") { cvips_extract_band(pointer, $0, Int32(first), Int32(count)) }
  }

  /// Alpha removed by blending onto `background`.
  public func flattened(onto background: [Double]) throws -> Image {
    try Image.call("flatten") { cvips_flatten(pointer, $0, background, Int32(background.count)) }
  }

  /// `filter` run on the colours premultiplied by alpha, then divided back and
  /// rounded to this image's band format; without alpha, `filter` on the image.
  /// A filter that mixes neighbouring pixels (blur, sharpen) then never lets the
  /// colour hidden under transparent pixels into the visible ones (sharp does the same).
  func premultiplied(_ filter: (Image) throws -> Image) throws -> Image {
    guard hasAlpha else { return try filter(self) }
    let format = bandFormat
    let filtered = try filter(try calling("premultiply")).calling("unpremultiply")
    // vips_cast truncates: add a half first, so that it rounds.
    return try filtered.calling("linear", ["a": .doubles([1]), "b": .doubles([0.5])]).cast(format)
  }

  func cast(_ format: VipsBandFormat) throws -> Image {
    try Image.call("cast") { cvips_cast(pointer, $0, Int32(format.rawValue)) }
  }

  func colourspace(_ interpretation: VipsInterpretation) throws -> Image {
    try Image.call("colourspace") { cvips_colourspace(pointer, $0, Int32(interpretation.rawValue)) }
  }

  /// Converted to sRGB with the embedded profile, or `fallbackProfile` when it has none.
  func iccToSRGB(fallbackProfile: String?) throws -> Image {
    try Image.call("icc_transform") { cvips_icc_to_srgb(pointer, $0, fallbackProfile) }
  }
}
