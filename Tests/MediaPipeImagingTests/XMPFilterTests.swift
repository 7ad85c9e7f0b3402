import MediaPipeCore
import Testing

@testable import MediaPipeImaging

@Suite struct XMPFilterTests {
  static let packet = """
    <?xpacket begin='\u{FEFF}' id='W5M0MpCehiHzreSzNTczkc9d'?>
    <x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
    <rdf:Description rdf:about='' xmlns:d='http://purl.org/dc/elements/1.1/' xmlns:exif='http://ns.adobe.com/exif/1.0/'
      exif:GPSLatitude='48,6.0N' d:format='image/jpeg'>
    <d:rights><rdf:Alt><rdf:li xml:lang='x-default'>Owner &amp; Co</rdf:li></rdf:Alt></d:rights>
    <exif:GPSLongitude>2,3.0E</exif:GPSLongitude>
    <exif:GPSAltitude rdf:resource='x'/>
    <!-- a comment -->
    </rdf:Description></rdf:RDF></x:xmpmeta>
    <?xpacket end='w'?>
    """

  func filtered(_ text: String, keep: @escaping (XMPFilter.Property) -> Bool) -> String? {
    XMPFilter(keeps: keep).apply(to: Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
  }

  @Test func dropsGPSAttributesAndElementsWhateverThePrefix() throws {
    let out = try #require(filtered(Self.packet) { !$0.name.hasPrefix("GPS") })
    #expect(!out.contains("GPS"))
    #expect(
      out.contains("<d:rights><rdf:Alt><rdf:li xml:lang='x-default'>Owner &amp; Co</rdf:li></rdf:Alt></d:rights>"))
    #expect(out.contains("d:format='image/jpeg'"))
    #expect(out.contains("xmlns:d='http://purl.org/dc/elements/1.1/'"))
    #expect(out.hasSuffix("<?xpacket end='w'?>"))
  }

  @Test func keepsOnlyWhatIsAsked() throws {
    let out = try #require(filtered(Self.packet) { $0 == .init(namespace: MetadataFields.dc, name: "rights") })
    #expect(!out.contains("format") && !out.contains("GPS") && out.contains("Owner &amp; Co"))
  }

  @Test func nothingLeftIsNil() {
    #expect(filtered(Self.packet) { _ in false } == nil)
  }

  @Test func addsProvenanceAndReplacesTheOldValue() throws {
    var filter = XMPFilter { _ in true }
    filter.additions = [("xmp", MetadataFields.xmp, "CreatorTool", "mediapipe <1>")]
    let text = Self.packet.replacingOccurrences(
      of: "d:format='image/jpeg'",
      with: "d:format='image/jpeg' xmlns:xap='http://ns.adobe.com/xap/1.0/' xap:CreatorTool='Old'")
    let out = String(decoding: try #require(filter.apply(to: Array(text.utf8))), as: UTF8.self)
    #expect(!out.contains("Old"))
    #expect(out.contains("<xmp:CreatorTool>mediapipe &lt;1&gt;</xmp:CreatorTool>"))
    #expect(out.contains("</rdf:Description>\n</rdf:RDF>"))
  }

  @Test func fallbacksFillOnlyWhatThePacketLacks() throws {
    var filter = XMPFilter { _ in true }
    filter.fallbacks = [
      .init(
        prefix: "dc", namespace: MetadataFields.dc, name: "rights", value: "EXIF <owner>", form: .languageAlternative),
      .init(prefix: "dc", namespace: MetadataFields.dc, name: "creator", value: "EXIF artist", form: .orderedList),
    ]
    let out = String(decoding: try #require(filter.apply(to: Array(Self.packet.utf8))), as: UTF8.self)
    // The packet's own rights (under another prefix) win; the creator it lacks is added.
    #expect(out.contains("Owner &amp; Co") && !out.contains("EXIF &lt;owner&gt;"), "\(out)")
    #expect(out.contains("<dc:creator><rdf:Seq><rdf:li>EXIF artist</rdf:li></rdf:Seq></dc:creator>"), "\(out)")
    // With no packet at all, both are written, the rights as a language alternative.
    let fresh = String(decoding: filter.packetWithAdditionsOnly(), as: UTF8.self)
    #expect(
      fresh.contains(
        "<dc:rights><rdf:Alt><rdf:li xml:lang='x-default'>EXIF &lt;owner&gt;</rdf:li></rdf:Alt></dc:rights>"))
    #expect(XMPFilter { _ in true }.apply(to: filter.packetWithAdditionsOnly()) != nil, "a packet it reads back")
  }

  @Test func exifStringFieldsAsLibvipsWritesThem() {
    #expect(
      MetadataPolicy.exifValue(
        "(c) 2026 Test Owner ((c) 2026 Test Owner (Photographer) - [None] (Editor), ASCII, 20 components, 20 bytes)")
        == "(c) 2026 Test Owner")
    #expect(MetadataPolicy.exifValue("Test Artist (Test Artist, ASCII, 12 components, 12 bytes)") == "Test Artist")
    // As libvips 8.14 gives them (exiftool wrote the values): parentheses left open
    // in the value, and so in the description; UTF-8 (M counts bytes).
    #expect(
      MetadataPolicy.exifValue(
        "Smith :-) (c (Smith :-) (c (Photographer) - [None] (Editor), ASCII, 13 components, 13 bytes)")
        == "Smith :-) (c")
    #expect(
      MetadataPolicy.exifValue("Ünïcode (x) ☺ (Ünïcode (x) ☺, ASCII, 18 components, 18 bytes)") == "Ünïcode (x) ☺")
    // A Copyright naming an editor one byte longer than the photographer ("Smith\0Jones!\0":
    // M is 13, and byte 12 happens to start " (" too).
    #expect(
      MetadataPolicy.exifValue("Smith (Smith (Photographer) - Jones! (Editor), ASCII, 13 components, 13 bytes)")
        == "Smith")
    // Padded with NULs: M is more than the text.
    #expect(MetadataPolicy.exifValue("ACME (ACME, ASCII, 20 components, 20 bytes)") == "ACME")
    #expect(MetadataPolicy.exifValue("no description") == nil)
    #expect(MetadataPolicy.exifValue("unbalanced )") == nil)
  }

  @Test(arguments: [
    "", "<x>", "<a></b>", "<!DOCTYPE x [<!ENTITY e 'boom'>]><x/>", "<a b='<'/>", "<a b='&unknown;'/>",
    "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description><u:x/></rdf:Description></rdf:RDF>",
    "<?xpacket", "<!-- open", String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100),
  ])
  func unreadablePacketsAreDropped(text: String) {
    #expect(filtered(text) { _ in true } == nil)
  }

  /// Every prefix and every one-byte corruption of a real packet: never a
  /// crash, and whatever comes out still has no GPS.
  @Test func mutationsNeverLeakGPS() {
    let bytes = Array(Self.packet.utf8)
    let filter = XMPFilter { !$0.name.hasPrefix("GPS") }
    for cut in 0...bytes.count {
      if let out = filter.apply(to: Array(bytes[0..<cut])) {
        #expect(!String(decoding: out, as: UTF8.self).contains("GPSL"))
      }
    }
    for i in stride(from: 0, to: bytes.count, by: 3) {
      for replacement in [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "/"), 0] {
        var mutated = bytes
        mutated[i] = replacement
        if let out = filter.apply(to: mutated) {
          #expect(!String(decoding: out, as: UTF8.self).contains("GPSLongitude>2"))
        }
      }
    }
  }
}

@Suite struct IPTCFilterTests {
  static func dataset(_ record: UInt8, _ number: UInt8, _ value: String) -> [UInt8] {
    let v = Array(value.utf8)
    return [0x1C, record, number, UInt8(v.count >> 8), UInt8(v.count & 0xFF)] + v
  }
  static let iim =
    dataset(1, 90, "\u{1B}%G") + dataset(2, 0, "\u{0}\u{4}") + dataset(2, 116, "Notice")
    + dataset(2, 90, "Paris") + dataset(2, 25, "kw")

  static func photoshop(_ iim: [UInt8], extra: Bool = true) -> [UInt8] {
    var out = IPTCFilter.photoshopHeader
    if extra { out += Array("8BIM".utf8) + [0x04, 0x0C, 0, 0, 0, 0, 0, 3, 1, 2, 3, 0] }  // a thumbnail, padded
    out += Array("8BIM".utf8) + [0x04, 0x04, 0, 0, 0, 0, UInt8(iim.count >> 8), UInt8(iim.count & 0xFF)] + iim
    if iim.count % 2 == 1 { out.append(0) }
    return out
  }

  @Test func keepsChosenDatasetsInEitherContainer() throws {
    let filter = IPTCFilter { record, number in record == 2 && number == 116 }
    let want = Self.dataset(1, 90, "\u{1B}%G") + Self.dataset(2, 0, "\u{0}\u{4}") + Self.dataset(2, 116, "Notice")
    #expect(filter.apply(to: Self.iim, writing: .bare) == want)
    #expect(filter.apply(to: Self.photoshop(Self.iim), writing: .bare) == want)
    #expect(filter.apply(to: Self.iim + [0, 0, 0], writing: .bare) == want)  // TIFF's padding
    #expect(filter.apply(to: Self.iim, writing: .photoshop) == Self.photoshop(want, extra: false))
  }

  @Test func nothingKeptOrUnreadableIsNil() {
    let all = IPTCFilter { _, _ in true }
    #expect(IPTCFilter { _, _ in false }.apply(to: Self.iim, writing: .bare) == nil)
    #expect(all.apply(to: [0x1C, 2, 116, 0xFF, 0xFF, 1], writing: .bare) == nil)
    #expect(all.apply(to: [0x1C, 2, 116, 0x80, 0x09], writing: .bare) == nil)
    #expect(
      all.apply(to: Array("Photoshop 3.0\0".utf8) + Array("8BIM".utf8) + [4, 4, 0, 0, 0xFF, 0, 0, 0], writing: .bare)
        == nil)
    let iim = Self.iim
    for cut in 0..<iim.count { _ = all.apply(to: Array(iim[0..<cut]), writing: .photoshop) }
    let ps = Self.photoshop(iim)
    for cut in 0..<ps.count { _ = all.apply(to: Array(ps[0..<cut]), writing: .bare) }
  }
}
