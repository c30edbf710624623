#!/usr/bin/env bash
# Test the arm64 build on an amd64 machine under qemu user-mode emulation (no binfmt),
# against the amd64 build of the same tree. `make test` runs it (target test-arm64).
#   1. kioskctl version: the version from git (scripts/version.sh) and linux/arm64.
#   2. kioskctl analyze --json on bundled photos: the same faces as amd64 (count, boxes
#      within 1 px, landmarks within 1 px, scores within 0.01, the same liveness and
#      quality verdicts).
#   3b. kioskctl document --json on the passport specimen: the same MRZ fields, check
#      digits and problems as amd64 (the OCR models of scripts/fetch-ocr.sh)
#   3. kioskctl compare --json on bundled pairs: similarity within 0.001 of amd64, the same
#      match and identical decisions.
#   4. kioskctl doctor --json on a fresh data folder and a replay camera: the same checks
#      and verdicts as amd64, and the models check ok (it analyses the bundled photo).
#   5. The test binaries of offline, offline/protector, sync/compare and sync/uploader
#      (-short; the key protector's talk to the amd64 swtpm's unix socket), built with
#      go test -c for arm64.
#   6. The kiosk app: the arm64 `kiosk` under qemu and the amd64 one, each on its own
#      Xvfb screen (1024x600, Mesa's software GL of its architecture) over a copy of one
#      data folder (an operator added): each shows the sign-in screen, whose pictures
#      (scripts/xgrab) must match (scripts/pngdiff: at most 0.1 % of the pixels off by
#      more than 16 levels). The pictures are kept in bin/test-output/arm64/ (paths
#      printed); the figures under emulation (start to sign-in screen, RSS) are printed.
# Prints the time of each step. Emulation is ~30x slower than native for Go code and up to
# ~175x for inference, so the set is small: about 75 s with a warm build cache on a quiet
# 2-core machine (5-6 minutes when other builds load it; a cold build adds ~5 minutes).
# The kiosk app adds ~1 minute (its arm64 build, ~15 s to the sign-in screen under qemu).
# Left out are the inference and capture tests, the enrollment wizard under emulation and the -short-skipped tests (crash kill timing, long e2e).
# On an arm64 host it does nothing: the ordinary tests run natively there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
if [ "$(dpkg --print-architecture 2>/dev/null || uname -m)" != amd64 ]; then
  echo "test-arm64: skipped: the host is not amd64 (the native tests cover this architecture)"
  exit 0
fi
export PATH="/usr/local/go/bin:$PATH"
export CGO_ENABLED=1
export KIOSK_OCR_MODELS="${KIOSK_OCR_MODELS:-$here/.cache/ocr}"
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g -DV4L2_PIX_FMT_P012=0x32313050 -DV4L2_PIX_FMT_AV1_FRAME=0x46315641 -DV4L2_FMT_FLAG_META_LINE_BASED=0x0200}"

start=$(date +%s.%N)
t_step=$start
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
# step NAME: print the time since the previous step under NAME.
step() {
  local now; now=$(date +%s.%N)
  printf 'test-arm64: %-58s %6s s\n' "$1" "$(elapsed "$t_step" "$now")"
  t_step=$now
}
fail() { echo "test-arm64: FAIL: $*" >&2; exit 1; }

scripts/setup-arm64.sh >/dev/null
step "setup (packages, arm64 ONNX Runtime)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(scripts/version.sh)
ldflags="-X main.version=$version"
ort_amd64=$(scripts/fetch-ort.sh amd64)
ort_arm64=$(scripts/fetch-ort.sh arm64)
arm64_env=(GOARCH=arm64 CC=aarch64-linux-gnu-gcc PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)

mkdir -p "$work/amd64" "$work/arm64"
go build -ldflags "$ldflags" -o "$work/amd64/kioskctl" ./cmd/kioskctl
step "build kioskctl amd64"
env "${arm64_env[@]}" go build -ldflags "$ldflags" -o "$work/arm64/kioskctl" ./cmd/kioskctl
step "build kioskctl arm64"
go build -ldflags "$ldflags" -o "$work/amd64/kiosk" ./cmd/kiosk
env "${arm64_env[@]}" go build -ldflags "$ldflags" -o "$work/arm64/kiosk" ./cmd/kiosk
go build -o "$work/xgrab" ./scripts/xgrab
go build -o "$work/pngdiff" ./scripts/pngdiff
step "build kiosk amd64 and arm64, xgrab, pngdiff"
pkgs=(offline offline/protector sync/compare sync/uploader)
for p in "${pkgs[@]}"; do
  env "${arm64_env[@]}" go test -c -o "$work/arm64/$(echo "$p" | tr / _).test" "./$p"
done
step "build test binaries arm64 (${pkgs[*]})"
file -b "$work/arm64/kioskctl" | grep -q 'ARM aarch64' || fail "kioskctl arm64 is not an aarch64 binary: $(file -b "$work/arm64/kioskctl")"

# qemu: the arm64 loader and libraries of libc6:arm64 (Multi-Arch), no -L (see
# docs/packaging.md: -L /usr/aarch64-linux-gnu alone hangs), and a Cortex-A72 CPU model:
# with the default "max" ONNX Runtime picks SVE kernels that qemu runs ~6x slower.
qemu=(qemu-aarch64-static -cpu cortex-a72)
arm() { ONNXRUNTIME_LIB=$ort_arm64 "${qemu[@]}" "$@" 2> >(grep -v 'cpuid_info warning: Unknown CPU vendor' >&2); }
amd() { ONNXRUNTIME_LIB=$ort_amd64 "$@"; }

# 1. version
out=$(arm "$work/arm64/kioskctl" version)
read -r name got platform _ <<<"$out"
[ "$name" = kioskctl ] && [ "$got" = "$version" ] && [ "$platform" = linux/arm64 ] ||
  fail "kioskctl version printed '$out', want 'kioskctl $version linux/arm64 ...'"
echo "test-arm64:   $out"
step "kioskctl version (qemu)"

# 2. analyze: one run over several photos (each run loads the models once).
photos=(testdata/photos/obama_1.jpg testdata/photos/two_people.jpg testdata/photos/noface_cat_chelsea.png)
amd "$work/amd64/kioskctl" analyze --json "${photos[@]}" >"$work/analyze.amd64.json"
step "kioskctl analyze --json amd64 (${#photos[@]} photos)"
arm "$work/arm64/kioskctl" analyze --json "${photos[@]}" >"$work/analyze.arm64.json"
step "kioskctl analyze --json arm64 (qemu, ${#photos[@]} photos)"
# analyze --json prints one JSON object per image (or an array): slurp both into arrays.
jq -e -n --slurpfile a "$work/analyze.amd64.json" --slurpfile b "$work/analyze.arm64.json" '
  def flat: [.[] | if type == "array" then .[] else . end];
  def near($x; $y; $tol): (($x - $y) | fabs) <= $tol;
  ($a | flat) as $A | ($b | flat) as $B
  | ($A | length) == ($B | length) and ($A | length) > 0
  and all(range($A | length); . as $i | $A[$i] as $x | $B[$i] as $y
      | $x.image == $y.image and $x.width == $y.width and $x.height == $y.height
      and $x.quality == $y.quality
      and ($x.faces | length) == ($y.faces | length)
      and all(range($x.faces | length); . as $j | $x.faces[$j] as $f | $y.faces[$j] as $g
          | all(range(4); near($f.box[.]; $g.box[.]; 1.0))
          and all(range(5); . as $k | near($f.landmarks[$k][0]; $g.landmarks[$k][0]; 1.0)
                                  and near($f.landmarks[$k][1]; $g.landmarks[$k][1]; 1.0))
          and near($f.score; $g.score; 0.01)
          and (($f.liveness == null) == ($g.liveness == null))
          and ($f.liveness == null or ($f.liveness.live == $g.liveness.live))))' >/dev/null ||
  { diff "$work/analyze.amd64.json" "$work/analyze.arm64.json" >&2 || true; fail "analyze: arm64 faces differ from amd64 (diff above)"; }
faces=$(jq -s '[.[] | if type == "array" then .[] else . end | .faces | length] | map(tostring) | join("+")' -r "$work/analyze.arm64.json")
if cmp -s "$work/analyze.amd64.json" "$work/analyze.arm64.json"; then same="byte-identical"; else same="within tolerance"; fi
echo "test-arm64:   analyze: faces per photo $faces, arm64 $same to amd64"
step "analyze: compare arm64 with amd64"

# 3. compare: a pair of one person and a pair of two people. Each takes ~20 s under qemu
# on an idle machine (the precise embedding aligns and embeds each face several times).
pairs=("testdata/photos/obama_1.jpg testdata/photos/obama_2.jpg" "testdata/photos/obama_1.jpg testdata/photos/biden_1.jpg")
for pair in "${pairs[@]}"; do
  read -r a b <<<"$pair"
  amd "$work/amd64/kioskctl" compare --json "$a" "$b" >"$work/compare.amd64.json"
  arm "$work/arm64/kioskctl" compare --json "$a" "$b" >"$work/compare.arm64.json"
  jq -e -n --slurpfile x "$work/compare.amd64.json" --slurpfile y "$work/compare.arm64.json" '
    $x[0] as $p | $y[0] as $q
    | ($p.similarity | type) == "number"
    and (($p.similarity - $q.similarity) | fabs) <= 0.001
    and $p.match == $q.match and $p.identical == $q.identical' >/dev/null ||
    fail "compare $a $b: amd64 $(cat "$work/compare.amd64.json") vs arm64 $(cat "$work/compare.arm64.json") (want similarity within 0.001, same decisions)"
  echo "test-arm64:   compare $(basename "$a") $(basename "$b"): similarity amd64 $(jq .similarity "$work/compare.amd64.json") arm64 $(jq .similarity "$work/compare.arm64.json"), match $(jq .match "$work/compare.arm64.json")"
  step "compare $(basename "$a") $(basename "$b") (amd64 + qemu)"
done

# 3b. document: the MRZ read (PP-OCRv4 on ONNX Runtime) of the passport specimen gives
# the same fields, check digits and problems on arm64 as on amd64.
doc=testdata/photos/id_specimen_utopia_passport_td3.jpg
# --faces=false: the face engine is checked by analyze above; under qemu it would double
# the time of this step.
amd "$work/amd64/kioskctl" document --json --faces=false "$doc" >"$work/document.amd64.json"
arm "$work/arm64/kioskctl" document --json --faces=false "$doc" >"$work/document.arm64.json"
jq -e -n --slurpfile x "$work/document.amd64.json" --slurpfile y "$work/document.arm64.json" '
  $x[0] as $p | $y[0] as $q
  | $p.mrz.valid == true and $p.mrz == $q.mrz and $p.problems == $q.problems' >/dev/null ||
  fail "document: amd64 $(cat "$work/document.amd64.json") vs arm64 $(cat "$work/document.arm64.json") (want a valid zone, the same fields on both)"
echo "test-arm64:   document: MRZ $(jq -r '.mrz.format + " " + .mrz.issuing_state + " " + .mrz.document_number_masked + " valid=" + (.mrz.valid|tostring)' "$work/document.arm64.json") on both, problems $(jq -r '[.problems[].code] | join(",")' "$work/document.arm64.json")"
step "kioskctl document --json (amd64 + qemu)"

# 4. doctor: a fresh data folder, a replay camera, no API, no kiosk running.
mkdir -m 0700 "$work/data"
mkdir "$work/replay" && cp testdata/photos/obama_1.jpg "$work/replay/"
printf '{"data_dir":"%s","capture":{"selfie_camera":{"replay_dir":"%s"}},"local_api":{"socket":"%s"}}\n' \
  "$work/data" "$work/replay" "$work/kiosk.sock" >"$work/doctor.json"
set +e
amd "$work/amd64/kioskctl" --config "$work/doctor.json" doctor --json >"$work/doctor.amd64.json"
rc_amd=$?
arm "$work/arm64/kioskctl" --config "$work/doctor.json" doctor --json >"$work/doctor.arm64.json"
rc_arm=$?
set -e
jq -e -n --slurpfile a "$work/doctor.amd64.json" --slurpfile b "$work/doctor.arm64.json" '
  ($a[0].checks | map({name, status})) == ($b[0].checks | map({name, status}))
  and ($b[0].checks[] | select(.name == "models") | .status) == "ok"' >/dev/null ||
  fail "doctor: arm64 $(jq -c '[.checks[] | {name, status}]' "$work/doctor.arm64.json") vs amd64 $(jq -c '[.checks[] | {name, status}]' "$work/doctor.amd64.json") (want the same verdicts, models ok)"
[ "$rc_amd" = "$rc_arm" ] || fail "doctor exit status: amd64 $rc_amd, arm64 $rc_arm"
echo "test-arm64:   doctor: $(jq -r '[.checks[] | "\(.name) \(.status)"] | join(", ")' "$work/doctor.arm64.json") (exit $rc_arm on both)"
echo "test-arm64:   doctor models (arm64): $(jq -r '.checks[] | select(.name == "models") | .detail' "$work/doctor.arm64.json")"
step "kioskctl doctor --json (amd64 + qemu)"

# 5. Test binaries. A test that starts its own binary again (os.Args[0]) would hand the
# host kernel an arm64 file: qemu -0 sets argv[0] to a host script that runs it under qemu.
for p in "${pkgs[@]}"; do
  bin="$work/arm64/$(echo "$p" | tr / _).test"
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${qemu[*]}" "$bin" >"$bin.qemu"
  chmod +x "$bin.qemu"
  if ! (cd "$p" && arm -0 "$bin.qemu" "$bin" -test.v -test.short -test.timeout 10m >"$work/out" 2>&1); then
    tail -40 "$work/out" >&2
    fail "go test ./$p (arm64, qemu, -short)"
  fi
  echo "test-arm64:   ok ./$p: $(grep -c -- '^--- PASS' "$work/out" || true) passed, $(grep -c -- '^--- SKIP' "$work/out" || true) skipped (top-level tests)"
  step "go test ./$p (arm64, qemu, -short)"
done

# 6. The kiosk app's sign-in screen, arm64 under qemu and amd64, compared.
for t in Xvfb xwd; do
  command -v $t >/dev/null || fail "$t is missing: run scripts/setup.sh (as root)"
done
outdir="$here/bin/test-output/arm64"
mkdir -p "$outdir"
mkdir -m 0700 "$work/kiosk-data"
printf '{"data_dir":"%s","kiosk_id":"arm64-test","offline":{"min_free_disk_mb":-1},"capture":{"selfie_camera":{"replay_dir":"%s"}},"local_api":{"socket":"%s","group":"%s"}}\n' \
  "$work/kiosk-data" "$work/replay" "$work/kiosk.sock" "$(id -g)" >"$work/kiosk.json"
echo 482039 | amd "$work/amd64/kioskctl" --config "$work/kiosk.json" operator add --role operator \
  --name "Amina Diallo" --pin-stdin amina >/dev/null || fail "kioskctl operator add (the sign-in screen's operator)"
cp -a "$work/kiosk-data" "$work/kiosk-data.template"
# kiosk ARCH: start it on a new Xvfb screen, wait for "screens shown", let it settle, take
# the picture into $outdir/sign-in-ARCH.png; prints the start-to-screen figures and RSS.
kiosk() {
  local a=$1 disp xvfb pid t0 t1 t2 i rss launch
  rm -rf "$work/kiosk-data" && cp -a "$work/kiosk-data.template" "$work/kiosk-data"
  # -displayfd: Xvfb picks a free display and writes its number there.
  : >"$work/displayfd"
  Xvfb -displayfd 4 -screen 0 1024x600x24 -nolisten tcp 4>"$work/displayfd" >"$work/xvfb.$a.log" 2>&1 &
  xvfb=$!
  for i in $(seq 100); do [ -s "$work/displayfd" ] && break; sleep 0.1; done
  disp=:$(tr -d '\n' <"$work/displayfd"); rm -f "$work/displayfd"
  [ "$disp" != : ] || fail "Xvfb did not start: $(cat "$work/xvfb.$a.log")"
  t0=$(date +%s.%N)
  if [ "$a" = arm64 ]; then
    DISPLAY=$disp FYNE_SCALE=1 LIBGL_ALWAYS_SOFTWARE=1 ONNXRUNTIME_LIB=$ort_arm64 \
      "${qemu[@]}" "$work/arm64/kiosk" --config "$work/kiosk.json" 2>"$work/kiosk.$a.log" &
  else
    DISPLAY=$disp FYNE_SCALE=1 LIBGL_ALWAYS_SOFTWARE=1 ONNXRUNTIME_LIB=$ort_amd64 \
      "$work/amd64/kiosk" --config "$work/kiosk.json" 2>"$work/kiosk.$a.log" &
  fi
  pid=$!
  for i in $(seq 1800); do
    grep -q 'screens shown' "$work/kiosk.$a.log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  t1=$(date +%s.%N)
  grep -q 'screens shown' "$work/kiosk.$a.log" ||
    { tail -20 "$work/kiosk.$a.log" >&2; kill "$pid" "$xvfb" 2>/dev/null; fail "the $a kiosk did not show its screens within 180 s (its log above)"; }
  # The window is painted after the line (under emulation, with Mesa's software GL, up to
  # a minute later on a loaded machine): xgrab waits until the screen is drawn and still.
  DISPLAY=$disp "$work/xgrab" -wait 180s "$outdir/sign-in-$a.png" ||
    { kill "$pid" "$xvfb" 2>/dev/null; fail "xgrab on $disp ($a): the sign-in screen was not drawn"; }
  t2=$(date +%s.%N)
  rss=$(awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  kill -TERM "$pid"
  for i in $(seq 600); do grep -q 'msg=stopped' "$work/kiosk.$a.log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  grep -q 'msg=stopped' "$work/kiosk.$a.log" || { tail -20 "$work/kiosk.$a.log" >&2; kill -9 "$pid" "$xvfb" 2>/dev/null; fail "the $a kiosk did not stop within 60 s of SIGTERM (its log above)"; }
  # qemu-user may hang at the exit of a many-threaded program after the app has stopped:
  # arm64 gets 10 s, then SIGKILL (noted); amd64 must exit by itself with status 0.
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if [ "$a" = arm64 ] && kill -0 "$pid" 2>/dev/null; then
    echo "test-arm64:   kiosk arm64: the app stopped, qemu did not exit within 10 s: killed"
    kill -9 "$pid" 2>/dev/null
  fi
  wait "$pid" && i=0 || i=$?
  [ "$i" = 0 ] || [ "$a" = arm64 ] || { tail -20 "$work/kiosk.$a.log" >&2; kill "$xvfb" 2>/dev/null; fail "the $a kiosk exited with status $i after SIGTERM (its log above)"; }
  kill "$xvfb" 2>/dev/null; wait "$xvfb" 2>/dev/null || true
  launch=$(elapsed "$t0" "$t1")
  echo "test-arm64:   kiosk $a: \"screens shown\" $(sed -n 's/.*start_to_screen=\([^ ]*\).*/\1/p' "$work/kiosk.$a.log" | head -1) after the program started (${launch} s from launch), drawn and still $(elapsed "$t0" "$t2") s from launch, RSS ${rss} MB, picture $outdir/sign-in-$a.png"
}
kiosk amd64
step "kiosk amd64 on Xvfb: sign-in screen"
kiosk arm64
step "kiosk arm64 (qemu) on Xvfb: sign-in screen"
set +e
res=$("$work/pngdiff" -diff "$outdir/sign-in-diff.png" "$outdir/sign-in-amd64.png" "$outdir/sign-in-arm64.png" 2>&1)
rc=$?
set -e
echo "test-arm64:   $res"
[ "$rc" = 0 ] || fail "the arm64 kiosk's sign-in screen differs from the amd64 one: look at $outdir/sign-in-{amd64,arm64,diff}.png"
step "sign-in screens: arm64 against amd64"

t_step=$start
step "total"
