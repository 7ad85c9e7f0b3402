#!/usr/bin/env bash
# Sets up and runs the whole test suite (unit, imaging and end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product mediapipe
swift test
