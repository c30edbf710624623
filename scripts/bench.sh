#!/usr/bin/env bash
# Prints the project's speed and memory figures. Each area adds its own benchmarks here.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in scripts/bench.d/*.sh; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b" .sh)"
  "$b"
done
