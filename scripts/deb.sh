#!/usr/bin/env bash
# Build the Debian packages (kiosk, kioskctl, compare-sandbox) with nfpm (packaging/tools, a module
# of its own) into bin/deb/, then check them: the binaries in the package are of the
# package's architecture (`file`), every shared library they need is provided by a
# package in Depends (for the kiosk app, also those it loads at run time), and libc6's minimum version covers their newest GLIBC symbol.
# Prints each package's size. Called by `make deb ARCH=amd64|arm64` after `make build`.
# Usage: scripts/deb.sh ARCH VERSION BINDIR   (DEB_OUT=DIR writes there instead)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 3 ] || { echo "usage: scripts/deb.sh ARCH VERSION BINDIR (use: make deb ARCH=amd64|arm64)" >&2; exit 2; }
arch=$1 version=$2 bindir=$3
case "$arch" in
  amd64) elf='x86-64' triplet=x86_64-linux-gnu ;;
  arm64) elf='ARM aarch64' triplet=aarch64-linux-gnu ;;
  *) echo "deb: unsupported architecture '$arch' (amd64 or arm64)" >&2; exit 2 ;;
esac
# A Debian version must start with a digit: a build outside git ("dev") becomes 0.0.0+dev.
[ "$version" = dev ] && version=0.0.0+dev
for b in kioskctl compare-sandbox kiosk; do
  [ -x "$bindir/$b" ] || { echo "deb: $bindir/$b is missing: run make build ARCH=$arch first" >&2; exit 1; }
done
ortlib=$("$here/scripts/fetch-ort.sh" "$arch")
out="${DEB_OUT:-$here/bin/deb}"
mkdir -p "$out"
export ARCH=$arch VERSION=$version BINDIR=$bindir ORTLIB=$ortlib
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
if ! command -v file >/dev/null || ! command -v readelf >/dev/null; then
  echo "deb: installing file and binutils"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 file binutils >/dev/null ||
    { echo "deb: 'file' and 'readelf' are needed: apt-get install file binutils" >&2; exit 1; }
fi
# Reproducible file dates: the commit's time.
SOURCE_DATE_EPOCH=$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH
export PATH="/usr/local/go/bin:$PATH"

# Build nfpm once (cached by the Go build cache) and run it.
nfpm="$here/bin/tools/nfpm"
t0=$(date +%s.%N)
(cd "$here/packaging/tools" && go build -o "$nfpm" github.com/goreleaser/nfpm/v2/cmd/nfpm)
t1=$(date +%s.%N)
echo "deb: nfpm built in $(elapsed "$t0" "$t1") s"

# Stripped copies of the binaries (Debian ships stripped binaries; about a quarter smaller).
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export STRIPPED="$work/bin" CHANGELOGS="$work/changelog"
mkdir -p "$STRIPPED" "$CHANGELOGS"
strip=strip; [ "$arch" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ] && strip=aarch64-linux-gnu-strip
for n in kioskctl compare-sandbox kiosk; do
  [ -f "$bindir/$n" ] || continue
  "$strip" --strip-unneeded -o "$STRIPPED/$n" "$bindir/$n"
done
# A changelog.Debian.gz per package (Debian policy): the version and the commit.
commit=$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
maint=$(awk -F': ' '/^maintainer:/ {print $2; exit}' "$here/packaging/kiosk-agent.yaml")
for name in kiosk-agent kiosk-agent-compare-sandbox; do
  printf '%s (%s-1) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
    "$name" "$version" "$commit" "$maint" "$(date -R -u -d "@$SOURCE_DATE_EPOCH")" |
    gzip -9n >"$CHANGELOGS/$name.changelog.Debian.gz"
done

debs=()
for cfg in kiosk-agent compare-sandbox; do
  rm -f "$out"/*"${cfg}"_*_"$arch".deb
  t0=$(date +%s.%N)
  # nfpm runs in the repository's root: the configs' paths are relative to it.
  if ! log=$(cd "$here" && "$nfpm" package --config "packaging/$cfg.yaml" --packager deb --target "$out/" 2>&1); then
    echo "$log" >&2; echo "deb: nfpm failed on packaging/$cfg.yaml" >&2; exit 1
  fi
  t1=$(date +%s.%N)
  name=$(awk '/^name:/ {print $2; exit}' "$here/packaging/$cfg.yaml")
  deb="$out/${name}_${version}-1_${arch}.deb"
  [ -f "$deb" ] || { echo "deb: nfpm did not write $deb" >&2; ls "$out" >&2; exit 1; }
  echo "deb: $(basename "$deb") built in $(elapsed "$t0" "$t1") s"
  debs+=("$deb")
done

# so_owner SONAME: the installed $arch package that holds the library (dpkg knows a file
# by the path it was installed as: try the link, its target, each with and without /usr).
so_owner() {
  local d p q o
  for d in /lib/$triplet /usr/lib/$triplet; do
    [ -e "$d/$1" ] || continue
    for p in "$d/$1" "$(readlink -f "$d/$1")"; do
      for q in "$p" "${p#/usr}" "/usr${p#/usr}"; do
        o=$(dpkg -S "$q" 2>/dev/null | head -1 | sed 's/[:,].*//') || true
        [ -n "$o" ] && { echo "$o"; return 0; }
      done
    done
  done
  return 0
}

# The libraries the kiosk app loads at run time (GLFW's dlopen: Wayland's EGL, cursor and
# xkbcommon; the X11 fallback's Xlib family) are in no NEEDED list: each one the binary
# names must come from a package in Depends too. (libGLES*, OSMesa, Vulkan, GLX-only
# names and libdecor are alternatives GLFW tries and can do without.)
dlopened="libEGL.so.1 libwayland-cursor.so.0 libwayland-egl.so.1 libxkbcommon.so.0 libX11.so.6 libX11-xcb.so.1 libXcursor.so.1 libXext.so.6 libXi.so.6 libXinerama.so.1 libXrandr.so.2 libXrender.so.1 libXxf86vm.so.1"

# Checks on what the packages hold.
fail=0
for deb in "${debs[@]}"; do
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  depends=$(dpkg-deb -f "$deb" Depends)
  dep_names=" $(echo "$depends" | tr ',' '\n' | sed 's/(.*//; s/ //g' | tr '\n' ' ') "
  libc_min=$(echo "$depends" | tr ',' '\n' | sed -n 's/^ *libc6 *(>= *\([0-9.]*\)).*/\1/p')
  while IFS= read -r -d '' f; do
    desc=$(file -b "$f")
    case "$desc" in ELF*) ;; *) continue ;; esac
    rel=${f#"$tmp"}
    if [[ "$desc" != *"$elf"* ]]; then
      echo "deb: $(basename "$deb"): $rel is not $elf: $desc" >&2; fail=1; continue
    fi
    echo "deb:   $rel: ${desc%%,*}, ${desc#*, }" | cut -c1-110
    # Each NEEDED library: from the package itself, or from a package in Depends.
    for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      if [ -e "$tmp/usr/lib/kiosk-agent/$so" ]; then continue; fi
      owner=$(so_owner "$so")
      if [ -z "$owner" ]; then
        echo "deb: $rel needs $so, which no installed $arch package provides (scripts/setup-arm64.sh installs them)" >&2; fail=1
      elif [[ "$dep_names" != *" $owner "* ]]; then
        echo "deb: $rel needs $so from $owner, which is not in Depends ($depends)" >&2; fail=1
      fi
    done
    # What the kiosk app loads at run time.
    if [ "$rel" = /usr/bin/kiosk ]; then
      names=$(strings -n 8 "$f" | grep -E '^lib[A-Za-z0-9_-]+\.so\.[0-9]+$' | sort -u)
      for so in $dlopened; do
        echo "$names" | grep -qx "$so" || continue
        owner=$(so_owner "$so")
        if [ -z "$owner" ]; then
          echo "deb: $rel loads $so, which no installed $arch package provides (scripts/setup-arm64.sh installs them)" >&2; fail=1
        elif [[ "$dep_names" != *" $owner "* ]]; then
          echo "deb: $rel loads $so (dlopen) from $owner, which is not in Depends" >&2; fail=1
        fi
      done
    fi
    # The newest GLIBC symbol version must not be newer than libc6 (>= ...).
    need=$(readelf -V "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
    if [ -n "$need" ] && { [ -z "$libc_min" ] || [ "$(printf '%s\n%s\n' "$need" "$libc_min" | sort -V | tail -1)" != "$libc_min" ]; }; then
      echo "deb: $rel needs GLIBC_$need but Depends says libc6 (>= ${libc_min:-none})" >&2; fail=1
    fi
  done < <(find "$tmp" -type f -print0)
  rm -rf "$tmp"
done
[ "$fail" = 0 ] || { echo "deb: checks failed" >&2; exit 1; }

for deb in "${debs[@]}"; do
  size=$(stat -c %s "$deb")
  printf 'deb: %-62s %5.1f MB (installed %5.1f MB)  Depends: %s\n' "$(basename "$deb")" \
    "$(awk -v s="$size" 'BEGIN{print s/1e6}')" \
    "$(awk -v s="$(dpkg-deb -f "$deb" Installed-Size)" 'BEGIN{print s/1e3}')" "$(dpkg-deb -f "$deb" Depends)"
done
