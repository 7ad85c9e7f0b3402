import MediaPipeCore

/// Runs a pipeline over one image at a time: load (fusing the first resize
/// into a shrink-on-load thumbnail), the shared steps once, then each
/// variant's steps and its save.
///
/// One per worker process; it keeps rendered watermark stamps between images.
/// Not thread-safe (a worker handles one image at a time).
public final class ImageProcessor {
  public let pipeline: Pipeline
  private let stamps = WatermarkStamps()

  public init(pipeline: Pipeline) {
    self.pipeline = pipeline
  }

  /// One input image and where its outputs go.
  public struct Input: Sendable {
    /// The image file.
    public var path: String
    /// The folder output templates are resolved in (the input's folder, or its mirror below -o).
    public var outputDirectory: String
    /// The input's folder relative to its input root ("" at the root): `{dir}`.
    public var relativeDirectory: String

    public init(path: String, outputDirectory: String, relativeDirectory: String) {
      self.path = path
      self.outputDirectory = outputDirectory
      self.relativeDirectory = relativeDirectory
    }
  }

  /// One file written.
  public struct Output: Sendable, Codable, Hashable {
    public var variant: String
    public var path: String
    public var width: Int
    public var height: Int
    public var format: String
  }

  /// Writes a file safely: given the final path and a closure that writes to a
  /// temporary path, it must leave either the whole file or nothing.
  public typealias FileWriter = (_ finalPath: String, _ write: (_ temporaryPath: String) throws -> Void) throws -> Void

  /// Processes one image and writes its outputs through `writer`.
  /// - Throws: `ImagingError` (with a `FailureReason`) when the image cannot be
  ///   read or processed, or an output cannot be written.
  public func process(_ input: Input, writer: FileWriter) throws -> [Output] {
    let header = try Image.open(input.path, sequential: true)
    let inputFormat = Self.format(ofLoader: header.loader)
    let rotateAtLoad = pipeline.applyOrientation || pipeline.shared.first == .autorotate
    var shared = pipeline.shared
    while shared.first == .autorotate { shared.removeFirst() }
    let swap = rotateAtLoad && header.orientation >= 5
    let width = swap ? header.height : header.width
    let height = swap ? header.width : header.height
    let many = pipeline.variants.count > 1

    // Load, fusing the first resize (shared, or of every variant) into shrink-on-load.
    var image: Image
    var variantResizeDone = Set<Int>()
    var preScaled: [Int: (ResizeGeometry, Resize)] = [:]
    if case .resize(let resize)? = shared.first {
      let geometry = ResizeGeometry(resize, width: width, height: height)
      image = try Image.thumbnail(
        input.path, width: geometry.scaledWidth, height: geometry.scaledHeight, autorotate: rotateAtLoad)
      image = try resize.finish(image, geometry: geometry)
      shared.removeFirst()
    } else if shared.isEmpty, let firsts = firstResizes(), !firsts.isEmpty {
      let geometries = firsts.map { ResizeGeometry($0, width: width, height: height) }
      let largest = geometries.max { $0.scaledWidth * $0.scaledHeight < $1.scaledWidth * $1.scaledHeight }!
      image = try Image.thumbnail(
        input.path, width: largest.scaledWidth, height: largest.scaledHeight, autorotate: rotateAtLoad)
      for (index, geometry) in geometries.enumerated() {
        preScaled[index] = (geometry, firsts[index])
        variantResizeDone.insert(index)
      }
    } else {
      image = try Image.open(input.path, sequential: !many)
      if rotateAtLoad { image = try image.autorotated() }
    }

    for step in shared { image = try apply(step, to: image) }
    if many { image = try image.materialized() }

    var outputs: [Output] = []
    let name = input.path.lastComponent
    let stem = name.stem
    for (index, variant) in pipeline.variants.enumerated() {
      var result = image
      var steps = variant.steps
      if variantResizeDone.contains(index), let (geometry, resize) = preScaled[index] {
        result = try result.resized(width: geometry.scaledWidth, height: geometry.scaledHeight)
        result = try resize.finish(result, geometry: geometry)
        steps.removeFirst()
      }
      for step in steps { result = try apply(step, to: result) }
      let format = variant.outputFormat(forInput: inputFormat)
      let (prepared, strip) = try variant.metadata.prepare(result)
      let values = OutputTemplate.Values(
        name: name, stem: stem, ext: format.fileExtension, dir: input.relativeDirectory,
        variant: variant.name, width: prepared.width, height: prepared.height)
      guard let relative = variant.output.render(values) else {
        throw ImagingError(
          operation: "output", detail: "the output name for '\(name)' would leave its folder", reason: .cannotWriteOutput)
      }
      let path = input.outputDirectory.hasSuffix("/") ? input.outputDirectory + relative : input.outputDirectory + "/" + relative
      if path == input.path {
        throw ImagingError(
          operation: "output", detail: "the output \(path) would overwrite its input; change `output` or use -o DIR",
          reason: .cannotWriteOutput)
      }
      try writer(path) { temporary in
        try variant.compress.save(prepared, as: format, to: temporary, strip: strip)
      }
      outputs.append(
        Output(variant: variant.name, path: path, width: prepared.width, height: prepared.height, format: format.rawValue))
    }
    return outputs
  }

  /// The first step of every variant, if each is a resize.
  private func firstResizes() -> [Resize]? {
    var result: [Resize] = []
    for variant in pipeline.variants {
      guard case .resize(let r)? = variant.steps.first else { return nil }
      result.append(r)
    }
    return result
  }

  private func apply(_ step: Step, to image: Image) throws -> Image {
    switch step {
    case .autorotate: return try image.autorotated()
    case .resize(let r): return try r.apply(to: image)
    case .crop(let c): return try c.apply(to: image)
    case .rotate(let r): return try image.rotated(degrees: r.rawValue)
    case .flip: return try image.flipped(vertical: true)
    case .flop: return try image.flipped(vertical: false)
    case .watermark(let w): return try w.apply(to: image, stamps: stamps)
    case .compress, .metadata, .output: return image
    }
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
