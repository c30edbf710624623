#!/usr/bin/env bash
# Let the kernel run arm64 programs through qemu-user (binfmt_misc), so that a chroot into
# an arm64 root works: mounts binfmt_misc when it is not mounted and registers
# qemu-user-static's entry (/usr/lib/binfmt.d/qemu-aarch64.conf; its F flag opens the
# emulator now, so the chroot needs no copy of it). The emulated CPU is qemu's default
# unless QEMU_CPU is set (scripts/test-deb.sh sets cortex-a72: see docs/packaging.md).
# Needs root. Does nothing when the entry is there and enabled. Installs qemu-user-static
# when it is missing (scripts/setup-arm64.sh installs it too).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "binfmt-arm64: needs root (mount, /proc/sys/fs/binfmt_misc)" >&2; exit 1; }
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
if [ ! -f "$conf" ]; then
  echo "binfmt-arm64: installing qemu-user-static"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 qemu-user-static >/dev/null
fi
dir=/proc/sys/fs/binfmt_misc
if [ ! -e "$dir/register" ]; then
  mount -t binfmt_misc binfmt_misc "$dir" ||
    { echo "binfmt-arm64: cannot mount binfmt_misc on $dir (a container without it cannot run an arm64 root)" >&2; exit 1; }
fi
if [ ! -e "$dir/qemu-aarch64" ]; then
  # Two runs at once: the second one's write fails with "File exists"; the entry is there.
  cat "$conf" >"$dir/register" 2>/dev/null || [ -e "$dir/qemu-aarch64" ] ||
    { echo "binfmt-arm64: registering $conf in $dir/register failed" >&2; exit 1; }
  echo "binfmt-arm64: registered qemu-aarch64 ($(sed -n 's/^interpreter //p' "$dir/qemu-aarch64"))"
fi
if [ "$(head -1 "$dir/qemu-aarch64")" != enabled ]; then
  echo 1 >"$dir/qemu-aarch64"
fi
