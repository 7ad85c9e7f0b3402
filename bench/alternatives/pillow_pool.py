#!/usr/bin/env python3
"""Python's multiprocessing.Pool around Pillow, as people write it.

Usage: pillow_pool.py {thumb,web} OUTDIR FILE...   (JOBS=N, default: cores)
thumb: fit inside 300x300, JPEG q80. web: auto-orient, fit inside 1600x1600, a 32 px
white text watermark at 50 % bottom-right with a 24 px margin, JPEG q82, no metadata.
"""
import multiprocessing
import os
import sys

from PIL import Image, ImageDraw, ImageFont, ImageOps

TEXT = "\u00a9 2026 Example Photo"
FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_font = None


def target(out, path):
    return os.path.join(out, "processed_" + os.path.basename(path))


def thumb(job):
    path, out = job
    with Image.open(path) as image:
        image.thumbnail((300, 300))  # uses JPEG draft mode (shrink-on-load) itself
        image.convert("RGB").save(target(out, path), quality=80)


def web(job):
    global _font
    path, out = job
    if _font is None:
        _font = ImageFont.truetype(FONT_FILE, 32)
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((1600, 1600))
        image = image.convert("RGBA")
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        left, top, right, bottom = draw.textbbox((0, 0), TEXT, font=_font)
        draw.text((image.width - 24 - right, image.height - 24 - bottom), TEXT, font=_font, fill=(255, 255, 255, 128))
        Image.alpha_composite(image, layer).convert("RGB").save(target(out, path), quality=82)


if __name__ == "__main__":
    mode, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    work = {"thumb": thumb, "web": web}[mode]
    with multiprocessing.Pool(int(os.environ.get("JOBS", os.cpu_count()))) as pool:
        pool.map(work, [(f, out) for f in files], chunksize=1)
