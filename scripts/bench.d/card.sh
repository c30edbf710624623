#!/usr/bin/env bash
# Card gates' figures (issue 22): a labelled set of 640x480 document camera frames drawn
# from the TD3 specimen with a fixed seed (capture/card/cardtest: distances, places,
# turns, perspective, light, blur, glare on the card, the portrait or the MRZ, partly out
# of the frame, no card), per gate precision and recall against the labels, and
# card.Find's time per frame (goal ≤ 5 ms). CARD_BENCH sets the frames (default 240).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(CARD_BENCH="${CARD_BENCH:-240}" go test ./capture/card/cardtest -run '^TestCardBenchReport$' -count=1 -v -timeout 30m 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -vE '^(=== RUN|--- PASS|PASS|ok )'
