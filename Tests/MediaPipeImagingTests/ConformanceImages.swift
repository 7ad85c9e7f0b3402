import CVips
import CVipsShims
import Foundation
import Testing

@testable import MediaPipeImaging

/// The images of the conformance matrix, made at test time with libvips (and
/// `cjpeg` for 4:2:2, which libvips 8.14 cannot write).
///
/// Every image shows the same upright scene: four quadrants of distinct colours
/// (red top-left, green top-right, blue bottom-left, white bottom-right) under a
/// faint diagonal ramp, with thin stripes in the middle that show any sub-pixel
/// shift. Images with an EXIF orientation store the scene turned so that the
/// orientation brings it upright again.
struct ConformanceImage: CustomTestStringConvertible, Sendable {
  /// A name saying what the case is ("jpeg-progressive-444-o6-640x480").
  var name: String
  var path: String
  /// The size once upright.
  var width: Int
  var height: Int
  /// Whether the quadrant colours can be checked (big enough, in colour, not a palette).
  var checksColours: Bool

  var testDescription: String { name }
}

enum Quadrant: CaseIterable {
  case topLeft, topRight, bottomLeft, bottomRight

  var colour: [Double] {
    switch self {
    case .topLeft: return [230, 30, 30]
    case .topRight: return [30, 200, 40]
    case .bottomLeft: return [40, 50, 220]
    case .bottomRight: return [240, 240, 240]
    }
  }
}

enum ConformanceImages {
  /// The upright scene as interleaved 8-bit samples (`bands` 1, 3 or 4; 4 has alpha).
  static func scene(width w: Int, height h: Int, bands: Int) -> [UInt8] {
    var data = [UInt8](repeating: 0, count: w * h * bands)
    for y in 0..<h {
      for x in 0..<w {
        let quadrant: Quadrant =
          y * 2 < h ? (x * 2 < w ? .topLeft : .topRight) : (x * 2 < w ? .bottomLeft : .bottomRight)
        var rgb = quadrant.colour.map { $0 * 0.85 + 38 * Double(x + y) / Double(max(1, w + h - 2)) }
        // Stripes two pixels wide across the middle fifth of the height.
        if abs(y * 5 - h * 5 / 2) < h / 2, (x / 2) % 2 == 0 { rgb = rgb.map { $0 * 0.6 } }
        let o = (y * w + x) * bands
        if bands == 1 {
          data[o] = UInt8(min(255, 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2]))
        } else {
          for b in 0..<3 { data[o + b] = UInt8(min(255, rgb[b])) }
          // A translucent left quarter (clear of GIF's 50 % transparency threshold).
          if bands == 4 { data[o + 3] = x * 4 < w ? 96 : 255 }
        }
      }
    }
    return data
  }

  /// An image from 8-bit samples; `sixteen` stretches them to 16 bits.
  static func image(width: Int, height: Int, bands: Int, sixteen: Bool = false, cmyk: Bool = false) throws -> Image {
    var samples = scene(width: width, height: height, bands: bands)
    if cmyk {
      // Naive RGB -> CMYK; libvips converts it back through its CMYK profile.
      var out = [UInt8](repeating: 0, count: width * height * 4)
      for i in 0..<(width * height) {
        let r = Double(samples[i * 3]), g = Double(samples[i * 3 + 1]), b = Double(samples[i * 3 + 2])
        let k = 255 - max(r, g, b)
        let scale = k < 255 ? 255 / (255 - k) : 0
        out[i * 4] = UInt8((255 - r - k) * scale)
        out[i * 4 + 1] = UInt8((255 - g - k) * scale)
        out[i * 4 + 2] = UInt8((255 - b - k) * scale)
        out[i * 4 + 3] = UInt8(k)
      }
      samples = out
    }
    let outBands = cmyk ? 4 : bands
    let pointer: UnsafeMutablePointer<VipsImage>?
    if sixteen {
      let wide = samples.map { UInt16($0) * 257 }
      pointer = wide.withUnsafeBytes {
        vips_image_new_from_memory_copy(
          $0.baseAddress, $0.count, Int32(width), Int32(height), Int32(outBands), VIPS_FORMAT_USHORT)
      }
    } else {
      pointer = samples.withUnsafeBytes {
        vips_image_new_from_memory_copy(
          $0.baseAddress, $0.count, Int32(width), Int32(height), Int32(outBands), VIPS_FORMAT_UCHAR)
      }
    }
    let image = Image(owning: try #require(pointer))
    image.pointer.pointee.Type =
      cmyk
      ? VIPS_INTERPRETATION_CMYK
      : bands < 3
        ? (sixteen ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
        : (sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB)
    return image
  }

  /// The stored form of an upright image for EXIF `orientation` (the inverse of
  /// what autorotation does), with the orientation tag set.
  static func stored(_ upright: Image, orientation: Int) throws -> Image {
    var image = upright
    switch orientation {
    case 2: image = try image.flipped(vertical: false)
    case 3: image = try image.rotated(degrees: 180)
    case 4: image = try image.flipped(vertical: true)
    case 5: image = try image.rotated(degrees: 90).flipped(vertical: false)
    case 6: image = try image.rotated(degrees: 270)
    case 7: image = try image.rotated(degrees: 270).flipped(vertical: false)
    case 8: image = try image.rotated(degrees: 90)
    default: break
    }
    image = try image.copy()
    vips_image_set_int(image.pointer, "orientation", Int32(orientation))
    return image
  }

  static func save(_ image: Image, _ nameWithOptions: String) throws {
    try Image.check("save \(nameWithOptions)", cvips_save_with_options(image.pointer, nameWithOptions))
  }

  /// Makes every image of the matrix in `folder`.
  static func make(in folder: String) throws -> [ConformanceImage] {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var images: [ConformanceImage] = []
    func add(_ name: String, _ file: String, _ w: Int, _ h: Int, colours: Bool = true) {
      images.append(
        .init(name: name, path: folder + "/" + file, width: w, height: h, checksColours: colours && min(w, h) >= 16))
    }

    // EXIF orientations 1-8, baseline and progressive, 4:2:0; one big enough for
    // the 1/8 DC-scan decode of a 300-px target.
    for (w, h) in [(640, 480), (2600, 1700)] {
      let upright = try image(width: w, height: h, bands: 3)
      for orientation in 1...8 {
        let stored = try stored(upright, orientation: orientation)
        for progressive in [false, true] {
          let kind = progressive ? "progressive" : "baseline"
          let file = "o\(orientation)-\(kind)-\(w)x\(h).jpg"
          try save(stored, folder + "/" + file + "[Q=90\(progressive ? ",interlace" : "")]")
          add("jpeg-\(kind)-o\(orientation)-\(w)x\(h)", file, w, h)
        }
      }
    }

    // JPEG flavours at 640x480.
    let rgb = try image(width: 640, height: 480, bands: 3)
    for progressive in [false, true] {
      let kind = progressive ? "progressive" : "baseline"
      let p = progressive ? ",interlace" : ""
      try save(rgb, folder + "/\(kind)-420.jpg[Q=90,subsample_mode=on\(p)]")
      add("jpeg-\(kind)-420", "\(kind)-420.jpg", 640, 480)
      try save(rgb, folder + "/\(kind)-444.jpg[Q=90,subsample_mode=off\(p)]")
      add("jpeg-\(kind)-444", "\(kind)-444.jpg", 640, 480)
      try save(try image(width: 640, height: 480, bands: 1), folder + "/\(kind)-grey.jpg[Q=90\(p)]")
      add("jpeg-\(kind)-grey", "\(kind)-grey.jpg", 640, 480, colours: false)
      try save(try image(width: 640, height: 480, bands: 3, cmyk: true), folder + "/\(kind)-cmyk.jpg[Q=90\(p)]")
      // Colours pass through libvips's CMYK profile: only the routes are compared.
      add("jpeg-\(kind)-cmyk", "\(kind)-cmyk.jpg", 640, 480, colours: false)
      try save(rgb, folder + "/\(kind)-restart.jpg[Q=90,restart_interval=3\(p)]")
      add("jpeg-\(kind)-restart-markers", "\(kind)-restart.jpg", 640, 480)
      // 4:2:2 through libjpeg's own encoder.
      try save(rgb, folder + "/rgb.ppm")
      let cjpeg = try run(
        "cjpeg",
        ["-quality", "90", "-sample", "2x1"] + (progressive ? ["-progressive"] : []) + [
          "-outfile", folder + "/\(kind)-422.jpg", folder + "/rgb.ppm",
        ])
      #expect(cjpeg == 0, "cjpeg (libjpeg-turbo-progs, installed by scripts/setup.sh) makes the 4:2:2 JPEGs")
      add("jpeg-\(kind)-422", "\(kind)-422.jpg", 640, 480)
    }

    // PNG, WebP, TIFF, GIF, HEIC, AVIF.
    try save(rgb, folder + "/rgb8.png")
    add("png-8bit", "rgb8.png", 640, 480)
    try save(try image(width: 640, height: 480, bands: 4), folder + "/rgba8.png")
    add("png-8bit-alpha", "rgba8.png", 640, 480)
    try save(try image(width: 640, height: 480, bands: 3, sixteen: true), folder + "/rgb16.png")
    add("png-16bit", "rgb16.png", 640, 480)
    try save(try image(width: 640, height: 480, bands: 4, sixteen: true), folder + "/rgba16.png")
    add("png-16bit-alpha", "rgba16.png", 640, 480)
    try save(rgb, folder + "/palette.png[palette]")
    add("png-palette", "palette.png", 640, 480)
    try save(try image(width: 640, height: 480, bands: 1, sixteen: true), folder + "/grey16.png")
    add("png-grey-16bit", "grey16.png", 640, 480, colours: false)
    try save(rgb, folder + "/lossy.webp[Q=90]")
    add("webp-lossy", "lossy.webp", 640, 480)
    try save(try image(width: 640, height: 480, bands: 4), folder + "/lossless-alpha.webp[lossless]")
    add("webp-lossless-alpha", "lossless-alpha.webp", 640, 480)
    try save(try image(width: 640, height: 480, bands: 4), folder + "/lossy-alpha.webp[Q=90]")
    add("webp-lossy-alpha", "lossy-alpha.webp", 640, 480)
    try save(rgb, folder + "/rgb.tif")
    add("tiff", "rgb.tif", 640, 480)
    try save(try stored(rgb, orientation: 6), folder + "/o6.tif")
    add("tiff-o6", "o6.tif", 640, 480)
    try save(rgb, folder + "/rgb.gif")
    add("gif", "rgb.gif", 640, 480)
    // Animations: three frames of the scene, kept frame by frame where the output animates.
    let frame = try image(width: 320, height: 240, bands: 3)
    let animation = try Image.joined(frames: [frame, frame, frame], delays: [80, 120, 160], loop: 0)
    try save(animation, folder + "/animated.gif")
    add("gif-animated", "animated.gif", 320, 240)
    try save(animation, folder + "/animated.webp[Q=90]")
    add("webp-animated", "animated.webp", 320, 240)
    let small = try image(width: 320, height: 240, bands: 3)
    try save(small, folder + "/photo.heic[compression=hevc,Q=90]")
    add("heic", "photo.heic", 320, 240)
    try save(small, folder + "/photo.avif[compression=av1,Q=90,effort=2]")
    add("avif", "photo.avif", 320, 240)

    // Sizes: tiny, thin, exactly the resize target, larger than it.
    // Strips a few pixels across, whose JPEG blocks are mostly partial (a 3x1000
    // strip decoded at 1/2 once lost a third of its picture).
    for (w, h) in [
      (1, 1), (2, 2), (3, 7), (17, 5), (1, 500), (500, 1), (3, 1000), (1000, 5), (25, 4000), (300, 200), (1200, 900),
    ] {
      let upright = try image(width: w, height: h, bands: 3)
      for (kind, file, options) in [
        ("jpeg-baseline", "jpg", "[Q=90]"), ("jpeg-progressive", "jpg", "[Q=90,interlace]"), ("png", "png", ""),
        ("webp", "webp", "[Q=90]"),
      ] {
        let name = "\(kind)-\(w)x\(h)"
        try save(upright, folder + "/\(name).\(file)\(options)")
        add(name, "\(name).\(file)", w, h)
      }
    }
    return images
  }

  /// Runs a program from PATH; its exit status.
  static func run(_ program: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
