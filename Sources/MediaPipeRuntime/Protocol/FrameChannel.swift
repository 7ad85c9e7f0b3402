import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Length-prefixed JSON frames over a file descriptor.
public struct FrameChannel {
  /// Frames larger than this are a protocol error (a sane task is a few hundred bytes).
  static let maximumFrame = 16 << 20

  /// Writes one message, all of it, retrying on EINTR.
  /// - Throws: `ChannelError.closed` if the other end is gone.
  public static func send<T: Encodable>(_ message: T, to fd: Int32) throws {
    let payload = try JSONEncoder().encode(message)
    var frame = Data(count: 4)
    let n = UInt32(payload.count)
    frame[0] = UInt8(n >> 24 & 0xFF)
    frame[1] = UInt8(n >> 16 & 0xFF)
    frame[2] = UInt8(n >> 8 & 0xFF)
    frame[3] = UInt8(n & 0xFF)
    frame.append(payload)
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

    public init() {}

    public mutating func append(_ chunk: UnsafeRawBufferPointer) {
      bytes.append(contentsOf: chunk)
    }

    /// The next complete message, if one has fully arrived.
    public mutating func next<T: Decodable>(_ type: T.Type) throws -> T? {
      guard bytes.count >= 4 else { return nil }
      let n = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
      guard n <= FrameChannel.maximumFrame else { throw ChannelError.malformed("frame of \(n) bytes") }
      guard bytes.count >= 4 + n else { return nil }
      let payload = Data(bytes[4..<(4 + n)])
      bytes.removeFirst(4 + n)
      return try JSONDecoder().decode(T.self, from: payload)
    }
  }

  /// Reads from `fd` until one whole message arrives (blocking).
  /// - Returns: nil at end of file.
  public static func receive<T: Decodable>(_ type: T.Type, from fd: Int32, buffer: inout Buffer) throws -> T? {
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      if let message = try buffer.next(T.self) { return message }
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw ChannelError.closed
      }
      if count == 0 { return nil }
      chunk.withUnsafeBytes { buffer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
  }
}

/// A broken channel between parent and worker.
public enum ChannelError: Error {
  /// The other end closed or died.
  case closed
  /// Bytes that are not a frame of this protocol.
  case malformed(String)
}
