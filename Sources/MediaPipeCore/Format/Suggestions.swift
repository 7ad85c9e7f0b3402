/// Finds the near miss for a misspelt name ("resiz" -> "resize").
enum Suggestions {
  /// The candidate closest to `word`, if it is close enough to be a likely typo.
  static func nearest(to word: String, in candidates: [String]) -> String? {
    // The distance is at least the difference in length: a word much longer
    // than every candidate (a hostile 1 MB token) is never compared.
    let longest = candidates.map(\.count).max() ?? 0
    guard !word.isEmpty, word.utf8.count <= 4 * (longest + 3) else { return nil }
    let count = word.count
    let limit = max(1, min(3, count / 3 + 1))
    let lowered = word.lowercased()
    var best: (name: String, distance: Int)?
    for candidate in candidates where abs(candidate.count - count) <= limit {
      let d = distance(lowered, candidate.lowercased())
      if d < (best?.distance ?? Int.max) { best = (candidate, d) }
    }
    guard let best else { return nil }
    return best.distance <= limit ? best.name : nil
  }

  /// "did you mean 'x'?" as a note, or no note.
  static func notes(for word: String, in candidates: [String]) -> [String] {
    nearest(to: word, in: candidates).map { ["did you mean '\($0)'?"] } ?? []
  }

  /// The " did you mean 'x'?" suffix for a message, or "".
  static func suffix(for word: String, in candidates: [String]) -> String {
    nearest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
  }

  /// Damerau-Levenshtein distance (adjacent transpositions count as one edit).
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }
}
