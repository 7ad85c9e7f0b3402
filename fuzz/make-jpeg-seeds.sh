#!/usr/bin/env bash
# Regenerates the JPEG seeds of fuzz/corpus/jpeg_dc from fixtures/ (libvips-tools
# and libjpeg-turbo-progs: vips, cjpeg, jpegtran). The seeds are committed; this
# only says how they were made. Small on purpose: libFuzzer mutates them byte by
# byte, and a 1/8 decode of a few hundred pixels keeps each run quick.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/jpeg_dc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

vips thumbnail fixtures/photo.jpg "$tmp/small.v" 64 --height 48 --size force
vips thumbnail fixtures/photo.jpg "$tmp/odd.v" 37 --height 23 --size force
vips thumbnail fixtures/grey.jpg "$tmp/grey.v" 40 --height 30 --size force
vips resize fixtures/cmyk.jpg "$tmp/cmyk.v" 0.1
vips copy "$tmp/small.v" "$tmp/small.ppm"

# Progressive, as mediapipe writes them (libvips's jpegsave).
vips copy "$tmp/small.v" "$out/progressive-444-64x48.jpg[interlace,Q=85,subsample_mode=off,strip]"
vips copy "$tmp/small.v" "$out/progressive-420-64x48.jpg[interlace,Q=75,subsample_mode=on,strip]"
vips copy "$tmp/odd.v" "$out/progressive-420-37x23.jpg[interlace,Q=60,subsample_mode=on,strip]"
vips copy "$tmp/grey.v" "$out/progressive-grey-40x30.jpg[interlace,Q=90,strip]"
vips copy "$tmp/odd.v" "$out/progressive-exif-37x23.jpg[interlace,Q=50]"
# Other encoders and layouts: 4:2:2, restart markers, optimised Huffman tables.
cjpeg -progressive -sample 2x1 -quality 80 "$tmp/small.ppm" >"$out/progressive-422-cjpeg.jpg"
cjpeg -progressive -restart 1 -quality 70 "$tmp/small.ppm" >"$out/progressive-restart-cjpeg.jpg"
cjpeg -progressive -optimize -sample 1x1 -quality 95 "$tmp/small.ppm" >"$out/progressive-444-optimised-cjpeg.jpg"
# Files the DC decode must leave to libvips: baseline, arithmetic coding, CMYK.
vips copy "$tmp/small.v" "$out/baseline-64x48.jpg[Q=80,strip]"
jpegtran -arithmetic -progressive "$out/baseline-64x48.jpg" >"$out/progressive-arithmetic.jpg"
vips copy "$tmp/cmyk.v" "$tmp/cmyk.jpg[strip]"
jpegtran -progressive "$tmp/cmyk.jpg" >"$out/progressive-cmyk.jpg"
# Damaged: cut in the last scan, cut in the first, a flipped byte in a DC scan.
src="$out/progressive-444-64x48.jpg"
size=$(stat -c %s "$src")
head -c $((size - 100)) "$src" >"$out/damaged-cut-late.jpg"
head -c 700 "$src" >"$out/damaged-cut-early.jpg"
python3 - "$src" "$out/damaged-flipped.jpg" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
sos = data.index(b"\xff\xda")
data[sos + 20] ^= 0x5A
open(sys.argv[2], "wb").write(data)
PY
ls -l "$out"
