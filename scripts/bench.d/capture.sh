#!/usr/bin/env bash
# Capture figures: YUYV→RGB and MJPEG decode (frames without Huffman tables) at 640x480
# and 1280x720, and frames per second of capture + analysis (replay source → Frame.Image
# → the real engine's selfie gates) at 640x480 (goal ≥ 15 fps); the replay camera's
# memory over a folder of 40 photos of 16 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ONNXRUNTIME_LIB="${ONNXRUNTIME_LIB:-$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}"
go test -run '^$' -bench 'BenchmarkYUYVToRGBA|BenchmarkDecodeMJPEG|BenchmarkReplayAnalyze' -benchtime 2s ./capture/ \
  | grep -E '^(Benchmark|cpu:|ok|FAIL|---|    )'
# A replay folder of 40 photos of 16 MB (issue 19): RSS before, peak, after.
go test -run '^$' -bench 'BenchmarkReplayFolderMemory' -benchtime 1x -timeout 30m ./capture/replay/ \
  | grep -E '^(Benchmark|ok|FAIL|---|    )'
