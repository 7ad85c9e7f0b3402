/// Turns pipeline source text into a validated `Pipeline`, or into every
/// diagnostic it found.
///
/// Sections: statements before the first `variant` are shared; each
/// `variant NAME` starts a section that ends at the next `variant`. `version`
/// may only be the first statement; `orientation` only in the shared part.
/// `compress`, `metadata` and `output` in the shared part are the defaults of
/// every variant; in a variant they override them. Each may appear once per section.
public enum PipelineCompiler {
  /// The result of compiling: a pipeline if there were no errors, and the diagnostics.
  public struct Result: Sendable {
    public var pipeline: Pipeline?
    /// The diagnostics in file order: all of them, or for a file with more
    /// than `PipelineLimits.keptDiagnostics`, the earliest ones.
    public var diagnostics: [Diagnostic]
    /// Errors found, including any not kept in `diagnostics`.
    public var errorCount: Int
    /// Warnings found, including any not kept in `diagnostics`.
    public var warningCount: Int
    /// The text that was compiled (for `compile(contents:)`, the decoded bytes,
    /// with U+FFFD where they were not UTF-8); diagnostics point into it.
    public var source: String

    /// The diagnostics as people read them, bounded whatever the file: the
    /// first `limit`, each with an excerpt of its line, then a count of the rest.
    public func renderedDiagnostics(limit: Int = PipelineLimits.renderedDiagnostics) -> String {
      diagnostics.rendered(source: source, limit: limit, errorCount: errorCount, warningCount: warningCount)
    }
  }

  /// Compiles a pipeline file's bytes: the entry point for a file as read from
  /// disk, and for fuzzing. Never traps, whatever the bytes. Bytes that are not
  /// UTF-8 are an error (at the first of them), and the rest of the file is
  /// still checked, read with U+FFFD in their place. A file over
  /// `PipelineLimits.maxSourceBytes` is refused unread.
  ///
  /// - Parameters:
  ///   - contents: the bytes of the pipeline file.
  ///   - file: its name, as shown in diagnostics.
  ///   - baseDirectory: the folder relative paths (watermark images) are taken from.
  public static func compile<Bytes: Collection>(contents: Bytes, file: String, baseDirectory: String) -> Result
  where Bytes.Element == UInt8 {
    if let tooLarge = sizeError(byteCount: contents.count, file: file) { return tooLarge }
    let source = String(decoding: contents, as: UTF8.self)
    var diagnostics = DiagnosticBag()
    if let (offset, byte) = firstInvalidUTF8(contents) {
      let prefix = String(decoding: contents.prefix(offset), as: UTF8.self)
      var line = 1, column = 1
      for c in prefix {
        if c.isLineBreak {
          line += 1
          column = 1
        } else {
          column += 1
        }
      }
      // The byte-order mark is not counted in columns.
      if line == 1, prefix.first == "\u{FEFF}" { column -= 1 }
      diagnostics.error(
        "the file is not UTF-8: byte 0x\(String(byte, radix: 16, uppercase: true)) at byte offset \(offset) is not part of a character",
        at: SourceLocation(file: file, line: line, column: column), notes: ["save the pipeline as UTF-8"])
    }
    return compile(source: source, file: file, baseDirectory: baseDirectory, diagnostics: diagnostics)
  }

  /// Compiles pipeline text. Never traps, whatever the text.
  ///
  /// - Parameters:
  ///   - source: the text of the pipeline file.
  ///   - file: its name, as shown in diagnostics.
  ///   - baseDirectory: the folder relative paths (watermark images) are taken from.
  public static func compile(source: String, file: String, baseDirectory: String) -> Result {
    if let tooLarge = sizeError(byteCount: source.utf8.count, file: file) { return tooLarge }
    return compile(source: source, file: file, baseDirectory: baseDirectory, diagnostics: DiagnosticBag())
  }

  private static func sizeError(byteCount: Int, file: String) -> Result? {
    guard byteCount > PipelineLimits.maxSourceBytes else { return nil }
    let error = Diagnostic.error(
      "expected a pipeline file of at most \(groupedThousands(PipelineLimits.maxSourceBytes)) bytes, found \(groupedThousands(byteCount)) bytes",
      at: SourceLocation(file: file, line: 1, column: 1))
    return Result(pipeline: nil, diagnostics: [error], errorCount: 1, warningCount: 0, source: "")
  }

  /// The offset and value of the first byte that is not part of valid UTF-8.
  static func firstInvalidUTF8<Bytes: Collection>(_ bytes: Bytes) -> (offset: Int, byte: UInt8)?
  where Bytes.Element == UInt8 {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded): offset += encoded.count
      case .emptyInput: return nil
      case .error:
        let index = bytes.index(bytes.startIndex, offsetBy: offset)
        return (offset, bytes[index])
      }
    }
  }

  private static func compile(source: String, file: String, baseDirectory: String, diagnostics: DiagnosticBag) -> Result
  {
    var diagnostics = diagnostics
    let statements = Lexer(file: file).statements(in: source, diagnostics: &diagnostics)
    var pipeline = Pipeline(file: file, baseDirectory: baseDirectory)

    struct Section {
      var name: Located<String>?
      var steps: [Step] = []
      /// Output settings by step name, with where each was given.
      var settings: [String: (step: Step, location: SourceLocation)] = [:]

      func setting<T: PipelineStep>(_ type: T.Type) -> (T, SourceLocation)? {
        guard let (step, location) = settings[T.name], let value = step.as(T.self) else { return nil }
        return (value, location)
      }
    }
    var shared = Section()
    var variants: [Section] = []
    var variantLines: [String: Int] = [:]
    var referenced = Set<String>()
    var orientationLine: Int?

    for (index, statement) in statements.enumerated() {
      let name = statement.name.value
      let inVariant = !variants.isEmpty
      switch name {
      case "version":
        var reader = ArgumentReader(statement, keys: [], positionals: 1...1, positionalHint: "1")
        if index != 0 {
          reader.error("'version' must be the first line of the pipeline", at: statement.location)
        } else if let arg = reader.positionals.first {
          let text = arg.value.value
          let isNumber = !text.isEmpty && text.allSatisfy(\.isASCIIDigit)
          let version = NumberSyntax.integer(text)  // nil past Int: a far newer version
          if isNumber, version.map({ $0 >= 1 }) ?? true {
            if (version ?? Int.max) > Pipeline.formatVersion {
              reader.error(
                "this pipeline needs format version \(excerpt(text)); this mediapipe reads up to version \(Pipeline.formatVersion)",
                at: arg.value.location, notes: ["upgrade mediapipe to run it"])
            }
          } else {
            reader.invalid("a version number like 1", arg)
          }
        }
        diagnostics.append(contentsOf: reader.diagnostics)
        continue
      case "variant":
        let reader = ArgumentReader(statement, keys: [], positionals: 1...1, positionalHint: "a name like thumb")
        diagnostics.append(contentsOf: reader.diagnostics)
        guard let arg = reader.positionals.first else { continue }
        let vname = arg.value.value
        let valid = !vname.isEmpty && vname.allSatisfy { $0.isLetter || $0.isASCIIDigit || $0 == "-" || $0 == "_" }
        if !valid {
          diagnostics.error(
            "a variant name may contain letters, ASCII digits, '-' and '_', found \"\(excerpt(vname))\"",
            at: arg.value.location)
        } else if vname.count > maxVariantNameCharacters {
          diagnostics.error(
            "expected a variant name of at most \(maxVariantNameCharacters) characters, found \(vname.count)",
            at: arg.value.location)
        }
        if let previous = variantLines[vname] {
          diagnostics.error(
            "variant '\(excerpt(vname))' is defined twice (first on line \(previous))", at: arg.value.location)
        } else {
          variantLines[vname] = arg.value.location.line
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
        diagnostics.append(contentsOf: reader.diagnostics)
        if inVariant {
          diagnostics.error(
            "'orientation' applies when the image is loaded; put it before the first variant", at: statement.location)
        }
        continue
      default:
        break
      }

      let (step, found) = parseStep(statement, baseDirectory: baseDirectory)
      diagnostics.append(contentsOf: found)
      guard let step else { continue }
      for path in step.base.referencedFiles where referenced.insert(path).inserted {
        pipeline.referencedFiles.append(path)
      }
      // The section is changed in place: copying it out and back would copy
      // its steps on every line, quadratic in the length of the file.
      func add(to section: inout Section) {
        guard step.kind == .outputSetting else {
          section.steps.append(step)
          return
        }
        if let first = section.settings[name] {
          diagnostics.error(
            "'\(name)' is given twice in this section (first on line \(first.location.line))", at: statement.location)
        } else {
          section.settings[name] = (step, statement.location)
        }
      }
      if inVariant { add(to: &variants[variants.count - 1]) } else { add(to: &shared) }
    }

    if variants.isEmpty { variants = [Section(name: nil)] }
    let defaultTemplate = variants.count > 1 ? OutputTemplate.perVariant : OutputTemplate.single
    var seenTemplates: [String: (String, SourceLocation?)] = [:]
    for section in variants {
      let variantName = section.name?.value ?? "default"
      let compress = section.setting(Compress.self)?.0 ?? shared.setting(Compress.self)?.0 ?? Compress()
      let output = section.setting(OutputTemplate.self) ?? shared.setting(OutputTemplate.self)
      let template = output?.0 ?? defaultTemplate
      if variants.count > 1, !template.uses(.variant), let (other, otherLocation) = seenTemplates[template.text] {
        let at = output?.1 ?? section.name?.location ?? otherLocation ?? SourceLocation(file: file, line: 1, column: 1)
        diagnostics.error(
          "variants '\(excerpt(other))' and '\(excerpt(variantName))' write to the same file name \"\(excerpt(template.text))\"",
          at: at, notes: ["give each variant its own `output`, or use {variant} in the template"])
      }
      seenTemplates[template.text] = (variantName, output?.1)
      if let ext = template.literalExtension, compress.format != .same, !compress.format.matches(extension: ext),
        let location = output?.1
      {
        diagnostics.warning(
          "the output is \(compress.format.rawValue) but the template ends in '.\(excerpt(ext))'; use {ext} or '.\(compress.format.fileExtension)'",
          at: location)
      }
      pipeline.variants.append(
        Variant(
          name: variantName, steps: section.steps, compress: compress,
          metadata: section.setting(MetadataPolicy.self)?.0 ?? shared.setting(MetadataPolicy.self)?.0 ?? .strip,
          output: template,
          animation: section.setting(Animation.self)?.0 ?? shared.setting(Animation.self)?.0 ?? .keep))
    }
    pipeline.shared = shared.steps
    pipeline.canonicalText = statements.map(\.canonicalText).joined(separator: "\n")
    return Result(
      pipeline: diagnostics.hasErrors ? nil : pipeline, diagnostics: diagnostics.sorted,
      errorCount: diagnostics.errorCount,
      warningCount: diagnostics.warningCount, source: source)
  }

  /// Variant names go into file names (`{variant}`).
  static let maxVariantNameCharacters = 100

  /// The words that start a line without being a step: sections, the load
  /// orientation and the format version.
  static let keywords = ["variant", "orientation", "version"]

  /// Reads one statement as the registered step its name says
  /// (`StepRegistry`), or reports an unknown name with the nearest known one.
  static func parseStep(_ statement: Statement, baseDirectory: String) -> (Step?, DiagnosticBag) {
    let name = statement.name.value
    if let step = StepRegistry.step(named: name) {
      return step.read(statement, context: StepContext(baseDirectory: baseDirectory))
    }
    let known = StepRegistry.names + keywords
    var bag = DiagnosticBag()
    bag.error(
      "unknown step '\(excerpt(name))'" + Suggestions.suffix(for: name, in: known), at: statement.name.location,
      notes: Suggestions.nearest(to: name, in: known) == nil ? ["steps: " + known.joined(separator: ", ")] : [])
    return (nil, bag)
  }
}
