import Foundation
import Testing

/// Headless Chromium, where installed (scripts/setup.sh installs Debian's `chromium`).
enum Browser {
  static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
  static let skipReason: Comment =
    "no headless Chromium here (/usr/bin/chromium): the preview page is not rendered; scripts/setup.sh installs it"

  /// Runs the browser headless on a page from disk, in a window of `size`, and returns what it printed.
  static func run(_ arguments: [String], page: String, in folder: String, size: String = "1280,900") throws
    -> Outcome
  {
    let flags = [
      "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(folder)/chromium-profile",
      "--virtual-time-budget=5000", "--window-size=\(size)",
    ]
    return try Running(
      flags + arguments + [URL(fileURLWithPath: page).absoluteString], in: folder, executable: path ?? ""
    )
    .finish(within: 120)
  }
}

/// `mediapipe preview` builds a page that a real browser renders: one card per image
/// and variant, every image loaded, the numbers on the cards the files' real sizes.
@Suite(.enabled(if: Browser.path != nil, Browser.skipReason))
struct PreviewTests {
  @Test func thePageRendersInChromiumWithACardPerImageAndVariant() throws {
    let folder = try workspace(copyFixtures: false)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    let files = FileManager.default
    try files.createDirectory(atPath: folder + "/in/more", withIntermediateDirectories: true)
    // Browser formats, two a browser cannot show (TIFF, HEIF), a name that needs
    // escaping, a second folder, and one file that fails.
    for (fixture, name) in [
      ("photo.jpg", "photo.jpg"), ("photo.tiff", "scan.tiff"), ("alpha.png", "alpha.png"), ("phone.heic", "phone.heic"),
      ("grey.jpg", "more/grey.jpg"), ("orient-6.jpg", "more/it's <b>&\"q\".jpg"),
      ("not-an-image.jpg", "more/not-an-image.jpg"),
    ] {
      try files.copyItem(atPath: fixtures + "/" + fixture, toPath: folder + "/in/" + name)
    }
    let before = try snapshot(folder + "/in")

    let result = try mediapipe(["preview", pipeline("thumbnails.pipeline"), "in", "-o", "preview"], in: folder)
    #expect(result.status == 1, "one input is not an image: \(result.stderr)")
    #expect(result.stdout.contains("12 cards for 6 images, 1 failed"), "\(result.stdout)")
    // Nothing next to the originals, no store or lock anywhere, everything below preview/.
    #expect(try snapshot(folder + "/in") == before)
    #expect(!files.fileExists(atPath: folder + "/in/.mediapipe"))
    #expect(!files.fileExists(atPath: folder + "/.mediapipe"))
    let written = PreviewTests.files(below: folder + "/preview")
    #expect(!written.contains { $0.contains(".mediapipe/") || $0.contains(".staging") }, "\(written)")
    let links = try FileManager.default.attributesOfItem(atPath: folder + "/in/photo.jpg")[.referenceCount] as? Int
    #expect(links == 1, "the preview holds a copy of the original, not a hard link to it")
    #expect(written.contains("views/o004.png") && written.contains("views/o006.png"), "renditions: \(written)")

    let page = folder + "/preview/index.html"
    let dom = try Browser.run(["--dump-dom"], page: page, in: folder)
    #expect(dom.status == 0, "\(dom.stderr)")
    let html = dom.stdout

    // One card per image and variant.
    let cards = html.components(separatedBy: "<article ").dropFirst().map { "<article " + $0 }
    #expect(cards.count == 12)
    #expect(html.components(separatedBy: "data-variant=\"large\"").count - 1 == 6)
    #expect(html.components(separatedBy: "data-variant=\"thumb\"").count - 1 == 6)

    // Every image loaded, with a non-zero natural size (set by the page's script).
    let loaded = try matches(#"<img [^>]*data-loaded="([^"]*)""#, in: html)
    #expect(loaded.count == 12 * 4)
    for value in loaded {
      let parts = value.components(separatedBy: " x ").compactMap { Int($0) }
      #expect(parts.count == 2 && parts.allSatisfy { $0 > 0 }, "an image did not load: \(value)")
    }
    let state = try matches(#"id="load-state"[^>]*data-broken="(\d+)""#, in: html)
    #expect(state == ["0"])
    #expect(try matches(#"id="load-state"[^>]*data-images="(\d+)""#, in: html) == ["48"])

    // The numbers on each card are the files' real sizes.
    var outputTotal = 0
    for card in cards {
      let output = unescape(try matches(#"data-output-file="([^"]*)""#, in: card).first ?? "")
      let input = unescape(try matches(#"<h2><code>([^<]*)</code>"#, in: card).first ?? "")
      let outputSize = try size(folder + "/preview/" + output)
      let inputSize = try size(folder + "/" + input)
      outputTotal += outputSize
      #expect(try matches(#"data-output-bytes="(\d+)""#, in: card) == ["\(outputSize)"], "\(output)")
      #expect(try matches(#"data-original-bytes="(\d+)""#, in: card) == ["\(inputSize)"], "\(input)")
      let shown = try matches(#"class="output-bytes">([\d,]+) bytes"#, in: card).first ?? ""
      #expect(Int(shown.replacingOccurrences(of: ",", with: "")) == outputSize, "\(output): \(shown)")
      let shownBefore = try matches(#"class="original-bytes">([\d,]+) bytes"#, in: card).first ?? ""
      #expect(Int(shownBefore.replacingOccurrences(of: ",", with: "")) == inputSize, "\(input): \(shownBefore)")
    }
    #expect(try matches(#"id="bytes-after" data-bytes="(\d+)""#, in: html) == ["\(outputTotal)"])
    #expect(html.contains("it's &lt;b&gt;&amp;\"q\".jpg"), "the odd name is shown as text")
    #expect(html.contains("not-an-image.jpg</code>: not an image"))

    // A screenshot that is not blank: the page has text, frames and photos.
    let shot = folder + "/shot.png"
    let screenshot = try Browser.run(["--screenshot=\(shot)"], page: page, in: folder)
    #expect(screenshot.status == 0, "\(screenshot.stderr)")
    let deviation = try tool("vips", ["deviate", shot]).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect((Double(deviation) ?? 0) > 20, "the screenshot looks blank (standard deviation \(deviation))")
    let width = try tool("vipsheader", ["-f", "width", shot]).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(width == "1280")
  }

  /// On a phone the page never scrolls sideways: cards stack, and a long name
  /// without spaces wraps. (Asked for 390 px, headless Chromium makes its window
  /// no narrower than 500: 485 CSS pixels beside the scroll bar, still one card wide.)
  @Test func thePageFitsAPhoneScreen() throws {
    let folder = try workspace(copyFixtures: false)
    let fixtures = repositoryRoot.appendingPathComponent("fixtures").path
    let long = "IMG_20261206_a_very_long_file_name_without_any_spaces_that_a_camera_or_a_script_might_write.jpg"
    for (fixture, name) in [("photo.jpg", long), ("orient-6.jpg", "portrait.jpg"), ("alpha.png", "alpha.png")] {
      try FileManager.default.copyItem(atPath: fixtures + "/" + fixture, toPath: folder + "/in/" + name)
    }
    let result = try mediapipe(["preview", pipeline("thumbnails.pipeline"), "in", "-o", "preview"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let dom = try Browser.run(["--dump-dom"], page: folder + "/preview/index.html", in: folder, size: "390,844")
    #expect(dom.status == 0, "\(dom.stderr)")
    let page = try #require(
      Int(try matches(#"id="load-state"[^>]*data-page-width="(\d+)""#, in: dom.stdout).first ?? ""))
    let view = try #require(
      Int(try matches(#"id="load-state"[^>]*data-view-width="(\d+)""#, in: dom.stdout).first ?? ""))
    #expect(view > 300 && view <= 500, "the window is as narrow as Chromium makes it: \(view)")
    #expect(page <= view, "the page is \(page) px wide in a \(view) px window")
    #expect(try matches(#"id="load-state"[^>]*data-broken="(\d+)""#, in: dom.stdout) == ["0"])
  }

  private static func files(below folder: String) -> [String] { EndToEndTests.files(below: folder) }

  private func snapshot(_ folder: String) throws -> [String: Int] {
    var sizes: [String: Int] = [:]
    for name in EndToEndTests.files(below: folder) { sizes[name] = try size(folder + "/" + name) }
    return sizes
  }

  private func size(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
  }

  /// The first capture group of every match.
  private func matches(_ pattern: String, in text: String) throws -> [String] {
    let regex = try NSRegularExpression(pattern: pattern)
    let range = NSRange(text.startIndex..., in: text)
    return regex.matches(in: text, range: range).compactMap { match in
      Range(match.range(at: 1), in: text).map { String(text[$0]) }
    }
  }

  private func unescape(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
      .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
      .replacingOccurrences(of: "&amp;", with: "&")
  }

  private func tool(_ name: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}

/// What needs no browser: the quality and score on a card are the ones the run chose,
/// `--sample` takes a few of the images, the limits apply, and a folder that is not a
/// preview is left alone.
@Suite struct PreviewQualityTests {
  @Test func aFolderThatIsNotAPreviewIsLeftAlone() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/photo.jpg")
    try FileManager.default.createDirectory(atPath: folder + "/mine", withIntermediateDirectories: true)
    try Data("keep me".utf8).write(to: URL(fileURLWithPath: folder + "/mine/notes.txt"))
    let result = try mediapipe(["preview", pipeline("resize.pipeline"), "in", "-o", "mine"], in: folder)
    #expect(result.status == 2)
    #expect(result.stderr.contains("mine is not empty and holds no earlier preview"), "\(result.stderr)")
    #expect(EndToEndTests.files(below: folder + "/mine") == ["notes.txt"])
    // An earlier preview is replaced.
    #expect(try mediapipe(["preview", pipeline("resize.pipeline"), "in", "-o", "p"], in: folder).status == 0)
    let again = try mediapipe(["preview", pipeline("thumbnails.pipeline"), "in", "-o", "p"], in: folder)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(
      EndToEndTests.files(below: folder + "/p").filter { $0.hasPrefix("outputs/") } == [
        "outputs/large/photo.jpg", "outputs/thumbs/photo.webp",
      ])
  }

  @Test func aSampleTakesImagesFromEveryFolder() throws {
    let folder = try workspace(copyFixtures: false)
    let photo = repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path
    for sub in ["a", "b", "c"] {
      try FileManager.default.createDirectory(atPath: folder + "/in/" + sub, withIntermediateDirectories: true)
      for index in 0..<4 { try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/\(sub)/\(index).jpg") }
    }
    let result = try mediapipe(["preview", "--sample", "3", pipeline("resize.pipeline"), "in", "-o", "p"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("3 cards for 3 images"), "\(result.stdout)")
    let html = try String(contentsOfFile: folder + "/p/index.html", encoding: .utf8)
    for sub in ["a", "b", "c"] { #expect(html.contains("in/\(sub)/0.jpg"), "one from \(sub)") }
  }

  /// `preview` takes the limits `run` takes: a file over `--max-file-size` fails before
  /// it is opened, and the page shows why.
  @Test func theLimitsOfARunApply() throws {
    let folder = try workspace(copyFixtures: false)
    let photo = repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path
    try FileManager.default.copyItem(atPath: photo, toPath: folder + "/in/small.jpg")
    // The same JPEG with 1.5 MB after its end: it decodes, but it is over 1 MB.
    try (Data(contentsOf: URL(fileURLWithPath: photo)) + Data(count: 1_500_000)).write(
      to: URL(fileURLWithPath: folder + "/in/padded.jpg"))
    let preview = try mediapipe(
      [
        "preview", "--max-file-size", "1", "--max-frames", "5", "--retries", "0", pipeline("resize.pipeline"), "in",
        "-o", "p",
      ], in: folder)
    #expect(preview.status == 1, "\(preview.stderr)")
    #expect(preview.stdout.contains("1 card for 1 image, 1 failed"), "\(preview.stdout)")
    let html = try String(contentsOfFile: folder + "/p/index.html", encoding: .utf8)
    #expect(html.contains("padded.jpg") && html.contains("file too large"), "\(html)")
    let fits = try mediapipe(["preview", pipeline("resize.pipeline"), "in", "-o", "p"], in: folder)
    #expect(fits.status == 0, "\(fits.stderr)")
  }

  /// Where no search chose the quality, a card shows what the encoder was given: the
  /// setting, or the format's default (JPEG XL's is distance 1; JPEG inside a TIFF is
  /// written at 75), and "lossless" only where nothing was lost. Its own JPEG XL
  /// outputs are shown, though JPEG XL input is blocked.
  @Test func aCardShowsTheQualityTheEncoderWasGiven() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/photo.jpg")
    let variants = [
      ("jxl", "compress jxl", "distance 1"), ("jxl-d", "compress jxl distance=2.5", "distance 2.5"),
      ("jxl-q", "compress jxl quality=60", "60"), ("tif-jpeg", "compress tiff compression=jpeg", "75"),
      ("tif", "compress tiff", "lossless"), ("webp", "compress webp", "80"), ("png", "compress png", "lossless"),
      ("png-palette", "compress png palette=yes", "palette"), ("gif", "compress gif", "palette"),
    ]
    let text = variants.map { "variant \($0.0)\n  resize 64x64\n  \($0.1)\n  output \"\($0.0)/{stem}\"\n" }.joined()
    try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/v.pipeline"))
    let preview = try mediapipe(["preview", "v.pipeline", "in", "-o", "p"], in: folder)
    #expect(preview.status == 0, "\(preview.stderr)")
    // Its own JPEG XL outputs are shown (as PNG), untrusted loaders blocked or not.
    #expect(!preview.stderr.contains("no rendition"), "\(preview.stderr)")
    let html = try String(contentsOfFile: folder + "/p/index.html", encoding: .utf8)
    for (name, _, label) in variants {
      let card = try #require(html.range(of: "data-variant=\"\(name)\"")).upperBound
      let quality = try #require(html.range(of: "<dt>Quality</dt><dd>", range: card..<html.endIndex)).upperBound
      #expect(html[quality...].hasPrefix(label + "</dd>"), "\(name): \(html[quality...].prefix(20))")
    }
  }

  /// A rendition is at most 2560 pixels a side, whatever the original; the card still
  /// gives the original's own size.
  @Test func aRenditionOfABigOriginalIsScaledDown() throws {
    let folder = try workspace(copyFixtures: false)
    let make = Process()
    make.executableURL = URL(fileURLWithPath: "/usr/bin/vips")
    make.arguments = ["xyz", folder + "/in/big.tif[compression=lzw]", "3000", "2000"]
    try make.run()
    make.waitUntilExit()
    #expect(make.terminationStatus == 0)
    let preview = try mediapipe(["preview", pipeline("resize.pipeline"), "in", "-o", "p"], in: folder)
    #expect(preview.status == 0, "\(preview.stderr)")
    // A PNG's width and height: big-endian, at bytes 16 and 20.
    let png = try Data(contentsOf: URL(fileURLWithPath: folder + "/p/views/o001.png"))
    let side = { (at: Int) in png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
    #expect(side(16) == 2560 && side(20) == 1707, "\(side(16))x\(side(20))")
    let html = try String(contentsOfFile: folder + "/p/index.html", encoding: .utf8)
    #expect(html.contains("3000×2000"), "the original's own size")
  }

  /// Ctrl-C while renditions are made stops them: the rendition in flight is finished,
  /// no other is started, the page is written with what was done, and the exit is 130.
  /// (The workers hold each rendition's output, written but not yet in place, until
  /// the test lets them go: no timing involved.)
  @Test func anInterruptStopsTheRenditions() throws {
    let folder = try workspace(copyFixtures: false)
    for name in ["a", "b", "c"] {
      try FileManager.default.copyItem(
        atPath: repositoryRoot.appendingPathComponent("fixtures/photo.tiff").path, toPath: folder + "/in/\(name).tiff")
    }
    _ = FileManager.default.createFile(atPath: folder + "/hold", contents: nil)
    let run = try Running(
      ["preview", "-j", "1", pipeline("resize.pipeline"), "in", "-o", "p"], in: folder,
      environment: holding(folder, on: ".staging/originals/o"))
    // Below views/ only: the run's own outputs pass through temporary names below outputs/.
    #expect(run.wait(upTo: 120) { holders(below: folder + "/p/views").count == 1 }, "the first rendition is held")
    kill(run.pid, SIGINT)
    #expect(run.wait(upTo: 60) { run.stderrSoFar.contains("stopping:") })
    release(folder)
    let result = run.finish(within: 120)
    #expect(result.status == 130, "\(result.stderr)")
    #expect(result.stdout.contains("3 cards for 3 images"), "\(result.stdout)")
    #expect(EndToEndTests.files(below: folder + "/p/views").filter { $0.hasSuffix(".png") } == ["o001.png"])
    #expect(leftovers(below: folder).isEmpty)
  }

  @Test func aCardShowsTheQualityAndScoreThatQualityAutoChose() throws {
    let folder = try workspace(copyFixtures: false)
    try FileManager.default.copyItem(
      atPath: repositoryRoot.appendingPathComponent("fixtures/photo.jpg").path, toPath: folder + "/in/photo.jpg")
    try Data("resize 300x300\ncompress jpeg quality=auto\n".utf8).write(
      to: URL(fileURLWithPath: folder + "/a.pipeline"))
    let preview = try mediapipe(["preview", "a.pipeline", "in", "-o", "preview"], in: folder)
    #expect(preview.status == 0, "\(preview.stderr)")
    let run = try mediapipe(["run", "--report", "r.json", "-o", "out", "a.pipeline", "in"], in: folder)
    #expect(run.status == 0, "\(run.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/r.json")))
        as? [String: Any])
    let output = try #require(
      ((report["entries"] as? [[String: Any]])?.first?["outputs"] as? [[String: Any]])?.first)
    let quality = try #require(output["quality"] as? Int)
    let score = try #require(output["score"] as? Double)
    let html = try String(contentsOfFile: folder + "/preview/index.html", encoding: .utf8)
    #expect(html.contains("<dt>Quality</dt><dd>\(quality)</dd>"), "quality \(quality)")
    #expect(html.contains("<dt>Score</dt><dd>\(String(format: "%.4f", score))</dd>"), "score \(score)")
  }
}
