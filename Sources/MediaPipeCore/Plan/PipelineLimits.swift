/// The bounds a pipeline's values must stay within, checked when the file is
/// read, so that `check` refuses what no image could satisfy and no arithmetic
/// on a value the user wrote can overflow.
public enum PipelineLimits {
  /// The largest side, in pixels, a step may name: `resize` boxes, `crop`
  /// boxes and offsets, pixel lengths (`width=`, `margin=`).
  public static let maxSide = 100_000
  /// The largest `resize` percentage (`resize 1000%`, `width=1000%`).
  public static let maxScalePercent = 1000.0
  /// The largest watermark text size in pixels. Pango renders nothing sensible
  /// beyond a few thousand pixels; a percentage of the image height is the
  /// way to ask for large text on large images.
  public static let maxTextPixels = 2000
  /// The largest pipeline file, in bytes. A hand-written pipeline is a few
  /// hundred bytes; this only keeps a stray multi-gigabyte file from being
  /// read as one.
  public static let maxSourceBytes = 10_000_000
  /// Diagnostics kept in a compile result (the earliest in the file); the rest
  /// are only counted.
  public static let keptDiagnostics = 1000
  /// Diagnostics rendered for people; the rest are summed up in one line.
  public static let renderedDiagnostics = 50
}
