#!/usr/bin/env bash
# Fetch the ONNX Runtime shared library from the npm registry (onnxruntime-node),
# check it against scripts/ort.sha256 and keep it in .cache/ort/<goarch>/.
# Usage: scripts/fetch-ort.sh [amd64|arm64]   (default: this machine's arch)
# Prints the path of the library. Does nothing if a checked copy is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ORT_VERSION=1.24.1
goarch=${1:-$(go env GOARCH 2>/dev/null || dpkg --print-architecture)}
case "$goarch" in
  amd64|x86_64) goarch=amd64; npmarch=x64 ;;
  arm64|aarch64) goarch=arm64; npmarch=arm64 ;;
  *) echo "fetch-ort: unsupported architecture '$goarch' (amd64 or arm64)" >&2; exit 2 ;;
esac
want=$(awk -v f="$npmarch/libonnxruntime.so.1" '$2==f {print $1}' "$here/scripts/ort.sha256")
dest="$here/.cache/ort/$goarch"
lib="$dest/libonnxruntime.so.1"
if [ -f "$lib" ] && [ "$(sha256sum "$lib" | cut -d' ' -f1)" = "$want" ]; then
  echo "$lib"; exit 0
fi
command -v npm >/dev/null || { echo "fetch-ort: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null )
tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" "package/bin/napi-v6/linux/$npmarch/libonnxruntime.so.1"
got=$(sha256sum "$tmp/package/bin/napi-v6/linux/$npmarch/libonnxruntime.so.1" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "fetch-ort: sha256 mismatch for $npmarch/libonnxruntime.so.1: got $got, want $want" >&2; exit 1
fi
mkdir -p "$dest"
install -m 0644 "$tmp/package/bin/napi-v6/linux/$npmarch/libonnxruntime.so.1" "$lib.tmp" && mv "$lib.tmp" "$lib"
echo "$lib"
