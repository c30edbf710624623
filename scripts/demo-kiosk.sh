#!/usr/bin/env bash
# make demo on a machine with a display: the kiosk app a field agent uses, in training
# mode, against the local compare API (compare-sandbox, real face matching), with a
# replay camera over the bundled photos (customer A) instead of a camera, an operator
# and a supervisor already added (their PINs printed), and a "USB stick" folder of ID
# photos to import. Everything lives in DEMO_DIR (default ./demo-data), started afresh.
# DEMO_FULLSCREEN=1 runs it full screen, as on a kiosk (closing it then asks for the
# supervisor's PIN); Ctrl-C here stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin
photos=$PWD/testdata/photos
demo=${DEMO_DIR:-$PWD/demo-data}
port=${DEMO_PORT:-18080}
api="http://127.0.0.1:$port"
# The face engine's library, where make setup puts it (the Makefile exports this too).
export ONNXRUNTIME_LIB=${ONNXRUNTIME_LIB:-$PWD/.cache/ort/$(go env GOARCH)/libonnxruntime.so.1}
[ -f "$ONNXRUNTIME_LIB" ] || { echo "demo: no ONNX Runtime at $ONNXRUNTIME_LIB: run make setup" >&2; exit 1; }
for b in kiosk kioskctl compare-sandbox; do
  [ -x "$bin/$b" ] || { echo "demo: $bin/$b is missing: run make build" >&2; exit 1; }
done
rm -rf "$demo"; mkdir -p "$demo/kiosk"; chmod 700 "$demo/kiosk"
sandbox_pid=
cleanup() { [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null; true; }
trap cleanup EXIT

# The API key the kiosk and the sandbox share.
head -c 24 /dev/urandom | base64 | tr -d '\n' > "$demo/api-key"; chmod 600 "$demo/api-key"

# The replay camera: customer A's selfie, the liveness photos shown one per prompt, and
# A's portrait on file in front of the document camera.
go run ./scripts/demoreplay -out "$demo/camera" -document dfA_img5.jpg

# A "USB stick" with two ID photos: customer A's (a match) and someone else's passport.
mkdir -p "$demo/usb/DEMO-STICK"
cp "$photos/dfA_img5.jpg" "$demo/usb/DEMO-STICK/id-photo-customer-a.jpg"
cp "$photos/id_specimen_utopia_passport_td3.jpg" "$demo/usb/DEMO-STICK/passport-someone-else.jpg"

cat > "$demo/config.json" <<JSON
{
  "data_dir": "$demo/kiosk",
  "kiosk_id": "demo-kiosk-01",
  "training": true,
  "compare": {"api_url": "$api", "partner_id": "0001", "api_key_file": "$demo/api-key"},
  "sync": {"callback_url": "$api/demo-callback", "retry_base": "2s", "retry_max": "30s"},
  "capture": {"selfie_camera": {"replay_dir": "$demo/camera"}},
  "local_api": {"socket": "$demo/kiosk.sock", "group": "$(id -g)"},
  "ui": {"import_dirs": ["$demo/usb"]}
}
JSON
kc() { "$bin/kioskctl" --config "$demo/config.json" "$@"; }

# The operators, each with a fresh random PIN (kioskctl refuses weak ones: draw again).
add_operator() { # ID NAME ROLE → prints the PIN
  local pin
  for _ in $(seq 20); do
    pin=$(printf '%06d' $(( (RANDOM * 32768 + RANDOM) % 1000000 )))
    if echo "$pin" | kc operator add --role "$3" --name "$2" --pin-stdin "$1" >/dev/null 2>&1; then
      echo "$pin"; return
    fi
  done
  echo "demo: could not add operator $1" >&2; exit 1
}
op_pin=$(add_operator demo-agent "Demo Agent" operator)
sup_pin=$(add_operator demo-supervisor "Demo Supervisor" supervisor)

"$bin/compare-sandbox" --addr "127.0.0.1:$port" --data-dir "$demo/sandbox" --partner-id 0001 \
  --api-key-file "$demo/api-key" --log-level error &
sandbox_pid=$!
up=
for _ in $(seq 300); do
  kill -0 "$sandbox_pid" 2>/dev/null || { echo "demo: the compare API did not start (see above)" >&2; exit 1; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }
  sleep 0.1
done
[ -n "$up" ] || { echo "demo: the compare API does not answer on port $port" >&2; exit 1; }

cat <<TXT

== The kiosk app (TRAINING) against the local compare API at $api
   Sign in as   Demo Agent       PIN $op_pin
   Supervisor   Demo Supervisor  PIN $sup_pin   (settings, sealing a job that failed a check, closing)
   The camera replays customer A (testdata/photos). Try:
    - New enrollment → Scan the ID document: the document camera shows A's portrait; a match (0840).
    - New enrollment → Import an ID photo → passport-someone-else.jpg: "no match" at review.
   Stop the compare API (kill $sandbox_pid) to see a job saved offline, then start it again.
   Files: $demo ; queue: bin/kioskctl --config $demo/config.json queue list
   Ctrl-C here stops the demo.

TXT
windowed=--windowed
[ "${DEMO_FULLSCREEN:-}" = 1 ] && windowed=
"$bin/kiosk" --config "$demo/config.json" $windowed
