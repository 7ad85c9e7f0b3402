#!/usr/bin/env python3
"""Writes the seeds of fuzz/corpus/transposed_resize (committed; this says how
they were made). Layout, as fuzz/transposed_resize/harness.c reads it: width-1,
height-1 (big-endian 16 bits), bands-1, target width and height selectors
(16 bits; target = 1 + selector % side), then a pixel pattern repeated. Sides
are at most 1000 and 200,000 pixels in all (larger ones wrap around)."""
import os
import struct

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "transposed_resize")
os.makedirs(out, exist_ok=True)


def seed(name, width, height, bands, target_width, target_height, pattern=b""):
    head = struct.pack(">HHBHH", width - 1, height - 1, bands - 1, target_width - 1, target_height - 1)
    with open(os.path.join(out, name), "wb") as f:
        f.write(head + pattern)


checker = bytes([0, 255] * 8 + [255, 0] * 8)
seed("1x1-grey", 1, 1, 1, 1, 1, b"\x80")
seed("2x2-to-1x1-rgb", 2, 2, 3, 1, 1, bytes(range(12)))
seed("64x64-to-1x1-rgb", 64, 64, 3, 1, 1, bytes(range(0, 256, 3)))
seed("65x130-to-32x65-rgb", 65, 130, 3, 32, 65, checker)
seed("200x150-to-37x23-rgba", 200, 150, 4, 37, 23, bytes(range(256)))
seed("1000x3-to-5x1-grey-alpha", 1000, 3, 2, 5, 1, b"\x00\xff\x10")
seed("640x300-to-160x75-gradient", 640, 300, 3, 160, 75)
seed("129x1-to-128x1-grey", 129, 1, 1, 128, 1, checker)
seed("3x1000-to-2x999-rgb", 3, 1000, 3, 2, 999, b"\xff\x00")
