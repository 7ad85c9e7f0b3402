/// Keeps the wanted datasets of IPTC IIM metadata and drops the rest.
///
/// libvips hands IPTC over as it found it: from JPEG the Photoshop APP13
/// payload ("Photoshop 3.0", then `8BIM` resources, the IIM in resource
/// 0x0404), from TIFF the bare IIM. IIM is a list of datasets: 0x1C, record,
/// dataset number, a big-endian length (extended when its top bit is set),
/// then the value. The filter keeps only resource 0x0404 (other resources can
/// hold a thumbnail, a copy of the EXIF or a digest of the old IIM), filters its
/// datasets, and writes the container the output format expects. Anything it
/// cannot read makes it return nil, and the caller drops the IPTC.
///
/// Swift, not C: a hostile block can only make it give up.
struct IPTCFilter {
  /// Decides whether dataset `record:number` survives.
  var keeps: (_ record: UInt8, _ number: UInt8) -> Bool

  enum Container {
    /// Photoshop image resources (JPEG's APP13).
    case photoshop
    /// Bare IIM (TIFF's tag 33723).
    case bare
  }

  static let photoshopHeader = Array("Photoshop 3.0\0".utf8)

  /// The filtered block in `container`, nil when unreadable or nothing is left.
  func apply(to block: [UInt8], writing container: Container) -> [UInt8]? {
    guard let iim = Self.iim(in: block), let datasets = Self.datasets(iim) else { return nil }
    var kept: [UInt8] = []
    var keptAny = false
    for dataset in datasets {
      let (record, number) = (dataset[1], dataset[2])
      // The record version and the envelope's character set only come along.
      if (record == 2 && number == 0) || (record == 1 && number == 90) {
        kept += dataset
      } else if keeps(record, number) {
        kept += dataset
        keptAny = true
      }
    }
    guard keptAny else { return nil }
    switch container {
    case .bare:
      return kept
    case .photoshop:
      var out = Self.photoshopHeader + Array("8BIM".utf8) + [0x04, 0x04, 0, 0]
      let size = UInt32(kept.count)
      out += [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
      out += kept
      if kept.count % 2 == 1 { out.append(0) }
      return out
    }
  }

  /// The IIM inside a Photoshop block, or the block itself when it is bare IIM.
  static func iim(in block: [UInt8]) -> ArraySlice<UInt8>? {
    if block.first == 0x1C { return block[...] }
    guard block.starts(with: photoshopHeader) else { return nil }
    var i = photoshopHeader.count
    let n = block.count
    while i + 12 <= n {
      guard block[i..<i + 4].elementsEqual("8BIM".utf8) else { return nil }
      let id = Int(block[i + 4]) << 8 | Int(block[i + 5])
      var p = i + 6
      let nameLength = Int(block[p])
      p += 1 + nameLength
      if (1 + nameLength) % 2 == 1 { p += 1 }
      guard p + 4 <= n else { return nil }
      let size = Int(block[p]) << 24 | Int(block[p + 1]) << 16 | Int(block[p + 2]) << 8 | Int(block[p + 3])
      p += 4
      guard size <= n - p else { return nil }
      if id == 0x0404 { return block[p..<p + size] }
      i = p + size + (size % 2)
    }
    return nil
  }

  /// Each dataset's bytes, header included; nil when malformed. Zero padding
  /// after the last dataset (TIFF rounds the block up to four bytes) is allowed.
  static func datasets(_ iim: ArraySlice<UInt8>) -> [[UInt8]]? {
    var found: [[UInt8]] = []
    var i = iim.startIndex
    let end = iim.endIndex
    while i < end {
      if iim[i] == 0 && iim[i..<end].allSatisfy({ $0 == 0 }) { break }
      guard iim[i] == 0x1C, i + 5 <= end else { return nil }
      var length = Int(iim[i + 3]) << 8 | Int(iim[i + 4])
      var header = 5
      if length & 0x8000 != 0 {
        let count = length & 0x7FFF
        guard (1...4).contains(count), i + 5 + count <= end else { return nil }
        length = 0
        for k in 0..<count { length = length << 8 | Int(iim[i + 5 + k]) }
        header += count
      }
      guard length <= end - i - header else { return nil }
      found.append(Array(iim[i..<i + header + length]))
      i += header + length
    }
    return found
  }
}
