#!/usr/bin/env bash
# The flattened card's effect on matching (issue 22): for each ID-1 still of the labelled
# set testdata/docset and each other photo of the card's customer, the sandbox's
# similarity (sync/sandbox's Judge, the compare API's code path) with the raw 1280x720
# frame as the DOCUMENT image and with the card found and flattened (scripts/docbench
# match); per still case and overall, and apart for the cards found right.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CGO_CFLAGS:=-O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
: "${ONNXRUNTIME_LIB:=$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}"
export CGO_CFLAGS ONNXRUNTIME_LIB
go run ./scripts/docset
go run ./scripts/docbench match
