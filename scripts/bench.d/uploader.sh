#!/usr/bin/env bash
# Sync engine figures: `kioskctl sync` drains N queued jobs (300 KB each) to the sandbox on
# loopback; the same bodies, prebuilt, posted by a bare net/http loop (same concurrency,
# 2); the ratio; the peak RSS of the kioskctl process. Run twice: with the sandbox's real
# face analysis, and with no analysis (the transport alone). Run from the repository root
# (make bench). UPLOADER_BENCH_JOBS changes N (default 500); UPLOADER_BENCH_ANALYZERS="none"
# runs only the transport-alone case.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
export ONNXRUNTIME_LIB="${ONNXRUNTIME_LIB:-$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}"
JOBS="${UPLOADER_BENCH_JOBS:-500}"
BYTES=$((300 * 1024))
tmp="$(mktemp -d)"
srv=""
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/bin/" ./cmd/kioskctl ./scripts/drainbench
umask 077
printf 'bench-key-%s%s\n' "$RANDOM" "$RANDOM" > "$tmp/key"
echo "$JOBS jobs of $BYTES bytes, $(nproc) cores"

for analyzer in ${UPLOADER_BENCH_ANALYZERS:-engine none}; do
  rm -rf "$tmp/sbx" "$tmp/kiosk"
  "$tmp/bin/drainbench" serve --key-file "$tmp/key" --data-dir "$tmp/sbx" --analyzer "$analyzer" > "$tmp/serve.out" 2> "$tmp/serve.err" &
  srv=$!
  for _ in $(seq 1 300); do grep -q '^listening ' "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
  url="$(sed -n 's/^listening //p' "$tmp/serve.out")"
  [ -n "$url" ] || { echo "sandbox did not start:"; cat "$tmp/serve.err"; exit 1; }
  "$tmp/bin/drainbench" fill --data-dir "$tmp/kiosk" --jobs "$JOBS" --job-bytes "$BYTES" > /dev/null
  "$tmp/bin/drainbench" measure --out "$tmp/mem.json" -- "$tmp/bin/kioskctl" sync --json --data-dir "$tmp/kiosk" \
    --api-url "$url" --partner-id 0001 --api-key-file "$tmp/key" > "$tmp/sync.json"
  "$tmp/bin/drainbench" bare --api-url "$url" --partner-id 0001 --api-key-file "$tmp/key" \
    --jobs "$JOBS" --job-bytes "$BYTES" > "$tmp/bare.json"
  label="sandbox with face analysis"
  [ "$analyzer" = none ] && label="sandbox without analysis"
  "$tmp/bin/drainbench" report --label "$label" --sync "$tmp/sync.json" --bare "$tmp/bare.json" --mem "$tmp/mem.json"
  kill "$srv"; wait "$srv" 2>/dev/null || true; srv=""
done
