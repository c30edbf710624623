#!/usr/bin/env bash
# Compare API figures: N concurrent clients (sync/compare) against the sandbox
# (sync/sandbox, real face analysis, 2 workers) on loopback: p50/p99 latency,
# throughput and errors. COMPARE_BENCH_REQUESTS sets the requests per client count.
# Then the sandbox's memory under four requests of ten CMYK JPEGs (RSS before, peak, after).
set -euo pipefail
cd "$(dirname "$0")/../.."
export ONNXRUNTIME_LIB="${ONNXRUNTIME_LIB:-$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}"
go test -run '^$' -bench 'BenchmarkConcurrentClients' -benchtime "${COMPARE_BENCH_REQUESTS:-48}x" ./sync/sandbox/ \
  | grep -E '^(Benchmark|cpu:|ok|FAIL|---|    )'
# The memory bound under the residual attack of issue 19: four requests of ten CMYK JPEGs.
go test -run '^$' -bench 'BenchmarkCMYKRequestsMemory' -benchtime 1x -timeout 30m ./sync/sandbox/ \
  | grep -E '^(Benchmark|ok|FAIL|---|    )'
