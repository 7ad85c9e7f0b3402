#!/usr/bin/env python3
"""Python's multiprocessing.Pool around pyvips, one libvips thread per process.

Usage: pyvips_pool.py {thumb,web} OUTDIR FILE...   (JOBS=N, default: cores)
Same work as pillow_pool.py.
"""
import multiprocessing
import os
import sys

os.environ["VIPS_CONCURRENCY"] = "1"
import pyvips  # noqa: E402

TEXT = "\u00a9 2026 Example Photo"
_stamp = None


def target(out, path):
    return os.path.join(out, "processed_" + os.path.basename(path))


def stamp():
    """White text at 50 % opacity, rendered once per process."""
    global _stamp
    if _stamp is None:
        mask = pyvips.Image.text(TEXT, font="DejaVu Sans 32", dpi=72)
        white = mask.new_from_image([255, 255, 255]).copy(interpretation="srgb")
        _stamp = white.bandjoin((mask * 0.5).cast("uchar")).copy_memory()
    return _stamp


def thumb(job):
    path, out = job
    pyvips.Image.thumbnail(path, 300, height=300, size="down").jpegsave(target(out, path), Q=80, strip=True)


def web(job):
    path, out = job
    image = pyvips.Image.thumbnail(path, 1600, height=1600, size="down")
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    mark = stamp()
    x, y = image.width - 24 - mark.width, image.height - 24 - mark.height
    image = image.composite2(mark, "over", x=x, y=y).extract_band(0, n=3)
    image.jpegsave(target(out, path), Q=82, strip=True)


if __name__ == "__main__":
    mode, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    work = {"thumb": thumb, "web": web}[mode]
    with multiprocessing.Pool(int(os.environ.get("JOBS", os.cpu_count()))) as pool:
        pool.map(work, [(f, out) for f in files], chunksize=1)
