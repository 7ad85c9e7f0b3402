import CVips
import CVipsShims
import Foundation

/// An argument of a libvips operation called by name (`Image.calling`).
///
/// Numbers only: what reaches libvips's option parser is always text this
/// program wrote, never a value from a pipeline file or an image.
enum VipsArgument {
  case double(Double)
  case int(Int)
  case bool(Bool)
  /// An array of doubles, such as a background colour's band values.
  case doubles([Double])

  /// The value in libvips's option syntax; nil for a number that is not finite.
  var text: String? {
    switch self {
    case .double(let value): return value.isFinite ? "\(value)" : nil
    case .int(let value): return "\(value)"
    case .bool(let value): return value ? "true" : "false"
    case .doubles(let values):
      guard !values.isEmpty, values.allSatisfy(\.isFinite) else { return nil }
      return values.map { "\($0)" }.joined(separator: " ")
    }
  }
}

/// Any libvips operation by name, through the one generic shim (`cvips_call`):
/// a step whose operation has no wrapper in `Image+Operations` calls it here,
/// with no C of its own.
extension Image {
  /// Runs the libvips operation `operation` on this image (its `in` argument)
  /// with `arguments`, and returns its `out` image.
  /// - Throws: `ImagingError` naming the operation.
  func calling(_ operation: String, _ arguments: KeyValuePairs<String, VipsArgument> = [:]) throws -> Image {
    let options = try Image.options(operation, arguments)
    return try Image.call(operation) { out in cvips_call(operation, pointer, options, out, nil, nil, 0) }
  }

  /// Runs a libvips operation that measures this image, such as `find_trim`,
  /// and returns its int outputs named `outputs`, in that order.
  /// - Throws: `ImagingError` naming the operation.
  func measuring(
    _ operation: String, _ arguments: KeyValuePairs<String, VipsArgument> = [:], outputs: [String]
  ) throws -> [Int] {
    let options = try Image.options(operation, arguments)
    var values = [Int32](repeating: 0, count: outputs.count)
    let names = outputs.map { strdup($0) }
    defer { for name in names { free(name) } }
    let status = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
      cvips_call(operation, pointer, options, nil, names.baseAddress, &values, Int32(outputs.count))
    }
    try Image.check(operation, status)
    return values.map(Int.init)
  }

  /// `key=value,...` in libvips's option syntax.
  private static func options(_ operation: String, _ arguments: KeyValuePairs<String, VipsArgument>) throws -> String {
    try arguments.map { key, value in
      guard let text = value.text else {
        throw ImagingError(operation: operation, detail: "`\(key)` is not a finite number", reason: .processingFailed)
      }
      return "\(key)=\(text)"
    }.joined(separator: ",")
  }
}
