#!/usr/bin/env bash
# Print the path of a tarball of a clean Debian 12 (bookworm) minbase root for ARCH
# (amd64 or arm64), building it first when it is not in the cache. scripts/test-deb.sh
# installs the packages into a copy of it. Needs root (debootstrap, chroot).
#
# The cache is ~/.cache/kiosk-agent/bookworm-minbase-ARCH-HASH.tar, where HASH is the
# sha256 of this script: a change to how the root is built gives a new name, so a warm
# machine rebuilds it exactly as a fresh one does (no old tarball can hide a bug of the
# new code). Older tarballs of ARCH are deleted when a new one is made.
#
#   amd64: debootstrap --variant=minbase.
#   arm64: debootstrap --foreign --arch=arm64, then its second stage inside the root under
#          qemu-user (qemu-user-static's binfmt entry, registered by scripts/binfmt-arm64.sh).
#
# Usage: scripts/debian-root.sh ARCH [PACKAGE...]   (progress on stderr, the tarball's
# path on stdout). PACKAGEs are installed into the root (apt-get, no Recommends) and are
# part of the cache's name: scripts/test-deb.sh gives the arm64 root the package's
# Depends, which take ~8 minutes to install under emulation.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: scripts/debian-root.sh amd64|arm64 [PACKAGE...]" >&2; exit 2; }
arch=$1; shift
extra=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//')
case "$arch" in amd64|arm64) ;; *) echo "debian-root: unsupported architecture '$arch' (amd64 or arm64)" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "debian-root: needs root (debootstrap, chroot)" >&2; exit 1; }
host=$(dpkg --print-architecture)
[ "$host" = amd64 ] || [ "$arch" = "$host" ] || { echo "debian-root: an $arch root is built on amd64 or $arch, not $host" >&2; exit 2; }

key=$( (cat "$here/scripts/debian-root.sh"; echo "packages: $extra") | sha256sum | cut -c1-12)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-agent"
name=bookworm-minbase; [ -n "$extra" ] && name=bookworm-plus
tarball="$cache/$name-$arch-$key.tar"
mkdir -p "$cache"
# One builder at a time (two test runs on one machine wait for each other).
exec 9>"$cache/debian-root-$arch.lock"
flock 9
if [ -f "$tarball" ]; then echo "$tarball"; exit 0; fi

if ! command -v debootstrap >/dev/null; then
  echo "debian-root: installing debootstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 debootstrap >/dev/null
fi
foreign=()
if [ "$arch" != "$host" ]; then
  "$here/scripts/binfmt-arm64.sh" >&2
  foreign=(--foreign --arch="$arch")
fi

t0=$(date +%s)
tmproot=$(mktemp -d "$cache/root-$arch.XXXXXX")
log="$cache/debootstrap-$arch.log"
cleanup() { umount "$tmproot/proc" 2>/dev/null || true; rm -rf "$tmproot"; }
trap cleanup EXIT
# mktemp -d makes the folder 0700 and tar records it as the root's "./": in the chroot
# "/" would then be 0700 and only root could run anything. A root directory is 0755.
chmod 0755 "$tmproot"
echo "debian-root: debootstrap bookworm $arch (minbase${foreign:+, foreign}) into $tmproot (log: $log)" >&2
if ! debootstrap --variant=minbase "${foreign[@]}" bookworm "$tmproot" http://deb.debian.org/debian >"$log" 2>&1; then
  tail -20 "$log" >&2; echo "debian-root: debootstrap bookworm $arch failed (log above)" >&2; exit 1
fi
if [ ${#foreign[@]} -gt 0 ]; then
  # The second stage runs the root's own dpkg and maintainer scripts: arm64 programs,
  # each started by the kernel through the binfmt entry (qemu-aarch64).
  if ! chroot "$tmproot" /debootstrap/debootstrap --second-stage >>"$log" 2>&1; then
    tail -20 "$log" >&2; echo "debian-root: debootstrap --second-stage ($arch, under qemu) failed (log above)" >&2; exit 1
  fi
fi
if [ -n "$extra" ]; then
  echo "debian-root: installing $extra" >&2
  mount -t proc proc "$tmproot/proc"
  cp /etc/resolv.conf "$tmproot/etc/resolv.conf"
  # shellcheck disable=SC2086 # the list is words
  if ! chroot "$tmproot" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive QEMU_CPU=cortex-a72 \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $extra" >>"$log" 2>&1; then
    tail -20 "$log" >&2; echo "debian-root: apt-get install $extra ($arch) failed (log above)" >&2; exit 1
  fi
  umount "$tmproot/proc"
  rm -f "$tmproot/etc/resolv.conf"
  rm -rf "$tmproot/var/lib/apt/lists/"*
fi
# Nothing from the build machine or the build left inside.
rm -rf "$tmproot/var/cache/apt/archives/"*.deb "$tmproot/debootstrap"
[ "$(stat -c %a "$tmproot")" = 755 ] || { echo "debian-root: the root's / is $(stat -c %a "$tmproot"), want 755" >&2; exit 1; }
tar -C "$tmproot" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
# Older roots of this architecture (another version of this script, or the unkeyed
# tarball of the first test-deb) are no longer used.
for old in "$cache/$name-$arch"*.tar; do
  [ "$old" = "$tarball" ] || rm -f "$old"
done
echo "debian-root: $arch root built in $(( $(date +%s) - t0 )) s: $tarball ($(du -m "$tarball" | cut -f1) MB)" >&2
echo "$tarball"
