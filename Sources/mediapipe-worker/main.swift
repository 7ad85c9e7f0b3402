// mediapipe-worker: the worker processes of `mediapipe run`, `watch` and `preview`.
// `mediapipe` starts it as `mediapipe-worker __worker` with the task channel on fds 3
// and 4; it decodes, processes and writes images with libvips, which `mediapipe`
// itself never loads.
import Foundation
import MediaPipeWorkerProcess

MediaPipeWorker.runIfRequested()
FileHandle.standardError.write(
  Data("mediapipe-worker runs images for mediapipe, which starts it; run `mediapipe --help` instead.\n".utf8))
exit(2)
