import MediaPipeCore

// The bytes of a frame's payload.
//
// The protocol's messages stay `Codable` (for logs and tests), but on the pipe
// they travel in this compact binary form: JSON cost ~20 µs per message on
// each side, as much as decoding and encoding a thumbnail-sized image.
//
// Integers are LEB128 varints (zigzag for signed values), strings a varint
// byte count then UTF-8, optionals a 0/1 byte then the value, arrays and
// dictionaries a varint count then their elements. Each message starts with
// one byte naming its case. Fields are written in a fixed order: every type
// below reads exactly what it writes (WireFormatTests round-trips each one and
// fails when a type gains a field this file does not carry).

/// A value with a binary wire form.
protocol WireCodable {
  func write(to wire: inout WireWriter)
  init(from wire: inout WireReader) throws
}

/// Appends values to a frame's payload.
struct WireWriter {
  private(set) var bytes: [UInt8] = []

  init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

  mutating func byte(_ value: UInt8) { bytes.append(value) }

  mutating func unsigned(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  mutating func int(_ value: Int) {
    let v = Int64(value)
    unsigned(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
  }

  mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

  mutating func double(_ value: Double) { unsigned(value.bitPattern) }

  mutating func string(_ value: String) {
    var value = value
    value.withUTF8 { utf8 in
      unsigned(UInt64(utf8.count))
      bytes.append(contentsOf: utf8)
    }
  }

  mutating func optional<T>(_ value: T?, _ write: (inout WireWriter, T) -> Void) {
    guard let value else { return bool(false) }
    bool(true)
    write(&self, value)
  }

  mutating func array<T>(_ values: [T], _ write: (inout WireWriter, T) -> Void) {
    unsigned(UInt64(values.count))
    for value in values { write(&self, value) }
  }

  /// A dictionary's entries, in key order (so equal dictionaries give equal bytes).
  mutating func dictionary<T>(_ values: [String: T], _ write: (inout WireWriter, T) -> Void) {
    unsigned(UInt64(values.count))
    for (key, value) in values.sorted(by: { $0.key < $1.key }) {
      string(key)
      write(&self, value)
    }
  }

  mutating func value<T: WireCodable>(_ value: T) { value.write(to: &self) }
}

/// Reads values from a frame's payload; any inconsistency is `ChannelError.malformed`.
struct WireReader {
  private let bytes: [UInt8]
  private var offset = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  var isAtEnd: Bool { offset == bytes.count }

  mutating func byte() throws -> UInt8 {
    guard offset < bytes.count else { throw ChannelError.malformed("a message ends early") }
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func unsigned() throws -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let b = try byte()
      guard shift < 64 else { throw ChannelError.malformed("a number is too long") }
      value |= UInt64(b & 0x7F) << shift
      if b < 0x80 { return value }
      shift += 7
    }
  }

  mutating func int() throws -> Int {
    let raw = try unsigned()
    return Int(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
  }

  mutating func bool() throws -> Bool {
    switch try byte() {
    case 0: return false
    case 1: return true
    default: throw ChannelError.malformed("a flag is neither 0 nor 1")
    }
  }

  mutating func double() throws -> Double { Double(bitPattern: try unsigned()) }

  mutating func count() throws -> Int {
    let n = try unsigned()
    guard n <= UInt64(bytes.count - offset) else { throw ChannelError.malformed("a length runs past the message") }
    return Int(n)
  }

  mutating func string() throws -> String {
    let n = try count()
    defer { offset += n }
    return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
  }

  mutating func optional<T>(_ read: (inout WireReader) throws -> T) throws -> T? {
    try bool() ? try read(&self) : nil
  }

  mutating func array<T>(_ read: (inout WireReader) throws -> T) throws -> [T] {
    let n = try count()
    var values: [T] = []
    values.reserveCapacity(n)
    for _ in 0..<n { values.append(try read(&self)) }
    return values
  }

  mutating func dictionary<T>(_ read: (inout WireReader) throws -> T) throws -> [String: T] {
    let n = try count()
    var values: [String: T] = [:]
    for _ in 0..<n {
      let key = try string()
      values[key] = try read(&self)
    }
    return values
  }

  mutating func value<T: WireCodable>(_ type: T.Type = T.self) throws -> T { try T(from: &self) }
}

// MARK: - The messages

extension ParentMessage: WireCodable {
  func write(to wire: inout WireWriter) {
    switch self {
    case .configure(let configuration):
      wire.byte(0)
      wire.value(configuration)
    case .task(let task):
      wire.byte(1)
      wire.value(task)
    case .proceed:
      wire.byte(2)
    case .tasks(let tasks):
      wire.byte(3)
      wire.array(tasks) { $0.value($1) }
    }
  }

  init(from wire: inout WireReader) throws {
    switch try wire.byte() {
    case 0: self = .configure(try wire.value())
    case 1: self = .task(try wire.value())
    case 2: self = .proceed
    case 3: self = .tasks(try wire.array { try $0.value() })
    case let other: throw ChannelError.malformed("unknown parent message \(other)")
    }
  }
}

extension WorkerMessage: WireCodable {
  func write(to wire: inout WireWriter) {
    switch self {
    case .ready:
      wire.byte(0)
    case .writing(let task, let temporaryPath, let finalPath):
      wire.byte(1)
      wire.int(task)
      wire.string(temporaryPath)
      wire.string(finalPath)
    case .done(let task, let result):
      wire.byte(2)
      wire.int(task)
      wire.value(result)
    case .refused(let reason):
      wire.byte(3)
      wire.string(reason)
    }
  }

  init(from wire: inout WireReader) throws {
    switch try wire.byte() {
    case 0: self = .ready
    case 1: self = .writing(task: try wire.int(), temporaryPath: try wire.string(), finalPath: try wire.string())
    case 2: self = .done(task: try wire.int(), result: try wire.value())
    case 3: self = .refused(reason: try wire.string())
    case let other: throw ChannelError.malformed("unknown worker message \(other)")
    }
  }
}

extension WorkerConfiguration: WireCodable {
  func write(to wire: inout WireWriter) {
    wire.string(pipelineSource)
    wire.string(pipelineFile)
    wire.string(baseDirectory)
    wire.bool(allowUntrusted)
    wire.bool(verbose)
    wire.int(maxPixels)
    wire.optional(memoryLimitMB) { $0.int($1) }
    wire.string(fingerprint)
    wire.optional(cpu) { $0.int($1) }
    wire.int(maxFrames)
  }

  init(from wire: inout WireReader) throws {
    self.init(
      pipelineSource: try wire.string(), pipelineFile: try wire.string(), baseDirectory: try wire.string(),
      allowUntrusted: try wire.bool(), verbose: try wire.bool(), maxPixels: try wire.int(),
      memoryLimitMB: try wire.optional { try $0.int() }, fingerprint: try wire.string())
    cpu = try wire.optional { try $0.int() }
    maxFrames = try wire.int()
  }
}

extension WorkerTask: WireCodable {
  func write(to wire: inout WireWriter) {
    wire.int(id)
    wire.string(path)
    wire.string(outputRoot)
    wire.string(relativeDirectory)
    wire.optional(format) { $0.string($1) }
    wire.array(outputs) { $0.string($1) }
    wire.dictionary(temporaries) { $0.string($1) }
    wire.optional(pixels) { $0.int($1) }
  }

  init(from wire: inout WireReader) throws {
    self.init(
      id: try wire.int(), path: try wire.string(), outputRoot: try wire.string(), relativeDirectory: try wire.string(),
      format: try wire.optional { try $0.string() }, outputs: try wire.array { try $0.string() })
    temporaries = try wire.dictionary { try $0.string() }
    pixels = try wire.optional { try $0.int() }
  }
}

extension TaskResult: WireCodable {
  func write(to wire: inout WireWriter) {
    wire.array(outputs) { $0.value(WireOutput($1)) }
    wire.optional(failure) { $0.value($1) }
    wire.int(milliseconds)
    wire.optional(input) { $0.value($1) }
    wire.optional(workerOutput) { $0.string($1) }
    wire.optional(unmarkedOutputs) { wire, outputs in wire.dictionary(outputs) { $0.value($1) } }
  }

  init(from wire: inout WireReader) throws {
    let outputs = try wire.array { try WireOutput(from: &$0).output }
    self.init(
      outputs: outputs, failure: try wire.optional { try $0.value() }, milliseconds: try wire.int(),
      input: try wire.optional { try $0.value() }, workerOutput: try wire.optional { try $0.string() },
      unmarkedOutputs: try wire.optional { try $0.dictionary { try $0.value() } })
  }
}

extension TaskFailure: WireCodable {
  func write(to wire: inout WireWriter) {
    wire.string(reason.rawValue)
    wire.string(detail)
    wire.optional(remedy) { $0.value($1) }
  }

  init(from wire: inout WireReader) throws {
    let code = try wire.string()
    guard let reason = FailureReason(rawValue: code) else { throw ChannelError.malformed("unknown failure \(code)") }
    self.init(reason: reason, detail: try wire.string(), remedy: try wire.optional { try $0.value() })
  }
}

extension Remedy: WireCodable {
  func write(to wire: inout WireWriter) {
    switch self {
    case .raiseLimit(let limit):
      wire.byte(0)
      wire.value(limit)
    case .allowUntrustedFormats: wire.byte(1)
    case .replaceExisting: wire.byte(2)
    case .writeElsewhere: wire.byte(3)
    case .pollInstead: wire.byte(4)
    case .waitForLock: wire.byte(5)
    case .loosenBudget: wire.byte(6)
    }
  }

  init(from wire: inout WireReader) throws {
    switch try wire.byte() {
    case 0: self = .raiseLimit(try wire.value())
    case 1: self = .allowUntrustedFormats
    case 2: self = .replaceExisting
    case 3: self = .writeElsewhere
    case 4: self = .pollInstead
    case 5: self = .waitForLock
    case 6: self = .loosenBudget
    case let other: throw ChannelError.malformed("unknown remedy \(other)")
    }
  }
}

extension Limit: WireCodable {
  func write(to wire: inout WireWriter) {
    switch self {
    case .pixels(let pixels):
      wire.byte(0)
      wire.int(pixels)
    case .fileSize(let bytes):
      wire.byte(1)
      wire.int(bytes)
    case .timeout(let seconds):
      wire.byte(2)
      wire.double(seconds)
    case .workerMemory(let megabytes):
      wire.byte(3)
      wire.int(megabytes)
    case .frames(let frames):
      wire.byte(4)
      wire.int(frames)
    }
  }

  init(from wire: inout WireReader) throws {
    switch try wire.byte() {
    case 0: self = .pixels(try wire.int())
    case 1: self = .fileSize(bytes: try wire.int())
    case 2: self = .timeout(seconds: try wire.double())
    case 3: self = .workerMemory(megabytes: try wire.int())
    case 4: self = .frames(try wire.int())
    case let other: throw ChannelError.malformed("unknown limit \(other)")
    }
  }
}

extension FileIdentity: WireCodable {
  func write(to wire: inout WireWriter) {
    wire.int(size)
    wire.int(modified)
    wire.optional(contentHash) { $0.string($1) }
  }

  init(from wire: inout WireReader) throws {
    self.init(size: try wire.int(), modified: try wire.int(), contentHash: try wire.optional { try $0.string() })
  }
}

/// `ImageOutput`'s 8 fields on the wire: variant, path, width, height, format,
/// note ("" for none), then quality and score as optionals.
struct WireOutput: WireCodable {
  var output: ImageOutput

  init(_ output: ImageOutput) { self.output = output }

  func write(to wire: inout WireWriter) {
    wire.string(output.variant)
    wire.string(output.path)
    wire.int(output.width)
    wire.int(output.height)
    wire.string(output.format)
    wire.string(output.note ?? "")
    // Optional numbers: a flag, then the value.
    wire.optional(output.quality) { $0.int($1) }
    wire.optional(output.score) { $0.double($1) }
  }

  init(from wire: inout WireReader) throws {
    let variant = try wire.string()
    let path = try wire.string()
    let width = try wire.int()
    let height = try wire.int()
    let format = try wire.string()
    let note = try wire.string()
    let quality = try wire.optional { try $0.int() }
    let score = try wire.optional { try $0.double() }
    output = ImageOutput(
      variant: variant, path: path, width: width, height: height, format: format, note: note.isEmpty ? nil : note,
      quality: quality, score: score)
  }
}
