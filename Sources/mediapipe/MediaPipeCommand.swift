import ArgumentParser
import MediaPipe

@main
struct MediaPipeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mediapipe",
    abstract: "Batch image processing from a declarative pipeline file, on libvips.",
    discussion: """
      Write what should happen to every image in a .pipeline file, one step per line:

        resize 1600x1600
        watermark text="© 2026 Example Photo" size=2% opacity=0.5 position=bottom-right
        compress jpeg quality=82 progressive=yes

      then run it over files and folders:  mediapipe run web.pipeline photos/
      or keep processing what arrives:      mediapipe watch web.pipeline inbox/

      Exit codes:
        0    every image was processed
        1    some images failed (the others were still written)
        2    usage or pipeline error (nothing was processed)
        75   another run is writing into the same output folder (with --no-wait)
        130  interrupted (images in flight were finished; run again to finish)
      """,
    version: MediaPipeVersion.current,
    subcommands: [
      RunCommand.self, WatchCommand.self, PreviewCommand.self, CheckCommand.self, StatusCommand.self, ListCommand.self,
      ReportCommand.self,
    ]
  )

  /// Parses and runs, mapping argument errors to exit code 2 as documented.
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .success || error is ExitCode {
        exit(withError: error)
      }
      var message = fullMessage(for: error)
      if !message.contains("Usage:") {
        message += "\nSee 'mediapipe --help'."
      }
      printError(message)
      exit(withError: ExitCode(RunExitCode.usage.rawValue))
    }
  }
}
