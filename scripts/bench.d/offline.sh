#!/usr/bin/env bash
# Offline queue figures: seal+enqueue of a 300 KB job with fsync (p50, p95), open and
# list of a 10,000-job queue, peak memory; how many of the 10^6 six-digit PINs the PIN
# rules refuse. Run from the repository root (make bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
echo "data disk: $(df -h "${TMPDIR:-/tmp}" | awk 'NR==2 {print $1, $2}'), $(nproc) cores"
OFFLINE_FIGURES=1 OFFLINE_FIGURES_JOBS="${OFFLINE_FIGURES_JOBS:-10000}" \
  go test ./offline -run '^TestPrintFigures$' -count=1 -v 2>&1 | grep -v -e '^=== RUN' -e '^--- PASS' -e '^PASS' -e '^ok '
go test ./offline -run '^$' -bench 'Enqueue300KB|Load300KB' -benchtime 100x -count=1 2>&1 | grep -E '^Benchmark'
go test ./offline -run '^TestPINRulesRefuseFew$' -count=1 -v 2>&1 | grep -o 'refused .*'
