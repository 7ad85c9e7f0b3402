/// A length in pixels or as a percentage of some reference length.
public enum Length: Sendable, Hashable {
  case pixels(Int)
  case percent(Double)

  /// The length in pixels, given what 100% means; never below 1.
  public func pixels(of reference: Int) -> Int {
    switch self {
    case .pixels(let n): return n
    case .percent(let p): return max(1, clampedInt((Double(reference) * p / 100).rounded()))
    }
  }

  /// Like `pixels(of:)` but may be 0 (for margins).
  public func offset(of reference: Int) -> Int {
    switch self {
    case .pixels(let n): return n
    case .percent(let p): return clampedInt((Double(reference) * p / 100).rounded())
    }
  }

  public var description: String {
    switch self {
    case .pixels(let n): return "\(n)px"
    case .percent(let p): return "\(formatNumber(p))%"
    }
  }
}

/// An sRGB colour with alpha from 0 to 1.
public struct Color: Sendable, Hashable {
  public var red: UInt8
  public var green: UInt8
  public var blue: UInt8
  public var alpha: Double

  public init(red: UInt8, green: UInt8, blue: UInt8, alpha: Double = 1) {
    self.red = red
    self.green = green
    self.blue = blue
    self.alpha = alpha
  }

  public static let white = Color(red: 255, green: 255, blue: 255)
  public static let black = Color(red: 0, green: 0, blue: 0)

  /// Colour names accepted besides `#rgb`, `#rrggbb` and `#rrggbbaa`.
  public static let named: [String: Color] = [
    "white": .white, "black": .black,
    "red": Color(red: 255, green: 0, blue: 0), "green": Color(red: 0, green: 128, blue: 0),
    "lime": Color(red: 0, green: 255, blue: 0), "blue": Color(red: 0, green: 0, blue: 255),
    "yellow": Color(red: 255, green: 255, blue: 0), "orange": Color(red: 255, green: 165, blue: 0),
    "grey": Color(red: 128, green: 128, blue: 128), "gray": Color(red: 128, green: 128, blue: 128),
    "silver": Color(red: 192, green: 192, blue: 192),
    "transparent": Color(red: 0, green: 0, blue: 0, alpha: 0),
  ]

  /// `#rrggbb` (alpha dropped).
  public var hex: String {
    func h(_ v: UInt8) -> String {
      let s = String(v, radix: 16)
      return s.count == 1 ? "0" + s : s
    }
    return "#" + h(red) + h(green) + h(blue)
  }

  public var description: String {
    alpha < 1 ? "\(hex) at \(formatNumber(alpha * 100))%" : hex
  }

  /// Parses a colour name or hex notation (ASCII hex digits only).
  public static func parse(_ text: String) -> Color? {
    if let named = named[text.lowercased()] { return named }
    guard text.hasPrefix("#"), text.utf8.count <= 9 else { return nil }
    var nibbles: [UInt8] = []
    for c in text.dropFirst() {
      guard let v = NumberSyntax.hexValue(c) else { return nil }
      nibbles.append(v)
    }
    if nibbles.count == 3 || nibbles.count == 4 { nibbles = nibbles.flatMap { [$0, $0] } }
    guard nibbles.count == 6 || nibbles.count == 8 else { return nil }
    func byte(_ i: Int) -> UInt8 { nibbles[i] << 4 | nibbles[i + 1] }
    return Color(
      red: byte(0), green: byte(2), blue: byte(4),
      alpha: nibbles.count == 8 ? Double(byte(6)) / 255 : 1)
  }
}

/// Where something sits in a frame: the centre, an edge or a corner.
public enum Anchor: String, Sendable, Hashable, CaseIterable {
  case centre, north, south, east, west, northEast, northWest, southEast, southWest

  /// Every spelling accepted for each anchor.
  static let spellings: [String: Anchor] = [
    "centre": .centre, "center": .centre,
    "north": .north, "top": .north,
    "south": .south, "bottom": .south,
    "east": .east, "right": .east,
    "west": .west, "left": .west,
    "northeast": .northEast, "top-right": .northEast,
    "northwest": .northWest, "top-left": .northWest,
    "southeast": .southEast, "bottom-right": .southEast,
    "southwest": .southWest, "bottom-left": .southWest,
  ]

  /// The offset of a `size` box inside a `frame` box for this anchor.
  public func offset(size: (Int, Int), frame: (Int, Int), margin: (Int, Int) = (0, 0)) -> (x: Int, y: Int) {
    let (w, h) = size
    let (fw, fh) = frame
    let left = margin.0, top = margin.1
    let right = fw - w - margin.0, bottom = fh - h - margin.1
    let midX = (fw - w) / 2, midY = (fh - h) / 2
    switch self {
    case .centre: return (midX, midY)
    case .north: return (midX, top)
    case .south: return (midX, bottom)
    case .east: return (right, midY)
    case .west: return (left, midY)
    case .northEast: return (right, top)
    case .northWest: return (left, top)
    case .southEast: return (right, bottom)
    case .southWest: return (left, bottom)
    }
  }

  public var name: String {
    switch self {
    case .centre: return "centre"
    case .north: return "top"
    case .south: return "bottom"
    case .east: return "right"
    case .west: return "left"
    case .northEast: return "top-right"
    case .northWest: return "top-left"
    case .southEast: return "bottom-right"
    case .southWest: return "bottom-left"
    }
  }
}

/// Which part of an image a crop keeps.
public enum Gravity: Sendable, Hashable {
  /// A fixed anchor.
  case anchor(Anchor)
  /// libvips's smart crop: the region a person would most likely look at.
  case attention
  /// libvips's smart crop: the region with the most detail.
  case entropy

  static let words: [String] = Array(Anchor.spellings.keys).sorted() + ["attention", "entropy"]

  static func parse(_ text: String) -> Gravity? {
    switch text.lowercased() {
    case "attention", "smart": return .attention
    case "entropy": return .entropy
    default: return Anchor.spellings[text.lowercased()].map(Gravity.anchor)
    }
  }

  public var name: String {
    switch self {
    case .anchor(let a): return a.name
    case .attention: return "attention"
    case .entropy: return "entropy"
    }
  }
}

func formatNumber(_ value: Double) -> String {
  value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
