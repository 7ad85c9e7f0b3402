#!/usr/bin/env bash
# Builds the .deb (scripts/package-deb.sh), installs it with apt-get as a node would, and
# checks the INSTALLED mediapipe: --version, a run over fixtures/, the man page, the
# completions and the systemd unit; then removes the package again
# (purge: a postrm script would otherwise leave it listed as "rc"). Needs root.
# A mediapipe package installed before is put back afterwards, so the machine is left as
# it was (apt-get's own dependencies, libvips and the rest, stay: the build needs them).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test-deb: $*" >&2; }
fail() {
  say "FAILED: $*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (it installs the package)"
deb=$(bash scripts/package-deb.sh)
[ -f "$deb" ] || fail "package-deb.sh printed no .deb"

work=$(mktemp -d /tmp/mediapipe-test-deb.XXXXXX)
previous=$(dpkg-query -W -f='${Status} ${Version}' mediapipe 2>/dev/null | sed -n 's/^install ok installed //p' || true)
cleanup() {
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=300 mediapipe >/dev/null 2>&1 || true
  [ -z "$previous" ] || say "mediapipe $previous was installed before; it was replaced, reinstall it if needed"
  rm -rf "$work"
}
trap cleanup EXIT

cp "$deb" "$work/"
# apt-get wants a path with a slash to take a file; it installs the Depends from the archive.
(cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
  --no-install-recommends ./"$(basename "$deb")" >&2) || fail "apt-get install ./$(basename "$deb")"

installed=/usr/bin/mediapipe
[ "$(command -v mediapipe)" = "$installed" ] || say "note: mediapipe on PATH is $(command -v mediapipe), testing $installed"
expected=$(dpkg-deb -f "$deb" Version)
version=$("$installed" --version) || fail "mediapipe --version"
[ "$version-${expected##*-}" = "$expected" ] || fail "--version says $version, the package is $expected"
say "installed mediapipe $version"

# The Swift runtime is inside both programs: nothing may come from a toolchain.
worker=/usr/lib/mediapipe/mediapipe-worker
[ -x "$worker" ] || fail "no $worker"
for program in "$installed" "$worker"; do
  if ldd "$program" | grep -Ei 'swift|/opt/|not found'; then fail "the installed $program needs the libraries above"; fi
done
# The coordinator never loads libvips (it starts in milliseconds); the workers do.
# (Each output taken whole first: with pipefail, `ldd | grep -q` fails at random when grep
# stops reading at the first match and ldd dies of SIGPIPE.)
coordinator_libraries=$(ldd "$installed")
worker_libraries=$(ldd "$worker")
if grep -q libvips <<<"$coordinator_libraries"; then fail "$installed links libvips"; fi
grep -q libvips <<<"$worker_libraries" || fail "$worker does not link libvips"

# As on a node without Swift: where the toolchain has its own folder (/opt/swift here), the
# job runs with that folder hidden (a private mount namespace with an empty tmpfs over it).
run=("$installed")
toolchain=$(command -v swift >/dev/null && dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")" || true)
if [ -n "$toolchain" ] && [ "$toolchain" != /usr ] && [ "$toolchain" != / ] \
  && unshare --mount sh -c "mount -t tmpfs none '$toolchain'" 2>/dev/null; then
  run=(unshare --mount sh -c "mount -t tmpfs none '$toolchain' && exec \"\$0\" \"\$@\"" "$installed")
  [ "$("${run[@]}" --version)" = "$version" ] || fail "mediapipe --version with $toolchain hidden"
  say "runs with the Swift toolchain ($toolchain) hidden"
fi

# A small job with the installed binary: every good fixture written, the bad ones reported (exit 1).
status=0
"${run[@]}" run pipelines/resize.pipeline fixtures/ -o "$work/out" --report "$work/report.json" -q \
  >"$work/run.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || {
  cat "$work/run.log" >&2
  fail "run over fixtures/ exited $status, expected 1 (fixtures/ holds broken files on purpose)"
}
outputs=$(find "$work/out" -type f ! -path '*/.mediapipe/*' | wc -l)
[ "$outputs" -ge 10 ] || fail "only $outputs outputs in $work/out"
grep -q '"failed"' "$work/report.json" || fail "no report"
"$installed" check pipelines/web.pipeline >/dev/null || fail "check pipelines/web.pipeline"
say "run over fixtures/: $outputs outputs, the broken fixtures reported"

# What else the package installs.
man -w mediapipe >/dev/null 2>&1 || [ -f /usr/share/man/man1/mediapipe.1.gz ] || fail "no man page"
[ -f /usr/share/man/man1/mediapipe-run.1.gz ] || fail "no man page for mediapipe-run"
manual=$(MANWIDTH=100 man mediapipe-run 2>/dev/null) || true
grep -q -- '--output' <<<"$manual" || fail "man mediapipe-run does not show --output"
[ -s /usr/share/bash-completion/completions/mediapipe ] || fail "no bash completion"
[ -s /usr/share/zsh/vendor-completions/_mediapipe ] || fail "no zsh completion"
[ -s /usr/share/fish/vendor_completions.d/mediapipe.fish ] || fail "no fish completion"
bash -n /usr/share/bash-completion/completions/mediapipe || fail "the bash completion does not parse"
[ -f /lib/systemd/system/mediapipe-watch@.service ] || fail "no systemd unit"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/mediapipe-watch@.service 2>&1 | grep -v 'ConditionPathExists' >&2 || true
fi
getent passwd mediapipe >/dev/null || fail "no user mediapipe"
say "man page, completions (bash, zsh, fish), systemd unit and user are there"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=300 mediapipe >&2 || fail "apt-get purge"
[ ! -e "$installed" ] || fail "$installed is still there after apt-get purge"
say "ok"
