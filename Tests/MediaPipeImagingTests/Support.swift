import CVips
import CVipsShims
import Foundation
import MediaPipeCore
import TestSupport
import Testing

@testable import MediaPipeImaging

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// A fixture's path; an absolute path is taken as it is.
func fixture(_ name: String) -> String {
  name.hasPrefix("/") ? name : repositoryRoot.appendingPathComponent("fixtures/\(name)").path
}

/// A fresh temporary folder for one test (removed when the tests end).
func temporaryFolder() throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("mediapipe-tests-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  TemporaryFolders.removeAtExit(path)
  return path
}

/// libvips's error buffer is process-global: tests run in parallel, so images are
/// processed one at a time to keep each failure's message its own (as in a worker).
let oneImageAtATime = NSLock()

/// Runs pipeline text over one fixture in-process and opens every output.
func process(_ source: String, _ fixtureName: String) throws -> [(output: ImageProcessor.Output, image: Image)] {
  oneImageAtATime.lock()
  defer { oneImageAtATime.unlock() }
  try VipsRuntime.start()
  let compiled = PipelineCompiler.compile(
    source: source, file: "test.pipeline", baseDirectory: repositoryRoot.appendingPathComponent("fixtures").path)
  let pipeline = try #require(compiled.pipeline, "\(compiled.diagnostics)")
  let folder = try temporaryFolder()
  let processor = ImageProcessor(pipeline: pipeline)
  let outputs = try processor.process(.init(path: fixture(fixtureName), outputRoot: folder, relativeDirectory: "")) {
    path, write in
    try FileManager.default.createDirectory(
      atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
    try write(path)
  }
  return try outputs.map { ($0, try Image.open($0.path, sequential: false)) }
}

/// The only output of a one-output pipeline.
func single(_ source: String, _ fixtureName: String) throws -> Image {
  let outputs = try process(source, fixtureName)
  #expect(outputs.count == 1)
  return try #require(outputs.first).image
}

extension Image {
  /// The band values at a pixel, rounded.
  func rgb(_ x: Int, _ y: Int) throws -> [Int] {
    try pixel(x: x, y: y).map { Int($0.rounded()) }
  }
}

/// Whether two colours are within `tolerance` on every band.
func close(_ a: [Int], _ b: [Int], tolerance: Int = 12) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

/// Every pixel value of an image, row by row (it is computed).
func pixels(_ image: Image) throws -> [UInt8] {
  var size = 0
  let data = try #require(vips_image_write_to_memory(image.pointer, &size))
  defer { g_free(data) }
  return Array(UnsafeRawBufferPointer(start: data, count: size))
}

/// An 8-bit image made from a function of the pixel position: `bands` 1 (grey),
/// 2 (grey and alpha), 3 (sRGB) or 4 (sRGB and alpha).
func generatedImage(width: Int, height: Int, bands: Int = 3, _ pixel: (_ x: Int, _ y: Int) -> [UInt8]) throws -> Image {
  var samples = [UInt8](repeating: 0, count: width * height * bands)
  for y in 0..<height {
    for x in 0..<width {
      let value = pixel(x, y)
      for b in 0..<bands { samples[(y * width + x) * bands + b] = value[b] }
    }
  }
  let image = try samples.withUnsafeBytes {
    Image(
      owning: try #require(
        vips_image_new_from_memory_copy(
          $0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR)))
  }
  image.pointer.pointee.Type = bands < 3 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB
  return image
}

/// `image` written as a PNG in a fresh temporary folder; its path, for `single` and `process`.
func savedPNG(_ image: Image, name: String = "generated.png") throws -> String {
  let path = try temporaryFolder() + "/" + name
  try Image.check("pngsave", cvips_save_with_options(image.pointer, path))
  return path
}
