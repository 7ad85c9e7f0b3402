#!/usr/bin/env bash
# Sets up and runs the whole test suite (unit, imaging and end-to-end tests, the
# conformance matrix of the fast paths against libvips's reference route), then
# each fuzz target for 20 seconds (scripts/fuzz.sh; docs/fuzzing.md). First the
# formatting: `swift format -i -r Sources Tests Examples Package.swift` fixes what
# the lint finds (.swift-format: 120 columns, the toolchain's rules).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift format lint --strict -r Sources Tests Examples Package.swift
swift build  # every product: the command line and the example client of the library
swift test
bash scripts/fuzz.sh all 20
