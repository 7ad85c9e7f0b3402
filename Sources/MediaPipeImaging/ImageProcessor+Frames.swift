import MediaPipeCore

/// Animated GIF and WebP: every frame through the same steps.
///
/// libvips loads the frames stacked top to bottom (`n=-1`). They are split,
/// and each runs through the load's resize, the shared steps and each
/// variant's steps as a still image would, so every step (a stamp, a pad, a
/// turn) is right per frame and no resize kernel reaches across a frame's
/// edge. Choices a step makes from the content (a trim's box, a smart crop's
/// window) are made on the first frame and repeated on the others
/// (`FrameDecisions`): the frames stay one size and the picture does not jump.
/// A variant whose output cannot animate (or that says `animation first`)
/// writes the first frame.
extension ImageProcessor {
  func processFrames(_ input: Input, header: Image, inputFormat: ImageFormat, writer: FileWriter) throws -> [Output] {
    let pages = header.pageCount
    if pages > maxFrames {
      throw ImagingError(
        operation: "limits", detail: "\(pages) frames; the limit is \(maxFrames)", reason: .tooManyFrames,
        remedy: .raiseLimit(.frames(maxFrames)))
    }
    // Every frame is decoded: all their pixels count (as imgproxy counts them).
    let pixels = header.width * header.height * pages
    if pixels > maxPixels {
      throw ImagingError(
        operation: "limits",
        detail: "\(pages) frames of \(header.width)x\(header.height) are \(Self.overLimit(pixels, maxPixels))",
        reason: .tooManyPixels, remedy: .raiseLimit(.pixels(maxPixels)))
    }
    let plan = LoadPlan(pipeline: pipeline, header: header, variantCount: pipeline.variants.count, route: route)
    let source = try loadFrames(input.path, plan, header: header)
    let frames = try source.splitFrames()
    let (delays, loop) = (source.delays, source.loop)

    // The load's resize and the shared steps, frame by frame.
    var sharedContext = context
    sharedContext.frames = FrameDecisions()
    var shared: [Image] = []
    for frame in frames {
      sharedContext.frames?.nextFrame()
      var image = plan.autorotate ? try frame.autorotated() : frame
      if case .thumbnail(let width, let height, let finishing) = plan.load {
        image = try image.resized(width: width, height: height, route: route)
        if let (resize, geometry) = finishing {
          image = try resize.finish(image, geometry: geometry, context: sharedContext)
        }
      }
      for step in plan.sharedSteps { image = try apply(step, to: image, context: sharedContext) }
      shared.append(try image.materialized())
    }

    var outputs: [Output] = []
    for (index, variant) in pipeline.variants.enumerated() {
      let keep = variant.keepsFrames(forInput: inputFormat)
      var variantContext = context
      variantContext.frames = FrameDecisions()
      var results: [Image] = []
      for frame in keep ? shared : [shared[0]] {
        variantContext.frames?.nextFrame()
        var image = frame
        var steps = variant.steps
        if let (resize, geometry) = plan.variantResizes[index] {
          image = try resize.finish(
            image.resized(width: geometry.scaledWidth, height: geometry.scaledHeight, route: route),
            geometry: geometry, context: variantContext)
          steps.removeFirst()
        }
        for step in steps { image = try apply(step, to: image, context: variantContext) }
        results.append(image)
      }
      let image = keep ? try Image.joined(frames: results, delays: delays, loop: loop) : results[0]
      let note = keep ? nil : Self.firstFrameNote(of: pages, variant, inputFormat: inputFormat)
      outputs.append(
        try save(image, of: variant, input: input, inputFormat: inputFormat, note: note, writer: writer))
    }
    return outputs
  }

  /// Every frame, stacked and in memory. On the fast route a WebP with a
  /// shrinking first resize is decoded scaled by libwebp (shrink-on-load);
  /// GIF has no scaled decode in libvips 8.14, and the reference route never
  /// shrinks on load.
  private func loadFrames(_ path: String, _ plan: LoadPlan, header: Image) throws -> Image {
    let pages = header.pageCount
    var scale = 1.0
    if route == .fast, header.loader == "webpload", case .thumbnail(let width, let height, _) = plan.load {
      let (storedWidth, storedHeight) = plan.swapped ? (height, width) : (width, height)
      scale = max(Double(storedWidth) / Double(header.width), Double(storedHeight) / Double(header.height))
      // As for a still image: no shrink for strips a few pixels across.
      if scale >= 1 || Double(min(header.width, header.height)) * scale < Double(2 * LoadPlan.minimumShrunkSide) {
        scale = 1
      }
    }
    if scale < 1 {
      let scaled = try Image.frames(path, scale: scale)
      // The frames must tile the stack exactly; otherwise decode them whole.
      if scaled.pageHeight * pages == scaled.height && scaled.pageHeight >= 1 { return try scaled.materialized() }
    }
    return try Image.frames(path, scale: 1).materialized()
  }

  /// "the first of 10 frames was written: JPEG does not animate".
  static func firstFrameNote(of pages: Int, _ variant: Variant, inputFormat: ImageFormat?) -> String {
    let format = variant.outputFormat(forInput: inputFormat)
    let why = variant.animation == .first ? "`animation first`" : "\(format.rawValue.uppercased()) does not animate"
    return "the first of \(pages) frames was written (\(why))"
  }
}

extension ImageFormat {
  /// Input formats whose animations mediapipe reads frame by frame.
  var canHoldFrames: Bool { self == .gif || self == .webp }
}

extension Variant {
  /// Whether this output keeps an animation's frames: it can animate and does not say `animation first`.
  func keepsFrames(forInput input: ImageFormat?) -> Bool {
    animation == .keep && outputFormat(forInput: input).canAnimate
  }
}
