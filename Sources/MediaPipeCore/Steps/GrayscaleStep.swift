/// `grayscale`: turn the image to shades of grey.
///
/// Like sharp's `grayscale()`: the luminance in linear light, written back as
/// an sRGB image whose three bands are equal, so every later step and every
/// format reads it as any other sRGB image. Alpha and 16-bit depth are kept.
public struct Grayscale: PipelineStep {
  public init() {}

  public static let name = "grayscale"
  public static let kind = StepKind.image
  public static let schema = StepSchema.none
  public static let documentation = StepDocumentation(
    syntax: "grayscale", description: "Shades of grey (luminance), kept as sRGB with three equal bands and any alpha.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Grayscale? { Grayscale() }

  public var summary: String { "grayscale: luminance, as sRGB" }
}
