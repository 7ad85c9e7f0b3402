/// `crop 400x300 gravity=north` or `crop x,y,w,h`: cut out part of the image.
public enum Crop: PipelineStep {
  /// A box of this size, placed by gravity; clamped to the image.
  case box(width: Int, height: Int, gravity: Gravity)
  /// An exact rectangle from the top-left corner; clipped to the image.
  case rect(x: Int, y: Int, width: Int, height: Int)

  public static let name = "crop"
  public static let kind = StepKind.image
  public static let schema = StepSchema(
    keys: ["gravity"], positionals: 1...1, positionalHint: "like 400x300 or x,y,w,h")
  public static let documentation = StepDocumentation(
    syntax: "crop WxH [gravity=...] | crop X,Y,W,H", description: "Cut out part of the image.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> Crop? {
    guard let argument = reader.positionals.first else { return nil }
    let text = argument.value.value.lowercased()
    var crop: Crop?
    let maxSide = PipelineLimits.maxSide
    let commas = text.split(separator: ",", omittingEmptySubsequences: false).map {
      NumberSyntax.integer($0.trimmingSpaces())
    }
    if commas.count == 4 {
      if let x = commas[0], let y = commas[1], let w = commas[2], let h = commas[3], x <= maxSide, y <= maxSide, w > 0,
        w <= maxSide, h > 0, h <= maxSide
      {
        crop = .rect(x: x, y: y, width: w, height: h)
        if let g = reader.argument("gravity") {
          reader.error("`gravity` does not apply to a crop at x,y; drop it or give only WxH", at: g.location)
        }
      } else {
        reader.invalid("x,y,width,height with x,y from 0 to \(maxSide) and width,height from 1 to \(maxSide)", argument)
      }
    } else {
      let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { NumberSyntax.integer($0) }
      if parts.count == 2, let w = parts[0], let h = parts[1], w > 0, h > 0, w <= maxSide, h <= maxSide {
        crop = .box(width: w, height: h, gravity: reader.gravity("gravity", smart: true) ?? .anchor(.centre))
      } else {
        reader.invalid("a size like 400x300 (sides from 1 to \(maxSide)), or x,y,width,height", argument)
      }
    }
    return crop
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
