#!/usr/bin/env bash
# `make bench`: builds mediapipe in release mode and the corpus, then runs mediapipe and
# the alternatives side by side and writes docs/benchmarks.md.
# Settings: ROUNDS (default 3), COPIES (of each photo, default 8), JOBS (default: cores),
# BENCH_DIR (work folder, default /tmp/mediapipe-bench; the corpus is kept there).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
need=()
for p in hyperfine imagemagick libvips-tools python3-pip time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
fi
python3 -c 'import PIL, pyvips' 2>/dev/null || python3 -m pip install -q pillow pyvips
swift build -c release --product mediapipe
swift build -c release --product mediapipe-worker
work=${BENCH_DIR:-/tmp/mediapipe-bench}
bash bench/make-corpus.sh "$work/corpus" "${COPIES:-8}"
python3 bench/bench.py --work "$work" --rounds "${ROUNDS:-3}" --jobs "${JOBS:-$(nproc)}" \
  --binary .build/release/mediapipe --out docs/benchmarks.md
python3 bench/watch_latency.py --binary .build/release/mediapipe --corpus "$work/corpus" --work "$work" \
  --out docs/benchmarks.md
# Per-image overhead (tiny images) and a 100,000-file no-op re-run beside find; adds its section.
python3 bench/overhead.py --binary .build/release/mediapipe --work "$work/overhead" --rounds "${ROUNDS:-3}" \
  --out docs/benchmarks.md
# Sharding: one shard's files from a 1,000,000-line list (< 1 s), and sharded no-op re-runs; adds its section.
python3 bench/sharding.py --binary .build/release/mediapipe --work "$work/sharding" --rounds "${ROUNDS:-3}" \
  --out docs/benchmarks.md
# quality=auto calibrated on each distinct corpus photo once (long: AVIF's search takes
# tens of seconds per photo; CALIBRATION_FORMATS=jpeg,webp skips it); adds its section.
python3 -c 'import numpy' 2>/dev/null || python3 -m pip install -q numpy
bash bench/make-corpus.sh "$work/corpus-distinct" 1
python3 bench/quality_calibration.py --binary .build/release/mediapipe --corpus "$work/corpus-distinct" \
  --work "$work/quality" --formats "${CALIBRATION_FORMATS:-jpeg,webp,avif}" --out docs/benchmarks.md
