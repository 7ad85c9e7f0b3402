/// One line of a pipeline, validated: the value of any registered step
/// (`Resize`, `Crop`, `Compress`, ...).
///
/// Image steps change pixels and run in the order written. Output settings
/// (`compress`, `metadata`, `output`) describe how a result is written; they
/// apply to their section wherever they stand in it, and the compiler moves
/// them into the `Variant`, so a section's `steps` hold image steps only.
///
/// Two steps are equal when they are of the same type with equal arguments.
public struct Step: Sendable, Hashable, CustomStringConvertible {
  /// The step's own value.
  public let base: any PipelineStep

  public init(_ base: some PipelineStep) {
    self.base = base
  }

  /// The step's name, as written in a pipeline.
  public var name: String { type(of: base).name }

  /// Whether this is an image step or an output setting.
  public var kind: StepKind { type(of: base).kind }

  /// Whether this step changes pixels (as opposed to describing the output).
  public var isImageStep: Bool { kind == .image }

  /// One line saying what the step does, for `mediapipe check`.
  public var summary: String { base.summary }

  public var description: String { summary }

  /// The step's value when it is a `T`; nil for any other step.
  public func `as`<T: PipelineStep>(_ type: T.Type) -> T? { base as? T }

  /// Whether the step is a `T`.
  public func `is`<T: PipelineStep>(_ type: T.Type) -> Bool { base is T }

  public static func == (a: Step, b: Step) -> Bool { AnyHashable(a.base) == AnyHashable(b.base) }

  public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(base)) }
}
