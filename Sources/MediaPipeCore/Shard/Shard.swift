import Foundation

/// One share of the inputs when a job is split over N processes (array tasks of a
/// batch scheduler): shard `index` of `count`, counted from 0.
///
/// **Which files a shard takes (hash version 1).** A file belongs to the shard
/// `Shard.bucket(ofKey: Shard.key(relativePath:), count:)`, where
///
/// - the key is the file's path relative to its input root (the folder given on
///   the command line; for a file given by itself, its folder), with `/`
///   separators, no empty or `.` parts, the last extension of the name removed
///   (`2024/IMG_0001.JPG` -> `2024/IMG_0001`: files that differ only in their
///   extension, which may write the same output name, always share a shard) and
///   the text in Unicode NFC (a name typed on macOS, NFD, hashes like the same
///   name typed on Linux);
/// - its UTF-8 bytes are hashed with xxHash64, seed 0;
/// - and the hash picks a bucket with jump consistent hash (Lamping and Veach,
///   2014), which needs no table and moves as few keys as possible when N changes.
///
/// So membership depends on nothing but the relative path and N: not on the
/// other files, the order they are found in, the machine or the process (Swift's
/// `Hasher` is seeded per process and is never used here). Adding files moves no
/// existing file to another shard. Going from N to N+1 shards moves about 1/(N+1)
/// of the files, all of them into the new shard; any other change of N moves a
/// share of files between shards, and their records, kept by the shard that did
/// them, are still found by every later run.
///
/// Changing any of this is a new hash version (`hashVersion`).
public struct Shard: Sendable, Hashable, CustomStringConvertible {
  /// Which shard this is, from 0 to `count - 1`.
  public let index: Int
  /// How many shards the inputs are split into (at least 1).
  public let count: Int

  /// The version of the rule that assigns files to shards (see the type's documentation).
  public static let hashVersion = 1

  /// The most shards a job may have.
  public static let maximumCount = 1 << 31 - 1

  /// - Throws: `ShardError` unless `count >= 1` and `0 <= index < count`.
  public init(index: Int, count: Int) throws(ShardError) {
    guard count >= 1, count <= Self.maximumCount else {
      throw ShardError("the number of shards must be from 1 to \(Self.maximumCount), found \(count)")
    }
    guard index >= 0, index < count else {
      throw ShardError(
        "the shard index counts from 0 and must be less than the number of shards (\(count)): 0 to \(count - 1), found \(index)"
      )
    }
    self.index = index
    self.count = count
  }

  /// Reads `K/N`: shard K (from 0) of N, e.g. `3/16`.
  /// - Throws: `ShardError` saying what was expected and what was found.
  public static func parse(_ text: String) throws(ShardError) -> Shard {
    let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
      throw ShardError("expected K/N, shard K (counted from 0) of N, for example 3/16; found \"\(text)\"")
    }
    return try Shard(index: index, count: count)
  }

  /// `K/N`.
  public var description: String { "\(index)/\(count)" }

  /// `shard-K-of-N`: the part of a file name (state store, lock) that is this shard's.
  public var name: String { "shard-\(index)-of-\(count)" }

  /// Whether the file at `relativePath` below its input root belongs to this shard.
  public func contains(relativePath: String) -> Bool {
    count == 1 || Self.bucket(ofRelativePath: relativePath, count: count) == index
  }

  /// `contains(relativePath:)` for a path given as UTF-8 bytes: plain ASCII paths
  /// (nearly all) are hashed where they lie, without making a string, so that
  /// choosing one shard's files from a list of a million costs a fraction of a second.
  public func contains(relativePathBytes bytes: UnsafeRawBufferPointer) -> Bool {
    if count == 1 { return true }
    guard let keyEnd = Self.plainKeyEnd(bytes) else {
      return contains(relativePath: String(decoding: bytes, as: UTF8.self))
    }
    return Self.jump(XXHash64.hash(UnsafeRawBufferPointer(rebasing: bytes[..<keyEnd])), buckets: count) == index
  }

  /// Where the key of a plain path ends (before the last extension), or nil when the
  /// path is not plain: not ASCII, or with an empty or "." part.
  private static func plainKeyEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var length = 0
    var startsWithDot = false
    var nameStart = 0
    var lastDot = -1
    for (offset, byte) in bytes.enumerated() {
      if byte >= 0x80 { return nil }
      if byte == UInt8(ascii: "/") {
        if length == 0 || (length == 1 && startsWithDot) { return nil }
        length = 0
        nameStart = offset + 1
        lastDot = -1
      } else {
        if length == 0 { startsWithDot = byte == UInt8(ascii: ".") }
        if byte == UInt8(ascii: ".") { lastDot = offset }
        length += 1
      }
    }
    guard length > 0, !(length == 1 && startsWithDot) else { return nil }
    return lastDot > nameStart ? lastDot : bytes.count
  }

  /// The shard (of `count`) that the file at `relativePath` below its input root belongs to.
  public static func bucket(ofRelativePath relativePath: String, count: Int) -> Int {
    var key = key(relativePath: relativePath)
    let hash = key.withUTF8 { XXHash64.hash(UnsafeRawBufferPointer($0)) }
    return jump(hash, buckets: count)
  }

  /// The text that is hashed for a relative path: `/`-separated parts with no
  /// empty or `.` part, the last extension removed, in Unicode NFC.
  public static func key(relativePath: String) -> String {
    var path = relativePath
    // Plain ASCII with no empty or "." part: already clean (nearly every path).
    let isPlain = path.withUTF8 { bytes -> Bool in
      var length = 0
      var startsWithDot = false
      for byte in bytes {
        if byte >= 0x80 { return false }
        if byte == UInt8(ascii: "/") {
          if length == 0 || (length == 1 && startsWithDot) { return false }
          length = 0
        } else {
          if length == 0 { startsWithDot = byte == UInt8(ascii: ".") }
          length += 1
        }
      }
      return length > 0 && !(length == 1 && startsWithDot)
    }
    if !isPlain {
      let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
      path = parts.joined(separator: "/")
      if path.utf8.contains(where: { $0 >= 0x80 }) { path = path.precomposedStringWithCanonicalMapping }
    }
    return withoutExtension(path)
  }

  /// The path with the last extension of its last part removed ("a/b.c.jpg" -> "a/b.c";
  /// a name starting with its only dot, ".hidden", keeps it).
  private static func withoutExtension(_ path: String) -> String {
    let utf8 = path.utf8
    let nameStart = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
    guard let dot = utf8[nameStart...].lastIndex(of: UInt8(ascii: ".")), dot != nameStart else { return path }
    return String(path[..<dot])
  }

  /// Jump consistent hash: a bucket in `0..<buckets` for `key`, such that going from
  /// n to n+1 buckets moves a key only into the new bucket, with probability 1/(n+1).
  /// (John Lamping and Eric Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014.)
  public static func jump(_ key: UInt64, buckets: Int) -> Int {
    var key = key
    var bucket = -1
    var next = 0
    while next < buckets {
      bucket = next
      key = key &* 2_862_933_555_777_941_757 &+ 1
      next = Int(Double(bucket + 1) * (Double(1 << 31) / Double((key >> 33) + 1)))
    }
    return bucket
  }
}

/// A shard that cannot be: what was expected and what was found.
public struct ShardError: Error, CustomStringConvertible, Sendable, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
