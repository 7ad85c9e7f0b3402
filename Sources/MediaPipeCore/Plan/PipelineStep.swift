/// What a pipeline step is to the format: its name, the arguments it takes,
/// how it reads them, and how `check` and the docs describe it.
///
/// Each step is one type in its own file under `Steps/`, listed once in
/// `StepRegistry.all`. Parsing, the "did you mean" suggestions, `check`'s
/// summary and the step list in docs/pipeline-format.md all come from that
/// list. A step that changes pixels has its imaging half (`ImagingStep`, in
/// MediaPipeImaging) in its own `<Step>+Vips.swift`.
public protocol PipelineStep: Sendable, Hashable {
  /// The word that starts the step's line, such as `resize`.
  static var name: String { get }
  /// Whether the step changes pixels or says how the result is written.
  static var kind: StepKind { get }
  /// The keys and positional arguments the step accepts.
  static var schema: StepSchema { get }
  /// The step's row in the generated step list of docs/pipeline-format.md.
  static var documentation: StepDocumentation { get }

  /// The schema one statement is read with; `schema` unless the step narrows it.
  ///
  /// A step whose forms take different keys (watermark's text and image forms)
  /// narrows it here, so that a key of the other form is reported as unknown.
  static func schema(for statement: Statement) -> StepSchema

  /// Reads the step from one statement.
  ///
  /// `arguments` already holds what the schema found wrong (unknown or repeated
  /// keys, too many or too few positionals); report the rest through it, each
  /// problem at its own location. Whatever is returned is dropped when any
  /// error was reported, so a step may return early or carry on to find more.
  ///
  /// - Returns: the step, or nil when it cannot be read.
  static func parse(_ arguments: inout ArgumentReader, context: StepContext) -> Self?

  /// One line saying what the step does, for `mediapipe check`.
  var summary: String { get }

  /// Files the step reads besides the image (a watermark's logo), absolute.
  /// Their content is part of the pipeline's fingerprint. None by default.
  var referencedFiles: [String] { get }
}

extension PipelineStep {
  public static func schema(for statement: Statement) -> StepSchema { schema }

  public var referencedFiles: [String] { [] }

  /// Reads `statement` as this step: its schema first, then its own parsing.
  /// - Returns: the step, or nil if any error was found; and every diagnostic.
  static func read(_ statement: Statement, context: StepContext) -> (Step?, DiagnosticBag) {
    var arguments = ArgumentReader(statement, schema: schema(for: statement))
    let value = parse(&arguments, context: context)
    guard let value, !arguments.diagnostics.hasErrors else { return (nil, arguments.diagnostics) }
    return (Step(value), arguments.diagnostics)
  }
}

/// The two kinds of lines a pipeline section holds.
public enum StepKind: Sendable, Hashable {
  /// Changes pixels; image steps run in the order written.
  case image
  /// Says how a section's result is written (format, metadata, file name). It
  /// applies to its whole section wherever it stands, and may appear once per section.
  case outputSetting
}

/// The arguments a step accepts, checked before the step reads their values.
public struct StepSchema: Sendable, Hashable {
  /// The `key=value` keys the step accepts.
  public var keys: [String]
  /// How many positional arguments it accepts.
  public var positionals: ClosedRange<Int>
  /// What a positional argument looks like, for the message when one is missing
  /// ("like 300x300, 300x, x200 or 50%").
  public var positionalHint: String

  public init(keys: [String] = [], positionals: ClosedRange<Int> = 0...0, positionalHint: String = "") {
    self.keys = keys
    self.positionals = positionals
    self.positionalHint = positionalHint
  }

  /// No arguments at all (`flip`).
  public static let none = StepSchema()
}

/// A step's row in the step list of docs/pipeline-format.md.
public struct StepDocumentation: Sendable, Hashable {
  /// How the line is written: `crop WxH [gravity=...]`; forms separated by ` | `
  /// where the step has several.
  public var syntax: String
  /// What the step does, in one sentence (Markdown).
  public var description: String

  public init(syntax: String, description: String) {
    self.syntax = syntax
    self.description = description
  }
}

/// What a step may need to know while it is read, besides its own line.
public struct StepContext: Sendable {
  /// The folder relative paths in the pipeline (watermark logos) are taken from.
  public var baseDirectory: String

  public init(baseDirectory: String) {
    self.baseDirectory = baseDirectory
  }
}
