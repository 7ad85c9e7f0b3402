/// `crop 400x300 gravity=north` or `crop x,y,w,h`: cut out part of the image.
public enum Crop: Sendable, Hashable {
  /// A box of this size, placed by gravity; clamped to the image.
  case box(width: Int, height: Int, gravity: Gravity)
  /// An exact rectangle from the top-left corner; clipped to the image.
  case rect(x: Int, y: Int, width: Int, height: Int)

  static func parse(_ statement: Statement) -> (Step?, [Diagnostic]) {
    var reader = ArgumentReader(statement, keys: ["gravity"], positionals: 1...1, positionalHint: "like 400x300 or x,y,w,h")
    guard let argument = reader.positionals.first else { return (nil, reader.diagnostics.all) }
    let text = argument.value.value.lowercased()
    var crop: Crop?
    let commas = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces()) }
    if commas.count == 4 {
      if let x = commas[0], let y = commas[1], let w = commas[2], let h = commas[3], x >= 0, y >= 0, w > 0, h > 0 {
        crop = .rect(x: x, y: y, width: w, height: h)
        if let g = reader.argument("gravity") {
          reader.error("`gravity` does not apply to a crop at x,y; drop it or give only WxH", at: g.location)
        }
      } else {
        reader.invalid("x,y,width,height with x,y ≥ 0 and width,height ≥ 1", argument)
      }
    } else {
      let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
      if parts.count == 2, let w = parts[0], let h = parts[1], w > 0, h > 0 {
        crop = .box(width: w, height: h, gravity: reader.gravity("gravity", smart: true) ?? .anchor(.centre))
      } else {
        reader.invalid("a size like 400x300, or x,y,width,height", argument)
      }
    }
    return (reader.diagnostics.hasErrors ? nil : crop.map(Step.crop), reader.diagnostics.all)
  }

  public var summary: String {
    switch self {
    case .box(let w, let h, let g): return "crop: \(w)x\(h) from \(g.name)"
    case .rect(let x, let y, let w, let h): return "crop: \(w)x\(h) at \(x),\(y)"
    }
  }
}

extension Substring {
  func trimmingSpaces() -> Substring {
    var s = self
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return s
  }
}
