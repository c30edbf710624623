#!/usr/bin/env bash
# Card gates' figures (issue 22) over the labelled set testdata/docset (scripts/docset
# draws the frames missing; manifest.csv holds the labels): per gate precision and recall
# on the 640x480 previews (TD3 passport page, ID-1 cards; and the gates alone, on the
# previews whose card was found right) and the 1280x720 stills, the class found, the
# card found per background, and card.Find's time per preview (goal ≤ 5 ms).
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./scripts/docset
out=$(CARD_BENCH=1 go test ./capture/card/cardtest -run '^TestCardBenchReport$' -count=1 -v -timeout 30m 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -vE '^(=== RUN|--- PASS|PASS|ok )'
