import Testing

@testable import MediaPipeCore

@Suite struct DiagnosticsTests {
  @Test func everyErrorIsReportedWithExactLineAndColumn() {
    let source = """
      resiz 300x300
      resize 300x300 fit=covr
      watermark text="hi" opacity=1.5 positon=bottom-right
      compress webp qualty=80
      metadata keep=icc,gsp
      output "{stem}.{extension}"
      """
    #expect(
      errors(source) == [
        "1:1: unknown step 'resiz'; did you mean 'resize'?",
        "2:20: expected one of inside, cover, contain, fill, outside for `fit`, found \"covr\"",
        "3:29: expected a number from 0 to 1 for `opacity`, found \"1.5\"",
        "3:33: unknown option 'positon' for 'watermark'; did you mean 'position'?",
        "4:15: unknown option 'qualty' for 'compress'; did you mean 'quality'?",
        "5:19: expected all or a group (exif, xmp, iptc, icc, gps, copyright, camera, dates, orientation) in `keep`, found \"gsp\"",
        "6:16: unknown token '{extension}' in the output template",
      ])
  }

  @Test func renderedWithTheLineAndACaret() {
    let source = "resize 300x300\ncompres jpeg\n"
    let result = compile(source, file: "web.pipeline")
    let text = result.diagnostics.rendered(source: source)
    #expect(
      text == """
        web.pipeline:2:1: error: unknown step 'compres'; did you mean 'compress'?
        compres jpeg
        ^

        """)
    #expect(result.pipeline == nil)
  }

  @Test func nearMissNotesForValues() {
    let result = compile("resize 300x300 fit=covr")
    #expect(result.diagnostics.first?.notes == ["did you mean 'cover'?"])
  }

  @Test func outOfRangeNumbersAreErrors() {
    #expect(
      errors("compress jpeg quality=0") == [
        "1:23: expected a whole number from 1 to 100, or auto, auto:high, auto:low for `quality`, found \"0\""
      ])
    #expect(errors("compress webp effort=7") == ["1:22: expected a whole number from 0 to 6 for `effort`, found \"7\""])
    #expect(errors("compress png level=10") == ["1:20: expected a whole number from 0 to 9 for `level`, found \"10\""])
  }

  @Test func optionsOfAnotherFormatAreErrors() {
    #expect(
      errors("compress png quality=80") == ["1:14: `quality` does not apply to png; png takes level, palette, depth"])
  }

  @Test func repeatedKeysAndSectionsAreErrors() {
    #expect(errors("resize 10x10 fit=cover fit=fill") == ["1:24: 'fit' is given twice (first at column 14)"])
    #expect(
      errors("compress jpeg\ncompress png") == ["2:1: 'compress' is given twice in this section (first on line 1)"])
  }

  @Test func aNewerFormatVersionIsRefused() {
    #expect(
      errors("version 2\nresize 10x10") == [
        "1:9: this pipeline needs format version 2; this mediapipe reads up to version 1"
      ])
    #expect(errors("version 1\nresize 10x10").isEmpty)
    #expect(errors("resize 10x10\nversion 1") == ["2:1: 'version' must be the first line of the pipeline"])
  }

  @Test func variantRules() {
    #expect(
      errors("variant a\n resize 10x10\nvariant a\n resize 20x20") == [
        "3:9: variant 'a' is defined twice (first on line 1)"
      ])
    #expect(
      errors("variant a\n output \"x.jpg\"\nvariant b\n output \"x.jpg\"").contains {
        $0.hasPrefix("4:2: variants 'a' and 'b' write to the same file name")
      })
    #expect(
      errors("variant a\n orientation keep") == [
        "2:2: 'orientation' applies when the image is loaded; put it before the first variant"
      ])
  }

  @Test func missingWatermarkImageIsReportedAtItsName() {
    let found = errors("watermark image=nope.png")
    #expect(found.count == 1)
    #expect(found[0].hasPrefix("1:17: cannot read the watermark image 'nope.png'"))
  }

  @Test func enlargingPercentNeedsEnlarge() {
    #expect(errors("resize 200%") == ["1:8: 'resize 200%' would enlarge the image; add enlarge=yes"])
    #expect(errors("resize 200% enlarge=yes").isEmpty)
  }

  @Test func templatesMayNotEscape() {
    #expect(errors("output \"../x.jpg\"").first?.contains("may not leave its output folder") == true)
    #expect(errors("output \"/tmp/x.jpg\"").first?.contains("must be relative") == true)
    #expect(errors("output \"\"").first?.contains("empty") == true)
  }

  @Test func templateExtensionThatDisagreesWithTheFormatWarns() {
    let result = compile("compress webp\noutput \"{stem}.jpg\"")
    #expect(result.pipeline != nil)
    #expect(result.diagnostics.map(\.severity) == [.warning])
  }
}

@Suite struct MoreDiagnosticsTests {
  @Test func orientationOnce() {
    #expect(errors("orientation keep\norientation auto") == ["2:1: 'orientation' is given twice (first on line 1)"])
  }

  @Test func percentResizeRules() {
    #expect(errors("resize width=150%") == ["1:14: `width=150%` would enlarge the image; add enlarge=yes"])
    #expect(
      errors("resize 50% fit=cover") == ["1:12: `fit` does not apply to a percentage resize, which keeps the shape"])
  }

  @Test func aWarningRepeatedByEveryVariantIsSaidOnce() {
    let result = compile("compress webp\noutput \"{stem}.jpg\"\nvariant a\n resize 10x10\nvariant b\n resize 20x20")
    #expect(result.diagnostics.filter { $0.severity == .warning }.count == 1)
  }
}
