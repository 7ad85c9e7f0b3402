/// Which of the inputs found a preview shows when it shows only some of them.
public enum PreviewSample {
  /// Up to `count` of `files`, spread evenly over their folders and within each folder.
  ///
  /// Folders take turns (in path order), so a folder of ten files and a folder of a
  /// thousand are both seen; within a folder the files taken are evenly spaced in
  /// path order (the first, the middle, ...), not the first few. The same inputs always
  /// give the same sample. Fewer than `count` files: all of them.
  public static func choose(_ files: [InputFile], count: Int) -> [InputFile] {
    guard count < files.count else { return files }
    guard count > 0 else { return [] }
    var folders: [String: [InputFile]] = [:]
    for file in files { folders[folder(of: file), default: []].append(file) }
    let order = folders.keys.sorted()
    var quota = [String: Int]()
    var left = count
    while left > 0 {
      for key in order where left > 0 && quota[key, default: 0] < folders[key, default: []].count {
        quota[key, default: 0] += 1
        left -= 1
      }
    }
    var chosen: [InputFile] = []
    for key in order {
      let inFolder = folders[key, default: []].sorted { $0.path < $1.path }
      let take = quota[key, default: 0]
      // Evenly spaced: the i-th of `take` is at i * n / take (the first, then every n/take-th).
      for i in 0..<take { chosen.append(inFolder[i * inFolder.count / take]) }
    }
    return chosen
  }

  /// The folder a file was found in (its root and the folder below it).
  static func folder(of file: InputFile) -> String {
    file.relativeDirectory.isEmpty ? file.root : file.root + "/" + file.relativeDirectory
  }
}
