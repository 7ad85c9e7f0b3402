import Testing

@testable import MediaPipeImaging

/// orient-1.jpg is white except a red square top-left and a blue one bottom-right,
/// so the top-right and bottom-left corners show exactly where a mark lands.
@Suite struct WatermarkTests {
  @Test func textIsWhereItIsPlacedAndNowhereElse() throws {
    let image = try single("watermark text=\"MARK\" size=40 color=black position=top-right margin=0", "orient-1.jpg")
    #expect((image.width, image.height) == (300, 200))
    let topRight = try image.statistics(x: 200, y: 0, width: 100, height: 50)
    #expect(topRight.minimum < 60, "dark text pixels in the top-right corner")
    let bottomLeft = try image.statistics(x: 0, y: 150, width: 100, height: 50)
    #expect(bottomLeft.minimum > 230, "the bottom-left corner is untouched")
    let middle = try image.statistics(x: 100, y: 80, width: 100, height: 40)
    #expect(middle.minimum > 230)
  }

  @Test func opacityBlendsTheText() throws {
    let image = try single(
      "watermark text=\"MMMM\" size=60 color=black opacity=0.5 position=top-right margin=0", "orient-1.jpg")
    let stats = try image.statistics(x: 150, y: 0, width: 150, height: 80)
    // Black at 50% over white: the darkest pixels are mid grey, not black.
    #expect(stats.minimum > 100 && stats.minimum < 160, "minimum \(stats.minimum)")
  }

  @Test func logoAtItsWidthMarginAndOpacity() throws {
    // logo.png: 200x80, opaque green (0,200,0) in the middle, transparent corners.
    let image = try single(
      "watermark image=logo.png width=100 opacity=0.5 position=bottom-left margin=10", "orient-1.jpg")
    // 100x40 logo with a 10 px margin: x 10...110, y 150...190.
    let centre = try image.rgb(60, 170)
    #expect(close(centre, [128, 228, 128], tolerance: 14), "half-transparent green over white, got \(centre)")
    #expect(close(try image.rgb(60, 140), [255, 255, 255], tolerance: 10), "above the logo is untouched")
    #expect(close(try image.rgb(150, 170), [255, 255, 255], tolerance: 10), "right of the logo is untouched")
  }

  @Test func percentSizesFollowTheImage() throws {
    let image = try single(
      "resize 600x enlarge=yes\nwatermark image=logo.png width=50% position=centre", "orient-1.jpg")
    // 600x400 image, logo 300x120 centred: x 150...450, y 140...260.
    #expect(close(try image.rgb(300, 200), [0, 200, 0], tolerance: 14))
    #expect(close(try image.rgb(300, 120), [255, 255, 255], tolerance: 14))
  }

  @Test func tiledTextCoversTheImage() throws {
    let image = try single("watermark text=\"x\" size=20 color=black position=tile margin=10", "orient-1.jpg")
    let left = try image.statistics(x: 80, y: 60, width: 60, height: 60)
    let right = try image.statistics(x: 160, y: 60, width: 60, height: 60)
    #expect(left.minimum < 100 && right.minimum < 100)
  }

  /// Pango markup characters are drawn as themselves, each once: the text is as wide as
  /// it looks, and narrower than its own escaped form drawn literally (what an
  /// escaper that ran twice, or not at all on '&', would show).
  @Test func markupCharactersAreShownNotParsed() throws {
    /// Where the ink of a right-aligned mark starts: its leftmost dark column (x ≥ 90,
    /// right of the red square).
    func inkStart(_ text: String) throws -> Int {
      let image = try single(
        "watermark text=\"\(text)\" size=16 color=black position=top-right margin=0", "orient-1.jpg")
      for x in 90..<300 where try image.statistics(x: x, y: 0, width: 1, height: 30).minimum < 100 { return x }
      return 300
    }
    let shown = try inkStart("Tom's & \\\"Jerry\\\" <3")
    let escaped = try inkStart("Tom&#39;s &amp; &quot;Jerry&quot; &lt;3")
    let plain = try inkStart("Toms and Jerry 3")
    #expect(shown < 300, "the mark is drawn")
    #expect(escaped < shown - 20, "escaped \(escaped), shown \(shown)")
    // The same visible width, within a few glyphs, as letters alone.
    #expect(abs(shown - plain) < 25, "shown \(shown), plain \(plain)")
  }

  @Test func greyscaleAndSixteenBitImagesTakeAColourMark() throws {
    let grey = try single("watermark image=logo.png width=100 position=top-left margin=0", "grey.jpg")
    #expect(grey.bands == 3)
    #expect(close(try grey.rgb(50, 20), [0, 200, 0], tolerance: 14))
    let deep = try single("watermark text=\"M\" size=50 color=red position=centre\ncompress png", "rgb16.png")
    #expect(deep.width == 256)
  }
}
