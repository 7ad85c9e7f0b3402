/// Which code decodes and resizes an image.
///
/// Every fast path of mediapipe's has a plain libvips route beside it, and tests
/// compare the two (`ConformanceTests`). Users who suspect a fast path can run the
/// reference route with `MEDIAPIPE_REFERENCE=1` (docs/reference-path.md).
public enum ImagingRoute: String, Sendable {
  /// mediapipe's own: libjpeg DCT scaling planned as deep as the target allows,
  /// progressive JPEGs decoded at 1/8 from their DC scans, the transposed
  /// lanczos3 resize, sequential decoding where every step reads top to bottom.
  case fast
  /// libvips's own and nothing else: loaders with random access, the whole image
  /// decoded, `vips_resize` for every resize of an opaque image and
  /// `vips_thumbnail_image` (which premultiplies) for one with alpha, as on the
  /// fast route; no shrink-on-load (libvips 8.14's drops a partial last block,
  /// which is wrong on strips a few pixels across).
  case reference
}
