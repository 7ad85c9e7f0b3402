import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What was done to one input with one pipeline: enough to tell, on the next
/// run, whether its outputs are still up to date without decoding it.
public struct StateRecord: Sendable, Hashable, Codable {
  /// The input's absolute path.
  public var input: String
  /// The pipeline file's absolute path (several pipelines may share a store).
  public var pipeline: String
  public var size: Int
  /// Modification time in nanoseconds since 1970.
  public var modified: Int
  /// xxHash64 of the input's bytes.
  public var contentHash: String
  /// The pipeline's fingerprint (its statements and the files it references).
  public var fingerprint: String
  /// The mediapipe version that wrote the outputs.
  public var version: String
  /// Every output written, absolute.
  public var outputs: [String]
  /// The input's format as its first bytes showed it (so a re-run need not read them).
  public var format: String

  public init(
    input: String, pipeline: String, size: Int, modified: Int, contentHash: String, fingerprint: String,
    version: String, outputs: [String], format: String = ""
  ) {
    self.format = format
    self.input = input
    self.pipeline = pipeline
    self.size = size
    self.modified = modified
    self.contentHash = contentHash
    self.fingerprint = fingerprint
    self.version = version
    self.outputs = outputs
  }
}

/// The state store: an SQLite database in WAL mode (safe under crashes and
/// concurrent readers) that records every output written.
///
/// Default location: `.mediapipe/state.sqlite` under the output root (a separate output folder,
/// or each input root). The run lock keeps two runs from writing at once.
///
/// A store deleted while a run has it open lives on in that run (SQLite keeps
/// the open file): `check()` notices and writes it back to its path whole.
///
/// Writes are committed one by one, or, with `batching` on, gathered in one
/// transaction until `flush()`: a run of thousands of small images then commits
/// a few times a second instead of twice per image. What a crash loses is only
/// the records not yet flushed; those images are simply done again.
public final class StateStore {
  public let path: String
  private var database: SQLiteDatabase
  /// Gather writes in one open transaction until `flush()` (off: each write commits).
  public var batching = false
  /// The database file's device and inode when opened.
  private var identity: (dev_t, ino_t)
  private let journal: StateJournal
  static let schemaVersion = 1

  /// Opens another run's store (another shard's) only to read it: nothing is
  /// created, set up or changed, not even its journal mode (its writer may be
  /// running). - Throws: when it cannot be opened.
  public static func reading(_ path: String) throws -> StateStore {
    let database = try SQLiteDatabase(path: path, create: false)
    try database.execute("PRAGMA mmap_size=1073741824")
    return StateStore(path: path, database: database)
  }

  private init(path: String, database: SQLiteDatabase) {
    self.path = path
    self.database = database
    journal = .automatic
    identity = Self.identity(of: path)
  }

  /// Opens or creates the store at `path` (its folder is created too).
  /// - Parameter journal: how SQLite keeps its journal (WAL, or DELETE on network file systems).
  public init(path: String, journal: StateJournal = .automatic) throws {
    self.path = path
    self.journal = journal
    database = try Self.open(path, journal: journal)
    identity = Self.identity(of: path)
    var schema = 0
    try database.query("SELECT value FROM meta WHERE key = 'schema'") { schema = Int($0.text(0)) ?? 0 }
    if schema > Self.schemaVersion {
      throw StateStoreError.failed("\(path) was written by a newer mediapipe (schema \(schema)); upgrade mediapipe")
    }
  }

  private static func identity(of path: String) -> (dev_t, ino_t) {
    var st = stat()
    return stat(path, &st) == 0 ? (st.st_dev, st.st_ino) : (0, 0)
  }

  private static func open(_ path: String, journal: StateJournal) throws -> SQLiteDatabase {
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    let mode = journal.mode(forFolder: folder.isEmpty ? "." : folder)
    let database = try SQLiteDatabase(path: path)
    // A store already set up is only read here: another process can open it
    // (a dry run, say) while a run holds the write lock for its batch.
    var tables = 0
    try database.query(
      """
      SELECT count(*) FROM sqlite_master
      WHERE type = 'table' AND name IN ('meta', 'done', 'written', 'output_content', 'failed')
      """
    ) { tables = $0.integer(0) }
    var current = ""
    try database.query("PRAGMA journal_mode") { current = $0.text(0) }
    // Reads through a memory map: a re-run reads every row once, and a read call per
    // 4 KB page was ~16,000 system calls for 100,000 files.
    try database.execute("PRAGMA mmap_size=1073741824")
    if tables == 5 && current.lowercased() == mode {
      try database.execute("PRAGMA synchronous=\(mode == "wal" ? "NORMAL" : "FULL")")
      return database
    }
    // `output_content` (added in 0.2): outputs on file systems without extended
    // attributes, by content; `failed` (0.3): the last failure of each input not
    // done since, for `status`. Older stores gain them here, older versions ignore them.
    try database.execute(
      """
      PRAGMA journal_mode=\(mode.uppercased());
      PRAGMA synchronous=\(mode == "wal" ? "NORMAL" : "FULL");
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS done (
        input TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        size INTEGER NOT NULL,
        modified INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        version TEXT NOT NULL,
        outputs TEXT NOT NULL,
        format TEXT NOT NULL DEFAULT '',
        done_at INTEGER NOT NULL,
        PRIMARY KEY (input, pipeline)
      );
      CREATE TABLE IF NOT EXISTS written (
        path TEXT PRIMARY KEY,
        temporary TEXT
      );
      CREATE TABLE IF NOT EXISTS output_content (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS failed (
        input TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        reason TEXT NOT NULL,
        message TEXT NOT NULL,
        failed_at INTEGER NOT NULL,
        PRIMARY KEY (input, pipeline)
      );
      INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '\(Self.schemaVersion)');
      """)
    return database
  }

  /// Checks that the store's file is still the one open; if it was deleted (or
  /// replaced), writes the open store back to `path`, whole, and reopens it there.
  ///
  /// After a failed write-back it is not tried again for `retryInterval` (each
  /// try copies the whole store): until then `check()` returns false.
  /// - Returns: whether it had to be written back.
  /// - Throws: why it could not be written back; nothing is left behind.
  public func check() throws -> Bool {
    let now = Self.identity(of: path)
    guard now != identity else { return false }
    let time = DispatchTime.now().uptimeNanoseconds
    if let failed = lastWriteBackFailure, time - failed < retryInterval { return false }
    do {
      // A batch still open is committed first (VACUUM cannot run inside a transaction).
      try flush()
      try writeBack()
      lastWriteBackFailure = nil
      return true
    } catch {
      lastWriteBackFailure = time
      throw error
    }
  }

  /// When writing the store back last failed (monotonic nanoseconds).
  private var lastWriteBackFailure: UInt64?
  /// How long after a failed write-back `check()` waits to try again (30 s).
  var retryInterval: UInt64 = 30_000_000_000

  private func writeBack() throws {
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    // VACUUM INTO writes a complete copy; into a temporary name, then renamed
    // over whatever is at `path` now (with its journal files, which are not ours).
    let temporary = path + ".mediapipe-\(getpid()).tmp"
    unlink(temporary)
    // Gone once renamed; on any failure (a VACUUM cut short included), removed.
    defer { unlink(temporary) }
    try database.query("VACUUM INTO ?", [.text(temporary)])
    unlink(path + "-wal")
    unlink(path + "-shm")
    guard rename(temporary, path) == 0 else {
      throw StateStoreError.failed("cannot put the state store back at \(path): \(String(cString: strerror(errno)))")
    }
    database = try Self.open(path, journal: journal)
    identity = Self.identity(of: path)
  }

  /// Every record for one pipeline, by input path.
  public func records(pipeline: String) throws -> [String: StateRecord] {
    try load(pipeline: pipeline).records
  }

  /// Every output any pipeline recorded or started to write here: files that
  /// are never inputs, and that a later run may replace.
  public func allOutputs() throws -> Set<String> {
    try load(pipeline: nil).outputs
  }

  /// What a run needs from the store, in one pass over its rows: the records of
  /// `pipeline` by input path, and every output of any pipeline (recorded, or
  /// announced before writing). A re-run over 100,000 files reads them here once.
  public func load(pipeline: String?) throws -> (records: [String: StateRecord], outputs: Set<String>) {
    // Sized up front: growing a dictionary of 100,000 paths rehashes them all, several times.
    var rows = 0
    var written = 0
    try database.query("SELECT count(*) FROM done") { rows = $0.integer(0) }
    try database.query("SELECT count(*) FROM written") { written = $0.integer(0) }
    var records: [String: StateRecord] = [:]
    if pipeline != nil { records.reserveCapacity(rows) }
    var outputs = Set<String>(minimumCapacity: max(rows, written))
    var fingerprint = "", version = "", format = ""
    try database.query(
      "SELECT input, pipeline, size, modified, content_hash, fingerprint, version, outputs, format FROM done"
    ) { row in
      let paths = row.withBytes(7) { Self.decodeOutputs($0) } ?? Self.fullyDecoded(row.text(7))
      for path in paths { outputs.insert(path) }
      guard let pipeline, row.equals(1, pipeline) else { return }
      let record = StateRecord(
        input: row.text(0), pipeline: pipeline, size: row.integer(2), modified: row.integer(3),
        contentHash: row.text(4), fingerprint: row.text(5, reusing: &fingerprint),
        version: row.text(6, reusing: &version), outputs: paths, format: row.text(8, reusing: &format))
      records[record.input] = record
    }
    try database.query("SELECT path FROM written") { outputs.insert($0.text(0)) }
    return (records, outputs)
  }

  /// The record of one input for one pipeline, if there is one: an indexed
  /// look-up, for a shard that reads another shard's store only where it needs to.
  public func record(input: String, pipeline: String) throws -> StateRecord? {
    var found: StateRecord?
    try database.query(
      """
      SELECT size, modified, content_hash, fingerprint, version, outputs, format FROM done
      WHERE input = ? AND pipeline = ?
      """, [.text(input), .text(pipeline)]
    ) { row in
      found = StateRecord(
        input: input, pipeline: pipeline, size: row.integer(0), modified: row.integer(1), contentHash: row.text(2),
        fingerprint: row.text(3), version: row.text(4),
        outputs: row.withBytes(5) { Self.decodeOutputs($0) } ?? Self.fullyDecoded(row.text(5)), format: row.text(6))
    }
    return found
  }

  /// Whether an output was announced here before it was written (`noteWriting`):
  /// an indexed look-up.
  public func announced(output path: String) throws -> Bool {
    var found = false
    try database.query("SELECT 1 FROM written WHERE path = ?", [.text(path)]) { _ in found = true }
    return found
  }

  /// The `outputs` column: a JSON array of paths (as JSONEncoder wrote it in
  /// earlier versions). Read with a small parser for the usual plain strings;
  /// anything else goes to JSONDecoder.
  static func decodeOutputs(_ text: String) -> [String] {
    var text = text
    return text.withUTF8 { decodeOutputs($0) } ?? fullyDecoded(text)
  }

  /// The usual case of `decodeOutputs` from the column's bytes: nil when they are
  /// anything but plain strings (escapes other than `\/`, spaces, ...).
  static func decodeOutputs(_ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
    let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), slash = UInt8(ascii: "/")
    guard bytes.count >= 2, bytes[0] == UInt8(ascii: "["), bytes[bytes.count - 1] == UInt8(ascii: "]") else {
      return nil
    }
    var paths: [String] = []
    var i = 1
    let end = bytes.count - 1
    while i < end {
      if !paths.isEmpty {
        guard bytes[i] == UInt8(ascii: ",") else { return nil }
        i += 1
      }
      guard i < end, bytes[i] == quote else { return nil }
      i += 1
      let start = i
      var escaped = false
      while i < end && bytes[i] != quote {
        if bytes[i] == backslash {
          guard i + 1 < end, bytes[i + 1] == slash else { return nil }
          escaped = true
          i += 2
          continue
        }
        guard bytes[i] >= 0x20 else { return nil }
        i += 1
      }
      guard i < end else { return nil }
      let piece = UnsafeBufferPointer(rebasing: bytes[start..<i])
      if escaped {
        // "\/" is "/": drop each backslash (the only escape allowed here).
        var plain: [UInt8] = []
        plain.reserveCapacity(piece.count)
        var k = 0
        while k < piece.count {
          if piece[k] == backslash { k += 1 }
          plain.append(piece[k])
          k += 1
        }
        paths.append(String(decoding: plain, as: UTF8.self))
      } else {
        paths.append(String(decoding: piece, as: UTF8.self))
      }
      i += 1
    }
    return paths
  }

  static func fullyDecoded(_ text: String) -> [String] {
    (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
  }

  /// The `outputs` column for `paths`: a JSON array of strings.
  static func encodeOutputs(_ paths: [String]) -> String {
    var text = "["
    for (index, path) in paths.enumerated() {
      if index > 0 { text += "," }
      text += "\""
      for scalar in path.unicodeScalars {
        switch scalar {
        case "\"": text += "\\\""
        case "\\": text += "\\\\"
        case "\n": text += "\\n"
        case "\r": text += "\\r"
        case "\t": text += "\\t"
        default:
          if scalar.value < 0x20 {
            text +=
              "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
              + String(scalar.value, radix: 16)
          } else {
            text.unicodeScalars.append(scalar)
          }
        }
      }
      text += "\""
    }
    return text + "]"
  }

  /// Records the size and content hash of an output that could not be marked
  /// (a file system without extended attributes), so it is known by content.
  public func saveOutputContent(path: String, size: Int, hash: String) throws {
    try write()
    try database.query(
      "INSERT OR REPLACE INTO output_content (path, size, hash) VALUES (?, ?, ?)",
      [.text(path), .integer(size), .text(hash)])
  }

  /// The content hashes of the outputs recorded by content, by size.
  public func outputContents() throws -> [Int: Set<String>] {
    var result: [Int: Set<String>] = [:]
    try database.query("SELECT size, hash FROM output_content") {
      result[$0.integer(0), default: []].insert($0.text(1))
    }
    return result
  }

  /// Records, before it is created, that `temporary` is being written to become `path`.
  public func noteWriting(path: String, temporary: String) throws {
    try write()
    try database.query(
      "INSERT OR REPLACE INTO written (path, temporary) VALUES (?, ?)", [.text(path), .text(temporary)])
  }

  /// Temporary files announced by a run that never finished them, forgotten as they are returned.
  public func takeUnfinishedTemporaries() throws -> [String] {
    try takeUnfinishedWrites().map(\.temporary)
  }

  /// Outputs announced (`noteWriting`) and never confirmed (`confirmWritten`): the
  /// final path and its temporary file, forgotten as they are returned. The
  /// caller removes the temporaries; an output that never came to exist is
  /// forgotten too (`forgetOutput`).
  public func takeUnfinishedWrites() throws -> [(path: String, temporary: String)] {
    var result: [(path: String, temporary: String)] = []
    try database.query("SELECT path, temporary FROM written WHERE temporary IS NOT NULL AND temporary != ''") {
      result.append(($0.text(0), $0.text(1)))
    }
    if !result.isEmpty {
      try write()
      try database.query("UPDATE written SET temporary = NULL WHERE temporary IS NOT NULL")
    }
    return result
  }

  /// Records that the outputs at `paths` were written (their temporaries renamed into place).
  public func confirmWritten(_ paths: [String]) throws {
    try write()
    for path in paths {
      try database.query("UPDATE written SET temporary = NULL WHERE path = ?", [.text(path)])
    }
  }

  /// Forgets an output that was announced but never written (no file at its path).
  public func forgetOutput(_ path: String) throws {
    try write()
    try database.query("DELETE FROM written WHERE path = ?", [.text(path)])
  }

  /// Commits the writes gathered since the last flush (with `batching` on).
  public func flush() throws {
    guard database.inTransaction else { return }
    try database.execute("COMMIT")
  }

  /// Opens the batch's transaction before a write, when batching.
  private func write() throws {
    if batching && !database.inTransaction { try database.execute("BEGIN IMMEDIATE") }
  }

  /// Records (or replaces) what was done to an input.
  public func save(_ record: StateRecord) throws {
    let outputs = Self.encodeOutputs(record.outputs)
    try write()
    try database.query(
      """
      INSERT OR REPLACE INTO done
        (input, pipeline, size, modified, content_hash, fingerprint, version, outputs, format, done_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [
        .text(record.input), .text(record.pipeline), .integer(record.size), .integer(record.modified),
        .text(record.contentHash), .text(record.fingerprint), .text(record.version), .text(outputs),
        .text(record.format), .integer(Int(Date().timeIntervalSince1970)),
      ])
    try database.query(
      "DELETE FROM failed WHERE input = ? AND pipeline = ?", [.text(record.input), .text(record.pipeline)])
  }

  /// One line of a store's history: an input done, or its last failure.
  public struct HistoryRow: Sendable {
    public var input: String
    public var pipeline: String
    /// Seconds since 1970.
    public var time: Int
    /// Nil when done.
    public var failure: (reason: String, message: String)?
  }

  /// Every input done, and every failure not done since, of every pipeline: what
  /// `status` counts.
  public func history() throws -> [HistoryRow] {
    var rows: [HistoryRow] = []
    try database.query("SELECT input, pipeline, done_at FROM done") { row in
      rows.append(HistoryRow(input: row.text(0), pipeline: row.text(1), time: row.integer(2), failure: nil))
    }
    // A store older than 0.3 has no `failed` table (read-only here, nothing adds it).
    var hasFailures = false
    try database.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'failed'") {
      hasFailures = $0.integer(0) == 1
    }
    guard hasFailures else { return rows }
    try database.query("SELECT input, pipeline, failed_at, reason, message FROM failed") { row in
      rows.append(
        HistoryRow(
          input: row.text(0), pipeline: row.text(1), time: row.integer(2), failure: (row.text(3), row.text(4))))
    }
    return rows
  }

  /// What every pipeline's done inputs were when done: size, time and format, by
  /// path. `status` takes a file found unchanged as the image it was, without
  /// reading it, as a re-run does.
  public func doneInputs() throws -> [String: (size: Int, modified: Int, format: String)] {
    var inputs: [String: (size: Int, modified: Int, format: String)] = [:]
    var format = ""
    try database.query("SELECT input, size, modified, format FROM done") { row in
      inputs[row.text(0)] = (row.integer(1), row.integer(2), row.text(3, reusing: &format))
    }
    return inputs
  }

  /// Records that an input failed (replacing its earlier failure); a later `save`
  /// of the input clears it. `reason` is `FailureReason`'s stable code.
  public func saveFailure(input: String, pipeline: String, reason: String, message: String) throws {
    try write()
    try database.query(
      "INSERT OR REPLACE INTO failed (input, pipeline, reason, message, failed_at) VALUES (?, ?, ?, ?, ?)",
      [.text(input), .text(pipeline), .text(reason), .text(message), .integer(Int(Date().timeIntervalSince1970))])
  }

  /// Updates the size and modification time of an input whose content is unchanged (a `touch`).
  public func refresh(input: String, pipeline: String, size: Int, modified: Int) throws {
    try write()
    try database.query(
      "UPDATE done SET size = ?, modified = ? WHERE input = ? AND pipeline = ?",
      [.integer(size), .integer(modified), .text(input), .text(pipeline)])
  }

  /// Runs `body` in one transaction (many saves are much faster together).
  public func transaction<T>(_ body: () throws -> T) throws -> T {
    try flush()
    try database.execute("BEGIN IMMEDIATE")
    do {
      let result = try body()
      try database.execute("COMMIT")
      return result
    } catch {
      try? database.execute("ROLLBACK")
      throw error
    }
  }
}
