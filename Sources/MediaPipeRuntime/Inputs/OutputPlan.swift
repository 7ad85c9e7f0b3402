import Foundation
import MediaPipeCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Decides, before anything runs, which found files are inputs and where each
/// input's outputs go, so that a run never takes its own outputs as inputs and
/// never writes over a file it did not write.
///
/// A found file is an output (and skipped) when a state store recorded it as
/// one, or it carries mediapipe's mark (`OutputMarker`) below the output root:
/// running the same command twice never makes `processed_processed_a.jpg`.
/// An input fails, before decoding, when an output would land on an input (its
/// own or another), on an output another input writes, or on an existing file
/// mediapipe did not write (unless told to overwrite).
public struct OutputPlan {
  /// An input, with where its outputs go.
  public struct Entry: Sendable {
    public var input: InputFile
    /// A separate output folder, or the input root the file was found under.
    public var outputRoot: String
    /// The paths it will write; entries with `{width}`/`{height}` are patterns.
    public var outputs: [String]
    /// Why it cannot run, if it cannot.
    public var problem: TaskFailure?
  }

  public var entries: [Entry] = []
  /// Files skipped because this pipeline writes them.
  public var ownOutputs: [InputFile] = []

  /// - Parameters:
  ///   - outputRoot: a separate output folder, or nil for "next to each input".
  ///   - knownOutputs: files the state store recorded as outputs (of any pipeline), or that
  ///     carry mediapipe's mark below an output root: never inputs.
  ///   - overwrite: replace existing files mediapipe did not write ; inputs never.
  ///   - writtenByMediapipe: whether an existing file at an output path is mediapipe's
  ///     (marked, or known by content), and so may be replaced.
  ///   - allowUntrusted: whether formats only untrusted loaders read (JPEG XL, JPEG 2000,
  ///     BMP, SVG, PDF) are processed; when not, such inputs fail as blocked here, and
  ///     claim no output names (a `photo.bmp` never keeps `photo.png` from its output).
  ///   - claimed: outputs already claimed, normalised, with the input that writes them
  ///     (earlier runs' records, earlier arrivals): another input whose output is one of
  ///     them fails, as long as the claiming input still exists.
  ///   - claimedElsewhere: where an output not in `claimed` may still be claimed (a
  ///     shard asks the other shards' stores, `RunState.claimElsewhere`).
  ///   - maxFileSize: inputs larger than this many bytes fail before decoding (whatever
  ///     they hold, unless their format is blocked), and claim no output names either.
  public init(
    pipeline: Pipeline, inputs: [InputFile], outputRoot: String?, knownOutputs: Set<String> = [],
    overwrite: Bool = false,
    writtenByMediapipe: (String) -> Bool = { _ in false }, allowUntrusted: Bool, claimed: [String: String] = [:],
    claimedElsewhere: (String) -> String? = { _ in nil },
    maxFileSize: Int? = nil
  ) {
    var planned: [Entry] = []
    planned.reserveCapacity(inputs.count)
    for input in inputs {
      let root = outputRoot ?? input.root
      var outputs: [String] = []
      var problem: TaskFailure?
      for variant in pipeline.variants {
        let format = variant.outputFormat(forInput: input.format)
        let name = input.name
        let values = OutputTemplate.Values(
          name: name, stem: Self.stem(name), ext: format.fileExtension,
          dir: input.relativeDirectory, variant: variant.name)
        if let path = variant.output.path(root: root, values: values) {
          if outputs.contains(path) {
            problem = TaskFailure(reason: .cannotWriteOutput, detail: "two variants would write the same file \(path)")
          }
          outputs.append(path)
        } else {
          problem = TaskFailure(reason: .cannotWriteOutput, detail: "its output name would leave the output folder")
        }
      }
      // An input that will not be read: said before any trouble with its names.
      if let format = input.format, !format.isTrusted, !allowUntrusted {
        problem = TaskFailure(
          reason: .blockedFormat,
          detail: "\(format.rawValue.uppercased()) is read by a loader not hardened against hostile files",
          remedy: .allowUntrustedFormats)
      } else if let limit = maxFileSize, input.size > limit {
        problem = TaskFailure(
          reason: .fileTooLarge, detail: "\(ByteCount.text(input.size)); the limit is \(ByteCount.text(limit))",
          remedy: .raiseLimit(.fileSize(bytes: limit)))
      } else if input.format == nil {
        problem = TaskFailure(
          reason: .notAnImage, detail: input.size == 0 ? "the file is empty" : "its content is not a known image format"
        )
      }
      planned.append(Entry(input: input, outputRoot: root, outputs: outputs, problem: problem))
    }

    // Files a state store knows as outputs (of any run, any pipeline) are never inputs.
    let keys = planned.map { Self.normalise($0.input.path) }
    let known = keys.map { knownOutputs.contains($0) }
    var inputs = Set<String>(minimumCapacity: planned.count)
    for (key, known) in zip(keys, known) where !known { inputs.insert(key) }
    // This batch's claims apart from the earlier ones (100,000 of them on a re-run:
    // copying them to add to them cost more than looking in both). An output the
    // same input claimed before is not claimed again: a re-run adds nothing here.
    var claimedHere: [String: String] = [:]
    entries.reserveCapacity(planned.count)
    for (index, entry) in planned.enumerated() {
      if known[index] {
        ownOutputs.append(entry.input)
        continue
      }
      var entry = entry
      if entry.problem == nil {
        entry.problem = Self.clash(
          entry, key: keys[index], inputs: inputs,
          claimed: { (claimedHere.isEmpty ? claimed[$0] : claimedHere[$0] ?? claimed[$0]) ?? claimedElsewhere($0) },
          knownOutputs: knownOutputs,
          overwrite: overwrite, writtenByMediapipe: writtenByMediapipe)
      }
      if entry.problem == nil {
        for output in entry.outputs {
          let key = Self.normalise(output)
          let earlier = claimed[key]
          if earlier == entry.input.path || earlier == entry.input.canonicalPath { continue }
          claimedHere[key] = entry.input.path
        }
      }
      entries.append(entry)
    }
  }

  /// Why an entry may not write its outputs: onto an input (its own or another),
  /// onto an output another input writes, or onto an existing file mediapipe did
  /// not write (unless `overwrite`). Nil when every output is free to write.
  /// - Parameter key: the input's normalised path, when the caller has it.
  static func clash(
    _ entry: Entry, key: String? = nil, inputs: Set<String>, claimed: (String) -> String?, knownOutputs: Set<String>,
    overwrite: Bool, writtenByMediapipe: (String) -> Bool = { _ in false }
  ) -> TaskFailure? {
    let own = key ?? normalise(entry.input.path)
    for output in entry.outputs where !isPattern(output) {
      let key = normalise(output)
      if key == own {
        return TaskFailure(
          reason: .cannotWriteOutput,
          detail: "its output would overwrite the input itself; change `output` in the pipeline",
          remedy: .writeElsewhere)
      }
      // A known output is never among the inputs (they leave known outputs out).
      let isKnown = knownOutputs.contains(key)
      if !isKnown && inputs.contains(key) {
        return TaskFailure(
          reason: .cannotWriteOutput, detail: "its output \(output) would overwrite another input; change `output`",
          remedy: .writeElsewhere)
      }
      if let other = claimed(key), other != entry.input.path, other != entry.input.canonicalPath,
        normalise(other) != own,
        FileManager.default.fileExists(atPath: other)
      {
        return TaskFailure(reason: .cannotWriteOutput, detail: "its output \(output) is also written by \(other)")
      }
      if !overwrite, !isKnown, FileManager.default.fileExists(atPath: key), !writtenByMediapipe(key) {
        return TaskFailure(
          reason: .cannotWriteOutput,
          detail: "\(output) already exists and was not written by mediapipe; move it away", remedy: .replaceExisting)
      }
    }
    return nil
  }

  /// A file name without its last extension, as `NSString.deletingPathExtension`
  /// gives it for a name ("a.b.jpg" -> "a.b", ".hidden" stays), without bridging.
  static func stem(_ name: String) -> String {
    guard name != "..", let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
    return String(name[..<dot])
  }

  /// Whether an output path is a pattern (`{width}`/`{height}` are known only
  /// once the image is decoded). Looks for a brace first: most paths have none.
  static func isPattern(_ path: String) -> Bool {
    path.utf8.contains(UInt8(ascii: "{")) && (path.contains("{width}") || path.contains("{height}"))
  }

  /// A path with `.` and `//` removed, `..` applied and made absolute (against the
  /// current folder), for comparisons: text only, the file system is not asked
  /// (no symbolic link is resolved), so it costs next to nothing per file.
  static func normalise(_ path: String) -> String {
    if path.hasPrefix("/"), isNormal(path) { return path }
    let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
    if isNormal(absolute) { return absolute }
    // Paths come folder by folder ("./photos/a.jpg", "../in/b.jpg"): the folder is
    // normalised once, then each name is added to it.
    let utf8 = absolute.utf8
    if let slash = utf8.lastIndex(of: UInt8(ascii: "/")), slash != utf8.startIndex {
      let name = absolute[utf8.index(after: slash)...]
      if !name.isEmpty && name != "." && name != ".." {
        let folder = String(absolute[..<slash])
        let normal = lastFolder.withLock { last in
          if let last, last.folder == folder { return last.normal }
          let normal = resolve(folder)
          last = (folder, normal)
          return normal
        }
        return normal == "/" ? "/" + name : normal + "/" + name
      }
    }
    return resolve(absolute)
  }

  /// The folder `normalise` saw last, with its normal form.
  private static let lastFolder = Mutex<(folder: String, normal: String)?>(nil)

  /// An absolute path with `.` and empty parts removed and `..` applied, part by part.
  private static func resolve(_ absolute: String) -> String {
    var parts: [Substring] = []
    for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        _ = parts.popLast()
        continue
      }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }

  /// Whether an absolute path is already normal: no `//`, no `.` or `..` part, no trailing `/`.
  private static func isNormal(_ path: String) -> Bool {
    var previous: UInt8 = 0, beforePrevious: UInt8 = 0, third: UInt8 = 0
    let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
    var count = 0
    for byte in path.utf8 {
      if byte == slash {
        // "//", "/./" or "/../" just ended.
        if previous == slash || (previous == dot && beforePrevious == slash)
          || (previous == dot && beforePrevious == dot && third == slash)
        {
          return false
        }
      }
      third = beforePrevious
      beforePrevious = previous
      previous = byte
      count += 1
    }
    if count > 1 && previous == slash { return false }
    // A last part of "." or "..".
    if previous == dot && (beforePrevious == slash || (beforePrevious == dot && third == slash)) { return false }
    return true
  }

  private static func currentDirectory() -> String {
    guard let cwd = getcwd(nil, 0) else { return FileManager.default.currentDirectoryPath }
    defer { free(cwd) }
    return String(cString: cwd)
  }
}
