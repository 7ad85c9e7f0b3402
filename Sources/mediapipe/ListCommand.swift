import ArgumentParser
import Foundation
import MediaPipe

struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Print the files `run` would take as inputs below the given paths, one per line.",
    discussion: """
      The same walk as `run` (hidden files and folders skipped, files chosen by their \
      content), without a pipeline: outputs of an earlier run next to the inputs are \
      listed too, and `run` passes over them again. Make the list once, where the \
      files are, and give it to every task of an array job with --from-list and the \
      same PATHs, so that a large tree on a network file system is walked once:

        mediapipe list photos/ > files.txt
        mediapipe list -0 photos/ > files.nul        (any file name, even with newlines)
        mediapipe run --shard auto --from-list files.txt -o web/ web.pipeline photos/

      With --shard, only that shard's files are printed (what `run --shard` takes); \
      with --from-list too, the list is filtered as text, without looking at a single \
      file (a million lines in well under a second):

        mediapipe list --shard 3/16 --from-list files.txt photos/ > shard-3.txt
      """)

  @ArgumentParser.Argument(help: "Image files or folders (with --from-list: the folders the listed files lie below).")
  var paths: [String]

  @OptionGroup var sharding: ShardOptions

  @OptionGroup var list: InputListOptions

  @Flag(
    name: [.customShort("0"), .customLong("null")],
    help: "End each path printed with a NUL byte, not a newline (and read a --from-list as NUL-separated).")
  var null = false

  func run() throws {
    let shard = try sharding.resolve()?.shard
    let paths: [String]
    if let listed = try list.select(roots: self.paths, shard: shard, null: null) {
      paths = listed.map(\.path)
    } else {
      var scanner = InputScanner()
      scanner.shard = shard
      paths = try Console.attempt { try scanner.scan(self.paths).inputs.map(\.path) }
    }
    let end = null ? "\0" : "\n"
    if !null, let odd = paths.first(where: { $0.contains("\n") }) {
      printError("error: \(odd.debugDescription) contains a newline; use -0 to list it")
      throw ExitCode(RunExitCode.usage.rawValue)
    }
    var out = ""
    out.reserveCapacity(paths.count * 48)
    let stdout = FileHandle.standardOutput
    for path in paths {
      out += path
      out += end
      if out.utf8.count > 1 << 20 {
        stdout.write(Data(out.utf8))
        out.removeAll(keepingCapacity: true)
      }
    }
    stdout.write(Data(out.utf8))
  }
}
