#!/usr/bin/env bash
# Fleet metrics figures: the cost of one GET /metrics from a running kiosk with 1000 jobs
# queued (BenchmarkScrape in internal/app: goal ≤ 2 ms a scrape, p50), and the headless
# kiosk's idle CPU and resident memory with metrics off, then on (metrics.listen scraped
# every 15 s as Prometheus would, and the textfile written every 15 s): goal ≤ 1 % CPU
# and ≤ 5 MB more. Each mode runs IDLE seconds (default 60). Run from the repository
# root (make bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
idle=${IDLE:-60}
go test -run '^$' -bench '^BenchmarkScrape$' -benchtime 500x ./internal/app/ | awk '/^BenchmarkScrape/ {
  for (i = 1; i <= NF; i++) { if ($(i+1) == "p50-ms") p50 = $i; if ($(i+1) == "p90-ms") p90 = $i; if ($(i+1) == "bytes") b = $i }
  printf "GET /metrics, 1000 jobs queued: p50 %s ms, p90 %s ms, %s bytes (goal p50 <= 2 ms)\n", p50, p90, b }'

tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/kiosk" ./cmd/kiosk
# A loopback port nothing listens on (ss from iproute2, which setup.sh installs).
port=$((20000 + RANDOM % 20000))
while ss -ltnH "sport = :$port" | grep -q .; do port=$((20000 + RANDOM % 20000)); done
# scrape: one GET /metrics over bash's /dev/tcp (what Prometheus does every 15 s).
scrape() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  cat <&3 >/dev/null
  exec 3<&-
}
mkdir -p "$tmp/textfile"
conf() {
  cat > "$tmp/config.json" <<JSON
{"data_dir": "$tmp/data", "kiosk_id": "bench-kiosk", "offline": {"min_free_disk_mb": -1},
 "local_api": {"socket": "$tmp/kiosk.sock", "group": "$(id -g)"}$1}
JSON
}
hz=$(getconf CLK_TCK)
# run LABEL: start the headless kiosk (no cameras: replay off, none found), wait for
# ready, settle 5 s, then measure CPU over $idle s and read VmRSS.
run() {
  local label=$1 scrape=$2
  rm -rf "$tmp/data"
  "$tmp/kiosk" --config "$tmp/config.json" --headless 2> "$tmp/err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do grep -q "msg=ready" "$tmp/err" && break; sleep 0.05; done
  grep -q "msg=ready" "$tmp/err" || { echo "$label: the kiosk did not get ready:"; cat "$tmp/err"; exit 1; }
  sleep 5
  local c0 c1 t0 t1
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  t0=$(date +%s%N)
  local end=$(( $(date +%s) + idle ))
  while [ "$(date +%s)" -lt "$end" ]; do
    [ "$scrape" = yes ] && scrape
    sleep 15 &
    wait $! || true
    [ "$(date +%s)" -lt "$end" ] || break
  done
  c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  t1=$(date +%s%N)
  local rss
  rss=$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  awk -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) -v rss="$rss" -v l="$label" \
    'BEGIN { printf "%-44s idle CPU %5.2f %%   RSS %6s MB\n", l, 100 * (c / hz) / (ns / 1e9), rss }'
}
conf ''
run "headless kiosk, metrics off" no
conf ", \"metrics\": {\"listen\": \"127.0.0.1:$port\", \"textfile_dir\": \"$tmp/textfile\", \"interval\": \"15s\"}"
run "headless kiosk, metrics on (scraped, textfile)" yes
