#!/usr/bin/env bash
# make demo. With a display (DISPLAY or WAYLAND_DISPLAY set) it runs the kiosk app itself
# (scripts/demo-kiosk.sh). Without one (or with DEMO_HEADLESS=1) it runs the headless
# demo below, and says so: a branch that is offline, then online.
#  1. enroll two customers from the bundled photos while the compare API is unreachable:
#     the on-device prechecks run, the jobs are sealed into the offline queue;
#  2. show a refused enrollment (selfie and ID photo of different people);
#  3. start the local compare API (compare-sandbox, real face matching) and sync the queue;
#  4. show the results, the queue, the audit log and the sync status.
# Everything lives in DEMO_DIR (default ./demo-data), started afresh each run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${DEMO_HEADLESS:-}" != 1 ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  exec scripts/demo-kiosk.sh
fi
printf '\033[1mdemo: no display (DISPLAY and WAYLAND_DISPLAY are unset): running the headless demo (kioskctl); run make demo on a desktop to use the kiosk app\033[0m\n'
bin=$PWD/bin
photos=$PWD/testdata/photos
demo=${DEMO_DIR:-$PWD/demo-data}
port=${DEMO_PORT:-18080}
rm -rf "$demo"; mkdir -p "$demo"
api="http://127.0.0.1:$port"
kc() { "$bin/kioskctl" --config "$demo/config.json" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sandbox_pid=
cleanup() { [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null; true; }
trap cleanup EXIT

# The API key the kiosk and the sandbox share (the sandbox would create one; the kiosk
# needs it before the sandbox first runs, because the branch starts offline).
head -c 24 /dev/urandom | base64 | tr -d '\n' > "$demo/api-key"; chmod 600 "$demo/api-key"

# The kiosk's config file, as IT would deploy it (see README: Configuration). The contract
# requires a callback URL; the demo has no partner backend, so the results are also posted
# back to a path of the sandbox, which ignores them.
cat > "$demo/config.json" <<JSON
{
  "data_dir": "$demo/kiosk",
  "kiosk_id": "demo-kiosk-01",
  "compare": {"api_url": "$api", "partner_id": "0001", "api_key_file": "$demo/api-key"},
  "sync": {"callback_url": "$api/demo-callback"}
}
JSON

step "Liveness frames (a kiosk takes them from its camera; the demo derives them from photos)"
go run ./scripts/demoframes -out "$demo/frames-a" "$photos/dfA_img11.jpg" "$photos/dfA_img6.jpg" > "$demo/frames-a.txt"
go run ./scripts/demoframes -out "$demo/frames-b" "$photos/dfC_img21.jpg" "$photos/dfC_img20.jpg" > "$demo/frames-b.txt"
echo "customer A: $(wc -l < "$demo/frames-a.txt") frames; customer B: $(wc -l < "$demo/frames-b.txt") frames"
liv() { sed 's/^/--liveness /' "$1"; }

step "The branch is offline: sync status"
kc status || true

step "Enroll customer A (selfie + liveness frames + portrait on file): prechecks, then sealed into the queue"
kc enroll --user-id CUST-A-0001 --operator-id agent-07 --selfie "$photos/dfA_img6.jpg" \
  --comparison "$photos/dfA_img5.jpg" --comparison-type PORTRAIT $(liv "$demo/frames-a.txt")

step "Enroll customer B"
kc enroll --user-id CUST-B-0002 --operator-id agent-07 --selfie "$photos/dfC_img20.jpg" \
  --comparison "$photos/dfC_img21.jpg" --comparison-type PORTRAIT $(liv "$demo/frames-b.txt")

step "A refused enrollment: the ID document shows someone else (exit status 1, nothing saved)"
kc enroll --user-id CUST-C-0003 --operator-id agent-07 --selfie "$photos/dfA_img6.jpg" \
  --comparison "$photos/id_specimen_utopia_passport_td3.jpg" --comparison-type DOCUMENT \
  $(liv "$demo/frames-a.txt") && { echo "demo: expected a refusal" >&2; exit 1; } || true

step "The queue while offline"
kc queue list

step "The network is back: start the local compare API (compare-sandbox)"
"$bin/compare-sandbox" --addr "127.0.0.1:$port" --data-dir "$demo/sandbox" --partner-id 0001 \
  --api-key-file "$demo/api-key" --log-level error &
sandbox_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

step "Sync the queue (signing each request at send time)"
kc sync --timeout 2m

step "Results"
kc queue list
step "Audit log (user ids hashed)"
kc audit
step "Sync status"
kc status
echo
echo "demo: done; its files are in $demo"
