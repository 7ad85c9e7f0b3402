#!/usr/bin/env bash
# Fills DEST with real photographs from Debian's wallpaper packages, COPIES times over.
# Usage: bench/make-corpus.sh DEST [COPIES]     (needs 'apt-get update' once; no root needed)
# It takes the 13 wallpapers that are photographs (the others are renders), each in the
# largest size the packages ship: 4 to 20 megapixels, baseline and progressive, several
# chroma subsamplings, one greyscale. The photos are under the packages' licences: measure with them,
# do not commit them.
set -euo pipefail
dest=${1:?usage: make-corpus.sh DEST [COPIES]}
copies=${2:-8}
if [ -n "$(ls "$dest"/*.jpg 2>/dev/null | head -1)" ]; then
  echo "corpus: $(ls "$dest"/*.jpg | wc -l) photos already in $dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q plasma-workspace-wallpapers lomiri-wallpapers-20.04 >/dev/null 2>&1) || {
  echo "corpus: apt-get download failed; run 'apt-get update' first" >&2
  exit 1
}
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
python3 - "$tmp/root" "$dest" "$copies" <<'PY'
import os, shutil, struct, sys

root, dest, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])

def jpeg_size(path):
    """Width and height from a JPEG's first SOF marker, without decoding."""
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return 0, 0

best = {}
for folder, _, names in os.walk(root):
    for name in names:
        if not name.lower().endswith((".jpg", ".jpeg")):
            continue
        path = os.path.join(folder, name)
        parts = path.split(os.sep)
        key = parts[parts.index("wallpapers") + 1] if "wallpapers" in parts else os.path.splitext(name)[0].split("_by_")[0]
        w, h = jpeg_size(path)
        if w * h > best.get(key, ("", 0))[1]:
            best[key] = (path, w * h)
PHOTOGRAPHS = ["Kleiber", "BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
               "Grey", "Kite", "OneStandsOut", "Path", "Volna", "summer_1am"]
missing = [k for k in PHOTOGRAPHS if k not in best]
if missing:
    sys.exit("corpus: not found in the packages: " + ", ".join(missing))
photos = sorted((k, best[k][0]) for k in PHOTOGRAPHS)
os.makedirs(dest, exist_ok=True)
n = 0
for _ in range(copies):
    for key, path in photos:
        n += 1
        shutil.copyfile(path, os.path.join(dest, "photo_%03d_%s.jpg" % (n, key)))
print("corpus: %d photos (%d distinct) in %s" % (n, len(photos), dest))
PY
