#!/usr/bin/env bash
# Builds mediapipe_<version>_<arch>.deb for the nodes of a cluster (docs/install.md):
#
#   bash scripts/package-deb.sh [OUTPUT_DIR]     default .build-deb/; prints the .deb's path
#
# What goes in:
#   /usr/bin/mediapipe                                   release build, Swift runtime linked in
#   /usr/lib/mediapipe/mediapipe-worker                  the worker processes it starts (libvips)
#   /usr/share/man/man1/mediapipe*.1.gz                  from swift-argument-parser's generate-manual:
#                                                        mediapipe(1), mediapipe.run(1) = mediapipe-run(1), ...
#   /usr/share/bash-completion/completions/mediapipe     --generate-completion-script bash
#   /usr/share/zsh/vendor-completions/_mediapipe         ... zsh
#   /usr/share/fish/vendor_completions.d/mediapipe.fish  ... fish
#   /lib/systemd/system/mediapipe-watch@.service         `watch` as a service, per /etc/mediapipe/NAME.env
#   /usr/share/doc/mediapipe/                            README, docs, an example NAME.env
#
# Only Debian's own tools: dpkg-deb, dpkg-shlibdeps (dpkg-dev), gzip. The binary is linked
# with --static-swift-stdlib (the Swift runtime and Foundation inside), so a node needs no
# Swift toolchain; its Depends are the Debian libraries it links (libvips and the rest),
# found by dpkg-shlibdeps on the build machine, so a .deb built on Ubuntu names Ubuntu's.
# The version is mediapipe's own (`mediapipe --version`, from Sources/MediaPipeCore/Support/
# Version.swift); MEDIAPIPE_DEB_REVISION (default 1) is the Debian revision.
#
# The man page: the generate-manual *plugin* (`swift package generate-manual`) rebuilds every
# product in release mode without --static-swift-stdlib, so instead this script builds the
# same tool (Tools/generate-manual of the swift-argument-parser checkout this package
# resolved) on its own and runs it on the binary it packages: the page then describes
# exactly that binary, and the build is one small extra target.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="${1:-$root/.build-deb}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { echo "package-deb: $*" >&2; }

bash scripts/setup.sh
if ! command -v dpkg-shlibdeps >/dev/null || ! command -v dpkg-deb >/dev/null; then
  say "installing dpkg-dev"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends \
    dpkg-dev >&2
fi

# 1. The two programs. Every build on this machine goes through the shared lock (2 cores).
build=(swift build -c release --static-swift-stdlib)
flock /tmp/swift-build.lock "${build[@]}" --product mediapipe >&2
flock /tmp/swift-build.lock "${build[@]}" --product mediapipe-worker >&2
bin="$(flock /tmp/swift-build.lock "${build[@]}" --show-bin-path)"
binary="$bin/mediapipe"
for program in "$binary" "$bin/mediapipe-worker"; do
  if ldd "$program" | grep -Ei 'swift|/opt/|toolchain|not found' >&2; then
    say "$program still needs the libraries above (the Swift toolchain's, or missing ones)"
    exit 1
  fi
done
version=$("$binary" --version)
revision="${MEDIAPIPE_DEB_REVISION:-1}"
arch=$(dpkg --print-architecture)
deb="$out/mediapipe_${version}-${revision}_${arch}.deb"

# 2. The man page tool, from the swift-argument-parser checkout the build resolved.
parser="$root/.build/checkouts/swift-argument-parser"
[ -d "$parser/Tools/generate-manual" ] || {
  say "no $parser/Tools/generate-manual"
  exit 1
}
flock /tmp/swift-build.lock swift build --package-path "$parser" --scratch-path "$out/tools" \
  --product generate-manual >&2
generate_manual="$(flock /tmp/swift-build.lock swift build --package-path "$parser" --scratch-path "$out/tools" --show-bin-path)/generate-manual"

# 3. The tree.
stage="$out/stage"
rm -rf "$stage"
install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/man/man1" \
  "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
  "$stage/usr/share/fish/vendor_completions.d" "$stage/lib/systemd/system" \
  "$stage/usr/share/doc/mediapipe/examples"
# --strip-debug keeps the symbol table, so a crashed worker's backtrace still names functions.
install -m 755 "$binary" "$stage/usr/bin/mediapipe"
strip --strip-debug "$stage/usr/bin/mediapipe"
# Where `mediapipe` looks for it (WorkerProgram): a program of the package's own, not for PATH.
install -D -m 755 "$bin/mediapipe-worker" "$stage/usr/lib/mediapipe/mediapipe-worker"
strip --strip-debug "$stage/usr/lib/mediapipe/mediapipe-worker"

# The date of the last commit, so two builds of one commit give the same page.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
"$generate_manual" "$stage/usr/bin/mediapipe" --multi-page --section 1 --date "$date" \
  --output-directory "$stage/usr/share/man/man1" >&2
gzip -9n "$stage"/usr/share/man/man1/*.1
# The pages are named mediapipe.run(1) (their SEE ALSO says so); mediapipe-run(1) too, as git has it.
for page in "$stage"/usr/share/man/man1/mediapipe.*.1.gz; do
  name=$(basename "$page")
  ln -s "$name" "$stage/usr/share/man/man1/${name/mediapipe./mediapipe-}"
done

"$stage/usr/bin/mediapipe" --generate-completion-script bash >"$stage/usr/share/bash-completion/completions/mediapipe"
"$stage/usr/bin/mediapipe" --generate-completion-script zsh >"$stage/usr/share/zsh/vendor-completions/_mediapipe"
"$stage/usr/bin/mediapipe" --generate-completion-script fish \
  >"$stage/usr/share/fish/vendor_completions.d/mediapipe.fish"

install -m 644 packaging/mediapipe-watch@.service "$stage/lib/systemd/system/"
install -m 644 packaging/watch.env.example "$stage/usr/share/doc/mediapipe/examples/inbox.env"
install -m 644 README.md "$stage/usr/share/doc/mediapipe/"
cp -r docs "$stage/usr/share/doc/mediapipe/docs"
install -m 644 pipelines/*.pipeline "$stage/usr/share/doc/mediapipe/examples/"

install -m 755 packaging/postinst packaging/postrm "$stage/DEBIAN/"

# 4. Depends: the packages that ship the libraries the binary links, with the minimum
# versions their symbols need (dpkg-shlibdeps wants a debian/control beside it).
shlib="$out/shlibdeps"
rm -rf "$shlib"
mkdir -p "$shlib/debian"
printf 'Source: mediapipe\n\nPackage: mediapipe\nArchitecture: any\n' >"$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O "$stage/usr/bin/mediapipe" "$stage/usr/lib/mediapipe/mediapipe-worker" \
  2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || {
  say "dpkg-shlibdeps found no dependencies"
  exit 1
}
# The default watermark font (WatermarkStep.defaultFont); passwd for useradd in postinst.
depends="$depends, fonts-dejavu-core, passwd"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: mediapipe
Version: $version-$revision
Architecture: $arch
Maintainer: mediapipe maintainers <root@localhost>
Installed-Size: $size
Depends: $depends
Section: graphics
Priority: optional
Description: batch image processing from a declarative pipeline file, on libvips
 mediapipe applies a pipeline (resize, watermark, compress, metadata) to whole
 folders of images on a pool of worker processes; re-runs skip what is done.
 'mediapipe watch' keeps processing each file that arrives in a folder; the
 template unit mediapipe-watch@.service runs it per /etc/mediapipe/NAME.env.
EOF
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)

rm -f "$out"/mediapipe_*.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
say "built $(basename "$deb"): Depends: $depends"
echo "$deb"
