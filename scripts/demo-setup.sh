# Sourced by scripts/demo-kiosk.sh (make demo) and scripts/test-clicks.sh (make test):
# a training kiosk's files in $demo against a local compare-sandbox on $port, with a
# replay camera of customer A (testdata/photos), a "USB stick" of ID photos, an operator
# and a supervisor with fresh PINs. The caller sets bin, photos, demo, port (and may set
# lang, the screens' language) and a trap that calls demo_cleanup.
#   demo_files     writes $demo (started afresh): key, camera, stick, config.json,
#                  runtime folder; sets op_pin and sup_pin
#   demo_config    (re)writes $demo/config.json for $lang
#   demo_sandbox   starts compare-sandbox and waits for it; sets sandbox_pid
#   demo_cleanup   stops the sandbox

api="http://127.0.0.1:$port"
sandbox_pid=

demo_cleanup() { [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null; true; }

demo_config() {
  cat > "$demo/config.json" <<JSON
{
  "data_dir": "$demo/kiosk",
  "kiosk_id": "demo-kiosk-01",
  "training": true,
  "compare": {"api_url": "$api", "partner_id": "0001", "api_key_file": "$demo/api-key"},
  "sync": {"callback_url": "$api/demo-callback", "retry_base": "2s", "retry_max": "30s"},
  "capture": {"selfie_camera": {"replay_dir": "$demo/camera"}},
  "local_api": {"socket": "$demo/kiosk.sock", "group": "$(id -g)"},
  "ui": {"import_dirs": ["$demo/usb"], "language": "${lang:-en}"}
}
JSON
}

demo_kc() { "$bin/kioskctl" --config "$demo/config.json" "$@"; }

# demo_operator ID NAME ROLE prints a fresh PIN (kioskctl refuses weak ones: draw again).
demo_operator() {
  local pin
  for _ in $(seq 20); do
    pin=$(printf '%06d' $(( (RANDOM * 32768 + RANDOM) % 1000000 )))
    if echo "$pin" | demo_kc operator add --role "$3" --name "$2" --pin-stdin "$1" >/dev/null 2>&1; then
      echo "$pin"; return
    fi
  done
  echo "demo: could not add operator $1" >&2; return 1
}

demo_files() {
  rm -rf "$demo"; mkdir -p "$demo/kiosk"; chmod 700 "$demo/kiosk"
  # The session's runtime folder, as a login session has one (XDG_RUNTIME_DIR): the
  # display libraries look for it at start.
  mkdir -p "$demo/run"; chmod 700 "$demo/run"
  # The API key the kiosk and the sandbox share.
  head -c 24 /dev/urandom | base64 | tr -d '\n' > "$demo/api-key"; chmod 600 "$demo/api-key"
  # The replay camera: customer A's selfie, the liveness photos shown one per prompt,
  # and A's ID card (cardtest's synthetic card of A's portrait) on a desk in front of the
  # document camera: turned, glared, then held straight, as the card's gates want it.
  go run ./scripts/demoreplay -out "$demo/camera" -document dfA_img5.jpg
  # A "USB stick" with two ID photos: customer A's (a match) and someone else's passport.
  mkdir -p "$demo/usb/DEMO-STICK"
  cp "$photos/dfA_img5.jpg" "$demo/usb/DEMO-STICK/id-photo-customer-a.jpg"
  cp "$photos/id_specimen_utopia_passport_td3.jpg" "$demo/usb/DEMO-STICK/passport-someone-else.jpg"
  demo_config
  op_pin=$(demo_operator demo-agent "Demo Agent" operator)
  sup_pin=$(demo_operator demo-supervisor "Demo Supervisor" supervisor)
}

demo_sandbox() {
  "$bin/compare-sandbox" --addr "127.0.0.1:$port" --data-dir "$demo/sandbox" --partner-id 0001 \
    --api-key-file "$demo/api-key" --log-level error &
  sandbox_pid=$!
  local up=
  for _ in $(seq 300); do
    kill -0 "$sandbox_pid" 2>/dev/null || { echo "demo: the compare API did not start (see above)" >&2; return 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }
    sleep 0.1
  done
  [ -n "$up" ] || { echo "demo: the compare API does not answer on port $port" >&2; return 1; }
}
