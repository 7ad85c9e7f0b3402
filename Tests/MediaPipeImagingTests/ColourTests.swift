import Foundation
import Testing

@testable import MediaPipeImaging

/// Colour-managed inputs come out as libvips's own conversion to sRGB makes
/// them (`vips icc_transform ... srgb --embedded`, or `colourspace` for LAB),
/// unless `metadata keep=icc` keeps the profile and the pixels.
@Suite struct ColourTests {
  /// libvips's reference conversion of `path`, written to a PNG with the `vips` CLI.
  func reference(_ path: String, lab: Bool = false) throws -> Image {
    let out = try temporaryFolder() + "/reference.png"
    if lab {
      _ = try runTool("vips", ["colourspace", path, out, "srgb"])
    } else {
      _ = try runTool("vips", ["icc_transform", path, out, "srgb", "--embedded", "--input-profile", "cmyk"])
    }
    return try Image.open(out, sequential: false)
  }

  /// A grid of pixels of both images agree within `tolerance`.
  func expectSameColours(_ a: Image, _ b: Image, tolerance: Int = 2, _ note: String) throws {
    #expect(a.width == b.width && a.height == b.height && a.bands == b.bands, "\(note)")
    for y in stride(from: 1, to: a.height, by: a.height / 7) {
      for x in stride(from: 1, to: a.width, by: a.width / 7) {
        let p = try a.rgb(x, y), q = try b.rgb(x, y)
        #expect(close(p, q, tolerance: tolerance), "\(note) at \(x),\(y): \(p) vs \(q)")
      }
    }
  }

  @Test(arguments: ["adobergb.png", "prophoto.tif", "p3.png", "grey-icc.jpg", "cmyk.jpg"])
  func profilesAreConvertedToSRGB(name: String) throws {
    let out = try single("compress png", name)
    try expectSameColours(out, try reference(fixture(name)), name)
    #expect(!out.has("icc-profile-data"))
  }

  @Test func cmykWithItsProfile() throws {
    let path = try temporaryFolder() + "/cmyk-icc.jpg"
    _ = try runTool("vips", ["icc_transform", fixture("adobergb.png"), path + "[Q=95]", "cmyk", "--embedded"])
    let input = try Image.open(path, sequential: false)
    #expect(input.bands == 4 && input.has("icc-profile-data"))
    try expectSameColours(try single("compress png", path), try reference(path), "cmyk with profile")
  }

  @Test func labTIFF() throws {
    let out = try single("compress png", "lab.tif")
    try expectSameColours(out, try reference(fixture("lab.tif"), lab: true), "lab.tif")
  }

  @Test(arguments: ["adobergb.png", "prophoto.tif", "p3.png"])
  func keepICCKeepsProfileAndPixels(name: String) throws {
    let input = try Image.open(fixture(name), sequential: false)
    let out = try single("metadata keep=icc\ncompress png", name)
    #expect(out.blob("icc-profile-data") == input.blob("icc-profile-data"))
    try expectSameColours(out, input, tolerance: 0, name)
  }

  @Test(arguments: ["prophoto.tif", "p3.png"])
  func theWideGamutFixturesReallyDifferFromSRGB(name: String) throws {
    // Without conversion the stored values are far from the sRGB ones: the tests above mean something.
    let stored = try Image.open(fixture(name), sequential: false)
    let converted = try reference(fixture(name))
    var largest = 0
    for (x, y) in [(20, 20), (80, 20), (140, 20), (20, 100), (80, 60), (140, 100)] {
      let p = try stored.rgb(x, y), q = try converted.rgb(x, y)
      largest = max(largest, zip(p, q).map { abs($0 - $1) }.max() ?? 0)
    }
    #expect(largest > 20, "\(name): \(largest)")
  }

  @Test func theP3FixtureCarriesDisplayP3() throws {
    // Its red primary, adapted to D50 as ICC profiles store it (Apple's Display P3: 0.5151 0.2412 -0.0011).
    let tags = try runTool(
      "exiftool", ["-s", "-s", "-s", "-ProfileDescription", "-RedMatrixColumn", fixture("p3.png")])
    #expect(tags.contains("Display P3") && tags.contains("0.51512 0.2412 -0.00105"), "\(tags)")
  }
}

/// HEIC and AVIF as phones make them: EXIF orientation, copyright and GPS.
@Suite struct PhonePhotoTests {
  @Test(arguments: ["phone.heic", "phone-av1.avif"])
  func shownAsStoredBecauseHEIFIgnoresTheEXIFOrientation(name: String) throws {
    let input = try Image.open(fixture(name), sequential: false)
    let out = try single("metadata keep=exif\ncompress jpeg", name)
    #expect(out.width == 200 && out.height == 300)
    #expect(close(try out.rgb(190, 10), try input.rgb(190, 10)))
    // The output must not say "rotate 90" about pixels that are already as shown.
    #expect(
      try exiftoolTags(
        try #require(try processWithProvenance("metadata keep=exif\ncompress jpeg", fixture(name)).first))[
          "IFD0:Orientation"] ?? "1" == "1")
  }

  @Test(arguments: ["phone.heic", "phone-av1.avif"])
  func compressSameWritesAVIF(name: String) throws {
    let outputs = try process("resize 100x100", name)
    let output = try #require(outputs.first)
    #expect(output.output.path.hasSuffix(".avif"))
    #expect(output.image.loader == "heifload")
    #expect(output.image.width == 67 && output.image.height == 100)
  }

  @Test(arguments: ["phone.heic", "phone-av1.avif"], ["jpeg", "webp"])
  func convertsKeepingCopyrightWithoutGPS(name: String, format: String) throws {
    let out = try #require(
      try processWithProvenance("metadata keep=copyright\ncompress \(format)", fixture(name)).first)
    let tags = try exiftoolTags(out)
    #expect(tags["IFD0:Copyright"] == "(c) 2026 Phone Owner", "\(tags)")
    // libvips 8.14's heifload reads EXIF and ICC but not XMP: the XMP rights are lost (documented).
    #expect(tags["XMP-dc:Rights"] == nil)
    #expect(
      tags.keys.filter { $0.contains("GPS") || $0.hasSuffix(":City") || $0.hasSuffix(":Make") }.isEmpty, "\(tags)")
    let image = try Image.open(out, sequential: false)
    #expect(image.width == 200 && image.height == 300)
  }
}
