import MediaPipeCore

/// Keeps the wanted properties of an XMP packet and drops the rest.
///
/// XMP is RDF in XML: each property is either an attribute of an
/// `rdf:Description` element (`exif:GPSLatitude="..."`) or a child element of
/// it, with its value nested below (`<dc:rights><rdf:Alt>...`). The filter
/// reads the packet as a stream of XML tokens, resolves every prefix to its
/// namespace URI (a packet may call Dublin Core `ns1:`), and copies the text of
/// each kept token as it was; a dropped property element is skipped with its
/// whole subtree. Anything it cannot read (bad XML, a DOCTYPE, an unclosed tag,
/// too deep) makes it give up and return nil: the caller then drops the packet,
/// the safe answer for untrusted metadata that might carry a location.
///
/// Written in Swift, not C, so a hostile packet can cost time but not memory
/// safety; `XMPFilterTests` feeds it malformed input.
struct XMPFilter {
  /// A property: its namespace URI and local name.
  struct Property: Hashable {
    var namespace: String
    var name: String
  }

  /// Decides whether a property survives.
  var keeps: (Property) -> Bool
  /// Properties appended in a new `rdf:Description` (provenance), as
  /// (prefix, namespace, name, value); the same properties already in the
  /// packet are dropped.
  var additions: [(prefix: String, namespace: String, name: String, value: String)] = []
  /// Properties written, in that same new `rdf:Description`, only when the packet
  /// keeps none of the name: EXIF copyright and artist carried into XMP for an
  /// output format that holds no EXIF.
  var fallbacks: [Fallback] = []

  /// A fallback property and the XMP form of its value.
  struct Fallback: Equatable {
    enum Form { case languageAlternative, orderedList }
    var prefix: String
    var namespace: String
    var name: String
    var value: String
    var form: Form
  }

  static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  static let maximumBytes = 4 << 20
  static let maximumDepth = 64

  /// The filtered packet, nil when it cannot be read or nothing is left.
  func apply(to packet: [UInt8]) -> [UInt8]? {
    guard packet.count <= Self.maximumBytes, let tokens = XMLTokenizer.tokens(packet) else { return nil }
    let added = Set(additions.map { Property(namespace: $0.namespace, name: $0.name) })
    var out: [UInt8] = []
    out.reserveCapacity(packet.count)
    var scopes: [[String: String]] = [["xml": "http://www.w3.org/XML/1998/namespace"]]
    var names: [(uri: String, local: String)] = []  // open elements
    var topDescription: [Bool] = []  // per open element: an rdf:Description right below rdf:RDF
    var skipUntilDepth: Int?  // inside a dropped property element
    var kept = Set<Property>()
    var sawRDF = false
    var wroteAdditions = false

    for token in tokens {
      switch token {
      case .open(let tag):
        var scope = scopes.last!
        for attribute in tag.attributes {
          if attribute.name == "xmlns" {
            scope[""] = attribute.value
          } else if attribute.name.hasPrefix("xmlns:") {
            scope[String(attribute.name.dropFirst(6))] = attribute.value
          }
        }
        guard let name = Self.resolve(tag.name, in: scope, element: true) else { return nil }
        let parent = names.last
        let isTopDescription =
          name.uri == Self.rdf && name.local == "Description" && parent?.uri == Self.rdf && parent?.local == "RDF"
        if skipUntilDepth == nil {
          let parentIsDescription = topDescription.last ?? false
          let property = Property(namespace: name.uri, name: name.local)
          if parentIsDescription && (!keeps(property) || added.contains(property)) {
            skipUntilDepth = names.count
          } else {
            if parentIsDescription {
              kept.insert(property)
            }
            if isTopDescription {
              // Attributes other than rdf:*, xml:* and xmlns are properties.
              var keptAttributes: [XMLTokenizer.Attribute] = []
              for attribute in tag.attributes {
                if attribute.name == "xmlns" || attribute.name.hasPrefix("xmlns:") {
                  keptAttributes.append(attribute)
                  continue
                }
                guard let a = Self.resolve(attribute.name, in: scope, element: false) else { return nil }
                let property = Property(namespace: a.uri, name: a.local)
                if a.uri == Self.rdf || a.uri == scope["xml"] {
                  keptAttributes.append(attribute)
                } else if keeps(property) && !added.contains(property) {
                  keptAttributes.append(attribute)
                  kept.insert(property)
                }
              }
              out += Array("<\(tag.name)".utf8)
              for attribute in keptAttributes { out += [0x20] + attribute.raw }
              out += Array((tag.selfClosing ? "/>" : ">").utf8)
            } else {
              if name.uri == Self.rdf && name.local == "RDF" { sawRDF = true }
              out += tag.raw
            }
          }
        }
        if !tag.selfClosing {
          names.append(name)
          topDescription.append(isTopDescription)
          scopes.append(scope)
          if names.count > Self.maximumDepth { return nil }
        } else if skipUntilDepth == names.count {
          skipUntilDepth = nil
        }
      case .close(let raw, let closing):
        guard let open = names.popLast() else { return nil }
        topDescription.removeLast()
        let scope = scopes.removeLast()
        guard let name = Self.resolve(closing, in: scope, element: true), name == open else { return nil }
        if let depth = skipUntilDepth {
          if depth == names.count { skipUntilDepth = nil }
          continue
        }
        if name.uri == Self.rdf && name.local == "RDF" {
          let missing = fallbacks.filter { !kept.contains(Property(namespace: $0.namespace, name: $0.name)) }
          if !additions.isEmpty || !missing.isEmpty {
            out += Array(additionsDescription(rdfPrefix: Self.prefix(of: closing), fallbacks: missing).utf8)
            wroteAdditions = true
          }
        }
        out += raw
      case .text(let raw), .other(let raw):
        if skipUntilDepth == nil { out += raw }
      }
    }
    guard names.isEmpty, sawRDF, !kept.isEmpty || wroteAdditions else { return nil }
    return out
  }

  /// A minimal packet holding just the additions (for a file that had no XMP).
  func packetWithAdditionsOnly() -> [UInt8] {
    let text =
      "<?xpacket begin='\u{FEFF}' id='W5M0MpCehiHzreSzNTczkc9d'?>\n<x:xmpmeta xmlns:x='adobe:ns:meta/'>\n"
      + "<rdf:RDF xmlns:rdf='\(Self.rdf)'>" + additionsDescription(rdfPrefix: "rdf", fallbacks: fallbacks)
      + "</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end='w'?>"
    return Array(text.utf8)
  }

  private func additionsDescription(rdfPrefix: String, fallbacks: [Fallback]) -> String {
    let p = rdfPrefix.isEmpty ? "" : rdfPrefix + ":"
    var namespaces: [(String, String)] = []
    let used = additions.map { ($0.prefix, $0.namespace) } + fallbacks.map { ($0.prefix, $0.namespace) }
    for (prefix, uri) in used where !namespaces.contains(where: { $0.0 == prefix }) {
      namespaces.append((prefix, uri))
    }
    var text = "\n <\(p)Description \(p)about=''"
    for (prefix, uri) in namespaces { text += "\n  xmlns:\(prefix)='\(Markup.escape(uri))'" }
    text += ">\n"
    for a in additions { text += "  <\(a.prefix):\(a.name)>\(Markup.escape(a.value))</\(a.prefix):\(a.name)>\n" }
    for f in fallbacks {
      let value = Markup.escape(f.value)
      let list =
        switch f.form {
        case .languageAlternative: "<\(p)Alt><\(p)li xml:lang='x-default'>\(value)</\(p)li></\(p)Alt>"
        case .orderedList: "<\(p)Seq><\(p)li>\(value)</\(p)li></\(p)Seq>"
        }
      text += "  <\(f.prefix):\(f.name)>\(list)</\(f.prefix):\(f.name)>\n"
    }
    return text + " </\(p)Description>\n"
  }

  private static func prefix(of qualifiedName: String) -> String {
    guard let colon = qualifiedName.firstIndex(of: ":") else { return "" }
    return String(qualifiedName[..<colon])
  }

  /// The namespace URI and local name of `qualifiedName`; nil for an undeclared prefix.
  /// Unprefixed attributes have no namespace (except in RDF's old habit, taken as rdf).
  static func resolve(_ qualifiedName: String, in scope: [String: String], element: Bool) -> (
    uri: String, local: String
  )? {
    guard let colon = qualifiedName.firstIndex(of: ":") else {
      if element { return (scope[""] ?? "", qualifiedName) }
      return (rdf, qualifiedName)
    }
    let prefix = String(qualifiedName[..<colon])
    guard let uri = scope[prefix] else { return nil }
    return (uri, String(qualifiedName[qualifiedName.index(after: colon)...]))
  }
}

/// Just enough XML to filter XMP: tags with attributes, end tags, text,
/// comments, CDATA and processing instructions, each with its raw bytes.
/// DOCTYPE (and so entity definitions) is refused.
enum XMLTokenizer {
  struct Attribute {
    var name: String
    /// The value with the five predefined entities and character references decoded.
    var value: String
    /// The attribute as written (`name='value'`).
    var raw: [UInt8]
  }

  struct Tag {
    var name: String
    var attributes: [Attribute]
    var selfClosing: Bool
    var raw: [UInt8]
  }

  enum Token {
    case open(Tag)
    case close(raw: [UInt8], name: String)
    case text([UInt8])
    case other([UInt8])
  }

  static func tokens(_ bytes: [UInt8]) -> [Token]? {
    var tokens: [Token] = []
    var i = 0
    let n = bytes.count
    func starts(_ s: String, at p: Int) -> Bool {
      let u = Array(s.utf8)
      return p + u.count <= n && Array(bytes[p..<p + u.count]) == u
    }
    func find(_ s: String, from p: Int) -> Int? {
      let u = Array(s.utf8)
      guard u.count <= n else { return nil }
      var q = p
      while q + u.count <= n {
        if bytes[q] == u[0] && Array(bytes[q..<q + u.count]) == u { return q }
        q += 1
      }
      return nil
    }
    while i < n {
      if bytes[i] != UInt8(ascii: "<") {
        var j = i
        while j < n && bytes[j] != UInt8(ascii: "<") { j += 1 }
        tokens.append(.text(Array(bytes[i..<j])))
        i = j
        continue
      }
      if starts("<!--", at: i) {
        guard let end = find("-->", from: i + 4) else { return nil }
        tokens.append(.other(Array(bytes[i..<end + 3])))
        i = end + 3
      } else if starts("<![CDATA[", at: i) {
        guard let end = find("]]>", from: i + 9) else { return nil }
        tokens.append(.other(Array(bytes[i..<end + 3])))
        i = end + 3
      } else if starts("<?", at: i) {
        guard let end = find("?>", from: i + 2) else { return nil }
        tokens.append(.other(Array(bytes[i..<end + 2])))
        i = end + 2
      } else if starts("<!", at: i) {
        return nil  // DOCTYPE and declarations: not in XMP
      } else if starts("</", at: i) {
        guard let end = find(">", from: i + 2) else { return nil }
        let name = String(decoding: bytes[i + 2..<end], as: UTF8.self).trimmingWhitespace()
        guard isName(name) else { return nil }
        tokens.append(.close(raw: Array(bytes[i...end]), name: name))
        i = end + 1
      } else {
        guard let (tag, next) = openTag(bytes, at: i) else { return nil }
        tokens.append(.open(tag))
        i = next
      }
    }
    return tokens
  }

  private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

  private static func isName(_ s: String) -> Bool {
    !s.isEmpty && s.unicodeScalars.allSatisfy { !" \t\r\n<>/='\"&".unicodeScalars.contains($0) }
  }

  /// A start tag at `start` (which is `<`) and the index after it.
  private static func openTag(_ bytes: [UInt8], at start: Int) -> (Tag, Int)? {
    let n = bytes.count
    var i = start + 1
    func nameEnd(_ p: Int) -> Int {
      var q = p
      while q < n && !isSpace(bytes[q]) && bytes[q] != UInt8(ascii: ">") && bytes[q] != UInt8(ascii: "/")
        && bytes[q] != UInt8(ascii: "=")
      {
        q += 1
      }
      return q
    }
    let end = nameEnd(i)
    let name = String(decoding: bytes[i..<end], as: UTF8.self)
    guard isName(name) else { return nil }
    i = end
    var attributes: [Attribute] = []
    while true {
      while i < n && isSpace(bytes[i]) { i += 1 }
      guard i < n else { return nil }
      if bytes[i] == UInt8(ascii: ">") {
        return (Tag(name: name, attributes: attributes, selfClosing: false, raw: Array(bytes[start...i])), i + 1)
      }
      if bytes[i] == UInt8(ascii: "/") {
        guard i + 1 < n, bytes[i + 1] == UInt8(ascii: ">") else { return nil }
        return (Tag(name: name, attributes: attributes, selfClosing: true, raw: Array(bytes[start...i + 1])), i + 2)
      }
      let attributeStart = i
      let attributeNameEnd = nameEnd(i)
      let attributeName = String(decoding: bytes[i..<attributeNameEnd], as: UTF8.self)
      guard isName(attributeName) else { return nil }
      i = attributeNameEnd
      while i < n && isSpace(bytes[i]) { i += 1 }
      guard i < n, bytes[i] == UInt8(ascii: "=") else { return nil }
      i += 1
      while i < n && isSpace(bytes[i]) { i += 1 }
      guard i < n, bytes[i] == UInt8(ascii: "'") || bytes[i] == UInt8(ascii: "\"") else { return nil }
      let quote = bytes[i]
      let valueStart = i + 1
      var j = valueStart
      while j < n && bytes[j] != quote {
        if bytes[j] == UInt8(ascii: "<") { return nil }
        j += 1
      }
      guard j < n, let value = decode(bytes[valueStart..<j]) else { return nil }
      attributes.append(Attribute(name: attributeName, value: value, raw: Array(bytes[attributeStart...j])))
      i = j + 1
    }
  }

  /// Attribute text with entities decoded; nil for an unknown entity.
  static func decode(_ raw: ArraySlice<UInt8>) -> String? {
    let text = String(decoding: raw, as: UTF8.self)
    guard text.contains("&") else { return text }
    var out = ""
    var rest = Substring(text)
    while let amp = rest.firstIndex(of: "&") {
      out += rest[..<amp]
      guard let semi = rest[amp...].firstIndex(of: ";") else { return nil }
      let entity = rest[rest.index(after: amp)..<semi]
      switch entity {
      case "amp": out += "&"
      case "lt": out += "<"
      case "gt": out += ">"
      case "apos": out += "'"
      case "quot": out += "\""
      default:
        let hex = entity.hasPrefix("#x") || entity.hasPrefix("#X")
        guard entity.hasPrefix("#"),
          let code = UInt32(entity.dropFirst(hex ? 2 : 1), radix: hex ? 16 : 10),
          let scalar = Unicode.Scalar(code)
        else { return nil }
        out.unicodeScalars.append(scalar)
      }
      rest = rest[rest.index(after: semi)...]
    }
    return out + rest
  }
}

extension String {
  fileprivate func trimmingWhitespace() -> String {
    var s = Substring(self)
    while let c = s.first, c.isWhitespace { s.removeFirst() }
    while let c = s.last, c.isWhitespace { s.removeLast() }
    return String(s)
  }
}
