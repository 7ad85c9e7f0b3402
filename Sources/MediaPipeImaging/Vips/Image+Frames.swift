import CVips
import CVipsShims

/// Animated images: libvips holds an animation's frames stacked top to bottom,
/// each `page-height` rows tall, with the frames' `delay` (ms) and `loop`.
extension Image {
  /// How many frames (pages) the file holds, from its header; 1 when it does not say.
  public var pageCount: Int { max(1, int("n-pages") ?? 1) }

  /// The height of one frame: `page-height` when it divides the image, else the height.
  public var pageHeight: Int {
    guard let pageHeight = int("page-height"), pageHeight > 0, height % pageHeight == 0 else { return height }
    return pageHeight
  }

  /// Each frame's delay in milliseconds, if the file gives them.
  public var delays: [Int]? {
    guard has("delay") else { return nil }
    var values: UnsafeMutablePointer<Int32>?
    var n: Int32 = 0
    guard vips_image_get_array_int(pointer, "delay", &values, &n) == 0, let values else {
      vips_error_clear()
      return nil
    }
    return (0..<Int(n)).map { Int(values[$0]) }
  }

  /// How often the animation plays (0: for ever), if the file says.
  public var loop: Int? { int("loop") }

  /// An int field.
  func int(_ field: String) -> Int? {
    guard has(field) else { return nil }
    var value: Int32 = 0
    guard vips_image_get_int(pointer, field, &value) == 0 else {
      vips_error_clear()
      return nil
    }
    return Int(value)
  }

  /// Every frame of an animated GIF or WebP, stacked, for random access.
  /// - Parameter scale: WebP only: each frame decoded scaled by libwebp (1: full size).
  static func frames(_ path: String, scale: Double, failOnError: Bool = true) throws -> Image {
    try call("load") { cvips_load_frames(path, $0, scale, failOnError ? 1 : 0) }
  }

  /// The stacked frames as separate images, without the stack's page fields.
  func splitFrames() throws -> [Image] {
    let frameHeight = pageHeight
    return try stride(from: 0, to: height, by: frameHeight).map { top in
      let frame = try extractArea(x: 0, y: top, width: width, height: frameHeight).copy()
      frame.remove("page-height")
      frame.remove("n-pages")
      return frame
    }
  }

  /// Frames of one size stacked into an animation, with `delays` and `loop`.
  /// - Throws: `ImagingError` when the frames do not all have the first one's size.
  static func joined(frames: [Image], delays: [Int]?, loop: Int?) throws -> Image {
    guard let first = frames.first else {
      throw ImagingError(operation: "arrayjoin", detail: "no frames", reason: .processingFailed)
    }
    guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height && $0.bands == first.bands })
    else {
      throw ImagingError(
        operation: "arrayjoin", detail: "the frames came out in different sizes", reason: .processingFailed)
    }
    let stacked =
      frames.count == 1
      ? try first.copy()
      : try call("arrayjoin") { out in
        var pointers: [UnsafeMutablePointer<VipsImage>?] = frames.map(\.pointer)
        return cvips_join_frames(&pointers, Int32(frames.count), out)
      }
    vips_image_set_int(stacked.pointer, "page-height", Int32(first.height))
    vips_image_set_int(stacked.pointer, "n-pages", Int32(frames.count))
    if let delays {
      // One delay per frame: a short list repeats its last value (100 ms without one).
      var values = (0..<frames.count).map { Int32($0 < delays.count ? delays[$0] : delays.last ?? 100) }
      vips_image_set_array_int(stacked.pointer, "delay", &values, Int32(values.count))
    }
    if let loop { vips_image_set_int(stacked.pointer, "loop", Int32(loop)) }
    return stacked
  }

  /// Where the last smart crop cut this image from: libvips's extract records
  /// the cut's top-left corner as a negative offset.
  var cutOrigin: (x: Int, y: Int) {
    (-Int(vips_image_get_xoffset(pointer)), -Int(vips_image_get_yoffset(pointer)))
  }
}

/// Choices a step makes from an image's content (a trim's box, a smart crop's
/// window), made on an animation's first frame and repeated on every other,
/// so that all frames are cut alike and the animation does not jump.
///
/// A step asks through `decide` in the order it runs; the same steps run in
/// the same order on every frame, so the n-th question of each frame gets the
/// first frame's n-th answer.
final class FrameDecisions {
  private var made: [[Int]] = []
  private var next = 0

  /// Starts the next frame: from now on, answers are repeated.
  func nextFrame() { next = 0 }

  /// The first frame's answer to this question, or `make`'s on the first frame.
  func decide(_ make: () throws -> [Int]) rethrows -> [Int] {
    defer { next += 1 }
    if next < made.count { return made[next] }
    let value = try make()
    made.append(value)
    return value
  }
}
