#!/usr/bin/env bash
# Install what cross-building the agent for arm64 (and running it under qemu-user) needs on
# a Debian 12 amd64 machine (run as root), then fetch the arm64 ONNX Runtime library.
# Skips what is already there. Safe to run again, and beside other apt users: apt has one
# lock, so each apt command waits for it and is retried while another one holds it.
# Usage: scripts/setup-arm64.sh [--no-ui] [--no-qemu]
#   --no-ui    skip the GL/X11/Wayland/xkbcommon arm64 -dev packages (only the kiosk app needs them)
#   --no-qemu  skip qemu-user-static, libstdc++6:arm64 and jq (only scripts/test-arm64.sh needs them)
# See docs/packaging.md ("Building for arm64") for why each package is here.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ui=1 qemu=1
for a in "$@"; do
  case "$a" in
    --no-ui) ui=0 ;;
    --no-qemu) qemu=0 ;;
    *) echo "setup-arm64: unknown argument '$a' (--no-ui, --no-qemu)" >&2; exit 2 ;;
  esac
done
if [ "$(dpkg --print-architecture)" != amd64 ]; then
  echo "setup-arm64: this script sets up an amd64 Debian machine to cross-build for arm64;" \
       "on arm64 use scripts/setup.sh and 'make build'" >&2
  exit 2
fi

# The cross compiler and its sysroot (libc, kernel headers), native to the host.
pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config file)
# arm64 libraries linked by cgo. linux-libc-dev:arm64 is not needed by go4vl (it uses the
# cross sysroot's headers) but is what a native arm64 build uses; Multi-Arch: same makes
# apt keep it at the amd64 one's version.
pkgs+=(libturbojpeg0-dev:arm64 linux-libc-dev:arm64)
if [ "$ui" = 1 ]; then
  # What Fyne (the kiosk app, ui/) links: GL, X11 (GLFW) and Wayland, xkbcommon.
  pkgs+=(libgl1-mesa-dev:arm64 libx11-dev:arm64 libxcursor-dev:arm64 libxrandr-dev:arm64
         libxinerama-dev:arm64 libxi-dev:arm64 libxxf86vm-dev:arm64 libwayland-dev:arm64
         libxkbcommon-dev:arm64)
fi
if [ "$qemu" = 1 ]; then
  # User-mode emulation; ONNX Runtime needs the arm64 C++ runtime; jq compares outputs.
  pkgs+=(qemu-user-static libstdc++6:arm64 jq)
fi

# apt_retry CMD...: run an apt command, waiting for the dpkg lock (DPkg::Lock::Timeout) and
# retrying while another apt (e.g. another build on this machine) holds a lock.
apt_retry() {
  local i out
  for i in $(seq 1 60); do
    if out=$("$@" -o DPkg::Lock::Timeout=120 2>&1); then return 0; fi
    if printf '%s' "$out" | grep -qi 'could not get lock\|unable to acquire\|unable to lock'; then
      echo "setup-arm64: apt is busy (another apt holds its lock); retrying in 10 s ($i/60)" >&2
      sleep 10; continue
    fi
    printf '%s\n' "$out" >&2
    return 1
  done
  echo "setup-arm64: apt stayed busy for 10 minutes; run this again when it is free" >&2
  return 1
}

export DEBIAN_FRONTEND=noninteractive
added=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "setup-arm64: dpkg --add-architecture arm64"
  dpkg --add-architecture arm64
  added=1
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # A new architecture needs its package lists; otherwise update only when the install fails
  # for want of them.
  if [ "$added" = 1 ] || ! ls /var/lib/apt/lists/*_binary-arm64_Packages* >/dev/null 2>&1; then
    apt_retry apt-get update -qq
  fi
  echo "setup-arm64: installing ${missing[*]}"
  if ! apt_retry apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    echo "setup-arm64: install failed; updating the package lists and trying once more" >&2
    apt_retry apt-get update -qq
    apt_retry apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi
"$here/scripts/fetch-ort.sh" arm64 >/dev/null
echo "setup-arm64: ok"
