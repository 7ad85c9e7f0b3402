import Testing

@testable import MediaPipeCore

@Suite struct XXHash64Tests {
  @Test func knownValues() {
    #expect(XXHash64.hex([UInt8]()) == "ef46db3751d8e999")
    #expect(XXHash64.hex(Array("abc".utf8)) == "44bc2cf5ad770999")
  }

  @Test func chunkedEqualsWhole() {
    var bytes: [UInt8] = []
    var x: UInt32 = 12345
    for _ in 0..<10_000 {
      x = x &* 1_103_515_245 &+ 12345
      bytes.append(UInt8(truncatingIfNeeded: x >> 16))
    }
    let whole = XXHash64.hex(bytes)
    for chunk in [1, 7, 31, 32, 33, 1000] {
      var hasher = XXHash64()
      var i = 0
      while i < bytes.count {
        let end = min(i + chunk, bytes.count)
        bytes[i..<end].withUnsafeBytes { hasher.update($0) }
        i = end
      }
      #expect(hasher.hexDigest() == whole, "chunks of \(chunk)")
    }
  }
}
