#!/usr/bin/env bash
# make test-clicks (part of make test): the real kiosk app, in training mode against
# compare-sandbox with the replay camera of make demo, full screen in a real X server
# (Xvfb), enrolls a customer driven by mouse clicks only (xdotool, through the X server,
# as a finger would): sign in on the PIN pad, consent, the customer id typed on the
# on-screen keyboard, the document, selfie and head movements, seal, and the result
# "match" with its code and the customer's id. At 1024x600 and 1920x1080 (where the
# screens scale: every button at least 48 pixels times the scale), in English and
# French. Each run's start must print none of the warnings a kiosk start used to
# (XDG_RUNTIME_DIR, dbus-launch, "Preferences load error"). scripts/clickthrough drives
# it from the kiosk's screen map (KIOSK_UI_MAP).
# The document step's screen, as the step opens and once the card is taken, is kept for a
# look in bin/test-output/clicks/SIZE-LANG/ (document-live.png, document-taken.png).
# CLICK_SIZES and CLICK_LANGS narrow the runs; KEEP=1 keeps the files (printed).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin
photos=$PWD/testdata/photos
demo=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-clicks.XXXXXX")
port=$((20000 + RANDOM % 20000))
export ONNXRUNTIME_LIB=${ONNXRUNTIME_LIB:-$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}
for t in Xvfb xdotool; do
  command -v $t >/dev/null || { echo "test-clicks: $t is missing: run scripts/setup.sh (as root)" >&2; exit 1; }
done
for b in kiosk kioskctl compare-sandbox; do
  [ -x "$bin/$b" ] || { echo "test-clicks: $bin/$b is missing: run make build" >&2; exit 1; }
done
go build -o "$bin/clickthrough" ./scripts/clickthrough
xvfb= kiosk=
cleanup() {
  [ -n "$kiosk" ] && kill "$kiosk" 2>/dev/null && wait "$kiosk" 2>/dev/null
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null && wait "$xvfb" 2>/dev/null
  demo_cleanup
  if [ "${KEEP:-}" = 1 ]; then echo "test-clicks: files kept in $demo"; else rm -rf "$demo"; fi
}
. scripts/demo-setup.sh
trap cleanup EXIT
demo_files >/dev/null
demo_sandbox
runs=0
for size in ${CLICK_SIZES:-1024x600 1920x1080}; do
  display=:$((110 + RANDOM % 100))
  Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
  # Every button at least 48 units high, times the scale the kiosk chooses for the
  # screen (ui.ScaleFor: 1 at 1024x600, 1.8 at 1920x1080).
  w=${size%x*} h=${size#*x}
  scale=$(awk -v w="$w" -v h="$h" 'BEGIN{s=w/1024; if (h/600<s) s=h/600; s=int(s*10+0.001)/10; if (s<1) s=1; if (s>3) s=3; printf "%.1f", s}')
  min_key=$(awk -v s="$scale" 'BEGIN{printf "%d", 48*s}')
  for lang in ${CLICK_LANGS:-en fr}; do
    runs=$((runs + 1))
    demo_config
    map=$demo/run/screen-map.json
    log=$demo/kiosk-$size-$lang.log
    rm -f "$map"
    t0=$(date +%s.%N)
    DISPLAY=$display XDG_RUNTIME_DIR=$demo/run KIOSK_UI_MAP=$map LIBGL_ALWAYS_SOFTWARE=1 \
      "$bin/kiosk" --config "$demo/config.json" >"$log" 2>&1 &
    kiosk=$!
    echo "test-clicks: $size $lang"
    if ! DISPLAY=$display "$bin/clickthrough" -map "$map" -lang "$lang" -operator "Demo Agent" -pin "$op_pin" \
        -user "CUST-$runs$RANDOM" -screen "$size" -scale "$scale" -min-key "$min_key" \
        -shots "$bin/test-output/clicks/$size-$lang"; then
      echo "test-clicks: $size $lang FAILED; the kiosk's log:" >&2
      cat "$log" >&2
      exit 1
    fi
    kill -TERM "$kiosk"
    wait "$kiosk" || { echo "test-clicks: the kiosk did not exit cleanly; its log:" >&2; cat "$log" >&2; exit 1; }
    kiosk=
    if grep -E 'XDG_RUNTIME_DIR|dbus-launch|Preferences load error|Fyne error' "$log" >&2; then
      echo "test-clicks: $size $lang: the kiosk warned at start (above)" >&2
      exit 1
    fi
    awk -v a="$t0" -v b="$(date +%s.%N)" -v s="$size" -v l="$lang" 'BEGIN{printf "test-clicks: %s %s ok in %.1f s\n", s, l, b-a}'
  done
  kill "$xvfb"; wait "$xvfb" 2>/dev/null || true; xvfb=
done
echo "test-clicks: $runs enrollments by clicks ok"
