#!/usr/bin/env bash
# Install the amd64 packages into a clean Debian 12 root (debootstrap --variant=minbase,
# chroot) and check the package's contract: apt installs its Depends, `kioskctl version`
# prints the package's version, analyze works with the packaged ONNX Runtime and config,
# /var/lib/kiosk-agent is 0700 kiosk-agent, config.json is a conffile; an upgrade to a
# newer build keeps the data and an edited config; `apt purge` removes data, config and
# user. Prints the time of each step. Needs root (chroot, mount). `make test-deb` runs it
# after `make deb`; usage: scripts/test-deb.sh VERSION BINDIR
# The minbase root is cached as a tarball in ~/.cache/kiosk-agent/ (rebuilt when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: scripts/test-deb.sh VERSION BINDIR (use: make test-deb)" >&2; exit 2; }
version=$1 bindir=$2
[ "$version" = dev ] && version=0.0.0+dev
[ "$(id -u)" = 0 ] || { echo "test-deb: needs root (debootstrap, chroot)" >&2; exit 1; }
[ "$(dpkg --print-architecture)" = amd64 ] || { echo "test-deb: skipped: tests the amd64 package on an amd64 host"; exit 0; }
deb="$here/bin/deb/kiosk-agent_${version}-1_amd64.deb"
[ -f "$deb" ] || { echo "test-deb: $deb is missing: run make deb first" >&2; exit 1; }

start=$(date +%s.%N); t_step=$start
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
step() { local now; now=$(date +%s.%N); printf 'test-deb: %-48s %7s s\n' "$1" "$(elapsed "$t_step" "$now")"; t_step=$now; }
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-agent"
tarball="$cache/bookworm-minbase-amd64.tar"
if [ ! -f "$tarball" ]; then
  mkdir -p "$cache"
  tmproot=$(mktemp -d "$cache/root.XXXXXX")
  debootstrap --variant=minbase bookworm "$tmproot" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$tmproot"; fail "debootstrap bookworm (log above)"; }
  tar -C "$tmproot" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$tmproot"
  step "debootstrap Debian 12 minbase (cached after)"
fi

root=$(mktemp -d /tmp/kiosk-deb-test.XXXXXX)
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
mkdir -p "$root/tmp/debs" "$root/tmp/photos"
cp "$deb" "$root/tmp/debs/"
cp "$here/testdata/photos/obama_1.jpg" "$root/tmp/photos/"
step "unpack the clean root"

in_root apt-get update -qq >/dev/null
in_root apt-get install -y -qq --no-install-recommends "/tmp/debs/$(basename "$deb")" >"$root/tmp/install.log" 2>&1 ||
  { tail -30 "$root/tmp/install.log" >&2; fail "apt-get install kiosk-agent"; }
step "apt-get install kiosk-agent (with Depends)"

out=$(in_root kioskctl version)
[ "$(echo "$out" | awk '{print $2}')" = "$(echo "$version" | sed 's/^0\.0\.0+dev$/dev/')" ] ||
  fail "kioskctl version printed '$out', want version $version"
echo "test-deb:   $out"
# analyze with nothing set: the packaged config and the packaged ONNX Runtime.
in_root kioskctl analyze --json /tmp/photos/obama_1.jpg >"$root/tmp/analyze.json" 2>"$root/tmp/analyze.err" ||
  { cat "$root/tmp/analyze.err" >&2; fail "kioskctl analyze in the installed root"; }
[ "$(jq '.faces | length' "$root/tmp/analyze.json")" = 1 ] || fail "analyze found $(jq '.faces | length' "$root/tmp/analyze.json") faces in obama_1.jpg, want 1"
mode=$(in_root stat -c "%a %U %G" /var/lib/kiosk-agent)
[ "$mode" = "700 kiosk-agent kiosk-agent" ] || fail "/var/lib/kiosk-agent is '$mode', want '700 kiosk-agent kiosk-agent'"
in_root dpkg-query -W -f='${Conffiles}\n' kiosk-agent | grep -q '^ /etc/kiosk-agent/config.json ' ||
  fail "/etc/kiosk-agent/config.json is not a conffile"
step "version, analyze, data dir, conffile"

# Upgrade to a newer build: data and an edited config stay.
echo queued-job >"$root/var/lib/kiosk-agent/marker"
sed -i 's/"info"/"warn"/' "$root/etc/kiosk-agent/config.json"
newer="${version}.1"
DEB_OUT="$root/tmp/debs" "$here/scripts/deb.sh" amd64 "$newer" "$bindir" >/dev/null
step "build a newer package ($newer)"
in_root apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
  "/tmp/debs/kiosk-agent_${newer}-1_amd64.deb" >"$root/tmp/upgrade.log" 2>&1 ||
  { tail -30 "$root/tmp/upgrade.log" >&2; fail "upgrade to $newer"; }
[ "$(in_root dpkg-query -W -f='${Version}' kiosk-agent)" = "${newer}-1" ] || fail "upgrade did not install ${newer}-1"
[ "$(cat "$root/var/lib/kiosk-agent/marker" 2>/dev/null)" = queued-job ] || fail "upgrade lost /var/lib/kiosk-agent/marker"
grep -q '"warn"' "$root/etc/kiosk-agent/config.json" || fail "upgrade replaced the edited config"
[ "$(in_root stat -c "%a %U" /var/lib/kiosk-agent)" = "700 kiosk-agent" ] || fail "upgrade changed the data folder's mode or owner"
step "upgrade keeps data and config"

in_root apt-get remove -y -qq kiosk-agent >/dev/null 2>&1 || fail "apt-get remove"
[ -f "$root/var/lib/kiosk-agent/marker" ] || fail "remove (not purge) deleted the data"
in_root apt-get purge -y -qq kiosk-agent >/dev/null 2>&1 || fail "apt-get purge"
for p in /var/lib/kiosk-agent /etc/kiosk-agent /usr/lib/kiosk-agent /usr/bin/kioskctl; do
  [ ! -e "$root$p" ] || fail "purge left $p"
done
! in_root getent passwd kiosk-agent >/dev/null || fail "purge left the user kiosk-agent"
step "remove keeps data; purge removes data, config, user"

t_step=$start; step "total"
