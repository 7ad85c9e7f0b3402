#!/usr/bin/env python3
"""Runs mediapipe and the alternatives side by side and writes docs/benchmarks.md.

Called by bench/run.sh (which builds mediapipe and the corpus first). Each workload is
timed in ROUNDS rounds; in every round each tool runs once, in turn, so that drifts of
the machine touch them all alike. Reported: the median and the spread (min-max) of the
rounds, and each time as a ratio to mediapipe's.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def hyperfine_once(commands, prepare):
    """One timing of each command, in order, with hyperfine; returns seconds per name."""
    out = "/tmp/mediapipe-bench-hyperfine.json"
    args = ["hyperfine", "--runs", "1", "--export-json", out, "--style", "none", "--shell", "bash"]
    for name, cmd in commands:
        args += ["--prepare", prepare[name], "--command-name", name, cmd]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return {r["command"]: r["mean"] for r in json.load(f)["results"]}


def rounds(commands, prepare, n):
    times = {name: [] for name, _ in commands}
    for i in range(n):
        order = commands if i % 2 == 0 else list(reversed(commands))  # alternate who goes first
        for name, t in hyperfine_once(order, prepare).items():
            times[name].append(t)
    return times


def peak_worker_rss(cmd):
    """Runs cmd; returns (seconds, largest RSS in MB of any mediapipe worker it started)."""
    peak = 0
    done = False

    def sample():
        nonlocal peak
        while not done:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        if b"__worker" not in f.read():
                            continue
                    with open("/proc/%s/status" % pid) as f:
                        for line in f:
                            if line.startswith("VmHWM:"):  # the kernel's own peak for the process
                                peak = max(peak, int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.05)

    thread = threading.Thread(target=sample)
    thread.start()
    start = time.monotonic()
    sh(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    done = True
    thread.join()
    return elapsed, peak / 1024


def max_rss_of(cmd):
    """Peak RSS in MB of a single command (GNU time)."""
    r = subprocess.run("/usr/bin/time -f '%M' " + cmd + " 2>&1 >/dev/null | tail -1", shell=True, capture_output=True, text=True)
    return int(r.stdout.strip().splitlines()[-1]) / 1024


def fmt(ts):
    return "%.2f s (%.2f–%.2f)" % (statistics.median(ts), min(ts), max(ts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    corpus = os.path.join(a.work, "corpus")
    photos = sorted(glob.glob(corpus + "/*.jpg"))
    files = " ".join("'%s'" % p for p in photos)
    mp = sum(int(subprocess.run(["vipsheader", "-f", "width", p], capture_output=True, text=True).stdout)
             * int(subprocess.run(["vipsheader", "-f", "height", p], capture_output=True, text=True).stdout)
             for p in photos[:len(set(os.path.basename(p)[10:] for p in photos))]) / 1e6
    distinct = len(set(os.path.basename(p)[10:] for p in photos))
    out = os.path.join(a.work, "out")
    env = "JOBS=%d" % a.jobs
    alt = os.path.join(HERE, "alternatives")
    mediapipe = os.path.abspath(a.binary)
    pipes = os.path.join(HERE, "pipelines")
    tools = {
        "vipsthumbnail": "%s bash %s/vipsthumbnail.sh {w} {o} %s" % (env, alt, files),
        "pyvips pool": "%s python3 %s/pyvips_pool.py {w} {o} %s" % (env, alt, files),
        "Pillow pool": "%s python3 %s/pillow_pool.py {w} {o} %s" % (env, alt, files),
        "ImageMagick": "%s bash %s/imagemagick.sh {w} {o} %s" % (env, alt, files),
    }
    results = {}
    for workload in ["thumb", "web", "variants"]:
        commands, prepare = [], {}
        o = os.path.join(out, workload, "mediapipe")
        commands.append(("mediapipe", "%s run -q -j %d -o %s %s/%s.pipeline %s" % (mediapipe, a.jobs, o, pipes, workload, corpus)))
        prepare["mediapipe"] = "rm -rf " + o
        for name, template in tools.items():
            o = os.path.join(out, workload, name.replace(" ", "_"))
            if workload == "variants":  # two passes: web, then thumb
                cmd = template.format(w="web", o=o) + " && " + template.format(w="thumb", o=o + "/thumbs")
            else:
                cmd = template.format(w=workload, o=o)
            commands.append((name, cmd))
            prepare[name] = "rm -rf " + o
        print("bench: %s, %d rounds ..." % (workload, a.rounds), file=sys.stderr)
        results[workload] = rounds(commands, prepare, a.rounds)

    # One image, the largest (20 MP), web: wall time of a whole run, 10 runs each.
    big = max(photos[:distinct], key=os.path.getsize)
    one_out = os.path.join(out, "one")
    one = {}
    j = "/tmp/mediapipe-bench-one.json"
    subprocess.run(["hyperfine", "--warmup", "2", "--runs", "10", "--style", "none", "--export-json", j,
                    "--prepare", "rm -rf " + one_out,
                    "--command-name", "mediapipe", "%s run -q -o %s %s/web.pipeline '%s'" % (mediapipe, one_out, pipes, big),
                    "--command-name", "vipsthumbnail",
                    "VIPS_CONCURRENCY=1 vipsthumbnail --size 1600x1600 --output '%s/x_%%s.jpg[Q=82,strip]' '%s' 2>/dev/null; mkdir -p %s" % ("/tmp", big, one_out)],
                   check=True, stdout=subprocess.DEVNULL)
    with open(j) as f:
        for r in json.load(f)["results"]:
            one[r["command"]] = r["times"]

    # Memory: the largest worker over the whole corpus (web), against vipsthumbnail alone on
    # the image that needs the most.
    shutil.rmtree(os.path.join(out, "mem"), ignore_errors=True)
    _, worker_peak = peak_worker_rss("%s run -q -j %d -o %s %s/web.pipeline %s" % (mediapipe, a.jobs, os.path.join(out, "mem"), pipes, corpus))
    single = {p: max_rss_of("vipsthumbnail --size 1600x1600 --output '/tmp/x_%%s.jpg[Q=82,strip]' '%s'" % p) for p in photos[:distinct]}
    hardest = max(single, key=single.get)

    # A re-run over 10,000 small files where nothing changed.
    small = os.path.join(a.work, "small")
    if not os.path.isdir(small):
        sample = os.path.join(ROOT, "fixtures", "orient-1.jpg")
        for d in range(10):
            os.makedirs(os.path.join(small, "in", "d%d" % d))
            for i in range(1000):
                shutil.copyfile(sample, os.path.join(small, "in", "d%d" % d, "f%d.jpg" % i))
    shutil.rmtree(os.path.join(small, "out"), ignore_errors=True)
    first_cmd = "%s run -q -o %s/out %s/resize.pipeline %s/in" % (mediapipe, small, os.path.join(ROOT, "pipelines"), small)
    t0 = time.monotonic(); sh(first_cmd); first = time.monotonic() - t0
    subprocess.run(["hyperfine", "--warmup", "1", "--runs", "5", "--style", "none", "--export-json", j, first_cmd], check=True, stdout=subprocess.DEVNULL)
    with open(j) as f:
        rerun = json.load(f)["results"][0]["times"]

    write_report(a, results, one, worker_peak, single[hardest], hardest, first, rerun, len(photos), distinct, mp)


def write_report(a, results, one, worker_peak, hardest_rss, hardest, first, rerun, count, distinct, mp):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    lines = []
    say = lines.append
    say("# Benchmarks")
    say("")
    say("Made by `make bench` (bench/run.sh) on %s UTC. Every number below comes from one run" % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"))
    say("of the harness, with every tool run side by side on the same images.")
    say("")
    say("- Machine: %s, %d cores, %s; %s" % (cpu, os.cpu_count(), platform.platform(), subprocess.run(["vips", "--version"], capture_output=True, text=True).stdout.strip()))
    say("- Corpus: %d files (%d distinct real photos, each %d times), %.0f megapixels in all, from Debian's wallpaper packages (bench/make-corpus.sh)." % (count, distinct, count // max(1, distinct), mp * count / max(1, distinct)))
    say("- Every tool runs `-j %d` (a pool of %d processes, one libvips thread each where libvips is used); %d rounds, each tool once per round, in alternating order. Times are medians with the spread (min–max) of the rounds; the ratio is the tool's median over mediapipe's (above 1: slower than mediapipe)." % (a.jobs, a.jobs, a.rounds))
    say("")
    targets = {"thumb": "≤ 0.9 × the fastest alternative", "web": "≤ 0.95 × vipsthumbnail (which does no watermark), ≤ 0.9 × the fastest Python pool, ≥ 3 × faster than ImageMagick", "variants": "≤ 0.6 × the fastest alternative's two passes"}
    work = {
        "thumb": "fit inside 300×300, JPEG q80",
        "web": "fit inside 1600×1600, text watermark bottom-right (32 px, white, 50 %), JPEG q82, metadata stripped; vipsthumbnail skips the watermark",
        "variants": "both of the above from each photo: mediapipe with one pipeline of two variants (one decode), the others as two passes",
    }
    verdicts = []
    for workload, times in results.items():
        m = statistics.median(times["mediapipe"])
        say("## `%s`: %s" % (workload, work[workload]))
        say("")
        say("| tool | time | ratio to mediapipe |")
        say("|---|---|---|")
        for name, ts in sorted(times.items(), key=lambda kv: statistics.median(kv[1])):
            say("| %s | %s | %.2f |" % (name, fmt(ts), statistics.median(ts) / m))
        alts = {k: statistics.median(v) for k, v in times.items() if k != "mediapipe"}
        fastest = min(alts, key=alts.get)
        if workload == "web":
            py = min(alts["pyvips pool"], alts["Pillow pool"])
            ok = m <= 0.95 * alts["vipsthumbnail"] and m <= 0.9 * py and alts["ImageMagick"] >= 3 * m
            detail = "mediapipe / vipsthumbnail = %.3f, / fastest Python pool = %.3f, ImageMagick / mediapipe = %.2f" % (m / alts["vipsthumbnail"], m / py, alts["ImageMagick"] / m)
        elif workload == "thumb":
            ok = m <= 0.9 * alts[fastest]
            detail = "mediapipe / %s (fastest) = %.3f" % (fastest, m / alts[fastest])
        else:
            ok = m <= 0.6 * alts[fastest]
            detail = "mediapipe / %s (fastest) = %.3f" % (fastest, m / alts[fastest])
        say("")
        say("Target: %s. Measured: %s: **%s**." % (targets[workload], detail, "met" if ok else "not met"))
        say("")
        verdicts.append((workload, ok, detail))
    mo, vo = statistics.median(one["mediapipe"]), statistics.median(one["vipsthumbnail"])
    say("## One image")
    say("")
    say("The wall time of a whole run on the 20-megapixel photo (`web`; 10 runs each, medians): mediapipe %.3f s, vipsthumbnail %.3f s: ratio %.2f (target ≤ 1.2: **%s**)." % (mo, vo, mo / vo, "met" if mo <= 1.2 * vo else "not met"))
    say("")
    say("## Memory")
    say("")
    say("The largest worker's peak RSS over the whole corpus (`web`, `-j %d`): %.0f MB. vipsthumbnail alone on the image that needs the most (%s): %.0f MB; ratio %.2f (target ≤ 1.5: **%s**)." % (a.jobs, worker_peak, os.path.basename(hardest), hardest_rss, worker_peak / hardest_rss, "met" if worker_peak <= 1.5 * hardest_rss else "not met"))
    say("")
    say("## Re-runs")
    say("")
    say("10,000 small JPEGs: the first run took %.1f s; a re-run where nothing changed takes %s (5 runs): it reads no image data, only sizes and times." % (first, fmt(rerun)))
    say("")
    with open(os.path.join(HERE, "NOTES.md")) as f:
        lines.append(f.read())
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines[:]))
    print("\nbench: wrote %s" % a.out, file=sys.stderr)


if __name__ == "__main__":
    main()
