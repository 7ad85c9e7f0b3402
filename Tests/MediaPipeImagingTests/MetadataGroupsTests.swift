import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// Runs a command-line tool and returns its standard output (tests only).
func runTool(_ tool: String, _ arguments: [String]) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [tool] + arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = FileHandle.nullDevice
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return String(decoding: data, as: UTF8.self)
}

/// Every tag exiftool reads from `path`, as "Group1:Tag" -> value.
func exiftoolTags(_ path: String) throws -> [String: String] {
  var tags: [String: String] = [:]
  for line in try runTool("exiftool", ["-G1", "-a", "-s", "-n", path]).split(separator: "\n") {
    guard let colon = line.range(of: ": ") else { continue }
    let key = line[..<colon.lowerBound].split(separator: " ", omittingEmptySubsequences: true)
    guard key.count == 2 else { continue }
    let group = key[0].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    if ["ExifTool", "System", "File", "Composite"].contains(group) { continue }
    tags["\(group):\(key[1])"] = String(line[colon.upperBound...])
  }
  return tags
}

/// photo.jpg (EXIF copyright, camera, dates and GPS) with XMP and IPTC
/// copyright, creator and location added by exiftool.
func photoWithAllMetadata() throws -> String {
  let path = try temporaryFolder() + "/tagged.jpg"
  try FileManager.default.copyItem(atPath: fixture("photo.jpg"), toPath: path)
  _ = try runTool(
    "exiftool",
    [
      "-q", "-overwrite_original", "-XMP-dc:Rights=XMP Rights Owner", "-XMP-dc:Creator=XMP Creator",
      "-XMP-xmpRights:Marked=True", "-XMP-exif:GPSLatitude=48.1 N", "-XMP-exif:GPSLongitude=2.3 E",
      "-XMP-photoshop:City=Paris", "-XMP-tiff:Make=XMPMake", "-XMP-xmp:CreateDate=2020:01:02 03:04:05",
      "-XMP-xmp:CreatorTool=Some Editor", "-IPTC:CopyrightNotice=IPTC Notice", "-IPTC:By-line=IPTC Byline",
      "-IPTC:City=Paris", "-IPTC:Country-PrimaryLocationName=France", "-IPTC:Keywords=holiday",
      "-IPTC:DateCreated=2020:01:02", path,
    ])
  return path
}

/// Runs pipeline text over one file in-process, with provenance, and returns the output paths.
func processWithProvenance(_ source: String, _ path: String, pipeline fingerprint: String? = "abc123") throws
  -> [String]
{
  oneImageAtATime.lock()
  defer { oneImageAtATime.unlock() }
  try VipsRuntime.start()
  let compiled = PipelineCompiler.compile(source: source, file: "test.pipeline", baseDirectory: "/")
  let pipeline = try #require(compiled.pipeline, "\(compiled.diagnostics)")
  let folder = try temporaryFolder()
  let processor = ImageProcessor(pipeline: pipeline)
  processor.provenance = Provenance(pipeline: fingerprint)
  return try processor.process(.init(path: path, outputRoot: folder, relativeDirectory: "")) { path, write in
    try write(path)
  }.map(\.path)
}

/// The output formats and which metadata containers libvips 8.14 writes in them.
let metadataFormats: [(format: String, exif: Bool, xmp: Bool, iptc: Bool)] = [
  ("jpeg", true, true, true), ("png", true, true, false), ("webp", true, true, false),
  ("tiff", false, true, true), ("avif", true, true, false),
]

@Suite struct MetadataGroupsTests {
  @Test func theTaggedInputHasEverything() throws {
    let tags = try exiftoolTags(try photoWithAllMetadata())
    for key in [
      "IFD0:Copyright", "GPS:GPSLatitude", "XMP-dc:Rights", "XMP-exif:GPSLatitude", "IPTC:CopyrightNotice", "IPTC:City",
    ] {
      #expect(tags[key] != nil, "\(key)")
    }
  }

  @Test(arguments: metadataFormats.map(\.format))
  func keepCopyrightKeepsItInEveryContainerAndDropsGPS(format: String) throws {
    let spec = try #require(metadataFormats.first { $0.format == format })
    let out = try #require(
      try processWithProvenance("metadata keep=copyright\ncompress \(format)", try photoWithAllMetadata()).first)
    let tags = try exiftoolTags(out)
    if spec.exif {
      #expect(tags["IFD0:Copyright"] == "(c) 2026 Test Owner", "\(tags)")
      #expect(tags["IFD0:Artist"] == "Test Artist")
      #expect(tags["IFD0:Make"] == nil)
      #expect(tags["ExifIFD:SerialNumber"] == nil && tags["ExifIFD:DateTimeOriginal"] == nil)
    }
    if spec.xmp {
      #expect(tags["XMP-dc:Rights"] == "XMP Rights Owner", "\(tags)")
      #expect(tags["XMP-dc:Creator"] == "XMP Creator")
      #expect(tags["XMP-xmpRights:Marked"] != nil)
      #expect(tags["XMP-tiff:Make"] == nil && tags["XMP-xmp:CreateDate"] == nil && tags["XMP-xmp:CreatorTool"] == nil)
    }
    if spec.iptc {
      #expect(tags["IPTC:CopyrightNotice"] == "IPTC Notice", "\(tags)")
      #expect(tags["IPTC:By-line"] == "IPTC Byline")
      #expect(tags["IPTC:Keywords"] == nil && tags["IPTC:DateCreated"] == nil)
    }
    let location = tags.keys.filter { $0.contains("GPS") || $0.hasSuffix(":City") || $0.contains("Country") }
    #expect(location.isEmpty, "\(location)")
  }

  /// A TIFF holds no EXIF (libvips 8.14): copyright and artist only in EXIF go into its XMP.
  @Test(arguments: ["metadata keep=copyright", "metadata keep=exif,copyright drop=gps"])
  func exifCopyrightReachesATIFFThroughXMP(policy: String) throws {
    let out = try #require(try processWithProvenance("\(policy)\ncompress tiff", fixture("photo.jpg")).first)
    let tags = try exiftoolTags(out)
    #expect(tags["XMP-dc:Rights"] == "(c) 2026 Test Owner", "\(tags)")
    #expect(tags["XMP-dc:Creator"] == "Test Artist", "\(tags)")
    #expect(!tags.keys.contains { $0.contains("GPS") }, "\(tags)")
    let stripped = try exiftoolTags(
      try #require(try processWithProvenance("metadata keep=icc\ncompress tiff", fixture("photo.jpg")).first))
    #expect(stripped["XMP-dc:Rights"] == nil, "not kept: not carried over")
  }

  /// The copyright carried from EXIF into a TIFF's XMP is XMP: where XMP is dropped,
  /// or the policy keeps EXIF but not copyright, the TIFF gets none.
  @Test(arguments: ["metadata keep=exif,copyright drop=xmp", "metadata keep=exif"])
  func exifCopyrightStaysOutOfXMPThePolicyDrops(policy: String) throws {
    let out = try #require(try processWithProvenance("\(policy)\ncompress tiff", fixture("photo.jpg")).first)
    let tags = try exiftoolTags(out)
    #expect(!tags.keys.contains { $0.hasPrefix("XMP") }, "\(policy): \(tags)")
  }

  @Test(arguments: metadataFormats.map(\.format))
  func gpsSurvivesOnlyWhenKept(format: String) throws {
    let spec = try #require(metadataFormats.first { $0.format == format })
    let input = try photoWithAllMetadata()
    let kept = try exiftoolTags(
      try #require(try processWithProvenance("metadata keep=copyright,gps\ncompress \(format)", input).first))
    if spec.exif { #expect(kept["GPS:GPSLatitude"] != nil, "\(kept)") }
    if spec.xmp { #expect(kept["XMP-exif:GPSLatitude"] != nil && kept["XMP-photoshop:City"] != nil) }
    if spec.iptc { #expect(kept["IPTC:City"] == "Paris") }
    let dropped = try exiftoolTags(
      try #require(try processWithProvenance("metadata keep=all drop=gps\ncompress \(format)", input).first))
    #expect(dropped.keys.filter { $0.contains("GPS") || $0.hasSuffix(":City") }.isEmpty, "\(dropped)")
    if spec.exif { #expect(dropped["IFD0:Make"] == "Canon") }
    if spec.xmp { #expect(dropped["XMP-tiff:Make"] == "XMPMake") }
    if spec.iptc { #expect(dropped["IPTC:Keywords"] == "holiday") }
  }

  @Test func groupsCombineWithDrop() throws {
    let out = try #require(
      try processWithProvenance("metadata keep=exif,xmp drop=camera,copyright", try photoWithAllMetadata()).first)
    let tags = try exiftoolTags(out)
    #expect(tags["ExifIFD:DateTimeOriginal"] != nil)
    #expect(tags["IFD0:Make"] == nil && tags["IFD0:Copyright"] == nil && tags["ExifIFD:SerialNumber"] == nil)
    #expect(tags["XMP-xmp:CreateDate"] != nil && tags["XMP-dc:Rights"] == nil && tags["XMP-tiff:Make"] == nil)
    #expect(tags["IPTC:CopyrightNotice"] == nil)
  }

  @Test func stripLeavesNothing() throws {
    let out = try #require(try processWithProvenance("resize 100x100", try photoWithAllMetadata()).first)
    let tags = try exiftoolTags(out)
    #expect(tags.keys.filter { $0.hasPrefix("IFD0") || $0.hasPrefix("XMP") || $0.hasPrefix("IPTC") }.isEmpty, "\(tags)")
  }

  /// `metadata strip` in every format (libvips 8.14.1's webpsave ignores its own `strip`).
  @Test(arguments: metadataFormats.map(\.format) + ["jxl"])
  func stripLeavesNothingInAnyFormat(format: String) throws {
    let out = try #require(
      try processWithProvenance("metadata strip\ncompress \(format)", try photoWithAllMetadata()).first)
    let tags = try exiftoolTags(out)
    // What the photo carried: location, owner, camera, dates, XMP, IPTC, profile. (A
    // saver may still write structural tags of its own: resolution, TIFF's strips.)
    let left = tags.keys.filter { key in
      key.hasPrefix("XMP") || key.hasPrefix("IPTC") || key.hasPrefix("GPS") || key.hasPrefix("ICC")
        || ["Copyright", "Artist", "Make", "Model", "SerialNumber", "DateTimeOriginal", "MakerNote", "City"]
          .contains { key.hasSuffix(":" + $0) }
    }
    #expect(left.isEmpty, "\(format): \(left.sorted())")
  }

  @Test(arguments: ["jpeg", "png", "webp", "tiff", "avif"])
  func provenanceNamesToolAndPipeline(format: String) throws {
    let out = try #require(
      try processWithProvenance("metadata provenance=yes\ncompress \(format)", try photoWithAllMetadata()).first)
    let tags = try exiftoolTags(out)
    #expect(tags["XMP-xmp:CreatorTool"] == "mediapipe \(MediaPipeVersion.current)", "\(tags)")
    #expect(tags["XMP-mediapipe:Pipeline"] == "abc123", "\(tags)")
    if format != "tiff" { #expect(tags["IFD0:Software"] == "mediapipe \(MediaPipeVersion.current)") }
    #expect(tags["XMP-dc:Rights"] == nil && tags["GPS:GPSLatitude"] == nil && tags["IFD0:Copyright"] == nil)
  }

  @Test func provenanceReplacesTheOldCreatorTool() throws {
    let out = try #require(
      try processWithProvenance("metadata keep=xmp provenance=yes", try photoWithAllMetadata()).first)
    let tags = try exiftoolTags(out)
    #expect(tags["XMP-xmp:CreatorTool"] == "mediapipe \(MediaPipeVersion.current)")
    #expect(tags["XMP-dc:Rights"] == "XMP Rights Owner")
  }
}
