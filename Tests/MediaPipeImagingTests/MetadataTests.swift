import Testing

@testable import MediaPipeImaging

/// photo.jpg carries Artist, Copyright, Make/Model, a body serial number and GPS.
@Suite struct MetadataTests {
  @Test func theInputReallyHasTheFields() throws {
    let input = try Image.open(fixture("photo.jpg"), sequential: false)
    #expect(input.has("exif-ifd0-Copyright") && input.has("exif-ifd3-GPSLatitude") && input.has("exif-ifd0-Make"))
  }

  @Test func stripIsTheDefault() throws {
    let image = try single("resize 100x100", "photo.jpg")
    #expect(!image.has("exif-data"))
    #expect(!image.has("exif-ifd3-GPSLatitude"))
    #expect(!image.has("icc-profile-data"))
  }

  @Test func keepCopyrightKeepsOnlyCopyrightAndArtist() throws {
    let image = try single("metadata keep=copyright", "photo.jpg")
    #expect(image.string("exif-ifd0-Copyright")?.hasPrefix("(c) 2026 Test Owner") == true)
    #expect(image.string("exif-ifd0-Artist")?.hasPrefix("Test Artist") == true)
    #expect(!image.has("exif-ifd3-GPSLatitude"))
    #expect(!image.has("exif-ifd0-Make"))
    #expect(!image.has("exif-ifd2-BodySerialNumber"))
  }

  @Test func keepExifDropsGPS() throws {
    let image = try single("metadata keep=exif", "photo.jpg")
    #expect(image.has("exif-ifd0-Make"))
    #expect(!image.has("exif-ifd3-GPSLatitude"))
    #expect(!image.has("exif-ifd3-GPSLongitude"))
  }

  @Test func keepAllKeepsGPS() throws {
    let image = try single("metadata keep=all", "photo.jpg")
    #expect(image.has("exif-ifd3-GPSLatitude"))
    #expect(image.has("exif-ifd0-Copyright"))
  }

  @Test func cmykIsConvertedToSRGB() throws {
    let image = try single("resize 100x100", "cmyk.jpg")
    #expect(image.bands == 3)
    #expect(image.interpretation.rawValue == 22)  // VIPS_INTERPRETATION_sRGB
  }
}
