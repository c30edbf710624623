#!/usr/bin/env bash
# Install what building, testing and the demo need on Debian 12 (run as root).
# Skips what is already there. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pkgs=(gcc pkg-config linux-libc-dev libc6-dev libturbojpeg0-dev ca-certificates locales npm
      qemu-system-x86 busybox-static cpio kmod xz-utils zstd openssl iproute2
      libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev xvfb x11-apps xdotool
      swtpm swtpm-tools prometheus systemd-container)
missing=()
for p in "${pkgs[@]}"; do
  # npm may come from elsewhere (e.g. NodeSource): accept any npm on PATH.
  if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# A UTF-8 locale for the CLI's output and the tests.
if ! locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$\|^en_US\.utf-\?8$'; then
  sed -i 's/^# *en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen && locale-gen >/dev/null
fi
command -v go >/dev/null || { echo "setup: Go 1.26 is needed on PATH (/usr/local/go/bin)" >&2; exit 1; }
"$here/scripts/fetch-ort.sh" >/dev/null
"$here/scripts/fetch-ocr.sh" >/dev/null
echo "setup: ok"
