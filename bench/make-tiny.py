#!/usr/bin/env python3
"""Writes COUNT tiny 64x48 JPEGs into DEST, in one folder or spread over FOLDERS folders.

Usage: bench/make-tiny.py DEST COUNT [FOLDERS]

One small JPEG is encoded once (Pillow); every copy gets its own COM segment right
after the SOI marker, so each file has different bytes (and content hash) but decodes
to the same pixels. Writing 100,000 of them takes a few seconds.
"""
import io
import os
import sys

from PIL import Image


def tiny_jpeg():
    image = Image.new("RGB", (64, 48))
    pixels = image.load()
    for y in range(48):
        for x in range(64):
            pixels[x, y] = (x * 4, y * 5, (x + y) * 2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    dest, count = sys.argv[1], int(sys.argv[2])
    folders = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    data = tiny_jpeg()
    assert data[:2] == b"\xff\xd8"
    for f in range(folders):
        os.makedirs(os.path.join(dest, "d%03d" % f) if folders > 1 else dest, exist_ok=True)
    for i in range(count):
        comment = b"mediapipe bench copy %d" % i
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        folder = os.path.join(dest, "d%03d" % (i % folders)) if folders > 1 else dest
        with open(os.path.join(folder, "t%06d.jpg" % i), "wb") as f:
            f.write(data[:2] + segment + data[2:])


if __name__ == "__main__":
    main()
