#!/usr/bin/env bash
# ImageMagick's convert over xargs -P, one process per image.
# Usage: imagemagick.sh {thumb,web} OUTDIR FILE...   (JOBS=N, default: cores)
set -euo pipefail
mode=$1 out=$2
shift 2
mkdir -p "$out"
export out mode
one() {
  local name
  name=$(basename "$1")
  if [ "$mode" = thumb ]; then
    convert "$1" -auto-orient -thumbnail '300x300>' -quality 80 "$out/processed_$name"
  else
    convert "$1" -auto-orient -resize '1600x1600>' -strip \
      -font DejaVu-Sans -pointsize 32 -fill 'rgba(255,255,255,0.5)' \
      -gravity southeast -annotate +24+24 '© 2026 Example Photo' \
      -quality 82 "$out/processed_$name"
  fi
}
export -f one
printf '%s\0' "$@" | xargs -0 -n 1 -P "${JOBS:-$(nproc)}" bash -c 'one "$0"'
