import Foundation
import MediaPipeCore

/// Decides, before anything runs, which found files are inputs and where each
/// input's outputs go, so that a run never takes its own outputs as inputs and
/// never writes over an input.
///
/// A found file is taken as an output of this pipeline (and skipped) when
/// another input would write exactly that path: running the same command twice
/// never makes `processed_processed_a.jpg`. An input whose output would be its
/// own path fails; so does an input whose output another input already writes.
public struct OutputPlan {
  /// An input, with where its outputs go.
  public struct Entry: Sendable {
    public var input: InputFile
    /// `-o DIR`, or the input root the file was found under.
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
  ///   - outputRoot: `-o DIR`, or nil for "next to each input".
  ///   - knownOutputs: files the state store recorded as outputs (of any pipeline): never inputs.
  public init(pipeline: Pipeline, inputs: [InputFile], outputRoot: String?, knownOutputs: Set<String> = []) {
    var planned: [Entry] = []
    for input in inputs {
      let root = outputRoot ?? input.root
      var outputs: [String] = []
      var problem: TaskFailure?
      for variant in pipeline.variants {
        let format = variant.outputFormat(forInput: input.format)
        let name = input.name
        let values = OutputTemplate.Values(
          name: name, stem: (name as NSString).deletingPathExtension, ext: format.fileExtension,
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
      if input.format == nil {
        problem = TaskFailure(reason: .notAnImage, detail: input.size == 0 ? "the file is empty" : "its content is not a known image format")
      }
      planned.append(Entry(input: input, outputRoot: root, outputs: outputs, problem: problem))
    }

    // Files that another input writes are this pipeline's outputs, not inputs.
    var writtenBy: [String: Int] = [:]
    for (index, entry) in planned.enumerated() where entry.input.format != nil {
      for output in entry.outputs where !output.contains("{width}") && !output.contains("{height}") {
        let key = Self.normalise(output)
        if writtenBy[key] == nil { writtenBy[key] = index }
      }
    }
    var isOutput = [Bool](repeating: false, count: planned.count)
    for (index, entry) in planned.enumerated() {
      let key = Self.normalise(entry.input.path)
      if let writer = writtenBy[key], writer != index { isOutput[index] = true }
      if knownOutputs.contains(key) { isOutput[index] = true }
      if entry.outputs.contains(where: { Self.normalise($0) == key }), entry.problem == nil {
        planned[index].problem = TaskFailure(
          reason: .cannotWriteOutput,
          detail: "its output would overwrite the input itself; change `output` in the pipeline or use -o DIR")
      }
    }
    var claimed: [String: String] = [:]
    for (index, entry) in planned.enumerated() {
      if isOutput[index] {
        ownOutputs.append(entry.input)
        continue
      }
      var entry = entry
      if entry.problem == nil {
        for output in entry.outputs {
          let key = Self.normalise(output)
          if let other = claimed[key] {
            entry.problem = TaskFailure(reason: .cannotWriteOutput, detail: "its output \(output) is also written by \(other)")
          }
        }
        if entry.problem == nil { for output in entry.outputs { claimed[Self.normalise(output)] = entry.input.path } }
      }
      entries.append(entry)
    }
  }

  /// Fails, before any decoding, the inputs larger than `limit` bytes.
  public mutating func applyFileSizeLimit(_ limit: Int) {
    // Before "not an image": a huge file is refused for its size, whatever it holds.
    for index in entries.indices where entries[index].input.size > limit
      && (entries[index].problem == nil || entries[index].problem?.reason == .notAnImage)
    {
      entries[index].problem = TaskFailure(
        reason: .fileTooLarge,
        detail: "\(RunReporter.bytes(entries[index].input.size)); the limit is \(RunReporter.bytes(limit)) (--max-file-size)")
    }
  }

  /// A path with `.` and `//` removed and made absolute, for comparisons.
  static func normalise(_ path: String) -> String {
    let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return URL(fileURLWithPath: absolute).standardizedFileURL.path
  }
}
