import CSQLite
import Foundation

/// A SQLite connection: the one owner of its `sqlite3*`, closed in `deinit`.
/// Used from one thread (the run loop).
///
/// Statements run through `query` are prepared once and kept (by their SQL
/// text) for the connection's life: a run saves thousands of records with the
/// same few statements, and preparing one costs more than running it.
final class SQLiteDatabase {
  private let handle: OpaquePointer
  /// Prepared statements by SQL text; finalized in `deinit`.
  private var statements: [String: OpaquePointer] = [:]

  /// SQLITE_TRANSIENT is a macro Swift cannot import: SQLite copies the bytes.
  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

  /// Opens the database at `path`, creating it if needed unless `create` is false.
  init(path: String, create: Bool = true) throws {
    var db: OpaquePointer?
    let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX
    guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
      if let db { sqlite3_close(db) }
      throw StateStoreError.cannotOpen(path: path, why: message)
    }
    handle = db
    sqlite3_busy_timeout(handle, 10_000)
  }

  deinit {
    for statement in statements.values { sqlite3_finalize(statement) }
    sqlite3_close_v2(handle)
  }

  /// Runs statements that return no rows.
  func execute(_ sql: String) throws {
    var message: UnsafeMutablePointer<CChar>?
    guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
      let text = message.map { String(cString: $0) } ?? lastError
      sqlite3_free(message)
      throw StateStoreError.failed(text)
    }
  }

  var lastError: String { String(cString: sqlite3_errmsg(handle)) }

  /// A value to bind.
  enum Value {
    case text(String)
    case integer(Int)
  }

  /// Whether a transaction is open (BEGIN without COMMIT or ROLLBACK yet).
  var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

  /// Runs one statement with bound values, calling `row` for each result row.
  func query(_ sql: String, _ values: [Value] = [], row: (Row) throws -> Void = { _ in }) throws {
    let statement: OpaquePointer
    if let cached = statements[sql] {
      statement = cached
    } else {
      var prepared: OpaquePointer?
      guard sqlite3_prepare_v2(handle, sql, -1, &prepared, nil) == SQLITE_OK, let prepared else {
        throw StateStoreError.failed(lastError)
      }
      statements[sql] = prepared
      statement = prepared
    }
    defer {
      sqlite3_reset(statement)
      sqlite3_clear_bindings(statement)
    }
    for (index, value) in values.enumerated() {
      let position = Int32(index + 1)
      switch value {
      case .text(let s): sqlite3_bind_text(statement, position, s, -1, Self.transient)
      case .integer(let n): sqlite3_bind_int64(statement, position, Int64(n))
      }
    }
    while true {
      let status = sqlite3_step(statement)
      if status == SQLITE_DONE { return }
      guard status == SQLITE_ROW else { throw StateStoreError.failed(lastError) }
      try row(Row(statement: statement))
    }
  }

  /// One result row, valid during the `row` callback.
  struct Row {
    let statement: OpaquePointer

    func text(_ column: Int32) -> String {
      guard let raw = sqlite3_column_text(statement, column) else { return "" }
      return String(cString: raw)
    }

    func integer(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }

    /// A text column's bytes (valid during `body` only; empty for NULL).
    func withBytes<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
      guard let raw = sqlite3_column_text(statement, column) else {
        return try body(UnsafeBufferPointer(start: nil, count: 0))
      }
      return try body(UnsafeBufferPointer(start: raw, count: Int(sqlite3_column_bytes(statement, column))))
    }

    /// A text column as a String, reusing `previous` when the bytes are the same
    /// (the fingerprint and version repeat on every row: one String, not 100,000).
    func text(_ column: Int32, reusing previous: inout String) -> String {
      if equals(column, previous) { return previous }
      previous = text(column)
      return previous
    }

    /// Whether a text column holds exactly `text` (compared as bytes, no String made).
    func equals(_ column: Int32, _ text: String) -> Bool {
      guard let raw = sqlite3_column_text(statement, column) else { return text.isEmpty }
      let count = Int(sqlite3_column_bytes(statement, column))
      var text = text
      return text.withUTF8 { utf8 in
        guard utf8.count == count, let base = utf8.baseAddress else { return utf8.count == count }
        return memcmp(base, raw, count) == 0
      }
    }
  }
}

/// Problems with the state store.
public enum StateStoreError: Error, CustomStringConvertible {
  case cannotOpen(path: String, why: String)
  case failed(String)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let why): return "cannot open the state store \(path): \(why)"
    case .failed(let why): return "the state store failed: \(why)"
    }
  }
}
