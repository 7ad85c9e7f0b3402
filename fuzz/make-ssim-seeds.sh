#!/usr/bin/env bash
# Writes the seeds of fuzz/corpus/ssim (committed; this says how they were made;
# needs libvips-tools and python3). Two kinds, as fuzz/ssim/harness.c reads its
# input:
# - in-memory images: width-1, height-1, flags (bits 0-1 a's bands - 1, bits 2-3
#   b's, 0x10 b has its own sides from the next two bytes, 0x20 compare a with
#   itself, 0x40 and 0x80 two bands more for a and b), b's width and height
#   selectors, then a pixel pattern repeated;
# - small encoded files, which the harness also hands whole to cvips_ssim_encoded
#   (their first bytes read as the in-memory layout too): what mediapipe encodes
#   (JPEG, WebP, AVIF, JPEG XL, the last refused as untrusted), and what else a
#   trusted loader decodes from memory (PNG with alpha and 16 bits, GIF, TIFF
#   with float samples, one of them a NaN or huge, and with CMYK and alpha).
# fuzz/corpus/ssim/finding-* are inputs the fuzzer found (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/ssim
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$out" <<'PY'
import os
import sys

out = sys.argv[1]


def seed(name, width, height, bands_a, bands_b, pattern=b"", own=None, same=False, cmyk=(False, False)):
    more_a, more_b = bands_a > 4, bands_b > 4
    flags = (bands_a - 1 - 2 * more_a) | (bands_b - 1 - 2 * more_b) << 2
    flags |= (0x10 if own else 0) | (0x20 if same else 0) | (0x40 if more_a else 0) | (0x80 if more_b else 0)
    # Byte 3 without own sides: bit 0 labels a CMYK, bit 1 b.
    w, h = own or (1 + cmyk[0] + 2 * cmyk[1], 1)
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([width - 1, height - 1, flags, w - 1, h - 1]) + pattern)


seed("1x1-grey", 1, 1, 1, 1, b"\x80")
seed("1x1-grey-with-itself", 1, 1, 1, 1, b"\x80", same=True)
seed("flat-black-64x64", 64, 64, 1, 1, b"\x00", same=True)
seed("sparse-64x64-vs-shifted", 64, 64, 1, 1, b"\x00\x00\x00\xff")
seed("flat-white-64x64-rgb", 64, 64, 3, 3, b"\xff", same=True)
seed("flat-grey-with-itself", 17, 9, 1, 1, b"\x7f", same=True)
seed("checker-32x32-vs-shifted", 32, 32, 1, 1, bytes([0, 255] * 8 + [255, 0] * 8))
seed("noise-40x30-rgb-vs-rgba", 40, 30, 3, 4, bytes((i * 97 + 13) % 256 for i in range(251)))
seed("grey-alpha-vs-grey", 20, 20, 2, 1, bytes(range(0, 256, 5)))
seed("rgba-with-itself", 23, 11, 4, 4, bytes(range(256)), same=True)
seed("noise-rgb-with-itself", 40, 30, 3, 3, bytes((i * 97 + 13) % 256 for i in range(251)), same=True)
seed("other-sides", 16, 16, 1, 1, b"\x10\x20\x30", own=(15, 16))
seed("five-and-six-bands", 12, 7, 5, 6, bytes(range(0, 256, 9)))
seed("other-sides-1x64-vs-64x1", 1, 64, 3, 3, b"\x00\xff", own=(64, 1))
seed("cmyk-vs-cmyk-alpha", 24, 16, 4, 5, bytes((i * 97 + 13) % 256 for i in range(251)), cmyk=(True, True))
seed("cmyk-with-itself", 13, 9, 4, 4, bytes(range(0, 256, 3)), same=True, cmyk=(True, False))
seed("cmyk-six-bands-vs-rgb", 10, 10, 6, 3, bytes(range(7, 256, 11)), cmyk=(True, False))
PY

vips thumbnail fixtures/photo.jpg "$tmp/small.v" 32 --height 24 --size force
vips thumbnail fixtures/alpha.png "$tmp/alpha.v" 24 --height 24 --size force
vips resize fixtures/cmyk.jpg "$tmp/cmyk.v" 0.02
vips copy "$tmp/small.v" "$out/photo-32x24.jpg[Q=75,strip]"
vips copy "$tmp/small.v" "$out/photo-32x24-progressive.jpg[Q=40,interlace,strip]"
vips copy "$tmp/small.v" "$out/photo-32x24.webp[Q=60,strip]"
vips copy "$tmp/alpha.v" "$out/alpha-24x24.webp[Q=60,strip]"
vips copy "$tmp/small.v" "$out/photo-32x24.avif[Q=50,strip]"
vips copy "$tmp/small.v" "$out/photo-32x24.jxl[Q=50,strip]"
vips copy "$tmp/alpha.v" "$out/alpha-24x24.png[strip]"
vips colourspace "$tmp/small.v" "$tmp/grey16.v" grey16
vips copy "$tmp/grey16.v" "$out/grey16-32x24.png[strip]"
vips copy "$tmp/small.v" "$out/photo-32x24.gif[strip]"
vips cast "$tmp/small.v" "$tmp/float.v" float
vips copy "$tmp/float.v" "$out/float-32x24.tif[strip]"
# The same with one sample a NaN, and one 3e38 (whose square is infinite):
# libvips's avg refuses a mean that is not finite, so the SSIM fails cleanly.
python3 - "$out" <<'PY'
import os
import struct
import sys

out = sys.argv[1]
data = bytearray(open(os.path.join(out, "float-32x24.tif"), "rb").read())
for name, value in (("float-nan-sample.tif", float("nan")), ("float-huge-sample.tif", 3e38)):
    data[408:412] = struct.pack("<f", value)  # the samples start at byte 8
    open(os.path.join(out, name), "wb").write(data)
PY
vips extract_band "$tmp/cmyk.v" "$tmp/k.v" 3
vips bandjoin "$tmp/cmyk.v $tmp/k.v" "$tmp/cmyka.v"
vips copy "$tmp/cmyka.v" "$out/cmyk-alpha.tif[strip]"
ls -l "$out"
