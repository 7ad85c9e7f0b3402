#!/usr/bin/env python3
"""Calibration of `compress ... quality=auto` (and its :high / :low) on the benchmark corpus:
the part of `make bench` that writes the section "quality=auto calibration" of docs/benchmarks.md.

For each format (jpeg, webp, avif) and each auto level, over every corpus photo fit inside
1600x1600 (bench/pipelines' `web` size):

- bytes against `quality=82` (the mean of each photo's saving, and the total);
- the score mediapipe records (the lowest, the mean) and, as a check, the same SSIM computed
  here independently: numpy on the luma of the output and of the image before encoding
  (the same pipeline written as a lossless PNG), gaussian window sigma 1.5 (Wang et al. 2004);
- the chosen qualities;
- the time per image the search costs: the workers' milliseconds per image in the report,
  auto minus quality=82 (the search encodes several times).

Run alone:

    swift build -c release --product mediapipe && swift build -c release --product mediapipe-worker
    python3 bench/quality_calibration.py --binary .build/release/mediapipe --corpus /tmp/mediapipe-bench/corpus

Needs numpy and pyvips (python3-numpy; pyvips from pip) for the independent SSIM.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

import numpy as np
import pyvips

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import overhead  # noqa: E402  (write_docs)

SECTION = "## quality=auto calibration"
SIZE = "resize 1600x1600\n"


def run(binary, work, name, compress, corpus):
    folder = os.path.join(work, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    pipeline = os.path.join(folder, "p.pipeline")
    with open(pipeline, "w") as f:
        f.write(SIZE + compress + "\n")
    report = os.path.join(folder, "report.json")
    subprocess.run([binary, "run", "-q", "-j", "2", "--report", report, "-o", os.path.join(folder, "out"), pipeline,
                    corpus], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(report) as f:
        entries = json.load(f)["entries"]
    result = {}
    for entry in entries:
        if entry["status"] != "done":
            continue
        output = entry["outputs"][0]
        result[entry["input"]] = {"bytes": output["bytes"], "quality": output.get("quality"),
                                  "score": output.get("score"), "ms": entry["milliseconds"], "path": output["path"]}
    return result


def luma(path):
    image = pyvips.Image.new_from_file(path, access="sequential")
    if image.hasalpha():
        image = image.flatten(background=255)
    image = image.colourspace("b-w")[0] if image.bands >= 3 else image[0]
    return np.ndarray(buffer=image.cast("float").write_to_memory(), dtype=np.float32,
                      shape=[image.height, image.width]).astype(np.float64)


def gaussian(image, sigma=1.5):
    radius = int(np.ceil(3.5 * sigma))
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-x * x / (2 * sigma * sigma))
    kernel /= kernel.sum()
    padded = np.pad(image, radius, mode="edge")
    rows = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="valid"), 1, padded)
    return np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="valid"), 0, rows)


def ssim(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = gaussian(a), gaussian(b)
    var_a = gaussian(a * a) - mu_a * mu_a
    var_b = gaussian(b * b) - mu_b * mu_b
    cov = gaussian(a * b) - mu_a * mu_b
    return float(np.mean(((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "mediapipe"))
    ap.add_argument("--corpus", default="/tmp/mediapipe-bench/corpus")
    ap.add_argument("--work", default="/tmp/mediapipe-bench/quality")
    ap.add_argument("--formats", default="jpeg,webp,avif")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    photos = len([n for n in os.listdir(args.corpus) if not n.startswith(".")])
    print("  the image before encoding (lossless PNG) ...", file=sys.stderr)
    before = run(binary, args.work, "before", "compress png", args.corpus)
    lines = [SECTION, "",
             "Every corpus photo (%d) fit inside 1600×1600, then `compress FORMAT quality=82` against "
             "`quality=auto`, `auto:high` and `auto:low`, `-j 2`. Saving: the mean of each photo's saving against "
             "quality=82. Score: mediapipe's SSIM on luma against the image before encoding (lowest / mean); "
             "check: the same SSIM computed independently (bench/quality_calibration.py, numpy on the decoded "
             "output and on the pipeline's lossless PNG), lowest. Cost: the workers' mean milliseconds per image, "
             "auto minus quality=82." % photos, "",
             "| format | setting | floor | saving (mean) | total bytes vs q82 | quality chosen (min–median–max) "
             "| score lowest / mean | independent SSIM lowest | cost per image |",
             "|---|---|---|---|---|---|---|---|---|"]
    floors = {"auto": 0.96, "auto:high": 0.98, "auto:low": 0.94}
    verdicts = []
    costs = {}
    for fmt in args.formats.split(","):
        print("  %s quality=82 ..." % fmt, file=sys.stderr)
        fixed = run(binary, args.work, fmt + "-82", "compress %s quality=82" % fmt, args.corpus)
        for level, floor in floors.items():
            print("  %s quality=%s ..." % (fmt, level), file=sys.stderr)
            auto = run(binary, args.work, fmt + "-" + level.replace(":", "-"),
                       "compress %s quality=%s" % (fmt, level), args.corpus)
            common = sorted(set(auto) & set(fixed) & set(before))
            savings = [1 - auto[k]["bytes"] / fixed[k]["bytes"] for k in common]
            total = sum(auto[k]["bytes"] for k in common) / sum(fixed[k]["bytes"] for k in common)
            scores = [auto[k]["score"] for k in common]
            qualities = sorted(auto[k]["quality"] for k in common)
            independent = [ssim(luma(before[k]["path"]), luma(auto[k]["path"])) for k in common]
            cost = statistics.mean(auto[k]["ms"] for k in common) - statistics.mean(fixed[k]["ms"] for k in common)
            lines.append("| %s | `quality=%s` | %.3f | %.1f %% | %.1f %% | %d–%d–%d | %.4f / %.4f | %.4f | %+.0f ms |" % (
                fmt, level, floor, 100 * statistics.mean(savings), 100 * (total - 1), qualities[0],
                int(statistics.median(qualities)), qualities[-1], min(scores), statistics.mean(scores),
                min(independent), cost))
            verdicts.append(min(independent) >= floor and (level != "auto" or total < 1))
            costs.setdefault(fmt, []).append(cost)
    lines.append("")
    lines.append("`quality=auto` smaller than quality=82 in total for every format, and every setting above its "
                 "floor by the independent SSIM: **%s**. (`auto:high` is meant to be larger than quality=82 where "
                 "quality=82 loses detail.)" % ("yes" if all(verdicts) else "no"))
    lines.append("")
    spans = "; ".join("%s %.1f to %.1f s" % (fmt, min(c) / 1000, max(c) / 1000) for fmt, c in costs.items())
    lines.append("The search encodes and scores up to 9 times per image (1 or 2 when the top quality misses the "
                 "floor or the lowest keeps it), so per 1600-pixel photo `quality=auto` costs here: %s. AVIF's "
                 "encoder (libheif with aom) is slow, so there it costs tens of seconds per photo: use it for AVIF "
                 "where time allows." % spans)
    lines.append("")
    print("\n".join(lines))
    if not args.no_docs:
        overhead.write_docs(args.out, lines)


if __name__ == "__main__":
    main()
