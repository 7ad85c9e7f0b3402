/// The sizes a `resize` produces for a given input size: pure arithmetic, so
/// it can be planned before decoding (shrink-on-load) and tested without images.
public struct ResizeGeometry: Sendable, Hashable {
  /// The size the image is scaled to.
  public var scaledWidth: Int
  public var scaledHeight: Int
  /// For `cover`: the box cut out of the scaled image.
  public var cropWidth: Int?
  public var cropHeight: Int?
  /// For `contain`: the canvas the scaled image is placed on.
  public var canvasWidth: Int?
  public var canvasHeight: Int?

  /// The size of the result.
  public var outputWidth: Int { canvasWidth ?? cropWidth ?? scaledWidth }
  public var outputHeight: Int { canvasHeight ?? cropHeight ?? scaledHeight }

  /// Whether the scaling changes nothing.
  public func isIdentity(width: Int, height: Int) -> Bool {
    scaledWidth == width && scaledHeight == height
  }

  /// Never traps: sizes below 1 are taken as 1, and every result is at least
  /// 1 and at most `Int`'s range (parsed pipelines stay far inside it).
  public init(_ resize: Resize, width: Int, height: Int) {
    let width = max(1, width), height = max(1, height)
    let w = Double(width), h = Double(height)
    var sx: Double, sy: Double
    var boxW: Int?, boxH: Int?
    if let scale = resize.scale {
      sx = scale / 100
      sy = sx
    } else {
      boxW = resize.width?.pixels(of: width)
      boxH = resize.height?.pixels(of: height)
      switch (boxW, boxH) {
      case (let bw?, let bh?):
        let rx = Double(bw) / w, ry = Double(bh) / h
        switch resize.fit {
        case .inside, .contain:
          sx = min(rx, ry)
          sy = sx
        case .cover, .outside:
          sx = max(rx, ry)
          sy = sx
        case .fill:
          sx = rx
          sy = ry
        }
      case (let bw?, nil):
        sx = Double(bw) / w
        sy = sx
      case (nil, let bh?):
        sx = Double(bh) / h
        sy = sx
      case (nil, nil):
        sx = 1
        sy = 1
      }
    }
    if !resize.enlarge {
      sx = min(sx, 1)
      sy = min(sy, 1)
    }
    func scaled(_ side: Double, _ s: Double, box: Int?) -> Int {
      let v = clampedInt((side * s).rounded())
      // Land exactly on the box side when rounding would miss it by a pixel.
      if let box, abs(side * s - Double(box)) < 1 { return max(1, box) }
      return max(1, v)
    }
    scaledWidth = scaled(w, sx, box: boxW)
    scaledHeight = scaled(h, sy, box: boxH)
    if resize.scale == nil, let bw = boxW, let bh = boxH {
      // Without enlarging, an image smaller than the box keeps the box's shape
      // at a smaller size: a 300x200 photo covering 400x400 gives 200x200.
      switch resize.fit {
      case .cover:
        let k = min(1, Double(scaledWidth) / Double(bw), Double(scaledHeight) / Double(bh))
        cropWidth = min(scaledWidth, max(1, clampedInt((Double(bw) * k).rounded())))
        cropHeight = min(scaledHeight, max(1, clampedInt((Double(bh) * k).rounded())))
      case .contain:
        let k = min(1, max(Double(scaledWidth) / Double(bw), Double(scaledHeight) / Double(bh)))
        canvasWidth = max(scaledWidth, clampedInt((Double(bw) * k).rounded()))
        canvasHeight = max(scaledHeight, clampedInt((Double(bh) * k).rounded()))
      default: break
      }
    }
  }
}
