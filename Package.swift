// swift-tools-version:6.0
import PackageDescription

// Layout (see ../shared/STYLE.md):
//   CVips            libvips as a system library (pkg-config "vips").
//   CVipsShims       the few C wrappers Swift cannot call directly (see its header).
//   CSQLite          SQLite's C API (the state store), as a system library.
//   MediaPipeCore    the pipeline format and plan: pure Swift, no libvips.
//   MediaPipeImaging libvips wrapper and the step executors.
//   MediaPipeRuntime the engine's coordinator: process pool, worker protocol, input discovery,
//                    state, file safety. No libvips, so that `mediapipe` starts in milliseconds.
//   MediaPipeWorkerProcess  what a worker process runs: tasks in, MediaPipeImaging, results out.
//   MediaPipe        the library product: re-exports the engine's public API (a program that
//                    hosts its own workers also imports MediaPipeWorkerProcess).
//   mediapipe        the command line: ArgumentParser commands only, a client of MediaPipe.
//   mediapipe-worker the worker processes `mediapipe` starts (installed beside it).
//   mediapipe-example (Examples/thumbnails) a program that uses only the library.
let package = Package(
  name: "mediapipe",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "mediapipe", targets: ["mediapipe"]),
    .executable(name: "mediapipe-worker", targets: ["mediapipe-worker"]),
    // The engine as a library: parse a pipeline, run it over paths, receive per-file events.
    .library(name: "MediaPipe", targets: ["MediaPipe", "MediaPipeWorkerProcess"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CVips",
      pkgConfig: "vips",
      providers: [.apt(["libvips-dev"])]
    ),
    .systemLibrary(
      name: "CSQLite",
      pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]
    ),
    .target(
      name: "CVipsShims",
      dependencies: ["CVips"],
      // libjpeg directly, for decoding progressive JPEGs from their DC scans (jpeg_dc_load.c).
      linkerSettings: [.linkedLibrary("jpeg")]
    ),
    // POSIX and Linux calls Swift cannot make directly (spawning workers, signals, leases, xattrs).
    .target(name: "CPosixShims"),
    .target(name: "MediaPipeCore"),
    .target(
      name: "MediaPipeImaging",
      dependencies: ["MediaPipeCore", "CVips", "CVipsShims", "CPosixShims"]
    ),
    .target(
      name: "MediaPipeRuntime",
      dependencies: [
        "MediaPipeCore", "CPosixShims", "CSQLite", .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "MediaPipeWorkerProcess",
      dependencies: ["MediaPipeCore", "MediaPipeImaging", "MediaPipeRuntime", "CPosixShims"]
    ),
    .target(name: "MediaPipe", dependencies: ["MediaPipeCore", "MediaPipeRuntime"]),
    .executableTarget(
      name: "mediapipe",
      dependencies: ["MediaPipe", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    .executableTarget(name: "mediapipe-worker", dependencies: ["MediaPipeWorkerProcess"]),
    // An example client that uses only the MediaPipe library's public API.
    .executableTarget(
      name: "mediapipe-example", dependencies: ["MediaPipe", "MediaPipeWorkerProcess"], path: "Examples/thumbnails"),
    // What several test targets share (temporary folders removed at exit).
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "MediaPipeCoreTests", dependencies: ["MediaPipeCore"]),
    .testTarget(
      name: "MediaPipeImagingTests",
      dependencies: ["MediaPipeImaging", "MediaPipeCore", "CVips", "CVipsShims", "TestSupport"]
    ),
    .testTarget(
      name: "MediaPipeRuntimeTests",
      dependencies: [
        "MediaPipeRuntime", "MediaPipeCore", "TestSupport", .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["MediaPipeImaging", "MediaPipeRuntime", "TestSupport"]
    ),
  ]
)
