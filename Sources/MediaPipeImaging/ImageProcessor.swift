import Foundation
import MediaPipeCore

/// Runs a pipeline over one image at a time: load (fusing the first resize
/// into a shrink-on-load thumbnail), the shared steps once, then each
/// variant's steps and its save.
///
/// One per worker process; it keeps rendered watermark stamps between images.
/// Not thread-safe (a worker handles one image at a time).
public final class ImageProcessor {
  public let pipeline: Pipeline
  /// Images with more pixels than this are refused from their header, before decoding.
  public let maxPixels: Int
  /// Animations with more frames than this are refused from their header, when
  /// their frames would be kept (`ImageProcessor+Frames`).
  public let maxFrames: Int
  /// mediapipe's fast paths, or libvips's plain route (for tests and doubters).
  public let route: ImagingRoute
  /// What `metadata provenance=yes` writes; the engine sets the pipeline's fingerprint.
  public var provenance = Provenance(pipeline: nil)
  /// What the steps use besides the image (the route, the cached watermark stamps).
  let context: ImagingContext

  public init(pipeline: Pipeline, maxPixels: Int = 100_000_000, maxFrames: Int = 1000, route: ImagingRoute = .fast) {
    self.pipeline = pipeline
    self.maxPixels = maxPixels
    self.maxFrames = maxFrames
    self.route = route
    context = ImagingContext(route: route, stamps: WatermarkStamps(route: route))
  }

  /// One input image and where its outputs go.
  public struct Input: Sendable {
    /// The image file.
    public var path: String
    /// The output root: a separate output folder, or the input root the file was found under.
    public var outputRoot: String
    /// The input's folder relative to its input root ("" at the root): mirrored below
    /// the output root, and the `{dir}` token.
    public var relativeDirectory: String
    /// The format its content shows (decides `compress same`); nil to ask libvips.
    public var format: ImageFormat?

    public init(path: String, outputRoot: String, relativeDirectory: String, format: ImageFormat? = nil) {
      self.path = path
      self.outputRoot = outputRoot
      self.relativeDirectory = relativeDirectory
      self.format = format
    }
  }

  /// One file written (declared in MediaPipeCore, so that the coordinator reads it without libvips).
  public typealias Output = ImageOutput

  /// Writes a file safely: given the final path and a closure that writes to a
  /// temporary path, it must leave either the whole file or nothing.
  public typealias FileWriter = (_ finalPath: String, _ write: (_ temporaryPath: String) throws -> Void) throws -> Void

  /// Processes one image and writes its outputs through `writer`.
  /// - Throws: `ImagingError` (with a `FailureReason`) when the image cannot be
  ///   read or processed, or an output cannot be written.
  public func process(_ input: Input, writer: FileWriter) throws -> [Output] {
    let header: Image
    do {
      header = try Image.open(input.path, sequential: route == .fast)
    } catch let error as ImagingError where error.reason == .blockedFormat && input.format?.isTrusted == true {
      // libvips's own loader gave up on a damaged TIFF (say) and offered it to an
      // untrusted fallback loader: the file is broken, not of a blocked kind.
      throw ImagingError(
        operation: error.operation, detail: "not a readable \(input.format!.rawValue.uppercased()) file",
        reason: .truncated)
    }
    // An animated GIF or WebP goes frame by frame when an output keeps its frames
    // (a still image pays for one header lookup).
    var framesDropped: Int?
    if header.pageCount > 1, let animated = Self.format(ofLoader: header.loader), animated.canHoldFrames {
      let inputFormat = input.format ?? animated
      if pipeline.variants.contains(where: { $0.keepsFrames(forInput: inputFormat) }) {
        return try processFrames(input, header: header, inputFormat: inputFormat, writer: writer)
      }
      framesDropped = header.pageCount
    }
    let pixels = header.width * header.height
    if pixels > maxPixels {
      throw ImagingError(
        operation: "limits",
        detail: "\(header.width)x\(header.height) is \(Self.overLimit(pixels, maxPixels))",
        reason: .tooManyPixels, remedy: .raiseLimit(.pixels(maxPixels)))
    }
    var plan = LoadPlan(pipeline: pipeline, header: header, variantCount: pipeline.variants.count, route: route)
    if route == .fast && Self.format(ofLoader: header.loader) == .jpeg {
      plan.jpegShrink(storedWidth: header.width, storedHeight: header.height)
    }
    var shared = try load(input.path, plan, header: header)
    for step in plan.sharedSteps { shared = try apply(step, to: shared) }
    if pipeline.variants.count > 1 { shared = try shared.materialized() }

    let inputFormat = input.format ?? Self.format(ofLoader: header.loader)
    var outputs: [Output] = []
    for (index, variant) in pipeline.variants.enumerated() {
      var image = shared
      var steps = variant.steps
      if let (resize, geometry) = plan.variantResizes[index] {
        image = try resize.finish(
          image.resized(width: geometry.scaledWidth, height: geometry.scaledHeight, route: route), geometry: geometry)
        steps.removeFirst()
      }
      for step in steps { image = try apply(step, to: image) }
      let note = framesDropped.map { Self.firstFrameNote(of: $0, variant, inputFormat: inputFormat) }
      outputs.append(
        try save(image, of: variant, input: input, inputFormat: inputFormat, note: note, writer: writer))
    }
    return outputs
  }

  /// How an image is decoded: the first resize, when it comes first, is fused
  /// into libvips's shrink-on-load thumbnail (shared, or the largest of the
  /// variants' first resizes, which each variant then finishes from).
  struct LoadPlan {
    enum Load {
      /// Decode at full size (autorotating if asked).
      case plain
      /// Decode straight to this size with shrink-on-load, then finish `resize` (crop/pad).
      case thumbnail(width: Int, height: Int, finishing: (Resize, ResizeGeometry)?)
    }

    var load = Load.plain
    /// For JPEG: decode at 1/N with libjpeg (N may be 1), then resize (see `jpegShrink`).
    var jpegShrink: Int?
    var autorotate: Bool
    /// The stored image is turned a quarter (EXIF orientation 5–8): its width is the upright height.
    var swapped = false
    /// Decode in one top-to-bottom pass (only when one output reads the pixels).
    var sequential: Bool
    /// Whether every operation after the decode reads the pixels top to bottom
    /// (see `ImagingStep.streams`). When not, a sequential decode is computed into
    /// memory first (after any shrink, so at the size the steps work on), and a
    /// plain load opens the file for random access: a turn, a flip or a stamp
    /// near the top would otherwise ask a one-pass decoder for rows it has passed.
    var streams: Bool
    var sharedSteps: [Step]
    /// Each variant's first resize, when it was planned into the load.
    var variantResizes: [Int: (Resize, ResizeGeometry)] = [:]

    init(pipeline: Pipeline, header: Image, variantCount: Int, route: ImagingRoute) {
      autorotate = pipeline.applyOrientation || pipeline.shared.first?.is(Autorotate.self) == true
      sequential = route == .fast && variantCount == 1
      sharedSteps = Array(pipeline.shared.drop { $0.is(Autorotate.self) })
      // Variants read the shared result from memory, so only the shared steps
      // (and a single variant's own) read the decode.
      let reading = sharedSteps + (variantCount == 1 ? pipeline.variants.flatMap(\.steps) : [])
      streams = (!autorotate || header.orientation == 1) && reading.allSatisfy(\.streams)
      let swap = autorotate && header.orientation >= 5
      swapped = swap
      let width = swap ? header.height : header.width
      let height = swap ? header.width : header.height

      if let resize = sharedSteps.first?.as(Resize.self) {
        let geometry = ResizeGeometry(resize, width: width, height: height)
        load = .thumbnail(width: geometry.scaledWidth, height: geometry.scaledHeight, finishing: (resize, geometry))
        sharedSteps.removeFirst()
      } else if sharedSteps.isEmpty {
        var firsts: [(Resize, ResizeGeometry)] = []
        for variant in pipeline.variants {
          guard let resize = variant.steps.first?.as(Resize.self) else { return }
          firsts.append((resize, ResizeGeometry(resize, width: width, height: height)))
        }
        // One decode at the largest scale any variant needs on either side, so
        // every variant scales down from it (even a fill that stretches one side).
        guard !firsts.isEmpty else { return }
        let scale = firsts.map {
          max(Double($0.1.scaledWidth) / Double(width), Double($0.1.scaledHeight) / Double(height))
        }.max()!
        load = .thumbnail(
          width: max(1, Int((Double(width) * scale).rounded(.up))),
          height: max(1, Int((Double(height) * scale).rounded(.up))),
          finishing: nil)
        for (index, first) in firsts.enumerated() { variantResizes[index] = first }
      }
    }
  }

  /// Decodes as planned; a plain sequential load reads through the header image
  /// already open instead of opening the file a second time.
  func load(_ path: String, _ plan: LoadPlan, header: Image) throws -> Image {
    switch plan.load {
    case .plain:
      let reuse = (plan.sequential && plan.streams) || route == .reference  // the header is random access there
      let image = reuse ? header : try Image.open(path, sequential: false)
      return plan.autorotate ? try image.autorotated() : image
    case .thumbnail(let width, let height, let finishing):
      var image: Image
      if let shrink = plan.jpegShrink {
        // Resize in the stored frame, then turn upright (a quarter turn swaps the sides).
        let (storedWidth, storedHeight) = plan.swapped ? (height, width) : (width, height)
        let dc = shrink == 8 && header.isInterlaced ? Image.jpegEighthFromDC(path, header: header) : nil
        let decoded = try dc ?? Image.jpeg(path, shrink: shrink, sequential: true)
        image = try decoded.resized(
          width: storedWidth, height: storedHeight, shrunkFrom: (header.width, header.height), by: shrink)
        if !plan.streams { image = try image.materialized() }
        if plan.autorotate { image = try image.autorotated() }
      } else if route == .reference || min(header.width, header.height) < 2 * LoadPlan.minimumShrunkSide
        || header.isSixteenBit
      {
        // The whole image, then a plain resize: no shrink-on-load at all. On the
        // reference route always; on the fast one for strips a few pixels across,
        // where shrink-on-load loses a large part of the picture (vips_thumbnail's
        // JPEG and WebP shrinks drop partial blocks: a 1000x5 strip came out
        // 18/255 off the exact result); they are small, so this costs nothing.
        // 16-bit images come here too: vips_thumbnail would make them 8-bit sRGB
        // (PNG has no shrink-on-load, so nothing is lost; a 16-bit TIFF pyramid's
        // smaller pages go unused). On the reference route the header is already
        // random access; a 16-bit image read top to bottom streams through the header.
        let reuse = route == .reference || (header.isSixteenBit && plan.sequential && plan.streams)
        let whole = reuse ? header : try Image.open(path, sequential: false)
        image = plan.autorotate ? try whole.autorotated() : whole
        image = try image.resized(width: width, height: height, route: route)
      } else {
        image = try Image.thumbnail(path, width: width, height: height, autorotate: plan.autorotate)
        if !plan.streams { image = try image.materialized() }
      }
      guard let (resize, geometry) = finishing else { return image }
      return try resize.finish(image, geometry: geometry)
    }
  }

  /// Applies the variant's metadata policy, names the output and writes it.
  func save(
    _ image: Image, of variant: Variant, input: Input, inputFormat: ImageFormat?, note: String? = nil,
    writer: FileWriter
  ) throws -> Output {
    let name = input.path.lastComponent
    let format = variant.outputFormat(forInput: inputFormat)
    let (prepared, strip) = try variant.metadata.prepare(image, for: format, provenance: provenance)
    let values = OutputTemplate.Values(
      name: name, stem: name.stem, ext: format.fileExtension, dir: input.relativeDirectory,
      variant: variant.name, width: prepared.width, height: prepared.pageHeight)
    guard let path = variant.output.path(root: input.outputRoot, values: values) else {
      throw ImagingError(
        operation: "output", detail: "the output name for '\(name)' would leave its folder", reason: .cannotWriteOutput)
    }
    if path == input.path {
      throw ImagingError(
        operation: "output", detail: "the output \(path) would overwrite its input; change `output`",
        reason: .cannotWriteOutput)
    }
    var chosen = Compress.Chosen()
    try writer(path) { temporary in
      chosen = try variant.compress.save(prepared, as: format, to: temporary, strip: strip)
    }
    return Output(
      variant: variant.name, path: path, width: prepared.width, height: prepared.pageHeight, format: format.rawValue,
      note: note, quality: chosen.quality, score: chosen.score)
  }

  /// Runs one image step through its imaging half (`context`: the processor's own,
  /// or one for an animation's frames).
  func apply(_ step: Step, to image: Image, context: ImagingContext? = nil) throws -> Image {
    guard let imaging = step.imaging else {
      // Output settings never reach here (they are the variant's); an image
      // step without an imaging half is a bug `ImagingStepTests` catches.
      throw ImagingError(
        operation: step.name, detail: "'\(step.name)' has no imaging step", reason: .processingFailed)
    }
    return try imaging.apply(to: image, context: context ?? self.context)
  }

  /// "400 megapixels; the limit is 100 megapixels", or in pixels where rounding would
  /// make the two read the same ("100,010,000 pixels; the limit is 100,000,000").
  static func overLimit(_ pixels: Int, _ limit: Int) -> String {
    let (size, most) = (megapixels(pixels), megapixels(limit))
    guard size == most else { return "\(size); the limit is \(most)" }
    let grouped = { (n: Int) in n.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }
    return "\(grouped(pixels)) pixels; the limit is \(grouped(limit))"
  }

  static func megapixels(_ pixels: Int) -> String {
    let mp = Double(pixels) / 1_000_000
    return mp >= 10 ? "\(Int(mp.rounded())) megapixels" : String(format: "%.1f megapixels", mp)
  }

  /// The input format from the loader libvips picked ("jpegload" -> jpeg).
  static func format(ofLoader loader: String?) -> ImageFormat? {
    guard let loader else { return nil }
    let name = loader.replacingSuffix("load")
    switch name {
    case "jpeg": return .jpeg
    case "png": return .png
    case "webp": return .webp
    case "gif": return .gif
    case "tiff": return .tiff
    case "heif": return .heif
    case "jxl": return .jxl
    case "jp2k": return .jp2
    case "svg": return .svg
    case "pdf": return .pdf
    default: return nil
    }
  }
}

extension String {
  var lastComponent: String {
    guard let slash = lastIndex(of: "/") else { return self }
    return String(self[index(after: slash)...])
  }

  /// The name without its last extension ("a.b.jpg" -> "a.b"; ".hidden" stays).
  var stem: String {
    guard let dot = lastIndex(of: "."), dot != startIndex else { return self }
    return String(self[..<dot])
  }

  func replacingSuffix(_ suffix: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
  }
}

extension ImageProcessor.LoadPlan {
  /// The shortest side a DCT-shrunk JPEG decode may have (see `jpegShrink`).
  static let minimumShrunkSide = 16

  /// Lets libjpeg scale the decode down as far as the target allows: the
  /// largest of 2, 4 and 8 that still decodes at least the target size (1 when
  /// none does).
  ///
  /// libvips's thumbnail keeps a factor of two for its own resize (a 5120-px
  /// photo going to 1600 px is decoded whole); decoding at 2560 px and reducing
  /// from there looks the same and costs a fraction (sharp's `fastShrinkOnLoad`,
  /// on by default, does the same). The resize after it is mediapipe's own
  /// (`Image.resized`), which is quicker than thumbnail's for 8-bit images.
  mutating func jpegShrink(storedWidth: Int, storedHeight: Int) {
    guard case .thumbnail(let width, let height, _) = load else { return }
    let (targetW, targetH) = swapped ? (height, width) : (width, height)
    for factor in [8, 4, 2] {
      // libjpeg rounds a scaled side up, libvips 8.14 rounds it down: plan with
      // the smaller, so the decode is never below the target nor 0 pixels wide.
      let w = storedWidth / factor, h = storedHeight / factor
      // The partial last block is dropped or repeated (see `Image.resized(width:
      // height:shrunkFrom:by:)`): harmless at the edge of a photo, but a 3-px-wide
      // strip decoded at 1/2 would lose a third of its picture. Only shrink where
      // the short side keeps at least `minimumShrunkSide` pixels.
      if w >= max(1, targetW) && h >= max(1, targetH) && min(w, h) >= Self.minimumShrunkSide {
        jpegShrink = factor
        return
      }
    }
    jpegShrink = 1
  }
}
