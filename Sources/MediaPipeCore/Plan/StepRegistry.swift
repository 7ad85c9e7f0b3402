/// The one list of steps the pipeline format knows.
///
/// Parsing (`PipelineCompiler`), the "did you mean" suggestions for misspelt
/// step names, `check`'s summary and the step list in docs/pipeline-format.md
/// all read it. Adding a step is a new type in its own file under `Steps/`,
/// one line here, its imaging half, tests and docs (docs/pipeline-format.md,
/// "Adding a step").
public enum StepRegistry {
  /// Every step, in the order the docs list them.
  public static let all: [any PipelineStep.Type] = [
    Resize.self,
    Crop.self,
    Trim.self,
    Pad.self,
    Rotate.self,
    Flip.self,
    Flop.self,
    Autorotate.self,
    Watermark.self,
    Sharpen.self,
    Blur.self,
    Grayscale.self,
    Compress.self,
    MetadataPolicy.self,
    OutputTemplate.self,
    Animation.self,
  ]

  /// Every step's name, in the order of `all`.
  public static let names: [String] = all.map { $0.name }

  private static let byName: [String: any PipelineStep.Type] = Dictionary(
    all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

  /// The step written `name`, if there is one.
  public static func step(named name: String) -> (any PipelineStep.Type)? { byName[name] }
}

extension StepRegistry {
  /// The marker lines around the generated step list in docs/pipeline-format.md.
  public static let documentationMarkers = (
    begin: "<!-- BEGIN GENERATED STEP LIST (from StepRegistry.all; see \"Adding a step\") -->",
    end: "<!-- END GENERATED STEP LIST -->"
  )

  /// The step list of docs/pipeline-format.md: a Markdown table with one row
  /// per step, each linking to the step's section (`### name`).
  public static var documentationTable: String {
    var lines = ["| step | written | what it does |", "|---|---|---|"]
    for step in all {
      let doc = step.documentation
      let kind = step.kind == .outputSetting ? " (output setting)" : ""
      let syntax = "`" + doc.syntax.replacingOccurrences(of: "|", with: "\\|") + "`"
      let description = doc.description.replacingOccurrences(of: "|", with: "\\|")
      lines.append("| [`\(step.name)`](#\(step.name))\(kind) | \(syntax) | \(description) |")
    }
    return lines.joined(separator: "\n")
  }

  /// `document` with the text between the step-list markers replaced by
  /// `documentationTable`; nil if the markers are missing or out of order.
  public static func updatingDocumentation(_ document: String) -> String? {
    guard let begin = document.range(of: documentationMarkers.begin),
      let end = document.range(of: documentationMarkers.end, range: begin.upperBound..<document.endIndex)
    else { return nil }
    return document[..<begin.upperBound] + "\n" + documentationTable + "\n" + document[end.lowerBound...]
  }
}
