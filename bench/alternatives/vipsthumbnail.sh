#!/usr/bin/env bash
# libvips's own thumbnailer over xargs -P: decode, resize, encode, nothing else (it cannot
# watermark, so on `web` it does less work than the others).
# Usage: vipsthumbnail.sh {thumb,web} OUTDIR FILE...   (JOBS=N, default: cores)
set -euo pipefail
mode=$1 out=$2
shift 2
mkdir -p "$out"
case $mode in
  thumb) box=300x300 quality=80 ;;
  web) box=1600x1600 quality=82 ;;
  *) echo "unknown workload $mode" >&2; exit 2 ;;
esac
printf '%s\0' "$@" | VIPS_CONCURRENCY=1 xargs -0 -n 8 -P "${JOBS:-$(nproc)}" \
  vipsthumbnail --size "$box" --output "$out/processed_%s.jpg[Q=$quality,strip]" 2>/dev/null
