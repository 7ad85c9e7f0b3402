#!/usr/bin/env python3
"""Per-image overhead and no-op re-runs: the part of `make bench` about many small files.

Measures, with the release binary:

1. Tiny-image throughput: `mediapipe run pipelines/resize.pipeline DIR` (outputs next to
   the inputs, default -j) over 2,000 and 8,000 64x48 JPEGs, all in one folder and spread
   over 100 folders. Each round runs on a fresh copy of the tree; the copy is not timed.
2. A no-op re-run of 100,000 such files (100 folders of 1,000, outputs in -o OUT), beside
   `find IN -printf '%s %T@\\n'` over the same tree.

Writes its numbers into docs/benchmarks.md as the section "Per-image overhead and re-runs"
(replacing it if present). Run alone:

    swift build -c release --product mediapipe && swift build -c release --product mediapipe-worker
    python3 bench/overhead.py --binary .build/release/mediapipe

Options: --rounds N (default 3), --work DIR (default /tmp/mediapipe-bench/overhead; the
generated trees are kept there), --rerun-files N (default 100000), --no-docs (print only),
--baseline BINARY (time another build beside it, e.g. main's, for a before/after table).

Settling: on an ext4 file system without a journal (as on the benchmark machine) a file
created within a minute or so of many deletions is slow to create (the kernel looks past
every recently freed inode: `recently_deleted` in fs/ext4/ialloc.c), and a run right
after another run's clean-up measured that instead of mediapipe (2,000 files: 1.9 s
instead of 1.1 s). So nothing is deleted between rounds: each round's copy is kept, and
removed when the script next starts, which then syncs, waits a minute (--settle
SECONDS, default 65; 0 skips it) and processes one 8,000-file copy untimed before
timing anything (measured: the first ~16,000 files created after a large clean-up were
still slow after the wait).
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PIPELINE = os.path.join(ROOT, "pipelines", "resize.pipeline")
SECTION = "## Per-image overhead and re-runs"


def make_tree(path, count, folders):
    if os.path.isdir(path) and os.path.exists(path + ".complete"):
        return
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, "make-tiny.py"), path, str(count), str(folders)], check=True)
    open(path + ".complete", "w").close()


def timed(cmd):
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def settle(work, seconds):
    """Removes the copies an earlier run left, then lets the file system forget the deletions."""
    for name in os.listdir(work):
        if name.startswith("run-"):
            shutil.rmtree(os.path.join(work, name), ignore_errors=True)
    os.sync()
    if seconds > 0:
        print("overhead: waiting %d s after deletions (see --settle) ..." % seconds, file=sys.stderr)
        time.sleep(seconds)


def throughput(binaries, work, rounds):
    """Seconds per (binary, count, layout), one list of rounds each."""
    # One untimed pass first: right after many deletions, the first ten thousand or so
    # files created were still slow even after the wait (see the module's comment).
    warm = os.path.join(work, "run-warm-up-%d" % os.getpid())
    subprocess.run(["cp", "-a", os.path.join(work, "tiny-8000-1"), warm], check=True)
    subprocess.run([list(binaries.values())[0], "run", "-q", PIPELINE, warm], check=True, stdout=subprocess.DEVNULL)
    results = {}
    for count in (2000, 8000):
        for folders, layout in ((1, "one folder"), (100, "100 folders")):
            source = os.path.join(work, "tiny-%d-%d" % (count, folders))
            make_tree(source, count, folders)
    for count in (2000, 8000):
        for folders, layout in ((1, "one folder"), (100, "100 folders")):
            source = os.path.join(work, "tiny-%d-%d" % (count, folders))
            for r in range(rounds):
                order = list(binaries.items()) if r % 2 == 0 else list(reversed(list(binaries.items())))
                for name, binary in order:
                    copy = os.path.join(work, "run-%s-%d-%d-%d-%d" % (name, count, folders, r, os.getpid()))
                    shutil.rmtree(copy, ignore_errors=True)
                    subprocess.run(["cp", "-a", source, copy], check=True)
                    seconds = timed([binary, "run", "-q", PIPELINE, copy])
                    produced = sum(1 for _, _, files in os.walk(copy) for f in files if f.startswith("processed_"))
                    if produced != count:
                        sys.exit("overhead: %s wrote %d outputs for %d inputs in %s" % (name, produced, count, copy))
                    results.setdefault((name, count, layout), []).append(seconds)
                    print("  %s: %d files in %s: %.2f s (%.0f images/s)" % (name, count, layout, seconds, count / seconds),
                          file=sys.stderr)
    return results


def hyperfine(commands, runs):
    out = "/tmp/mediapipe-bench-overhead.json"
    args = ["hyperfine", "--warmup", "1", "--runs", str(runs), "--style", "none", "--export-json", out]
    for name, cmd in commands:
        args += ["--command-name", name, cmd]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return {r["command"]: r["times"] for r in json.load(f)["results"]}


def rerun(binaries, work, files, runs):
    tree = os.path.join(work, "rerun-%d" % files)
    source = os.path.join(tree, "in")
    make_tree(source, files, 100)
    first = {}
    commands = []
    for name, binary in binaries.items():
        out = os.path.join(tree, "out-" + name)
        shutil.rmtree(out, ignore_errors=True)
        cmd = "%s run -q -o %s %s %s" % (binary, out, PIPELINE, source)
        print("  %s: first run over %d files ..." % (name, files), file=sys.stderr)
        first[name] = timed(cmd.split())
        commands.append((name, cmd))
    commands.append(("find", "find %s -printf '%%s %%T@\\n' >/dev/null" % source))
    return first, hyperfine(commands, runs)


def fmt(ts):
    return "%.2f s (%.2f–%.2f)" % (statistics.median(ts), min(ts), max(ts))


def section(args, results, first, reruns, binaries):
    lines = [SECTION, ""]
    say = lines.append
    say("Made by bench/overhead.py (part of `make bench`) on %s UTC: tiny 64×48 JPEGs (bench/make-tiny.py: one "
        "JPEG, each copy with its own comment so contents differ) through `mediapipe run pipelines/resize.pipeline "
        "DIR` with the default `-j` (%d), outputs next to the inputs; each round on a fresh copy of the tree "
        "(the copy is not timed; nothing is deleted while timing, see bench/overhead.py on ext4 without a "
        "journal). Medians of %d rounds (min–max)." % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), os.cpu_count(),
                                            args.rounds))
    say("")
    names = list(binaries)
    say("| files | layout | " + " | ".join("%s time | %s images/s" % (n, n) for n in names) + " |")
    say("|---|---|" + "---|---|" * len(names))
    verdict = []
    for count in (2000, 8000):
        for layout in ("one folder", "100 folders"):
            cells = []
            for n in names:
                ts = results[(n, count, layout)]
                rate = count / statistics.median(ts)
                cells.append("%s | %.0f" % (fmt(ts), rate))
                if n == names[0]:
                    verdict.append(rate)
            say("| %d | %s | %s |" % (count, layout, " | ".join(cells)))
    say("")
    low = min(verdict)
    say("Target: ≥ 1,500 images/s, linear in the number of files. Measured (%s): %.0f–%.0f images/s: **%s**."
        % (names[0], low, max(verdict), "met" if low >= 1500 else "not met"))
    margins = []
    for layout in ("one folder", "100 folders"):
        short = statistics.median(results[(names[0], 2000, layout)])
        long = statistics.median(results[(names[0], 8000, layout)])
        per_image = (long - short) / 6000
        margins.append("%s %.2f ms (start-up %.2f s)" % (layout, per_image * 1000, short - 2000 * per_image))
    say("Each image beyond the first 2,000 costs the same (from the 2,000 and 8,000 times): %s; the rate grows "
        "with the count only because start-up is shared." % "; ".join(margins))
    say("")
    n = names[0]
    m = statistics.median(reruns[n])
    f = statistics.median(reruns["find"])
    say("No-op re-run of %s files (100 folders of 1,000; outputs below `-o OUT`), where nothing changed: "
        "%s (%d runs; the first run took %.1f s). `find IN -printf '%%s %%T@\\n'` over the same tree: %s. "
        "Target ≤ 2 s: **%s**." % (format(args.rerun_files, ","), fmt(reruns[n]), len(reruns[n]), first[n],
                                   fmt(reruns["find"]), "met" if m <= 2.0 else "not met"))
    for other in names[1:]:
        say("")
        say("%s: no-op re-run %s (first run %.1f s)." % (other, fmt(reruns[other]), first[other]))
    say("")
    say("A re-run reads no image data: one pass over the folders (names, sizes and times), the state store's rows "
        "for this pipeline in one query, and one `access` per recorded output (a missing output is redone). "
        "%.1f× find's time." % (m / f))
    say("")
    return lines


def write_docs(path, lines):
    """Puts `lines` into the file at `path`, replacing the section its first line heads."""
    section = lines[0]
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    block = "\n".join(lines) + "\n"
    if section in text:
        start = text.index(section)
        rest = text.find("\n## ", start + len(section))
        text = text[:start] + block + (text[rest + 1:] if rest >= 0 else "")
    elif "## What made the difference" in text:
        i = text.index("## What made the difference")
        text = text[:i] + block + "\n" + text[i:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--baseline")
    ap.add_argument("--work", default="/tmp/mediapipe-bench/overhead")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rerun-files", type=int, default=100000)
    ap.add_argument("--rerun-runs", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-rerun", action="store_true")
    ap.add_argument("--settle", type=int, default=65)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    binaries = {"mediapipe": os.path.abspath(a.binary)}
    if a.baseline:
        binaries["baseline"] = os.path.abspath(a.baseline)
    results = {}
    if not a.skip_throughput:
        for count in (2000, 8000):
            for folders in (1, 100):
                make_tree(os.path.join(a.work, "tiny-%d-%d" % (count, folders)), count, folders)
        settle(a.work, a.settle)
        print("overhead: tiny-image throughput, %d rounds ..." % a.rounds, file=sys.stderr)
        results = throughput(binaries, a.work, a.rounds)
    first, reruns = {}, {}
    if not a.skip_rerun:
        print("overhead: no-op re-run of %d files ..." % a.rerun_files, file=sys.stderr)
        first, reruns = rerun(binaries, a.work, a.rerun_files, a.rerun_runs)
    if results and reruns:
        lines = section(a, results, first, reruns, binaries)
        print("\n".join(lines))
        if not a.no_docs:
            write_docs(a.out, lines)
            print("overhead: wrote %s" % a.out, file=sys.stderr)
    else:
        for k, v in sorted(results.items()):
            print("%s %d %s: %s, %.0f images/s" % (k[0], k[1], k[2], fmt(v), k[1] / statistics.median(v)))
        for k, v in reruns.items():
            print("re-run %s: %s%s" % (k, fmt(v), (" (first run %.1f s)" % first[k]) if k in first else ""))


if __name__ == "__main__":
    main()
