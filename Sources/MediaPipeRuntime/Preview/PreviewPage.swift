import Foundation
import MediaPipeCore

/// The preview's page: one static HTML file with its CSS and a little JavaScript
/// inline, loading only the images below its folder (no server, no network).
///
/// Every name on it is escaped; every image path is percent-encoded and relative.
/// For tests and scripts, each card carries its numbers as attributes
/// (`data-original-bytes`, `data-output-bytes`, `data-output-file`, ...), and the
/// script marks each `img` with `data-loaded="W x H"` (or `error`) and sums them up in
/// `#load-state` (`data-images`, `data-loaded`, `data-broken`; and `data-page-width`
/// against `data-view-width`: wider means the page scrolls sideways).
enum PreviewPage {
  static func html(_ result: PreviewResult, pipeline: String) -> String {
    var page = """
      <!doctype html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>mediapipe preview: \(Markup.escape(pipeline))</title>
      <style>\(style)</style>
      </head>
      <body>
      <header>
      <h1>Preview of <code>\(Markup.escape(pipeline))</code></h1>

      """
    page += summary(result)
    page += "</header>\n<main>\n"
    for card in result.cards { page += self.card(card, folder: result.folder) }
    page += "</main>\n"
    page += "<p id=\"load-state\" data-images=\"0\" data-loaded=\"0\" data-broken=\"0\"></p>\n"
    page += "<script>\(script)</script>\n</body>\n</html>\n"
    return page
  }

  private static func summary(_ result: PreviewResult) -> String {
    var html = "<section class=\"summary\">\n<dl>\n"
    let sampled = result.images + result.failures.count
    html += "<div><dt>Images</dt><dd>\(result.images) done, \(result.failures.count) failed"
    if result.found > sampled { html += " (a sample of \(sampled) of \(result.found) found)" }
    html += "</dd></div>\n"
    html += "<div><dt>Before</dt><dd id=\"bytes-before\" data-bytes=\"\(result.bytesBefore)\">"
    html += "\(bytes(result.bytesBefore))</dd></div>\n"
    html += "<div><dt>After</dt><dd id=\"bytes-after\" data-bytes=\"\(result.bytesAfter)\">"
    html += "\(bytes(result.bytesAfter)) \(saving(result.bytesBefore, result.bytesAfter))</dd></div>\n"
    html += "</dl>\n"
    let largest = result.cards.sorted { $0.output.bytes > $1.output.bytes }.prefix(5)
    if !largest.isEmpty {
      html += "<h2>Largest outputs</h2>\n<ol class=\"largest\">\n"
      for card in largest {
        html +=
          "<li><a href=\"#card-\(card.id)\">\(Markup.escape(Preview.relative(card.output.file, to: result.folder)))</a>"
        html += " \(bytes(card.output.bytes))</li>\n"
      }
      html += "</ol>\n"
    }
    if !result.failures.isEmpty {
      html += "<h2>Failures</h2>\n<ul class=\"failures\">\n"
      for failure in result.failures {
        html +=
          "<li class=\"failure\"><code>\(Markup.escape(failure.input))</code>: \(Markup.escape(failure.reason))</li>\n"
      }
      html += "</ul>\n"
    }
    return html + "</section>\n"
  }

  private static func card(_ card: PreviewCard, folder: String) -> String {
    let ratio = aspect(card.output) ?? aspect(card.original) ?? "1 / 1"
    var html = "<article class=\"card\" id=\"card-\(card.id)\" data-variant=\"\(Markup.escape(card.variant))\""
    html += " data-original-bytes=\"\(card.original.bytes)\" data-output-bytes=\"\(card.output.bytes)\""
    html += " data-output-file=\"\(Markup.escape(Preview.relative(card.output.file, to: folder)))\">\n"
    html += "<h2><code>\(Markup.escape(card.input))</code>"
    if card.variant != "default" { html += " <span class=\"variant\">\(Markup.escape(card.variant))</span>" }
    html += "</h2>\n"
    html += "<div class=\"pair\">\n"
    html += figure(card.original, label: "original")
    html += figure(card.output, label: "output")
    html += "</div>\n"
    if let before = card.original.shown, let after = card.output.shown {
      html += "<div class=\"wipe\" style=\"aspect-ratio: \(ratio)\">\n"
      html += "<img class=\"before\" src=\"\(url(before))\" alt=\"original\">\n"
      html += "<img class=\"after\" src=\"\(url(after))\" alt=\"output\">\n"
      html += "<span class=\"tag left\">original</span><span class=\"tag right\">output</span>\n"
      html +=
        "<input type=\"range\" min=\"0\" max=\"100\" value=\"50\" aria-label=\"wipe between original and output\">\n"
      html += "</div>\n"
    }
    html += "<dl class=\"numbers\">\n"
    html += row("Dimensions", "\(size(card.original)) → \(size(card.output))")
    html += row(
      "Bytes",
      "<span class=\"original-bytes\">\(bytes(card.original.bytes))</span> → "
        + "<span class=\"output-bytes\">\(bytes(card.output.bytes))</span> \(saving(card.original.bytes, card.output.bytes))",
      raw: true)
    html += row("Format", "\(card.original.format) → \(card.output.format)")
    if let quality = card.quality, !quality.isEmpty { html += row("Quality", quality) }
    if let score = card.score { html += row("Score", String(format: "%.4f", score)) }
    html += "</dl>\n</article>\n"
    return html
  }

  private static func figure(_ image: PreviewImage, label: String) -> String {
    var html = "<figure>\n"
    if let shown = image.shown {
      html += "<img src=\"\(url(shown))\" alt=\"\(label)\" loading=\"eager\">\n"
    } else {
      html += "<div class=\"missing\">cannot be shown</div>\n"
    }
    html += "<figcaption>\(label)"
    if image.rendition {
      html += " <small>(shown as a PNG rendition: browsers cannot show \(Markup.escape(image.format)))</small>"
    }
    html += "</figcaption>\n</figure>\n"
    return html
  }

  private static func row(_ name: String, _ value: String, raw: Bool = false) -> String {
    "<div><dt>\(name)</dt><dd>\(raw ? value : Markup.escape(value))</dd></div>\n"
  }

  private static func aspect(_ image: PreviewImage) -> String? {
    guard let width = image.width, let height = image.height, width > 0, height > 0 else { return nil }
    return "\(width) / \(height)"
  }

  private static func size(_ image: PreviewImage) -> String {
    guard let width = image.width, let height = image.height else { return "?" }
    return "\(width)×\(height)"
  }

  /// "1,234,567 bytes (1.2 MB)": the exact count, then a readable one.
  static func bytes(_ count: Int) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.usesGroupingSeparator = true
    formatter.groupingSeparator = ","
    formatter.groupingSize = 3
    let exact = formatter.string(from: NSNumber(value: count)) ?? "\(count)"
    return "\(exact) bytes (\(ByteCount.text(count)))"
  }

  /// "(62 % smaller)", "(4 % larger)".
  static func saving(_ before: Int, _ after: Int) -> String {
    guard before > 0 else { return "" }
    let change = Double(before - after) / Double(before) * 100
    let rounded = Int(change.magnitude.rounded())
    if rounded == 0 { return "<span class=\"saving\">(about the same)</span>" }
    return change > 0
      ? "<span class=\"saving\">(\(rounded) % smaller)</span>"
      : "<span class=\"saving larger\">(\(rounded) % larger)</span>"
  }

  /// A relative path as a URL in an attribute: each segment percent-encoded, and
  /// "./" first so that a name with a colon is never read as a scheme.
  static func url(_ relative: String) -> String {
    var allowed = CharacterSet.alphanumerics.intersection(
      CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
    allowed.insert(charactersIn: "-._~")
    let encoded = relative.split(separator: "/", omittingEmptySubsequences: false).map {
      String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
    return "./" + Markup.escape(encoded.joined(separator: "/"))
  }

  private static let style = """
    :root { color-scheme: light dark; --line: #8884; }
    * { box-sizing: border-box; }
    body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 1400px; }
    /* A long name without spaces (a file, a folder, a link to a card) wraps on a phone. */
    body { overflow-wrap: anywhere; }
    h1 { font-size: 1.3rem; } h2 { font-size: 1rem; margin: .2rem 0 .6rem; }
    .summary dl { display: flex; flex-wrap: wrap; gap: .5rem 2rem; }
    dt { font-weight: 600; } dd { margin: 0; }
    .saving { color: #287a2e; } .saving.larger { color: #b3261e; }
    .failure { color: #b3261e; }
    main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); gap: 1rem; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: .8rem; min-width: 0; }
    .variant { font-weight: normal; border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem; }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: .5rem; }
    figure { margin: 0; min-width: 0; }
    figure img, .missing { width: 100%; height: 140px; object-fit: contain; background: #8882; display: block; }
    .missing { display: grid; place-items: center; }
    figcaption { font-size: .85rem; text-align: center; }
    .wipe { position: relative; width: 100%; max-height: 70vh; margin-top: .6rem; background: #8882; overflow: hidden; }
    .wipe img { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; }
    .wipe .after { clip-path: inset(0 0 0 50%); }
    .wipe input { position: absolute; left: 0; right: 0; bottom: .3rem; width: 100%; margin: 0; }
    .tag { position: absolute; top: .3rem; font-size: .75rem; background: #000a; color: #fff; padding: 0 .3rem; }
    .tag.left { left: .3rem; } .tag.right { right: .3rem; }
    .numbers { display: grid; grid-template-columns: 1fr; gap: .2rem; margin: .6rem 0 0; font-size: .9rem; }
    .numbers div { display: flex; gap: .5rem; flex-wrap: wrap; } .numbers dt { min-width: 6.5rem; }
    #load-state { display: none; }
    """

  private static let script = """
    (function () {
      var images = document.querySelectorAll('img');
      var state = document.getElementById('load-state');
      function mark(img) {
        if (img.dataset.loaded) return;
        img.dataset.loaded = img.naturalWidth > 0 ? img.naturalWidth + ' x ' + img.naturalHeight : 'error';
        var loaded = 0, broken = 0;
        images.forEach(function (each) {
          if (each.dataset.loaded === 'error') broken++; else if (each.dataset.loaded) loaded++;
        });
        state.dataset.images = images.length; state.dataset.loaded = loaded; state.dataset.broken = broken;
        widths();
      }
      function widths() {
        var root = document.documentElement;
        state.dataset.pageWidth = root.scrollWidth; state.dataset.viewWidth = root.clientWidth;
      }
      images.forEach(function (img) {
        if (img.complete) mark(img);
        else { img.addEventListener('load', function () { mark(img); }); img.addEventListener('error', function () { mark(img); }); }
      });
      state.dataset.images = images.length;
      widths();
      document.querySelectorAll('.wipe').forEach(function (wipe) {
        var after = wipe.querySelector('.after'), range = wipe.querySelector('input');
        range.addEventListener('input', function () { after.style.clipPath = 'inset(0 0 0 ' + range.value + '%)'; });
      });
    })();
    """
}
