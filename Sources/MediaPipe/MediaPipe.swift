// MediaPipe: the library product. Parse a pipeline, run it over files and folders
// (or a single image) on a pool of worker processes, receive one `FileEvent` per
// input. The `mediapipe` command line is a client of exactly this API.
//
//     import MediaPipe
//     import MediaPipeWorkerProcess    // only to host the workers in this same program
//
//     MediaPipeWorker.runIfRequested()  // first thing: this program also hosts the workers
//     let engine = try Engine(options: options, lockRoots: ["photos"], logger: logger, interrupts: nil)
//     let outcome = try engine.run(["photos"]) { event in print(event.input, event.status) }
//
// (Or set `EngineOptions.workerExecutable` to an installed `mediapipe-worker`, and this
// program never loads libvips.) See `Engine` for the life of a run, `WatchSession` for
// processing what arrives in a folder, and `FileEvent` for what each input reports.

@_exported import Logging
@_exported import MediaPipeCore
@_exported import MediaPipeRuntime
