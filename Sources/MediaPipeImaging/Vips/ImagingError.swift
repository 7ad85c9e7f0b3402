import CVips
import Foundation
import MediaPipeCore

/// Why one image could not be processed: the operation that failed (a libvips
/// operation such as "thumbnail", or a file operation such as "rename"), its
/// own words, and what that means for the user.
public struct ImagingError: Error, Sendable, CustomStringConvertible {
  /// The operation that failed, such as "thumbnail" or "jpegsave".
  public var operation: String
  /// libvips's error buffer, trimmed to its first lines.
  public var detail: String
  /// What the failure means for the user.
  public var reason: FailureReason
  /// What would avoid it (a limit to raise), if anything.
  public var remedy: Remedy?

  public init(operation: String, detail: String, reason: FailureReason? = nil, remedy: Remedy? = nil) {
    self.operation = operation
    self.detail = detail
    self.remedy = remedy
    self.reason = reason ?? ImagingError.classify(operation: operation, detail: detail)
  }

  public var description: String { "\(reason.sentence) (\(operation): \(detail))" }

  /// Reads and clears the process-global error buffer.
  static func takeBuffer() -> String {
    guard let raw = vips_error_buffer() else { return "" }
    let text = String(cString: raw)
    vips_error_clear()
    let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    var unique: [String] = []
    for line in lines where !unique.contains(line) { unique.append(line) }
    // A saver's complaint about our temporary file only echoes the real (read) error.
    if unique.count > 1 { unique.removeAll { $0.contains("unable to write to target") && $0.contains(".mediapipe-") } }
    return unique.prefix(4).joined(separator: "; ")
  }

  /// Maps libvips's words to a reason the user can act on.
  ///
  /// Decoding is lazy: a damaged input often surfaces only when a later
  /// operation (the saver, most often) pulls the pixels, so a loader's words
  /// blame the input whichever operation raised them. libjpeg and libpng speak
  /// as "VipsJpeg:" and "vipspng:" when saving too, so in a saver's failure only
  /// their read-error words blame the input.
  static func classify(operation: String, detail: String) -> FailureReason {
    let text = detail.lowercased()
    let saving = operation.hasSuffix("save")
    if text.contains("is not a known file format") || text.contains("not a known")
      || text.contains("unable to read header")
      || text.contains("empty file") || text.contains("not a jpeg") || text.contains("not a png")
    {
      return .notAnImage
    }
    if text.contains("blocked") { return .blockedFormat }
    if text.contains("out of memory") || text.contains("memory allocation") || text.contains("cannot allocate")
      || text.contains("insufficient memory") || text.contains("not enough memory")
    {
      return .outOfMemory
    }
    // A side the format cannot hold (JPEG stops at 65,500 px, WebP at 16,383, a
    // GIF frame at 65,535): the steps made it, the input is not to blame.
    if text.contains("maximum supported image dimension") || text.contains("image too large")
      || text.contains("frame too large")
    {
      return .processingFailed
    }
    if text.contains("premature end") || text.contains("truncated") || text.contains("corrupt")
      || text.contains("out of order")
      || text.contains("read error") || text.contains("bad huffman") || text.contains("incomplete")
      || text.contains("crc error") || text.contains("unexpected end") || text.contains("invalid jpeg")
      || text.contains("bogus") || text.contains("missing sos") || text.contains("unable to parse")
      || text.contains("not enough data")
      || text.contains("decode") && text.contains("fail")
      // libjpeg's words for a damaged stream, which may surface only when the
      // saver pulls the pixels (a lazy decode): still the input's fault. (Its
      // words when saving, such as the dimension limit, are not among them.)
      || text.contains("vipsjpeg:") && !text.contains("write")
        && (text.contains("invalid") || text.contains("not defined") || text.contains("inconsistent")
          || text.contains("unsupported marker") || text.contains("sampling factors"))
    {
      return .truncated
    }
    if text.contains("unable to open") && text.contains("writing") || text.contains("no space")
      || text.contains("permission denied") || text.contains("disk space") || text.contains("write error")
    {
      return .cannotWriteOutput
    }
    // Only loaders speak with these, whichever operation's pull raised them.
    let loaders = ["load:", "load_source:", "2vips:", "no 'meta' box", "no frames"]
    if loaders.contains(where: text.contains) { return .truncated }
    // libjpeg and libpng outside a saver: a decode.
    if !saving, text.contains("vipsjpeg:") || text.contains("vipspng:") { return .truncated }
    // libvips failed without a word where it decodes or pulls decoded pixels:
    // a loader that only warned (fail-on), so a damaged file.
    if text.isEmpty && Self.decodingOperations.contains(operation) { return .truncated }
    if saving { return .cannotWriteOutput }
    if text.contains("unsupported") || text.contains("not supported") { return .unsupportedFormat }
    return .processingFailed
  }

  /// The operations that decode the input or compute the decoded pixels (a
  /// saver aside): where one fails without a word, a loader only warned.
  static let decodingOperations: Set<String> = [
    "load", "jpegload", "thumbnail", "copy_memory", "smartcrop", "avg", "min", "max", "getpoint",
  ]
}
