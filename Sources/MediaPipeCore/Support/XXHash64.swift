/// xxHash64, streaming: a fast, well-distributed 64-bit hash of file contents.
/// Used to tell whether an input or a watermark file changed, not for security.
public struct XXHash64 {
  private static let p1: UInt64 = 11_400_714_785_074_694_791
  private static let p2: UInt64 = 14_029_467_366_897_019_727
  private static let p3: UInt64 = 1_609_587_929_392_839_161
  private static let p4: UInt64 = 9_650_029_242_287_828_579
  private static let p5: UInt64 = 2_870_177_450_012_600_261

  private var v1, v2, v3, v4: UInt64
  private let seed: UInt64
  private var buffer: [UInt8] = []
  private var total: UInt64 = 0

  public init(seed: UInt64 = 0) {
    self.seed = seed
    v1 = seed &+ Self.p1 &+ Self.p2
    v2 = seed &+ Self.p2
    v3 = seed
    v4 = seed &- Self.p1
    buffer.reserveCapacity(32)
  }

  @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

  @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
    rotl(acc &+ input &* p2, 31) &* p1
  }

  @inline(__always) private static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
    (acc ^ round(0, value)) &* p1 &+ p4
  }

  /// Adds bytes to the hash.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    total &+= UInt64(bytes.count)
    var rest = bytes[...]
    if !buffer.isEmpty {
      let take = min(32 - buffer.count, rest.count)
      buffer.append(contentsOf: rest.prefix(take))
      rest = rest.dropFirst(take)
      guard buffer.count == 32 else { return }
      buffer.withUnsafeBytes { consumeStripes(UnsafeRawBufferPointer(rebasing: $0[...])) }
      buffer.removeAll(keepingCapacity: true)
    }
    let whole = rest.count / 32 * 32
    if whole > 0 {
      consumeStripes(UnsafeRawBufferPointer(rebasing: rest.prefix(whole)))
    }
    buffer.append(contentsOf: rest.dropFirst(whole))
  }

  public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
    let array = Array(bytes)
    array.withUnsafeBytes { update($0) }
  }

  private mutating func consumeStripes(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    var a = v1, b = v2, c = v3, d = v4
    while offset + 32 <= bytes.count {
      a = Self.round(a, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
      b = Self.round(b, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
      c = Self.round(c, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)))
      d = Self.round(d, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
      offset += 32
    }
    v1 = a
    v2 = b
    v3 = c
    v4 = d
  }

  /// The hash of everything added so far.
  public func finalize() -> UInt64 {
    var h: UInt64
    if total >= 32 {
      h = Self.rotl(v1, 1) &+ Self.rotl(v2, 7) &+ Self.rotl(v3, 12) &+ Self.rotl(v4, 18)
      h = Self.merge(h, v1)
      h = Self.merge(h, v2)
      h = Self.merge(h, v3)
      h = Self.merge(h, v4)
    } else {
      h = seed &+ Self.p5
    }
    h &+= total
    buffer.withUnsafeBytes { tail in
      var i = 0
      while i + 8 <= tail.count {
        h ^= Self.round(0, UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
        h = Self.rotl(h, 27) &* Self.p1 &+ Self.p4
        i += 8
      }
      if i + 4 <= tail.count {
        h ^= UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* Self.p1
        h = Self.rotl(h, 23) &* Self.p2 &+ Self.p3
        i += 4
      }
      while i < tail.count {
        h ^= UInt64(tail[i]) &* Self.p5
        h = Self.rotl(h, 11) &* Self.p1
        i += 1
      }
    }
    h ^= h >> 33
    h &*= Self.p2
    h ^= h >> 29
    h &*= Self.p3
    h ^= h >> 32
    return h
  }

  /// The hash as 16 lower-case hex digits.
  public func hexDigest() -> String {
    let s = String(finalize(), radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }

  /// The hash of bytes in memory, in one call: the same value as `update` then
  /// `finalize`, without the streaming buffer (no allocation; for many short keys).
  public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
    let count = bytes.count
    var offset = 0
    var h: UInt64
    if count >= 32 {
      var a = seed &+ p1 &+ p2, b = seed &+ p2, c = seed, d = seed &- p1
      while offset + 32 <= count {
        a = round(a, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        b = round(b, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
        c = round(c, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)))
        d = round(d, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
        offset += 32
      }
      h = rotl(a, 1) &+ rotl(b, 7) &+ rotl(c, 12) &+ rotl(d, 18)
      h = merge(h, a)
      h = merge(h, b)
      h = merge(h, c)
      h = merge(h, d)
    } else {
      h = seed &+ p5
    }
    h &+= UInt64(count)
    while offset + 8 <= count {
      h ^= round(0, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
      h = rotl(h, 27) &* p1 &+ p4
      offset += 8
    }
    if offset + 4 <= count {
      h ^= UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) &* p1
      h = rotl(h, 23) &* p2 &+ p3
      offset += 4
    }
    while offset < count {
      h ^= UInt64(bytes[offset]) &* p5
      h = rotl(h, 11) &* p1
      offset += 1
    }
    h ^= h >> 33
    h &*= p2
    h ^= h >> 29
    h &*= p3
    h ^= h >> 32
    return h
  }

  /// The hash of one byte sequence.
  public static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    var h = XXHash64()
    h.update(bytes)
    return h.hexDigest()
  }
}
