#!/usr/bin/env bash
# Image decoding's memory bound (internal/imagelimit): the decompression bombs of issue 13
# and the largest accepted file of each costly kind, each decoded in a fresh process:
# file size, time, peak RSS growth (libjpeg-turbo's C buffers included), Go heap, outcome.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CGO_CFLAGS:=-O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"
export CGO_CFLAGS
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/decodemem" ./scripts/decodemem
"$tmp/decodemem"
