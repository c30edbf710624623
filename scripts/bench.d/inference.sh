#!/usr/bin/env bash
# Face-analysis figures on a 640x480 JPEG frame: each stage's p50/p95, the whole analysis
# (decode → detect → quality → liveness), and its ratio to the bare ONNX Runtime runs of
# the same models on the same tensors. INFERENCE_BENCH sets the iterations (default 300).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CGO_CFLAGS:=-O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
: "${ONNXRUNTIME_LIB:=$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}"
export CGO_CFLAGS ONNXRUNTIME_LIB
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$(INFERENCE_BENCH="${INFERENCE_BENCH:-300}" go test ./inference -run '^TestBenchReport$' -count=1 -v 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -vE '^(=== RUN|--- PASS|PASS|ok )'
go test ./inference -run '^$' -bench 'DecodeFrame|AnalyzeFrame|Embed|Identical' -benchtime=100x -benchmem 2>&1 | grep -E '^Benchmark'
