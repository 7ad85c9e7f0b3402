#!/usr/bin/env bash
# Sets up, builds mediapipe in release mode and runs the resize pipeline over the
# bundled fixtures, writing into out/demo/. The fixtures include broken files on
# purpose (truncated, empty, not an image, SVG/PDF blocked), so mediapipe reports
# them and exits with 1: that is the expected result here.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
swift build -c release --product mediapipe && swift build -c release --product mediapipe-worker || exit 1
rm -rf out/demo
.build/release/mediapipe run -o out/demo pipelines/resize.pipeline fixtures/
status=$?
echo
echo "mediapipe exited with $status; the outputs are in out/demo/:"
ls out/demo
if [ "$status" -eq 1 ]; then
  echo "(exit code 1 is expected: the fixtures include broken files on purpose, reported above)"
  exit 0
fi
exit "$status"
