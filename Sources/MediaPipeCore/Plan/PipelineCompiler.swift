/// Turns pipeline source text into a validated `Pipeline`, or into every
/// diagnostic it found.
///
/// Sections: statements before the first `variant` are shared; each
/// `variant NAME` starts a section that ends at the next `variant`. `version`
/// may only be the first statement; `orientation` only in the shared part.
/// `compress`, `metadata` and `output` in the shared part are the defaults of
/// every variant; in a variant they override them. Each may appear once per section.
public enum PipelineCompiler {
  /// The result of compiling: a pipeline if there were no errors, and every diagnostic.
  public struct Result: Sendable {
    public var pipeline: Pipeline?
    public var diagnostics: [Diagnostic]
  }

  /// - Parameters:
  ///   - source: the text of the pipeline file.
  ///   - file: its name, as shown in diagnostics.
  ///   - baseDirectory: the folder relative paths (watermark images) are taken from.
  public static func compile(source: String, file: String, baseDirectory: String) -> Result {
    var diagnostics = DiagnosticBag()
    let statements = Lexer(file: file).statements(in: source, diagnostics: &diagnostics)
    var pipeline = Pipeline(file: file, baseDirectory: baseDirectory)

    struct Section {
      var name: Located<String>?
      var steps: [Step] = []
      var compress: (Compress, SourceLocation)?
      var metadata: (MetadataPolicy, SourceLocation)?
      var output: (OutputTemplate, SourceLocation)?
    }
    var shared = Section()
    var variants: [Section] = []
    var orientationLine: Int?

    for (index, statement) in statements.enumerated() {
      let name = statement.name.value
      let inVariant = !variants.isEmpty
      switch name {
      case "version":
        let reader = ArgumentReader(statement, keys: [], positionals: 1...1, positionalHint: "1")
        diagnostics.append(contentsOf: reader.diagnostics.all)
        if index != 0 {
          diagnostics.error("'version' must be the first line of the pipeline", at: statement.location)
        } else if let arg = reader.positionals.first {
          if let v = Int(arg.value.value), v >= 1 {
            if v > Pipeline.formatVersion {
              diagnostics.error(
                "this pipeline needs format version \(v); this mediapipe reads up to version \(Pipeline.formatVersion)",
                at: arg.value.location, notes: ["upgrade mediapipe to run it"])
            }
          } else {
            diagnostics.error("expected a version number like 1, found \"\(arg.value.value)\"", at: arg.value.location)
          }
        }
        continue
      case "variant":
        let reader = ArgumentReader(statement, keys: [], positionals: 1...1, positionalHint: "a name like thumb")
        diagnostics.append(contentsOf: reader.diagnostics.all)
        guard let arg = reader.positionals.first else { continue }
        let vname = arg.value.value
        let valid = !vname.isEmpty && vname.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        if !valid {
          diagnostics.error("a variant name may contain letters, digits, '-' and '_', found \"\(vname)\"", at: arg.value.location)
        }
        if let previous = variants.first(where: { $0.name?.value == vname }) {
          diagnostics.error(
            "variant '\(vname)' is defined twice (first on line \(previous.name!.location.line))", at: arg.value.location)
        }
        variants.append(Section(name: arg.value))
        continue
      case "orientation":
        if let first = orientationLine {
          diagnostics.error("'orientation' is given twice (first on line \(first))", at: statement.location)
        }
        orientationLine = statement.location.line
        var reader = ArgumentReader(statement, keys: [], positionals: 1...1, positionalHint: "auto or keep")
        if let arg = reader.positionals.first, let apply = reader.choice(arg, key: nil, ["auto": true, "keep": false]) {
          pipeline.applyOrientation = apply
        }
        diagnostics.append(contentsOf: reader.diagnostics.all)
        if inVariant {
          diagnostics.error("'orientation' applies when the image is loaded; put it before the first variant", at: statement.location)
        }
        continue
      default:
        break
      }

      let (step, found) = parseStep(statement, baseDirectory: baseDirectory)
      diagnostics.append(contentsOf: found)
      guard let step else { continue }
      var section = inVariant ? variants.removeLast() : shared
      func once<T>(_ slot: inout (T, SourceLocation)?, _ value: T) {
        if let (_, first) = slot {
          diagnostics.error("'\(name)' is given twice in this section (first on line \(first.line))", at: statement.location)
        } else {
          slot = (value, statement.location)
        }
      }
      switch step {
      case .compress(let c): once(&section.compress, c)
      case .metadata(let m): once(&section.metadata, m)
      case .output(let o): once(&section.output, o)
      case .watermark(let w):
        if case .image(let path, _) = w.mark, !pipeline.referencedFiles.contains(path) {
          pipeline.referencedFiles.append(path)
        }
        section.steps.append(step)
      default: section.steps.append(step)
      }
      if inVariant { variants.append(section) } else { shared = section }
    }

    if variants.isEmpty { variants = [Section(name: nil)] }
    let defaultTemplate = variants.count > 1 ? OutputTemplate.perVariant : OutputTemplate.single
    var seenTemplates: [String: (String, SourceLocation?)] = [:]
    for section in variants {
      let variantName = section.name?.value ?? "default"
      let compress = section.compress?.0 ?? shared.compress?.0 ?? Compress()
      let output = section.output ?? shared.output
      let template = output?.0 ?? defaultTemplate
      if variants.count > 1, !template.uses(.variant), let (other, otherLocation) = seenTemplates[template.text] {
        let at = output?.1 ?? section.name?.location ?? otherLocation ?? SourceLocation(file: file, line: 1, column: 1)
        diagnostics.error(
          "variants '\(other)' and '\(variantName)' write to the same file name \"\(template.text)\"", at: at,
          notes: ["give each variant its own `output`, or use {variant} in the template"])
      }
      seenTemplates[template.text] = (variantName, output?.1)
      if let ext = template.literalExtension, compress.format != .same, !compress.format.matches(extension: ext),
        let location = output?.1
      {
        diagnostics.warning(
          "the output is \(compress.format.rawValue) but the template ends in '.\(ext)'; use {ext} or '.\(compress.format.fileExtension)'",
          at: location)
      }
      pipeline.variants.append(
        Variant(
          name: variantName, steps: section.steps, compress: compress,
          metadata: section.metadata?.0 ?? shared.metadata?.0 ?? .strip, output: template))
    }
    pipeline.shared = shared.steps
    pipeline.canonicalText = statements.map(\.canonicalText).joined(separator: "\n")
    let sorted = diagnostics.sorted
    return Result(pipeline: diagnostics.hasErrors ? nil : pipeline, diagnostics: sorted)
  }

  static func parseStep(_ statement: Statement, baseDirectory: String) -> (Step?, [Diagnostic]) {
    switch statement.name.value {
    case "resize": return Resize.parse(statement)
    case "crop": return Crop.parse(statement)
    case "rotate": return Rotate.parse(statement)
    case "flip": return SimpleSteps.parse(statement, as: .flip)
    case "flop": return SimpleSteps.parse(statement, as: .flop)
    case "autorotate": return SimpleSteps.parse(statement, as: .autorotate)
    case "watermark": return Watermark.parse(statement, baseDirectory: baseDirectory)
    case "compress": return Compress.parse(statement)
    case "metadata": return MetadataPolicy.parse(statement)
    case "output": return OutputTemplate.parse(statement)
    default:
      let name = statement.name.value
      return (
        nil,
        [
          .error(
            "unknown step '\(name)'" + Suggestions.suffix(for: name, in: Step.names), at: statement.name.location,
            notes: Suggestions.nearest(to: name, in: Step.names) == nil ? ["steps: " + Step.names.joined(separator: ", ")] : [])
        ]
      )
    }
  }
}
