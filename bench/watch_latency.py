#!/usr/bin/env python3
"""Watch latency: from a photo renamed into a watched inbox to its whole output.

Called by bench/run.sh after bench.py; writes its own section of docs/benchmarks.md
(between the `watch-latency` markers, replaced on every run). A watcher runs
`pipelines/web.pipeline` over an inbox with -o OUT; each photo (4-20 megapixels, from
the bench corpus) is copied in under a hidden name, which the watcher ignores, and then
renamed to its real name: the clock starts at the rename and stops when OUT holds the
output (outputs appear by rename, so existing means whole). Photos go one at a time,
with the machine idle in between.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN, END = "<!-- watch-latency:begin -->", "<!-- watch-latency:end -->"


def megapixels(path):
    out = subprocess.run(["vipsheader", "-f", "width", path], capture_output=True, text=True, check=True).stdout
    width = int(out)
    height = int(subprocess.run(["vipsheader", "-f", "height", path], capture_output=True, text=True, check=True).stdout)
    return width * height / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    photos = []
    for name in sorted(os.listdir(args.corpus)):
        path = os.path.join(args.corpus, name)
        if name.lower().endswith((".jpg", ".jpeg")) and 4 <= megapixels(path) <= 20:
            photos.append(path)
        if len(photos) == args.count:
            break
    if not photos:
        sys.exit("watch_latency: no 4-20 MP JPEG in " + args.corpus)

    work = os.path.join(args.work, "watch-latency")
    shutil.rmtree(work, ignore_errors=True)
    inbox, out = os.path.join(work, "inbox"), os.path.join(work, "out")
    os.makedirs(inbox)
    log = open(os.path.join(work, "watch.log"), "w+")
    watcher = subprocess.Popen(
        [args.binary, "watch", os.path.join(ROOT, "pipelines/web.pipeline"), inbox, "-o", out],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "watching" not in open(log.name).read():
            if time.monotonic() > deadline or watcher.poll() is not None:
                sys.exit("watch_latency: the watcher did not start:\n" + open(log.name).read())
            time.sleep(0.01)
        time.sleep(1)  # its workers are up
        latencies = []
        for i, photo in enumerate(photos):
            name = "photo%03d.jpg" % i
            hidden = os.path.join(inbox, "." + name)
            shutil.copyfile(photo, hidden)
            os.sync()
            time.sleep(0.5)
            target = os.path.join(out, "processed_" + name)
            start = time.monotonic()
            os.rename(hidden, os.path.join(inbox, name))
            while not os.path.exists(target):
                if time.monotonic() - start > 60:
                    sys.exit("watch_latency: no output for %s after 60 s:\n%s" % (name, open(log.name).read()))
                time.sleep(0.0005)
            latencies.append((time.monotonic() - start) * 1000)
    finally:
        watcher.terminate()
        watcher.wait(timeout=60)

    latencies.sort()
    median = statistics.median(latencies)
    p90 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.9))]
    sizes = [megapixels(p) for p in photos]
    section = "\n".join([
        BEGIN,
        "## Watch latency",
        "",
        "From a photo renamed into a watched inbox to its whole `web.pipeline` output (`bench/watch_latency.py`):",
        "%d photos of %.1f-%.1f megapixels, one at a time." % (len(photos), min(sizes), max(sizes)),
        "",
        "| median | 90th percentile | fastest | slowest |",
        "|---|---|---|---|",
        "| %.0f ms | %.0f ms | %.0f ms | %.0f ms |" % (median, p90, latencies[0], latencies[-1]),
        "",
        "A file is taken as soon as it is closed or renamed in and the kernel's lease check says",
        "no writer has it open; the settle time (`--settle`) applies only where it cannot tell.",
        END,
    ])
    text = open(args.out).read() if os.path.exists(args.out) else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print("watch latency: median %.0f ms, p90 %.0f ms over %d photos" % (median, p90, len(photos)))


if __name__ == "__main__":
    main()
