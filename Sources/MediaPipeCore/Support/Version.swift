/// mediapipe's version. A re-run after an upgrade redoes its images (the state
/// store records which version wrote each output).
public enum MediaPipeVersion {
  public static let current = "0.2.0"
}
