#!/usr/bin/env bash
# Fuzzes the C shims and the pipeline parser with libFuzzer (docs/fuzzing.md).
#
#   bash scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_OPTION...]
#
# TARGET is jpeg_dc, transposed_resize, ssim, parser, or all (each for SECONDS in turn).
# Builds the target into .build-fuzz/ with the clang (or swiftc) of the Swift
# toolchain, with AddressSanitizer, then runs it from the committed seeds in
# fuzz/corpus/TARGET/ (read, never written) and the scratch corpus
# .build-fuzz/corpus/TARGET/ (kept between runs, not committed) for SECONDS.
# Prints the number of inputs run; exits 1 if an input crashed (or hung, or ran
# out of memory), leaving it in .build-fuzz/artifacts/TARGET/ and saying how to
# replay it. Extra options go to libFuzzer (e.g. -jobs=2, -seed=1).
#
#   bash scripts/fuzz.sh --print-dictionary
#
# prints the parser's dictionary: fuzz/parser/parser.dict (the format's keywords)
# with every step's name and keys, read from the steps' own files, so that a new
# step needs no edit here (StepRegistryTests checks that it finds them all).
#
# FUZZ_BUILD_LOCK=FILE wraps the Swift build of the parser target in
# `flock FILE` (on a machine where Swift builds share one lock).
set -euo pipefail

usage() {
  echo "usage: $0 jpeg_dc|transposed_resize|ssim|parser|all SECONDS [LIBFUZZER_OPTION...]" >&2
  exit 2
}
root=$(cd "$(dirname "$0")/.." && pwd)

# The parser's dictionary: the committed tokens, then each step's name and `key=`.
parser_dictionary() {
  cat "$root/fuzz/parser/parser.dict"
  {
    sed -n 's/^ *public static let name = "\(.*\)"$/\1/p' "$root"/Sources/MediaPipeCore/Steps/*.swift
    # Joined into one line first: a long `keys: [...]` list is wrapped over several.
    cat "$root"/Sources/MediaPipeCore/Steps/*.swift | tr '\n' ' ' | grep -o 'StepSchema( *keys: \[[^]]*\]' |
      grep -o '"[^"]*"' |
      tr -d '"' | sed 's/$/=/'
  } | sort -u | awk '{ printf "step%d=\"%s\"\n", NR, $0 }'
}
if [ "${1:-}" = --print-dictionary ]; then
  parser_dictionary
  exit 0
fi
[ $# -ge 2 ] || usage
target=$1
seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage
case $target in jpeg_dc | transposed_resize | ssim | parser | all) ;; *) usage ;; esac

bash "$root/scripts/setup.sh"
cd "$root"

toolchain=$(dirname "$(readlink -f "$(command -v swiftc)")")
clang=$toolchain/clang
[ -x "$clang" ] || { echo "fuzz: no clang beside swiftc in $toolchain" >&2; exit 1; }
build=.build-fuzz
mkdir -p "$build"

# Rebuilds $build/$1 when one of the remaining files is newer than it.
stale() {
  local binary=$build/$1
  shift
  [ ! -e "$binary" ] || [ -n "$(find "$@" -newer "$binary" 2>/dev/null | head -1)" ]
}

build_target() {
  local shims=Sources/CVipsShims
  # The shims' header (CVipsShims.h) pulls in libvips; the harnesses call libvips too.
  local vips_flags
  vips_flags=$(pkg-config --cflags --libs vips)
  case $1 in
  jpeg_dc)
    if stale jpeg_dc fuzz/jpeg_dc "$shims"; then
      echo "fuzz: building jpeg_dc" >&2
      # shellcheck disable=SC2086
      "$clang" -fuse-ld=lld -g -O1 -fsanitize=fuzzer,address -I"$shims/include" \
        fuzz/jpeg_dc/harness.c "$shims/jpeg_dc_load.c" "$shims/shims.c" $vips_flags -ljpeg -o "$build/jpeg_dc"
    fi
    ;;
  transposed_resize)
    if stale transposed_resize fuzz/transposed_resize "$shims"; then
      echo "fuzz: building transposed_resize" >&2
      # shellcheck disable=SC2086
      "$clang" -fuse-ld=lld -g -O1 -fsanitize=fuzzer,address -I"$shims/include" \
        fuzz/transposed_resize/harness.c "$shims/transposed_resize.c" "$shims/shims.c" $vips_flags \
        -o "$build/transposed_resize"
    fi
    ;;
  ssim)
    if stale ssim fuzz/ssim "$shims"; then
      echo "fuzz: building ssim" >&2
      # shellcheck disable=SC2086
      "$clang" -fuse-ld=lld -g -O1 -fsanitize=fuzzer,address -I"$shims/include" \
        fuzz/ssim/harness.c "$shims/shims.c" $vips_flags -lm -o "$build/ssim"
    fi
    ;;
  parser)
    if stale parser fuzz/parser Sources/MediaPipeCore; then
      echo "fuzz: building parser" >&2
      local lock=()
      [ -z "${FUZZ_BUILD_LOCK:-}" ] || lock=(flock "$FUZZ_BUILD_LOCK")
      # One module: MediaPipeCore's sources and the harness, which may use internals.
      local sources=()
      while IFS= read -r f; do sources+=("$f"); done < <(find Sources/MediaPipeCore -name '*.swift' | sort)
      "${lock[@]}" "$toolchain/swiftc" -sanitize=fuzzer,address -parse-as-library -swift-version 6 \
        -module-name MediaPipeCore -O -g -suppress-warnings -use-ld=lld "${sources[@]}" fuzz/parser/main.swift -o "$build/parser"
    fi
    ;;
  esac
}

# Runs one target; returns 1 if it found something.
run_target() {
  local name=$1 corpus=$build/corpus/$1 artifacts=$build/artifacts/$1/ log=$build/$1.log
  shift
  build_target "$name"
  mkdir -p "$corpus" "$artifacts"
  local options=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
    -artifact_prefix="$artifacts")
  case $name in
  jpeg_dc) options+=(-dict=fuzz/jpeg_dc/jpeg.dict) ;;
  parser)
    parser_dictionary >"$build/parser.dict"
    options+=(-dict="$build/parser.dict" -max_len=4096)
    ;;
  esac
  echo "fuzz: running $name for ${seconds}s" >&2
  local status=0
  # Leaks: libvips and GLib keep caches and types for the whole process, which
  # LeakSanitizer cannot tell from leaks; Swift's runtime likewise.
  # The Swift runtime's own crash backtracer would stall a crashing input.
  ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no MEDIAPIPE_FUZZ_BASE="$root/pipelines" \
    nice -n 19 "$build/$name" "${options[@]}" "$@" "$corpus" "fuzz/corpus/$name" >"$log" 2>&1 || status=$?
  local runs done
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  done=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+DONE[[:space:]]+//; s/[[:space:]]+lim:.*//')
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $name: ${runs:-?} inputs in ${seconds}s, no crash ($done)"
    return 0
  fi
  echo "fuzz: $name: FAILED after ${runs:-?} inputs (exit $status); the end of $log:" >&2
  grep -v '^#[0-9]' "$log" | tail -40 >&2
  local found
  found=$(sed -n "s/.*Test unit written to //p" "$log" | tail -1)
  [ -z "$found" ] || echo "fuzz: replay with: SWIFT_BACKTRACE=enable=no $build/$name $found" >&2
  return 1
}

failed=0
if [ "$target" = all ]; then
  for t in jpeg_dc transposed_resize ssim parser; do run_target "$t" "$@" || failed=1; done
else
  run_target "$target" "$@" || failed=1
fi
exit $failed
