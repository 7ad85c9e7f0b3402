#!/usr/bin/env python3
"""Writes the seeds of fuzz/corpus/parser (committed; this says how they were
made): the example pipelines, every ```pipeline block of docs/pipeline-format.md,
and a few hand-written lines that use every step and the odd corners of the
syntax. Inputs the fuzzer found crashing are added by hand as crash-*.pipeline
(docs/fuzzing.md lists them)."""
import glob
import os
import re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "fuzz", "corpus", "parser")
os.makedirs(out, exist_ok=True)


def seed(name, text):
    with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
        f.write(text)


for path in sorted(glob.glob(os.path.join(root, "pipelines", "*.pipeline"))):
    seed("example-" + os.path.basename(path), open(path, encoding="utf-8").read())
for path in sorted(glob.glob(os.path.join(root, "bench", "pipelines", "*.pipeline"))):
    seed("bench-" + os.path.basename(path), open(path, encoding="utf-8").read())
docs = open(os.path.join(root, "docs", "pipeline-format.md"), encoding="utf-8").read()
for i, block in enumerate(re.findall(r"```pipeline\n(.*?)```", docs, re.S)):
    seed(f"docs-{i:02}.pipeline", block)

seed("every-step.pipeline", """version 1
orientation keep
autorotate
resize width=50% height=800px fit=contain gravity=north-east enlarge=yes background=#00000080
crop 10,20,300,200
crop 300x200 gravity=entropy
rotate 270
flip
flop
watermark text="a \\"quoted\\" ©" font="DejaVu Sans Bold" size=12px color=#fff opacity=1 position=tile margin=0
watermark image=logo.png width=10% opacity=0.25 position=centre margin=1%
metadata keep=icc,exif,copyright
compress avif quality=50 effort=4
output "{dir}/{variant}-{width}x{height}-{stem}.{ext}"
variant a-1
  resize 1x
  compress png compression=9 palette=yes
variant b_2
  resize x1 fit=fill
  compress tiff compression=lzw
  output "b/{name}"
variant c
  resize 0.5%
  compress gif
  metadata strip
""")
seed("errors.pipeline", """resiz 300x300
resize 0x0 fit=sideways
crop 1,2,3
rotate 45
watermark text="" color=#ggg opacity=2
compress jpeg quality=high lossless=yes
metadata strip keep=all
output "/abs/../{nope}/"
variant
variant x
version 2
orientation keep
""")
seed("syntax.pipeline", "resize\t300x300\r\ncompress jpeg quality=82 # comment\r\n\"unterminated\n  \n# only a comment\nresize 300x300 color=#ff0000#x\n")
seed("numbers.pipeline", "resize 100000x100000\nresize 99999999999999999999x1\nresize 1000% enlarge=yes\nresize 1e308%\ncrop 9223372036854775807,0,1,1\nwatermark text=x size=100% margin=100000\n")
seed("unicode.pipeline", "resize ３００x３００\nwatermark text=\"\U0001F600\u200d\u0301\" color=#fff\ncompress jpeg quality=８２\noutput \"é/{stem}.jpg\"\n")
