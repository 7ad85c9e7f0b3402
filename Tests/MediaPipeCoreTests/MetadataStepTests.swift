import Testing

@testable import MediaPipeCore

@Suite struct MetadataStepTests {
  func policy(_ line: String) throws -> MetadataPolicy {
    try #require(compile(line).pipeline, "\(errors(line))").variants[0].metadata
  }

  @Test func oldSyntaxStillWorks() throws {
    #expect(try policy("metadata strip") == .strip)
    let all = try policy("metadata keep=all")
    #expect(all.all && all.keeps(.gps) && all.icc)
    let some = try policy("metadata keep=icc,copyright,exif")
    #expect(some.icc && some.copyright && some.exif && !some.keeps(.gps) && !some.keeps(.xmp))
  }

  @Test func groupsAndDrop() throws {
    let p = try policy("metadata keep=exif,xmp drop=camera,gps")
    #expect(p.keepsField(in: [.exif]) && p.keepsField(in: [.exif, .dates]))
    #expect(!p.keepsField(in: [.exif, .camera]) && !p.keepsField(in: [.exif, .gps]) && !p.keepsField(in: [.iptc]))
    let copyright = try policy("metadata keep=copyright")
    #expect(copyright.keepsField(in: [.iptc, .copyright]) && copyright.keepsField(in: [.xmp, .copyright]))
    #expect(!copyright.keepsField(in: [.exif]) && !copyright.icc)
  }

  @Test func gpsNeedsToBeKeptOnPurpose() throws {
    #expect(!(try policy("metadata keep=exif,xmp,iptc")).keepsField(in: [.exif, .gps]))
    #expect(try policy("metadata keep=copyright,gps").keepsField(in: [.xmp, .gps]))
    #expect(!(try policy("metadata drop=gps")).keepsField(in: [.exif, .gps]))
    #expect(try policy("metadata drop=gps").keepsField(in: [.exif, .camera]))
  }

  @Test func provenance() throws {
    let p = try policy("metadata provenance=yes")
    #expect(p.provenance && !p.stripsEverything && !p.keepsField(in: [.exif]))
    #expect(p.summary.contains("provenance"))
  }

  @Test func diagnostics() {
    #expect(errors("metadata keep=copyrite").first?.hasPrefix("1:15: expected all or a group") == true)
    #expect(errors("metadata keep=icc drop=al").first?.hasPrefix("1:24: expected a group") == true)
    #expect(errors("metadata strip drop=gps").first?.contains("not both") == true)
    #expect(errors("metadata").first?.contains("needs 'strip'") == true)
  }
}
