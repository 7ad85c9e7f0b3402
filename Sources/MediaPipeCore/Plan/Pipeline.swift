/// A validated pipeline: what to do to every image, and what to write.
public struct Pipeline: Sendable {
  /// The highest format version this mediapipe reads.
  public static let formatVersion = 1

  /// The pipeline file as given (used in messages).
  public var file: String
  /// The folder relative paths in the pipeline (watermark images) are taken from.
  public var baseDirectory: String
  /// Apply the EXIF orientation when loading (`orientation keep` turns it off).
  public var applyOrientation = true
  /// Image steps shared by every variant, computed once per image.
  public var shared: [Step] = []
  /// One or more outputs. A pipeline without `variant` lines has one, unnamed.
  public var variants: [Variant] = []
  /// Files the pipeline reads besides the images (watermark logos), absolute.
  public var referencedFiles: [String] = []
  /// The statements without comments or layout: what decides the outputs.
  /// Editing a comment or the indentation does not change it.
  public var canonicalText = ""

  public init(file: String, baseDirectory: String) {
    self.file = file
    self.baseDirectory = baseDirectory
  }
}

/// One output of a pipeline.
public struct Variant: Sendable {
  /// The name given by `variant NAME`; "default" for a pipeline without variants.
  public var name: String
  /// Image steps after the shared ones.
  public var steps: [Step]
  public var compress: Compress
  public var metadata: MetadataPolicy
  public var output: OutputTemplate
  /// What an animated input becomes (`animation`): every frame where the format allows, or the first.
  public var animation: Animation

  public init(
    name: String, steps: [Step], compress: Compress, metadata: MetadataPolicy, output: OutputTemplate,
    animation: Animation = .keep
  ) {
    self.animation = animation
    self.name = name
    self.steps = steps
    self.compress = compress
    self.metadata = metadata
    self.output = output
  }

  /// The format written for an input whose own format is `input` (for `same`).
  public func outputFormat(forInput input: ImageFormat?) -> Compress.Format {
    guard compress.format == .same else { return compress.format }
    return input?.writableFormat ?? .jpeg
  }
}
