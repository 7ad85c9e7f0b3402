import MediaPipeCore

/// The imaging half of an image step: what it does to the pixels.
///
/// Each image step registered in `StepRegistry` conforms in its own
/// `Steps/<Step>+Vips.swift`; `ImageProcessor` runs the steps through this
/// protocol and never names them, except `Resize` and `Autorotate` when
/// planning the load (fused into the decode). Output settings (`compress`,
/// `metadata`, `output`) do not conform: they act when the result is written.
public protocol ImagingStep: PipelineStep {
  /// Whether the step reads its input top to bottom in one pass, so that it can
  /// run on a sequential (streamed) decode.
  ///
  /// Turning, flipping upside down, a stamp that is not at the bottom and smart
  /// crops read rows out of order; a crop stops reading early. When any step of
  /// a pipeline does not stream, its decode is computed into memory first (or
  /// opened for random access).
  var streams: Bool { get }

  /// The step applied to `image`.
  /// - Throws: `ImagingError` when libvips fails, or the step cannot apply to
  ///   this image (a crop outside it).
  func apply(to image: Image, context: ImagingContext) throws -> Image
}

/// What a step may use besides the image: the route, and what a worker keeps
/// from one image to the next.
public struct ImagingContext {
  /// mediapipe's fast paths, or libvips's plain route.
  public let route: ImagingRoute
  /// Rendered watermark stamps, kept between images.
  let stamps: WatermarkStamps
  /// For an animation's frames: the first frame's content-based choices, for the
  /// others to repeat (see `FrameDecisions`); nil for a still image.
  var frames: FrameDecisions? = nil
}

extension Step {
  /// The step's imaging half; nil for output settings (and for an image step
  /// that forgot its conformance, which `ImagingStepTests` catches).
  public var imaging: (any ImagingStep)? { base as? any ImagingStep }

  /// Whether the step reads its input top to bottom (see `ImagingStep.streams`);
  /// output settings read nothing.
  var streams: Bool { imaging?.streams ?? true }
}
