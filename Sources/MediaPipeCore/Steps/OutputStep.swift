/// `output "thumbs/{stem}.webp"`: where each output goes.
///
/// The template is resolved in the input's own folder, or in its mirror below
/// a separate output folder. Tokens: `{name}` (the input's file name), `{stem}` (without its
/// extension), `{ext}` (the output format's extension), `{dir}` (the input's
/// folder relative to its input root, empty at the root), `{variant}`,
/// `{width}` and `{height}` (of the output). It may not be absolute or use `..`.
public struct OutputTemplate: PipelineStep {
  public enum Token: String, Sendable, Hashable, CaseIterable {
    case name, stem, ext, dir, variant, width, height
  }

  public enum Segment: Sendable, Hashable {
    case literal(String)
    case token(Token)
  }

  public let text: String
  public let segments: [Segment]

  /// Without variants: `processed_{stem}.{ext}` next to the input.
  public static let single = OutputTemplate(
    text: "processed_{stem}.{ext}", segments: [.literal("processed_"), .token(.stem), .literal("."), .token(.ext)])
  /// With variants: `processed_{stem}_{variant}.{ext}`, so variants never collide.
  public static let perVariant = OutputTemplate(
    text: "processed_{stem}_{variant}.{ext}",
    segments: [.literal("processed_"), .token(.stem), .literal("_"), .token(.variant), .literal("."), .token(.ext)])

  /// The longest template, in bytes (Linux's PATH_MAX), and the longest name
  /// between two '/' (NAME_MAX): no file system takes longer ones.
  static let maxBytes = 4096
  static let maxNameBytes = 255

  private init(text: String, segments: [Segment]) {
    self.text = text
    self.segments = segments
  }

  /// Whether the template uses `token`.
  public func uses(_ token: Token) -> Bool { segments.contains(.token(token)) }

  /// Parses a template, reporting unknown tokens, stray braces and escapes.
  public static func parse(_ text: String, at location: SourceLocation, diagnostics: inout DiagnosticBag)
    -> OutputTemplate?
  {
    var segments: [Segment] = []
    var literal = ""
    let chars = Array(text)
    var i = 0
    var ok = true
    func at(_ index: Int) -> SourceLocation {
      var l = location
      l.column += index + 1  // +1 for the opening quote
      return l
    }
    while i < chars.count {
      let c = chars[i]
      if c == "{" {
        guard let close = chars[i...].firstIndex(of: "}") else {
          diagnostics.error("unclosed '{' in the output template", at: at(i))
          ok = false
          break
        }
        let name = String(chars[(i + 1)..<close])
        if let token = Token(rawValue: name) {
          if !literal.isEmpty { segments.append(.literal(literal)) }
          literal = ""
          segments.append(.token(token))
        } else {
          let names = Token.allCases.map(\.rawValue)
          diagnostics.error(
            "unknown token '{\(excerpt(name))}' in the output template" + Suggestions.suffix(for: name, in: names),
            at: at(i),
            notes: Suggestions.nearest(to: name, in: names) == nil
              ? ["tokens: " + names.map { "{\($0)}" }.joined(separator: " ")] : [])
          ok = false
        }
        i = close + 1
        continue
      }
      if c == "}" {
        diagnostics.error("unmatched '}' in the output template", at: at(i))
        ok = false
      }
      literal.append(c)
      i += 1
    }
    if !literal.isEmpty { segments.append(.literal(literal)) }
    if text.isEmpty {
      diagnostics.error("the output template is empty", at: location)
      ok = false
    } else if text.hasPrefix("/") {
      diagnostics.error(
        "the output template must be relative (it is resolved in the input's folder, or below the output folder)",
        at: at(0))
      ok = false
    } else if text.split(separator: "/").contains("..") {
      diagnostics.error("the output template may not leave its output folder with '..'", at: at(0))
      ok = false
    } else if text.hasSuffix("/") {
      diagnostics.error(
        "the output template names a folder; end it with a file name like {stem}.{ext}", at: at(chars.count - 1))
      ok = false
    } else if text.utf8.count > maxBytes {
      diagnostics.error(
        "expected an output template of at most \(maxBytes) bytes, found \(text.utf8.count)", at: at(0))
      ok = false
    } else if let long = text.split(separator: "/").first(where: { !$0.contains("{") && $0.utf8.count > maxNameBytes })
    {
      diagnostics.error(
        "expected names of at most \(maxNameBytes) bytes between '/' in the output template, found \"\(excerpt(String(long)))\" (\(long.utf8.count) bytes)",
        at: at(0))
      ok = false
    }
    return ok ? OutputTemplate(text: text, segments: segments) : nil
  }

  /// The values tokens take for one output.
  public struct Values: Sendable {
    public var name: String
    public var stem: String
    public var ext: String
    public var dir: String
    public var variant: String
    public var width: Int?
    public var height: Int?

    public init(
      name: String, stem: String, ext: String, dir: String, variant: String, width: Int? = nil, height: Int? = nil
    ) {
      self.name = name
      self.stem = stem
      self.ext = ext
      self.dir = dir
      self.variant = variant
      self.width = width
      self.height = height
    }
  }

  /// The relative path for these values, with empty and `.` components removed.
  /// Returns nil if a value made it leave its folder (a file named `...jpg`).
  /// Unknown width/height render as `{width}`/`{height}`.
  public func render(_ values: Values) -> String? {
    var out = ""
    for segment in segments {
      switch segment {
      case .literal(let s): out += s
      case .token(.name): out += values.name
      case .token(.stem): out += values.stem
      case .token(.ext): out += values.ext
      case .token(.dir): out += values.dir
      case .token(.variant): out += values.variant
      case .token(.width): out += values.width.map(String.init) ?? "{width}"
      case .token(.height): out += values.height.map(String.init) ?? "{height}"
      }
    }
    let parts = out.split(separator: "/").filter { $0 != "." }
    if parts.isEmpty || parts.contains("..") { return nil }
    return parts.joined(separator: "/")
  }

  /// Where the output goes: below `root` mirrored by `values.dir` (the input's
  /// folder relative to its input root), or directly below `root` when the
  /// template places `{dir}` itself. Nil if a value made it leave `root`.
  public func path(root: String, values: Values) -> String? {
    guard let relative = render(values) else { return nil }
    var base = root.hasSuffix("/") ? String(root.dropLast()) : root
    if !uses(.dir) && !values.dir.isEmpty { base += "/" + values.dir }
    return base + "/" + relative
  }

  /// The literal extension at the end of the template (after the last '.'), if
  /// the template ends in literal text.
  public var literalExtension: String? {
    guard case .literal(let tail)? = segments.last, let dot = tail.lastIndex(of: "."), !tail[dot...].contains("/")
    else {
      return nil
    }
    let ext = String(tail[tail.index(after: dot)...])
    return ext.isEmpty ? nil : ext.lowercased()
  }

  public static let name = "output"
  public static let kind = StepKind.outputSetting
  public static let schema = StepSchema(
    positionals: 1...1, positionalHint: "a file name template like \"thumbs/{stem}.webp\"")
  public static let documentation = StepDocumentation(
    syntax: "output \"TEMPLATE\"",
    description: "Where the output goes, from tokens such as `{stem}`, `{ext}` and `{variant}`.")

  public static func parse(_ reader: inout ArgumentReader, context: StepContext) -> OutputTemplate? {
    guard let argument = reader.positionals.first else { return nil }
    var location = argument.value.location
    if !argument.quoted { location.column -= 1 }
    var found = DiagnosticBag()
    let template = parse(argument.value.value, at: location, diagnostics: &found)
    reader.append(found)
    return template
  }

  public var summary: String { "output: \"\(text)\"" }
}
