import MediaPipeCore
import Testing

@Suite struct MarkupTests {
  @Test func theFiveMarkupCharactersBecomeEntities() {
    #expect(Markup.escape(#"Tom's & "Jerry" <3>"#) == "Tom&#39;s &amp; &quot;Jerry&quot; &lt;3&gt;")
  }

  @Test func everyOtherCharacterIsKept() {
    let text = "© 2026 Ünïcødé 写真 👩‍👩‍👧 tab\tend"
    #expect(Markup.escape(text) == text)
    #expect(Markup.escape("") == "")
  }

  @Test func escapingTwiceEscapesTheAmpersandsItMade() {
    #expect(Markup.escape(Markup.escape("&")) == "&amp;amp;")
  }
}
