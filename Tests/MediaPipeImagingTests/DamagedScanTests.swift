import CVips
import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeImaging

/// The 1/8 DC-scan decode leaves a progressive JPEG's AC scans unread, so it
/// must refuse what libvips's loader refuses in them: bad component ids, bad
/// spectral bands, undefined Huffman tables, bogus lengths. Same file, same
/// verdict, at every size.
@Suite(.serialized) struct DamagedScanTests {
  /// A progressive 4:4:4 JPEG, as bytes (Q 85, 320x240: 1/8 is 40x30).
  static func progressive() throws -> [UInt8] {
    let folder = try temporaryFolder()
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    try VipsRuntime.start()
    let image = try ConformanceImages.image(width: 320, height: 240, bands: 3)
    try ConformanceImages.save(image, folder + "/p.jpg[Q=85,interlace,subsample_mode=off]")
    return Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/p.jpg")))
  }

  /// Where each marker segment's header starts (after FF xx), with its marker.
  static func segments(_ bytes: [UInt8]) -> [(marker: UInt8, body: Range<Int>)] {
    var found: [(UInt8, Range<Int>)] = []
    var i = 2
    while i + 4 <= bytes.count, bytes[i] == 0xFF {
      let marker = bytes[i + 1]
      if marker == 0xD9 { break }
      let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
      found.append((marker, (i + 4)..<min(bytes.count, i + 2 + length)))
      i += 2 + length
      if marker == 0xDA {  // skip the entropy-coded data to the next marker
        while i + 1 < bytes.count, !(bytes[i] == 0xFF && bytes[i + 1] != 0 && !(0xD0...0xD7).contains(bytes[i + 1])) {
          i += 1
        }
      }
    }
    return found
  }

  /// "done" or the failure reason, for one route.
  func verdict(_ path: String, _ source: String, route: ImagingRoute) throws -> String {
    oneImageAtATime.lock()
    defer { oneImageAtATime.unlock() }
    let pipeline = try #require(
      PipelineCompiler.compile(source: source, file: "t.pipeline", baseDirectory: "/").pipeline)
    let folder = try temporaryFolder()
    do {
      _ = try ImageProcessor(pipeline: pipeline, route: route).process(
        .init(path: path, outputRoot: folder, relativeDirectory: "")
      ) { final, write in try write(final) }
      return "done"
    } catch let error as ImagingError {
      return error.reason.rawValue
    }
  }

  @Test func aLastScanNamingAMissingComponentIsRefusedAtEverySize() throws {
    var bytes = try Self.progressive()
    let lastSOS = try #require(Self.segments(bytes).last { $0.marker == 0xDA && bytes[$0.body.lowerBound + 3] > 0 })
    bytes[lastSOS.body.lowerBound + 1] = 4  // component id 4: the frame has 1, 2, 3
    let path = try temporaryFolder() + "/bad-id.jpg"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    for source in ["resize 32x32", "resize 64x64", "resize 200x200", ""] {
      #expect(try verdict(path, source, route: .fast) == "truncated", "\(source)")
      #expect(try verdict(path, source, route: .reference) == "truncated", "\(source)")
    }
  }

  /// An AC Huffman table whose codes do not fit their lengths (two 1-bit codes:
  /// one of them would be all ones), used only by AC scans the 1/8 decode leaves
  /// out: libjpeg refuses the file when a scan uses it, so the DC path must too.
  @Test func anOverflowingTableOfALeftOutScanIsRefusedAtEverySize() throws {
    var bytes = try Self.progressive()
    let table = try #require(Self.segments(bytes).first { $0.marker == 0xC4 && bytes[$0.body.lowerBound] >> 4 == 1 })
    let counts = (table.body.lowerBound + 1)..<(table.body.lowerBound + 17)
    let symbols = counts.reduce(0) { $0 + Int(bytes[$1]) }
    try #require((2...257).contains(symbols) && table.body.count == 17 + symbols, "one table in the segment")
    for k in counts { bytes[k] = 0 }
    bytes[counts.lowerBound] = 2  // length 1: codes 0 and 1
    bytes[counts.upperBound - 1] = UInt8(symbols - 2)  // the rest 16 bits long
    let path = try temporaryFolder() + "/overflow.jpg"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    for source in ["resize 32x32", "resize 64x64", "resize 200x200", ""] {
      #expect(try verdict(path, source, route: .fast) == "truncated", "\(source)")
      #expect(try verdict(path, source, route: .reference) == "truncated", "\(source)")
    }
  }

  /// A crop reads only down to its last row: damage further down must still be
  /// found, as the reference route (which decodes the whole file) finds it. The
  /// photo is portrait, so `fit=cover` into a square crops rows off it too (at
  /// 60x60 a JPEG decoded at 1/8 is already 60x80: only the crop reads it).
  @Test(arguments: ["jpg", "png"]) func aCropAboveTheDamageStillFindsIt(_ format: String) throws {
    let folder = try temporaryFolder()
    oneImageAtATime.lock()
    let image = try ConformanceImages.image(width: 480, height: 640, bands: 3)
    try ConformanceImages.save(image, folder + "/whole.\(format)")
    oneImageAtATime.unlock()
    let whole = try Data(contentsOf: URL(fileURLWithPath: folder + "/whole.\(format)"))
    let path = folder + "/cut.\(format)"
    try whole.prefix(whole.count * 97 / 100).write(to: URL(fileURLWithPath: path))
    let sources = [
      "crop 100x100 gravity=top-left", "crop 0,0,50,50", "resize 60x60 fit=cover",
      "resize 60x60 fit=cover gravity=top", "resize 60x60 fit=cover gravity=bottom",
    ]
    for source in sources {
      #expect(try verdict(path, source, route: .fast) == "truncated", "\(source)")
      #expect(try verdict(path, source, route: .reference) == "truncated", "\(source)")
    }
  }

  /// Every byte of every scan, table and frame header set to three other values
  /// (the same files every run): the 1/8 DC-scan decode (a 32-px
  /// target of a 320-px photo) and libvips agree.
  @Test func headerDamageGetsLibvipssVerdict() throws {
    let original = try Self.progressive()
    let headers = Self.segments(original).filter { [0xDA, 0xC4, 0xC2].contains($0.marker) }
    let folder = try temporaryFolder()
    var cases = 0, refused = 0
    for segment in headers {
      for offset in segment.body.prefix(8) {
        for step in [1, 7, 128] {
          var bytes = original
          bytes[offset] = original[offset] &+ UInt8(step)
          let path = folder + "/m\(cases).jpg"
          try Data(bytes).write(to: URL(fileURLWithPath: path))
          let fast = try verdict(path, "resize 32x32", route: .fast)
          let reference = try verdict(path, "resize 32x32", route: .reference)
          #expect(
            fast == reference, "byte \(offset) (segment FF\(String(segment.marker, radix: 16))) = \(bytes[offset])")
          cases += 1
          if reference != "done" { refused += 1 }
        }
      }
    }
    #expect(cases > 100 && refused > 10, "\(cases) files, \(refused) refused")
  }
}
