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
/// Default location: `.mediapipe/state.sqlite` under the output root (`-o DIR`,
/// or each input root). The run lock keeps two runs from writing at once.
///
/// A store deleted while a run has it open lives on in that run (SQLite keeps
/// the open file): `check()` notices and writes it back to its path whole.
public final class StateStore {
  public let path: String
  private var database: SQLiteDatabase
  /// The database file's device and inode when opened.
  private var identity: (dev_t, ino_t)
  static let schemaVersion = 1

  /// Opens or creates the store at `path` (its folder is created too).
  public init(path: String) throws {
    self.path = path
    database = try Self.open(path)
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

  private static func open(_ path: String) throws -> SQLiteDatabase {
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    let database = try SQLiteDatabase(path: path)
    // `output_content` (added in 0.2): outputs on file systems without extended
    // attributes, by content; older stores gain it here, older versions ignore it.
    try database.execute(
      """
      PRAGMA journal_mode=WAL;
      PRAGMA synchronous=NORMAL;
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
    database = try Self.open(path)
    identity = Self.identity(of: path)
  }

  /// Every record for one pipeline, by input path.
  public func records(pipeline: String) throws -> [String: StateRecord] {
    var result: [String: StateRecord] = [:]
    try database.query(
      "SELECT input, size, modified, content_hash, fingerprint, version, outputs, format FROM done WHERE pipeline = ?",
      [.text(pipeline)]
    ) { row in
      let outputs = (try? JSONDecoder().decode([String].self, from: Data(row.text(6).utf8))) ?? []
      let record = StateRecord(
        input: row.text(0), pipeline: pipeline, size: row.integer(1), modified: row.integer(2),
        contentHash: row.text(3), fingerprint: row.text(4), version: row.text(5), outputs: outputs, format: row.text(7))
      result[record.input] = record
    }
    return result
  }

  /// Every output any pipeline recorded or started to write here: files that
  /// are never inputs, and that a later run may replace.
  public func allOutputs() throws -> Set<String> {
    var result = Set<String>()
    try database.query("SELECT outputs FROM done") { row in
      for path in (try? JSONDecoder().decode([String].self, from: Data(row.text(0).utf8))) ?? [] { result.insert(path) }
    }
    try database.query("SELECT path FROM written") { result.insert($0.text(0)) }
    return result
  }

  /// Records the size and content hash of an output that could not be marked
  /// (a file system without extended attributes), so it is known by content.
  public func saveOutputContent(path: String, size: Int, hash: String) throws {
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
    try database.query("INSERT OR REPLACE INTO written (path, temporary) VALUES (?, ?)", [.text(path), .text(temporary)])
  }

  /// Temporary files announced by a run that never finished them, forgotten as they are returned.
  public func takeUnfinishedTemporaries() throws -> [String] {
    var result: [String] = []
    try database.query("SELECT temporary FROM written WHERE temporary IS NOT NULL AND temporary != ''") {
      result.append($0.text(0))
    }
    try database.execute("UPDATE written SET temporary = NULL")
    return result
  }

  /// Records (or replaces) what was done to an input.
  public func save(_ record: StateRecord) throws {
    let outputs = String(decoding: try JSONEncoder().encode(record.outputs), as: UTF8.self)
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
  }

  /// Updates the size and modification time of an input whose content is unchanged (a `touch`).
  public func refresh(input: String, pipeline: String, size: Int, modified: Int) throws {
    try database.query(
      "UPDATE done SET size = ?, modified = ? WHERE input = ? AND pipeline = ?",
      [.integer(size), .integer(modified), .text(input), .text(pipeline)])
  }

  /// Runs `body` in one transaction (many saves are much faster together).
  public func transaction<T>(_ body: () throws -> T) throws -> T {
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
