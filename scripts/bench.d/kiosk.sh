#!/usr/bin/env bash
# Kiosk program figures: time from start to ready (every part started), and, under Xvfb
# when it is installed, to the sign-in screen shown (goal ≤ 2 s); resident memory when
# idle 5 s later (goal ≤ 200 MB: on the sign-in screen under Xvfb, else headless); time
# from SIGTERM to exit (goal ≤ 5 s). The cameras are the replay camera over two test
# photos (a replayed folder is decoded whole into memory, which a V4L2 camera is not);
# no API URL (nothing to send). Run from the repository root (make bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/kiosk" ./cmd/kiosk
mkdir "$tmp/replay"
cp testdata/photos/alex_lacamoire_1.jpg testdata/photos/alex_lacamoire_2.jpg "$tmp/replay/"
cat > "$tmp/config.json" <<JSON
{"data_dir": "$tmp/data", "kiosk_id": "bench-kiosk", "offline": {"min_free_disk_mb": -1},
 "local_api": {"socket": "$tmp/kiosk.sock", "group": "$(id -g)"},
 "capture": {"selfie_camera": {"replay_dir": "$tmp/replay"}}}
JSON

# run MODE LABEL: start the kiosk, wait for its line, idle 5 s, read VmRSS, SIGTERM.
run() {
  local mode=$1 label=$2 want=$3
  rm -rf "$tmp/data"
  local args=(--config "$tmp/config.json")
  [ "$mode" = headless ] && args+=(--headless)
  "$tmp/kiosk" "${args[@]}" 2> "$tmp/err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do grep -q "$want" "$tmp/err" && break; sleep 0.05; done
  grep -q "$want" "$tmp/err" || { echo "$label: the kiosk did not get ready:"; cat "$tmp/err"; exit 1; }
  local key=start_to_ready
  [ "$want" = "screens shown" ] && key=start_to_screen
  local t
  t=$(sed -n "s/.*$key=\([^ ]*\).*/\1/p" "$tmp/err" | head -1)
  sleep 5
  local rss
  rss=$(awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  local s0 s1
  s0=$(date +%s%N)
  kill -TERM "$pid"
  wait "$pid" || { echo "$label: exit status $? after SIGTERM"; cat "$tmp/err"; exit 1; }
  s1=$(date +%s%N)
  printf '%-34s %-22s idle RSS %4s MB   SIGTERM to exit %4d ms\n' "$label" "$key $t" "$rss" $(( (s1 - s0) / 1000000 ))
}

run headless "headless (replay camera)" "msg=ready"
if command -v Xvfb >/dev/null; then
  display=:$((90 + RANDOM % 100))
  Xvfb "$display" -screen 0 1024x600x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=("$!")
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
  DISPLAY=$display FYNE_SCALE=1 LIBGL_ALWAYS_SOFTWARE=1 run screens "sign-in screen, Xvfb 1024x600" "screens shown"
else
  echo "Xvfb is not installed: no figure for the screens (scripts/setup.sh installs it)"
fi
