#!/usr/bin/env bash
# Installs the system packages mediapipe builds and runs on, when they are missing
# (Debian or Ubuntu; run as root, or with sudo available). Safe to run again.
set -euo pipefail

packages=(libvips-dev libpng-dev libsqlite3-dev fonts-dejavu-core pkg-config libjpeg-turbo-progs
          libvips-tools libimage-exiftool-perl)  # the last two: tests compare with the vips CLI and read metadata with exiftool
# libjpeg-turbo's development package has a different name on Debian and Ubuntu.
if grep -qi ubuntu /etc/os-release 2>/dev/null; then
  packages+=(libjpeg-turbo8-dev)
else
  # chromium renders the preview page headless in Tests/EndToEndTests/PreviewTests.swift (Ubuntu
  # ships it only as a snap, which CI containers cannot run: the test says it is skipped there).
  packages+=(libjpeg62-turbo-dev chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

command -v swift >/dev/null || { echo "setup: the Swift toolchain (6.0 or newer) is needed: https://swift.org/install" >&2; exit 1; }
pkg-config --exists vips || { echo "setup: libvips is still not visible to pkg-config" >&2; exit 1; }
