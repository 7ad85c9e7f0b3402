import Foundation
import MediaPipeCore
import Testing

@testable import MediaPipeRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// Finding inputs without asking the file system more than `find` would.
@Suite struct InputScanningTests {
  let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures").path

  @Test func normalisingIsTextOnlyAndAgreesWithFoundation() {
    let paths = [
      "/a/b/../c", "/a/./b", "/a//b", "/a/b/", "/..", "/../x", "/a/b/..", "/a/b/.", "//a", "/", "/a/b/../../..",
      "/a/%20b", "/a/b c", "/a/ü", "/a/.hidden", "/a/b..", "/a/..b/c", "/a/.../b",
      // One folder after another, as a walk gives them (its normal form is kept between calls).
      "/in/../photos/a.jpg", "/in/../photos/b.jpg", "/in/./photos/a.jpg", "/in/../photos/b.jpg", "/x/../../y",
      "/p//q/r.jpg", "/p//q/..", "/p//q/.", "/../../z.jpg",
    ]
    for path in paths {
      #expect(OutputPlan.normalise(path) == URL(fileURLWithPath: path).standardizedFileURL.path, "\(path)")
    }
    let here = FileManager.default.currentDirectoryPath
    #expect(OutputPlan.normalise("x/./y") == URL(fileURLWithPath: here + "/x/y").standardizedFileURL.path)
    #expect(OutputPlan.normalise("./x/y.jpg") == URL(fileURLWithPath: here + "/x/y.jpg").standardizedFileURL.path)
    #expect(OutputPlan.normalise("x/../y.jpg") == URL(fileURLWithPath: here + "/y.jpg").standardizedFileURL.path)
    #expect(OutputPlan.normalise("/no/such/folder/../file") == "/no/such/file", "nothing needs to exist")
  }

  @Test func filesInAFolderReachedThroughALinkGetTheirRealPath() throws {
    let folder = try temporaryFolder()
    let real = folder + "/real"
    try FileManager.default.createDirectory(atPath: real + "/sub", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: fixtures + "/photo.jpg", toPath: real + "/sub/a.jpg")
    try FileManager.default.copyItem(atPath: fixtures + "/alpha.png", toPath: real + "/b.png")
    try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: real)
    let (inputs, _) = try InputScanner().scan([folder + "/link"])
    let canonicalReal = InputScanner.canonical(real)
    #expect(inputs.map(\.path) == [folder + "/link/b.png", folder + "/link/sub/a.jpg"])
    #expect(inputs.map(\.canonicalPath) == [canonicalReal + "/b.png", canonicalReal + "/sub/a.jpg"])
    #expect(inputs.map(\.relativeDirectory) == ["", "sub"])
    #expect(inputs.map(\.name) == ["b.png", "a.jpg"])
    #expect(
      inputs.map(\.dimensions) == [ImageDimensions(width: 400, height: 300), ImageDimensions(width: 640, height: 480)])
  }

  /// A folder given inside another is walked as part of it, whatever the order, unless
  /// the outer walk cannot reach it (a hidden folder between); a list read with both
  /// places its files alike.
  @Test func aFolderGivenInsideAnotherIsPartOfIt() throws {
    let folder = try temporaryFolder()
    // ".\u{301}h" is hidden too: its first byte is a dot, though its first character is not.
    for sub in ["in/2024", "in/.hidden", "in/.\u{301}h"] {
      try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
    }
    for path in ["in/a.jpg", "in/2024/b.jpg", "in/.hidden/c.jpg", "in/.\u{301}h/d.jpg"] {
      try FileManager.default.copyItem(atPath: fixtures + "/photo.jpg", toPath: folder + "/" + path)
    }
    let (inner, outer, hidden, accent) = (
      folder + "/in/2024", folder + "/in", folder + "/in/.hidden", folder + "/in/.\u{301}h"
    )
    try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: outer)
    let expected = ["\(hidden)  c.jpg", "\(accent)  d.jpg", "\(outer) 2024 b.jpg", "\(outer)  a.jpg"].sorted()
    for paths in [
      [inner, outer, hidden, accent], [outer, inner + "/", accent, hidden], [hidden, accent, inner + "/b.jpg", outer],
    ] {
      let (inputs, _) = try InputScanner().scan(paths)
      let placed = inputs.map { "\($0.root) \($0.relativeDirectory) \($0.name)" }.sorted()
      #expect(placed == expected, "\(paths)")
    }
    let list = InputList(
      bytes: Array("\(outer)/a.jpg\n\(inner)/b.jpg\n\(hidden)/c.jpg\n\(outer)/./2024/b.jpg\n\(accent)/d.jpg\n".utf8),
      separator: .newline)
    let listed = try list.select(roots: [inner, hidden, outer + "/", outer, accent], shard: nil)
    #expect(listed.map(\.relativePath) == ["a.jpg", "2024/b.jpg", "c.jpg", "2024/b.jpg", "d.jpg"])
    #expect(listed.map(\.root) == [outer, outer, hidden, outer, accent])
    // The outer folder given through a link, the lines written through the real one.
    let linked = try InputList(bytes: Array("\(inner)/b.jpg\n".utf8), separator: .newline).select(
      roots: [inner, folder + "/link"], shard: nil)
    #expect(linked.map(\.root) == [folder + "/link"])
    #expect(linked.map(\.relativePath) == ["2024/b.jpg"])
  }

  @Test func aFileKnownUnchangedIsNotOpened() throws {
    let folder = try temporaryFolder()
    try FileManager.default.copyItem(atPath: fixtures + "/photo.jpg", toPath: folder + "/a.jpg")
    // A JPEG said to be a PNG: the answer shows the file was not read.
    var scanner = InputScanner()
    var asked: [String] = []
    scanner.knownFormat = { path, _, _ in
      asked.append(path)
      return .png
    }
    let (inputs, _) = try scanner.scan([folder])
    #expect(asked == [InputScanner.canonical(folder) + "/a.jpg"])
    #expect(inputs.first?.format == .png)
    #expect(inputs.first?.dimensions == nil)
  }

  @Test func stemsAsNSStringGivesThem() {
    let names = ["a.b.c", ".hidden", "a.", "a..b", "noext", "a.b c", "ü.jpg", "a.tar.gz", "...", ".a.b", "a.b́", ".."]
    for name in names {
      #expect(OutputPlan.stem(name) == (name as NSString).deletingPathExtension, "\(name)")
    }
  }

  @Test func extensions() {
    #expect(InputScanner.pathExtension("/a/b.JPG") == "jpg")
    #expect(InputScanner.pathExtension("/a.d/b") == "")
    #expect(InputScanner.pathExtension("/a/.hidden") == "")
    #expect(InputScanner.pathExtension("x.tar.gz") == "gz")
  }

  @Test func splittingAListedPathAgreesWithNSString() {
    for path in ["a/b/c.jpg", "/c.jpg", "c.jpg", "/x/y.jpeg", "./a/b.png", "dir with space/é.jpg"] {
      let (folder, name) = InputScanner.split(path)
      #expect(folder == (path as NSString).deletingLastPathComponent, "\(path)")
      #expect(name == (path as NSString).lastPathComponent, "\(path)")
    }
  }
}
