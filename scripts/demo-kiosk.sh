#!/usr/bin/env bash
# make demo on a machine with a display: the kiosk app a field agent uses, in training
# mode, against the local compare API (compare-sandbox, real face matching), with a
# replay camera over the bundled photos (customer A) instead of a camera, an operator
# and a supervisor already added (their PINs printed), and a "USB stick" folder of ID
# photos to import. Everything lives in DEMO_DIR (default ./demo-data), started afresh.
# It runs full screen, as on a kiosk (closing it asks for the supervisor's PIN; the
# screens scale to the screen's size); DEMO_WINDOWED=1 runs it in a window. Ctrl-C here
# stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin
photos=$PWD/testdata/photos
demo=${DEMO_DIR:-$PWD/demo-data}
port=${DEMO_PORT:-18080}
# The face engine's library, where make setup puts it (the Makefile exports this too).
export ONNXRUNTIME_LIB=${ONNXRUNTIME_LIB:-$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}
[ -f "$ONNXRUNTIME_LIB" ] || { echo "demo: no ONNX Runtime at $ONNXRUNTIME_LIB: run make setup" >&2; exit 1; }
for b in kiosk kioskctl compare-sandbox; do
  [ -x "$bin/$b" ] || { echo "demo: $bin/$b is missing: run make build" >&2; exit 1; }
done
. scripts/demo-setup.sh
trap demo_cleanup EXIT
demo_files
demo_sandbox

cat <<TXT

== The kiosk app (TRAINING) against the local compare API at $api
   Sign in as   Demo Agent       PIN $op_pin
   Supervisor   Demo Supervisor  PIN $sup_pin   (settings, sealing a job that failed a check, closing)
   The camera replays customer A (testdata/photos). Try:
    - New enrollment → Scan the ID document: the document camera shows A's ID card (made from the portrait), turned, glared, then held straight: taken on the good frames, flattened; a match (0840).
    - New enrollment → Import an ID photo → passport-someone-else.jpg: "no match" at review.
   Stop the compare API (kill $sandbox_pid) to see a job saved offline, then start it again.
   Files: $demo ; queue: bin/kioskctl --config $demo/config.json queue list
   Ctrl-C here stops the demo.

TXT
# Full screen, as on a kiosk (closing asks for the supervisor's PIN); DEMO_WINDOWED=1
# runs it in a window instead.
windowed=
[ "${DEMO_WINDOWED:-}" = 1 ] && windowed=--windowed
XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$demo/run} "$bin/kiosk" --config "$demo/config.json" $windowed
