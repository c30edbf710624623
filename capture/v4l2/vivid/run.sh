#!/usr/bin/env bash
# Runs capture/v4l2's tests against the kernel's real vivid driver, in a throwaway VM.
#
# 1. Downloads the one kernel package that linux-image-amd64 depends on (never a glob:
#    that would fetch every kernel) into .cache/vivid/ and extracts vmlinuz and the
#    modules vivid needs (dependency order read with modinfo).
# 2. Builds a static test binary of capture/v4l2 and an initramfs with busybox-static,
#    the modules and an init script that loads them and runs the tests.
# 3. Boots it with qemu-system-x86_64 -accel tcg and reads the serial console; exits
#    non-zero unless the test binary printed PASS and the init printed its sentinel.
#
# Needs: apt-get, dpkg-deb, modinfo (kmod), cpio, busybox-static, qemu-system-x86,
# libc6-dev (static glibc). scripts/setup.sh installs them.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
CACHE=${VIVID_CACHE:-$ROOT/.cache/vivid}
TIMEOUT=${VIVID_TIMEOUT:-300}
SENTINEL="KIOSK-VIVID-DONE"
mkdir -p "$CACHE"
cd "$CACHE"

export CGO_ENABLED=1
export CGO_CFLAGS=${CGO_CFLAGS:-"-O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200"}

for tool in qemu-system-x86_64 cpio modinfo dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "test-v4l2: $tool missing: run scripts/setup.sh" >&2; exit 1; }
done
BUSYBOX=/bin/busybox # busybox-static's (the initramfs has no shared libraries)
[ -x "$BUSYBOX" ] || { echo "test-v4l2: $BUSYBOX missing: install busybox-static (scripts/setup.sh)" >&2; exit 1; }

# 1. The kernel package: the exact one linux-image-amd64 depends on.
pkg=$(cat kernel-package 2>/dev/null || true)
if [ -z "$pkg" ] || ! ls "$CACHE"/"$pkg"_*.deb >/dev/null 2>&1; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$pkg" ]; then
    echo "test-v4l2: apt-cache knows no linux-image-amd64 dependency: run apt-get update" >&2
    exit 1
  fi
  echo "test-v4l2: downloading $pkg (about 70 MB, once)"
  apt-get download "$pkg" >/dev/null 2>download.log || { cat download.log >&2; exit 1; }
  echo "$pkg" > kernel-package
fi
deb=$(ls "$CACHE"/"$pkg"_*.deb | head -1)
kver=${pkg#linux-image-}
# The extracted kernel is kept under a name of the kernel's version and of this script's
# hash: a change to this script extracts it again, as on a fresh machine. (The download
# is named by the package apt chose; the initramfs is made afresh on every run.)
done_mark="x/$kver-$(sha256sum "$ROOT/capture/v4l2/vivid/run.sh" | cut -c1-12).done"
if [ ! -f "$done_mark" ]; then
  rm -rf x && mkdir x
  dpkg-deb -x "$deb" x
  touch "$done_mark"
fi
MODDIR=x/lib/modules/$kver
VMLINUZ=x/boot/vmlinuz-$kver
[ -f "$VMLINUZ" ] || { echo "test-v4l2: no $VMLINUZ in $deb" >&2; exit 1; }

# Module dependency order (depth first, dependencies before dependants).
declare -A seen=()
order=()
modpath() { find "$MODDIR/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -1; }
visit() {
  local m=$1 p deps d
  [ -n "${seen[$m]:-}" ] && return 0
  seen[$m]=1
  p=$(modpath "$m")
  [ -n "$p" ] || { echo "test-v4l2: module $m not found (built in?)" >&2; return 0; }
  deps=$(modinfo -F depends "$p" | tr ',' ' ')
  for d in $deps; do visit "$d"; done
  order+=("$m")
}
visit vivid

# 2. The initramfs.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"/{bin,dev,proc,sys,tmp,lib/modules}
chmod 755 "$WORK" && chmod 1777 "$WORK/tmp" # the permission test runs a child as nobody
cp "$BUSYBOX" "$WORK/bin/busybox"
for m in "${order[@]}"; do
  p=$(modpath "$m")
  case "$p" in
    *.xz) xz -dc "$p" > "$WORK/lib/modules/$m.ko" ;;
    *.zst) zstd -qdc "$p" > "$WORK/lib/modules/$m.ko" ;;
    *) cp "$p" "$WORK/lib/modules/$m.ko" ;;
  esac
done
printf '%s\n' "${order[@]}" > "$WORK/lib/modules/order"

echo "test-v4l2: building the static test binary"
(cd "$ROOT" && go test -c -o "$WORK/v4l2.test" -ldflags '-extldflags -static' ./capture/v4l2) 2> "$WORK/build.log" \
  || { cat "$WORK/build.log" >&2; exit 1; }
grep -v -e "dlopen" -e "cgo-gcc-prolog" -e "go-link" -e "^#" "$WORK/build.log" >&2 || true

cat > "$WORK/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in \$(cat /lib/modules/order); do
  args=""
  [ "\$m" = vivid ] && args="n_devs=2 node_types=0x1,0x1"
  insmod /lib/modules/\$m.ko \$args || echo "insmod \$m failed"
done
export KIOSK_VIVID=1 HOME=/tmp TMPDIR=/tmp
cd /tmp
/v4l2.test -test.v -test.timeout 240s
echo "$SENTINEL rc=\$?"
poweroff -f
INIT
chmod +x "$WORK/init"
(cd "$WORK" && find . -path ./build.log -prune -o -print | cpio -o -H newc --quiet | gzip -1 > "$CACHE/initramfs.gz")

# 3. Boot.
echo "test-v4l2: booting $kver with modules: ${order[*]}"
LOG=$CACHE/console.log
start=$(date +%s)
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -nographic -no-reboot -m 512 \
  -kernel "$VMLINUZ" -initrd "$CACHE/initramfs.gz" \
  -append "console=ttyS0 panic=-1 quiet" < /dev/null > "$LOG" 2>&1
qrc=$?
set -e
tr -d '\r' < "$LOG" | grep -E -e '^(=== RUN|--- |    |PASS|FAIL|ok|panic)' -e "$SENTINEL" -e 'insmod' || true
echo "test-v4l2: VM ran $(( $(date +%s) - start )) s (qemu exit $qrc); console log in $LOG"
if [ "$qrc" = 124 ]; then
  echo "test-v4l2: FAIL: the VM did not finish within $TIMEOUT s" >&2
  exit 1
fi
if tr -d '\r' < "$LOG" | grep -q "^PASS$" && tr -d '\r' < "$LOG" | grep -q "$SENTINEL rc=0"; then
  pass=$(tr -d '\r' < "$LOG" | grep -c -- '^--- PASS' || true)
  skip=$(tr -d '\r' < "$LOG" | grep -c -- '--- SKIP' || true)
  echo "test-v4l2: ok ($pass passed, $skip skipped, against vivid in $kver)"
  exit 0
fi
echo "test-v4l2: FAIL: no PASS and sentinel on the console" >&2
exit 1
