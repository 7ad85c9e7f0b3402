import CPosixShims
import Foundation

/// How SQLite keeps a state store's journal.
///
/// WAL (write-ahead log) lets a reader in while the run writes, but it needs
/// shared memory between every process that opens the store, so it works only
/// when they all run on one machine: on NFS and other network file systems it
/// can corrupt the store. There the store uses the classic rollback journal
/// (DELETE), which needs only working file locks.
public enum StateJournal: String, Sendable, CaseIterable {
  /// DELETE on a network or cluster file system (NFS, SMB/CIFS, Lustre, GPFS,
  /// CephFS, BeeGFS, FUSE, ...), WAL elsewhere.
  case automatic = "auto"
  /// Always WAL.
  case wal
  /// Always the rollback journal (DELETE).
  case delete

  /// The `journal_mode` for a store in `folder`: "wal" or "delete".
  public func mode(forFolder folder: String) -> String {
    switch self {
    case .wal: return "wal"
    case .delete: return "delete"
    case .automatic: return Self.isNetworkFileSystem(folder) ? "delete" : "wal"
    }
  }

  /// `statfs` magic numbers of file systems shared between machines (linux/magic.h and the file systems' own headers).
  static let networkMagics: Set<Int> = [
    0x6969,  // NFS
    0x517B,  // SMB
    0xFF53_4D42,  // CIFS
    0xFE53_4D42,  // SMB2
    0x00C3_6400,  // CephFS
    0x0BD0_0BD0,  // Lustre
    0x4750_4653,  // GPFS
    0x1983_0326,  // BeeGFS
    0x6573_5546,  // FUSE (sshfs, s3fs, gcsfuse, ...)
    0x5346_414F,  // AFS
    0x0102_1997,  // 9P
    0x0116_1970,  // GFS2
    0x7461_636F,  // OCFS2
  ]

  /// Whether `folder` (or, when it does not exist yet, its nearest existing parent) is on a network file system.
  public static func isNetworkFileSystem(_ folder: String) -> Bool {
    var path = folder
    var type = cposix_file_system_type(path)
    while type < 0 {
      let parent = (path as NSString).deletingLastPathComponent
      guard !parent.isEmpty, parent != path else { return false }
      path = parent
      type = cposix_file_system_type(path)
    }
    return networkMagics.contains(type)
  }
}
