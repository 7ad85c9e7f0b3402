import Foundation
import Logging
import MediaPipeCore

/// A before/after page of what a pipeline does to some images, built by the same
/// engine as a run.
///
/// Everything goes below one folder, `PreviewOptions.folder`:
///
///     index.html       the page (no server, no network: it opens from disk)
///     outputs/         what the pipeline wrote, mirroring the input folders
///     originals/       copies of the originals a browser can show (001.jpg, ...)
///     views/           PNG renditions, at most 2560 px a side, of the files a browser
///                      cannot show (TIFF, HEIF, JPEG XL, ...), made by the workers
///                      from a three-line pipeline
///
/// Nothing is written next to the originals, and the state store of a run (and its
/// lock) is never touched: the engine's store and lock live in the preview's own
/// `outputs/` and `views/` and are removed when the page is written. The folder
/// must be empty, new, or an earlier preview (marked by `.mediapipe-preview`),
/// whose files are replaced.
public enum Preview {
  /// The name of the file that marks a folder as a preview, safe to replace.
  public static let marker = ".mediapipe-preview"

  /// Formats every current browser shows in an `img`; the others get a rendition.
  static let browserFormats: Set<String> = ["jpeg", "png", "webp", "gif", "avif", "bmp", "svg"]

  /// Runs the pipeline over (a sample of) the inputs below `paths` and writes the page.
  /// - Parameters:
  ///   - describe: a failure in the caller's words (the command line adds its flags).
  ///   - onEvent: each input's event, as a run reports it (progress).
  /// - Throws: `PreviewError` for a folder that is not a preview, `EngineError` as a run.
  public static func build(
    _ paths: [String], options: PreviewOptions, logger: Logger, interrupts: InterruptPipe?,
    describe: (TaskFailure) -> String = { $0.sentence }, onEvent: (FileEvent) -> Void = { _ in }
  ) throws -> PreviewResult {
    let folder = OutputPlan.normalise(options.folder)
    try prepare(folder)
    var result = PreviewResult(folder: folder)
    let run = try process(
      paths, options: options, folder: folder, logger: logger, interrupts: interrupts, onEvent: onEvent)
    let compiled = run.pipeline
    let inputs = run.inputs
    let events = run.events
    result.found = run.found
    result.outcome = run.outcome

    // Cards in input order, variants in the pipeline's order.
    let variantOrder = Dictionary(
      compiled.variants.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    var renditions: (originals: [String], outputs: [String]) = ([], [])
    var pending: [PreviewCard] = []
    for event in events.sorted(by: { $0.input < $1.input }) {
      guard event.status == .done, let input = inputs[event.input] else {
        if event.status == .failed {
          result.failures.append(
            PreviewFailure(input: event.input, reason: event.failure.map(describe) ?? event.reason ?? "failed"))
        }
        continue
      }
      let number = String(format: "%03d", result.images + 1)
      result.images += 1
      result.bytesBefore += input.size
      let format = input.format?.rawValue ?? "unknown"
      var original = PreviewImage(
        file: input.path, format: format, width: input.dimensions?.width, height: input.dimensions?.height,
        bytes: input.size)
      if browserFormats.contains(format) {
        let copy = "originals/\(number).\(format == "jpeg" ? "jpg" : format)"
        if place(input.path, at: folder + "/" + copy) { original.shown = copy }
      } else {
        renditions.originals.append(stage(input.path, as: "o\(number)", group: "originals", in: folder))
      }
      for output in event.outputs.sorted(by: {
        variantOrder[$0.variant, default: 0] < variantOrder[$1.variant, default: 0]
      }) {
        result.bytesAfter += output.bytes
        var shown = PreviewImage(
          file: output.path, format: output.format, width: output.width, height: output.height, bytes: output.bytes)
        shown.shown = relative(output.path, to: folder)
        let variant = compiled.variants.first { $0.name == output.variant }
        var card = PreviewCard(
          id: "\(number)-\(pending.count + 1)", input: input.path, variant: output.variant, original: original,
          output: shown,
          quality: output.quality.map(String.init) ?? variant.map { quality($0.compress, format: output.format) })
        card.score = output.score
        if !browserFormats.contains(output.format) {
          card.output.shown = nil
          renditions.outputs.append(stage(output.path, as: "v\(card.id)", group: "outputs", in: folder))
        }
        pending.append(card)
      }
    }
    // Rendition runs for the files a browser cannot show, the originals under the run's
    // own settings and the outputs as its own files; none after an interrupt (the page
    // shows what was done), and a new one stops them.
    var views: [String: String] = [:]
    for (staged, ownOutputs) in [(renditions.originals, false), (renditions.outputs, true)]
    where !result.outcome.interrupted {
      let rendered = try render(
        staged, folder: folder, ownOutputs: ownOutputs, options: options.engine, logger: logger,
        interrupts: interrupts)
      views.merge(rendered.views) { first, _ in first }
      result.outcome.interrupted = rendered.interrupted
    }
    for index in pending.indices {
      var card = pending[index]
      let number = String(card.id.prefix { $0 != "-" })
      if card.original.shown == nil, let view = views["o\(number)"] {
        card.original.shown = view
        card.original.rendition = true
      }
      if card.output.shown == nil, let view = views["v\(card.id)"] {
        card.output.shown = view
        card.output.rendition = true
      }
      pending[index] = card
    }
    result.cards = pending
    try? FileManager.default.removeItem(atPath: folder + "/.staging")
    try? FileManager.default.removeItem(atPath: folder + "/outputs/.mediapipe")
    try? FileManager.default.removeItem(atPath: folder + "/views/.mediapipe")
    result.page = folder + "/index.html"
    try Data(PreviewPage.html(result, pipeline: options.engine.pipelinePath).utf8).write(
      to: URL(fileURLWithPath: result.page), options: .atomic)
    return result
  }

  /// What the pipeline's run over the sample gave.
  private struct Run {
    var pipeline: Pipeline
    var found: Int
    var inputs: [String: InputFile]
    var events: [FileEvent]
    var outcome: Engine.Outcome
  }

  /// Runs the pipeline over the sample into `outputs/`; the engine (its lock and
  /// store) is gone when this returns.
  private static func process(
    _ paths: [String], options: PreviewOptions, folder: String, logger: Logger, interrupts: InterruptPipe?,
    onEvent: (FileEvent) -> Void
  ) throws -> Run {
    let engine = try makeEngine(
      options.engine, pipeline: options.engine.pipelinePath, root: folder + "/outputs", logger: logger,
      interrupts: interrupts)
    let (found, ignored): ([InputFile], [String])
    do {
      (found, ignored) = try engine.scanner(excluding: [folder]).scan(paths)
    } catch let missing as InputScanner.MissingPath {
      throw EngineError.missingPath(missing)
    }
    let sample = options.sample.map { PreviewSample.choose(found, count: $0) } ?? found
    let plan = engine.plan(sample, ignored: ignored)
    var events = plan.events
    for event in plan.events { onEvent(event) }
    var outcome = engine.process(plan.tasks) { event in
      events.append(event)
      onEvent(event)
    }
    outcome.failed += plan.failedUpFront
    return Run(
      pipeline: engine.pipeline, found: found.count,
      inputs: Dictionary(sample.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first }), events: events,
      outcome: outcome)
  }

  /// What the card says for the quality when the output does not say: the compress
  /// step's setting or its format's default.
  static func quality(_ compress: Compress, format: String) -> String {
    Compress.Format(rawValue: format).map { compress.qualityLabel(writing: $0) } ?? ""
  }

  /// Makes the folder ready: new, empty, or an earlier preview whose files go.
  private static func prepare(_ folder: String) throws {
    let files = FileManager.default
    var isDirectory: ObjCBool = false
    if files.fileExists(atPath: folder, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw PreviewError.notAFolder(folder) }
      let entries = (try? files.contentsOfDirectory(atPath: folder)) ?? []
      if !entries.isEmpty && !entries.contains(marker) { throw PreviewError.notAPreview(folder) }
      for name in ["index.html", "outputs", "originals", "views", ".staging"] {
        try? files.removeItem(atPath: folder + "/" + name)
      }
    }
    do {
      try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Data("a mediapipe preview: its files are replaced by the next preview written here\n".utf8).write(
        to: URL(fileURLWithPath: folder + "/" + marker))
    } catch {
      throw PreviewError.cannotWrite(folder, (error as NSError).localizedDescription)
    }
  }

  /// An engine writing below `root` only, with its store and lock there (never a run's).
  private static func makeEngine(
    _ base: EngineOptions, pipeline: String, root: String, logger: Logger, interrupts: InterruptPipe?
  ) throws -> Engine {
    var options = base
    options.pipelinePath = pipeline
    options.outputRoot = root
    options.statePath = nil
    options.shard = nil
    options.force = true
    options.dryRun = false
    options.waitForLock = false
    return try Engine(options: options, lockRoots: [], logger: logger, interrupts: interrupts)
  }

  /// Copies the file at `path` into the folder; false if it could not. A copy of the
  /// file a link leads to, not of the link (which a relative target would break); not
  /// a hard link, which would share the original's inode, so that an edit of the
  /// preview's file would change the original.
  private static func place(_ path: String, at target: String) -> Bool {
    let files = FileManager.default
    try? files.createDirectory(
      atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    return (try? files.copyItem(atPath: InputScanner.canonical(path), toPath: target)) != nil
  }

  /// Puts `path` in the staging folder `group` as `name` (keeping its extension), for a rendition.
  private static func stage(_ path: String, as name: String, group: String, in folder: String) -> String {
    let ext = (path as NSString).pathExtension
    let staged = folder + "/.staging/\(group)/" + name + (ext.isEmpty ? "" : "." + ext)
    _ = place(path, at: staged)
    return staged
  }

  /// PNG renditions of `staged` files (all in one staging folder) in `views/`, by name
  /// ("o001" to "views/o001.png").
  /// - Parameter ownOutputs: the files are the run's outputs, read with every loader
  ///   and no limit (so that JPEG XL outputs are shown though JPEG XL input is blocked);
  ///   else originals, read as the run read them: a file swapped in since (the copies
  ///   are made after the run) meets the same loaders and limits.
  private static func render(
    _ staged: [String], folder: String, ownOutputs: Bool, options: EngineOptions, logger: Logger,
    interrupts: InterruptPipe?
  ) throws -> (views: [String: String], interrupted: Bool) {
    guard let first = staged.first else { return ([:], false) }
    let pipeline = folder + "/.staging/view.pipeline"
    // At most 2560 pixels a side, plenty for a card on any screen: a 24-megapixel
    // original as a full-size PNG took seconds and some 40 MB, for every image.
    try Data(
      "# a rendition a browser can show\nresize 2560x2560\ncompress png\noutput \"{stem}.png\"\n".utf8
    ).write(to: URL(fileURLWithPath: pipeline))
    var options = options
    if ownOutputs {
      options.allowUntrusted = true
      options.limits.maxFileSize = .max
      options.limits.maxPixels = .max
    }
    let engine = try makeEngine(
      options, pipeline: pipeline, root: folder + "/views", logger: logger, interrupts: interrupts)
    var views: [String: String] = [:]
    let outcome = try engine.run([(first as NSString).deletingLastPathComponent]) { event in
      guard event.status == .done, let output = event.outputs.first else {
        // Skipped: not started before an interrupt.
        if event.status == .failed {
          logger.warning("warning: no rendition of \(event.input) for the preview: \(event.failure?.sentence ?? "")")
        }
        return
      }
      let name = ((event.input as NSString).lastPathComponent as NSString).deletingPathExtension
      views[name] = relative(output.path, to: folder)
    }
    return (views, outcome.interrupted)
  }

  /// `path` relative to `folder` (below which it lies).
  static func relative(_ path: String, to folder: String) -> String {
    let normalised = OutputPlan.normalise(path)
    return normalised.hasPrefix(folder + "/") ? String(normalised.dropFirst(folder.count + 1)) : normalised
  }
}

/// What a preview is built from.
public struct PreviewOptions: Sendable {
  /// The engine's settings (pipeline, pool, limits, untrusted formats). Its output
  /// root, state store, shard, force and dry run are the preview's own.
  public var engine: EngineOptions
  /// The preview folder: the page and every image it shows go below it, nothing elsewhere.
  public var folder: String
  /// Show this many inputs, chosen evenly across folders (`PreviewSample`); nil: every input found.
  public var sample: Int?

  public init(engine: EngineOptions, folder: String, sample: Int?) {
    self.engine = engine
    self.folder = folder
    self.sample = sample
  }
}

/// A preview written: what its page shows.
public struct PreviewResult: Sendable {
  /// The preview folder (normalised).
  public var folder: String
  /// The page (`index.html` in the folder).
  public var page = ""
  /// Inputs found below the paths, and inputs processed (the sample) with success.
  public var found = 0, images = 0
  /// One per image and variant.
  public var cards: [PreviewCard] = []
  public var failures: [PreviewFailure] = []
  /// The originals' bytes (of the images done) and their outputs' bytes.
  public var bytesBefore = 0, bytesAfter = 0
  /// How processing ended (as a run's).
  public var outcome = Engine.Outcome()

  init(folder: String) { self.folder = folder }
}

/// One image and one variant: the original and what the pipeline made of it.
public struct PreviewCard: Sendable {
  /// Unique on the page ("003-2": the third image's second variant); the card's anchor.
  public var id: String
  public var input: String
  public var variant: String
  public var original: PreviewImage
  public var output: PreviewImage
  /// The quality the output was written at ("82", "lossless").
  public var quality: String?
  /// The perceptual score, where the quality was chosen by one.
  public var score: Double?
}

/// One side of a card.
public struct PreviewImage: Sendable {
  /// The file itself (the original input, or the output below `outputs/`).
  public var file: String
  public var format: String
  public var width: Int?
  public var height: Int?
  public var bytes: Int
  /// What the page shows, relative to the preview folder; nil if nothing can be shown.
  public var shown: String?
  /// `shown` is a PNG rendition, not the file itself (a format browsers cannot show).
  public var rendition = false

  init(file: String, format: String, width: Int?, height: Int?, bytes: Int) {
    self.file = file
    self.format = format
    self.width = width
    self.height = height
    self.bytes = bytes
  }
}

/// An input the pipeline failed on, in the caller's words.
public struct PreviewFailure: Sendable {
  public var input: String
  public var reason: String
}

/// Why a preview cannot be written.
public enum PreviewError: Error, CustomStringConvertible {
  /// The preview folder holds files and is not an earlier preview: nothing is replaced.
  case notAPreview(String)
  /// The preview path is a file.
  case notAFolder(String)
  case cannotWrite(String, String)

  public var description: String {
    switch self {
    case .notAPreview(let path):
      return "\(path) is not empty and holds no earlier preview; give a new or empty folder for the preview"
    case .notAFolder(let path): return "\(path) is a file; give a folder for the preview"
    case .cannotWrite(let path, let why): return "cannot write the preview in \(path): \(why)"
    }
  }
}
