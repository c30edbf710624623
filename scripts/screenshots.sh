#!/usr/bin/env bash
# Draw every screen of the kiosk UI in a real window under Xvfb, in English and French,
# at 1024x600 and 1920x1080, into docs/screenshots/<size>/<lang>/<screen>.png.
# Needs xvfb and xwd (x11-apps); scripts/setup.sh installs them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
for t in Xvfb xwd; do
  command -v $t >/dev/null || { echo "screenshots: $t is missing: run scripts/setup.sh (as root)" >&2; exit 1; }
done
mkdir -p bin
go build -o bin/ui-screenshots ./ui/internal/screenshots
out=${SCREENSHOTS_OUT:-docs/screenshots}
for size in ${SCREENSHOT_SIZES:-1024x600 1920x1080}; do
  display=:$((90 + RANDOM % 100))
  Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
  DISPLAY=$display FYNE_SCALE=1 LIBGL_ALWAYS_SOFTWARE=1 bin/ui-screenshots -out "$out" -size "$size"
  kill "$xvfb" 2>/dev/null || true
  wait "$xvfb" 2>/dev/null || true
  trap - EXIT
done
echo "screenshots: written under $out"
