extension Pipeline {
  /// A readable account of what the pipeline does, for `mediapipe check`.
  public var summary: String {
    var lines: [String] = []
    lines.append(applyOrientation ? "on load: apply the EXIF orientation" : "on load: keep the stored orientation")
    if !shared.isEmpty {
      lines.append(variants.count > 1 ? "shared by every variant, once per image:" : "steps:")
      for (i, step) in shared.enumerated() { lines.append("  \(i + 1). \(step.summary)") }
    }
    for variant in variants {
      var indent = "  "
      if variants.count > 1 || !variant.steps.isEmpty {
        lines.append("variant \(variant.name):")
        for (i, step) in variant.steps.enumerated() { lines.append("  \(i + 1). \(step.summary)") }
      } else {
        indent = ""
      }
      lines.append("\(indent)writes \"\(variant.output.text)\" next to each input (or below the output folder)")
      lines.append("\(indent)\(variant.compress.summary)")
      lines.append("\(indent)\(variant.metadata.summary)")
      if variant.animation != .keep { lines.append("\(indent)\(variant.animation.summary)") }
    }
    return lines.joined(separator: "\n")
  }
}
