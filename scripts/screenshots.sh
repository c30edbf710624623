#!/usr/bin/env bash
# Draw every screen of the kiosk UI in a real window under Xvfb, in English and French,
# at 1024x600 and 1920x1080, into bin/screenshots/<size>/<lang>/<screen>.png (ignored by
# git), then copy the curated set (the gallery list in ui/internal/screenshots/gallery.go)
# into docs/screenshots/1024x600/<lang>/ and write docs/gallery.md. A fixed clock, fixed
# ids and TZ=UTC: a second run changes nothing in git unless the UI changed.
# Needs xvfb and xwd (x11-apps); scripts/setup.sh installs them.
#   SCREENSHOTS_OUT=DIR     where every picture goes (default bin/screenshots)
#   SCREENSHOT_SIZES="..."  the sizes drawn (default "1024x600 1920x1080"); docs/ is
#                           updated only when 1024x600 is among them
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
for t in Xvfb xwd; do
  command -v $t >/dev/null || { echo "screenshots: $t is missing: run scripts/setup.sh (as root)" >&2; exit 1; }
done
export TZ=UTC
mkdir -p bin
# The session's runtime folder, as a login session has one (scripts/demo-setup.sh does the
# same): without it the display libraries warn at start (XDG_RUNTIME_DIR, dbus-launch).
run=$here/bin/.screenshots-run
mkdir -p "$run"; chmod 700 "$run"
export XDG_RUNTIME_DIR=$run
# no_animations: a still text cursor and still buttons (the cursor blinks otherwise).
go build -tags no_animations -o bin/ui-screenshots ./ui/internal/screenshots
out=${SCREENSHOTS_OUT:-bin/screenshots}
sizes=${SCREENSHOT_SIZES:-1024x600 1920x1080}
for size in $sizes; do
  rm -rf "${out:?}/$size"
  : >bin/.screenshots-display
  # -displayfd: Xvfb picks a free display and writes its number there.
  Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp 3>bin/.screenshots-display >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  for _ in $(seq 100); do [ -s bin/.screenshots-display ] && break; sleep 0.1; done
  display=:$(tr -d '\n' <bin/.screenshots-display)
  [ "$display" != : ] || { echo "screenshots: Xvfb did not start" >&2; exit 1; }
  # The program sets Fyne's scale the kiosk chooses for the size (ui.ScaleFor: 1 at
  # 1024x600, 1.8 at 1920x1080): the pictures are what the kiosk shows.
  DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1 bin/ui-screenshots -out "$out" -size "$size"
  kill "$xvfb" 2>/dev/null || true
  wait "$xvfb" 2>/dev/null || true
  trap - EXIT
done
rm -f bin/.screenshots-display
echo "screenshots: every screen under $out"
if [[ " $sizes " == *" 1024x600 "* ]]; then
  bin/ui-screenshots -curate "$out" -docs docs
  echo "screenshots: the gallery in docs/screenshots/1024x600/ and docs/gallery.md ($(du -sh docs/screenshots | cut -f1))"
fi
