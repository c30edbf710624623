#!/usr/bin/env bash
# Wizard preview figures: the selfie step in a real 1024x600 window under Xvfb, the
# fake camera replaying a photo at 30 fps, the real capture.Selfie judging the newest
# frames with the face engine; then the same with a fixed 250 ms analysis (a slow ARM
# kiosk); then the document step with the card's gates on (the face engine and
# card.Find on each frame analysed). Prints camera and painted frames per second,
# analyses per second, the delay from a frame to its guidance, and the process's CPU.
# UI_BENCH_SECONDS sets the time.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CGO_CFLAGS:=-O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
: "${ONNXRUNTIME_LIB:=$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}"
export CGO_CFLAGS ONNXRUNTIME_LIB
command -v Xvfb >/dev/null || { echo "ui bench: Xvfb is missing: run scripts/setup.sh (as root)" >&2; exit 1; }
tmp="$(mktemp -d)"
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1024x600x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/previewbench" ./scripts/previewbench
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for cost in 0 250ms; do
  DISPLAY=$display FYNE_SCALE=1 LIBGL_ALWAYS_SOFTWARE=1 "$tmp/previewbench" -d "${UI_BENCH_SECONDS:-10}s" -cost "$cost" 2>/dev/null
done
DISPLAY=$display FYNE_SCALE=1 LIBGL_ALWAYS_SOFTWARE=1 "$tmp/previewbench" -d "${UI_BENCH_SECONDS:-10}s" -step document 2>/dev/null
