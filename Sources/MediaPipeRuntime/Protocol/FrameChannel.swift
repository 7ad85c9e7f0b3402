import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Length-prefixed frames over a file descriptor, each carrying one message in
/// its binary wire form (`WireFormat.swift`).
public struct FrameChannel {
  /// Frames larger than this are a protocol error (a sane task is a few hundred bytes).
  static let maximumFrame = 16 << 20

  /// Writes one message, all of it, retrying on EINTR.
  /// - Throws: `ChannelError.closed` if the other end is gone.
  static func sendMessage<T: WireCodable>(_ message: T, to fd: Int32) throws {
    var wire = WireWriter()
    for _ in 0..<4 { wire.byte(0) }  // the length, filled in below
    wire.value(message)
    var frame = wire.bytes
    let n = UInt32(frame.count - 4)
    frame[0] = UInt8(n >> 24 & 0xFF)
    frame[1] = UInt8(n >> 16 & 0xFF)
    frame[2] = UInt8(n >> 8 & 0xFF)
    frame[3] = UInt8(n & 0xFF)
    try frame.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          throw ChannelError.closed
        }
        offset += written
      }
    }
  }

  /// Accumulates bytes as they arrive and hands out complete frames.
  public struct Buffer {
    private var bytes: [UInt8] = []
    /// Where the next frame starts in `bytes` (consumed bytes are dropped in bulk).
    private var start = 0

    public init() {}

    public mutating func append(_ chunk: UnsafeRawBufferPointer) {
      if start > 0 && start == bytes.count {
        bytes.removeAll(keepingCapacity: true)
        start = 0
      }
      bytes.append(contentsOf: chunk)
    }

    /// Whether a whole frame is waiting.
    var hasFrame: Bool {
      guard bytes.count - start >= 4 else { return false }
      return bytes.count - start >= 4 + length
    }

    private var length: Int {
      Int(bytes[start]) << 24 | Int(bytes[start + 1]) << 16 | Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
    }

    /// The next complete message, if one has fully arrived.
    mutating func next<T: WireCodable>(_ type: T.Type) throws -> T? {
      guard bytes.count - start >= 4 else { return nil }
      let n = length
      guard n <= FrameChannel.maximumFrame else { throw ChannelError.malformed("frame of \(n) bytes") }
      guard bytes.count - start >= 4 + n else { return nil }
      var wire = WireReader(Array(bytes[(start + 4)..<(start + 4 + n)]))
      start += 4 + n
      if start > 64 * 1024 {
        bytes.removeFirst(start)
        start = 0
      }
      let message = try T(from: &wire)
      guard wire.isAtEnd else { throw ChannelError.malformed("bytes left over after a message") }
      return message
    }
  }

  /// Reads from `fd` until one whole message arrives (blocking).
  /// - Returns: nil at end of file.
  static func receiveMessage<T: WireCodable>(_ type: T.Type, from fd: Int32, buffer: inout Buffer) throws -> T? {
    while true {
      if let message = try buffer.next(T.self) { return message }
      guard try fill(&buffer, from: fd) else { return nil }
    }
  }

  /// Reads what `fd` has (blocking until something arrives) into `buffer`.
  /// - Returns: false at end of file.
  static func fill(_ buffer: inout Buffer, from fd: Int32) throws -> Bool {
    try withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 16) { chunk in
      while true {
        let count = read(fd, chunk.baseAddress, chunk.count)
        if count < 0 {
          if errno == EINTR { continue }
          throw ChannelError.closed
        }
        if count == 0 { return false }
        buffer.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        return true
      }
    }
  }

  // The worker's end (MediaPipeWorkerProcess): it receives the parent's messages and sends its own.

  /// `sendMessage` for a worker's message to its parent.
  package static func send(_ message: WorkerMessage, to fd: Int32) throws { try sendMessage(message, to: fd) }

  /// `receiveMessage` for the parent's messages to a worker.
  package static func receive(_ type: ParentMessage.Type, from fd: Int32, buffer: inout Buffer) throws -> ParentMessage?
  {
    try receiveMessage(type, from: fd, buffer: &buffer)
  }
}

/// A broken channel between parent and worker.
public enum ChannelError: Error {
  /// The other end closed or died.
  case closed
  /// Bytes that are not a frame of this protocol.
  case malformed(String)
}
