#!/usr/bin/env bash
# Install the packages into a clean Debian 12 root (debootstrap --variant=minbase,
# chroot) and check the package's contract: apt installs its Depends, `kioskctl version`
# and `kiosk --version` print the package's version, analyze works with the packaged ONNX Runtime and config,
# /var/lib/kiosk-agent is 0700 kiosk-agent, config.json is a conffile; the users and
# groups, the session units (which pass `systemd-analyze verify`, and whose sandbox
# `systemd-analyze security` rates at most 4.5; the Wayland one enabled), the udev rule;
# the session's sandbox holds the headless kiosk under a real systemd (systemd-nspawn
# boots the root); `kioskctl doctor --json` (its shape, data_dir/models ok, keys the plain
# file's warning: no TPM in the root); an upgrade
# to a newer build keeps a queued job, the data and an edited config; `apt purge` removes
# data, config, users and groups. Prints the time of each step and the package sizes. Needs root (chroot, mount). `make test-deb` runs it
# after `make deb`; usage: scripts/test-deb.sh VERSION BINDIR [ARCH]
# ARCH arm64 (make test-deb-arm64, on an amd64 host): the arm64 package in an arm64 root,
# every program in it run by qemu-user through binfmt_misc (scripts/binfmt-arm64.sh):
# install, versions, analyze, data folder, users, units (verify, security). Not under
# emulation (slow, and the same scripts as amd64): the session under systemd, doctor,
# upgrade and purge.
# The root comes from scripts/debian-root.sh (a tarball cached in ~/.cache/kiosk-agent/,
# named by the hash of the script that builds it: a fresh machine and a warm one build
# it the same way).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: scripts/test-deb.sh VERSION BINDIR [ARCH] (use: make test-deb, make test-deb-arm64)" >&2; exit 2; }
version=$1 bindir=$2
host=$(dpkg --print-architecture)
arch=${3:-$host}
[ "$version" = dev ] && version=0.0.0+dev
[ "$(id -u)" = 0 ] || { echo "test-deb: SKIPPED: needs root (debootstrap, chroot, mount): run sudo make test-deb"; exit 0; }
case "$host-$arch" in
  amd64-amd64|arm64-arm64|amd64-arm64) ;;
  *) echo "test-deb: skipped: tests the $host package on a $host host (or arm64 on amd64)"; exit 0 ;;
esac
deb="$here/bin/deb/kiosk-agent_${version}-1_${arch}.deb"
[ -f "$deb" ] || { echo "test-deb: $deb is missing: run make deb ARCH=$arch first" >&2; exit 1; }
emulated=; [ "$arch" != "$host" ] && emulated=1

start=$(date +%s.%N); t_step=$start
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
step() { local now; now=$(date +%s.%N); printf 'test-deb: %-48s %7s s\n' "$1" "$(elapsed "$t_step" "$now")"; t_step=$now; }
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi
# Under emulation the root comes with the package's Depends (and xinit, for verify)
# already installed: ~8 minutes of emulated dpkg saved on each run; apt still resolves
# the Depends against them. The amd64 run installs them from nothing.
preinstall=()
if [ -n "$emulated" ]; then
  read -r -a preinstall <<<"$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*//; s/|.*//; s/ //g' | grep . | tr '\n' ' ') xinit"
fi
tarball=$("$here/scripts/debian-root.sh" "$arch" "${preinstall[@]}") || fail "building the Debian 12 $arch root (scripts/debian-root.sh)"
step "Debian 12 $arch root ($(basename "$tarball"))"
# Under emulation: the binfmt entry (after a reboot it is gone; the cached root needs it
# too), and a Cortex-A72 CPU model (qemu's default offers SVE, which ONNX Runtime then
# uses and qemu runs ~6x slower; /work docs/packaging.md).
qemu_env=()
if [ -n "$emulated" ]; then
  "$here/scripts/binfmt-arm64.sh"
  qemu_env=(QEMU_CPU=cortex-a72)
fi

root=$(mktemp -d /tmp/kiosk-deb-test.XXXXXX)
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  [ -z "${nspawn_pid:-}" ] || kill "$nspawn_pid" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$tarball"
# The cached root's "./" is 0755 (scripts/debian-root.sh); mktemp -d made this one 0700.
chmod 0755 "$root"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "${qemu_env[@]}" "$@"; }
mkdir -p "$root/tmp/debs" "$root/tmp/photos"
cp "$deb" "$root/tmp/debs/"
cp "$here/testdata/photos/obama_1.jpg" "$here/testdata/photos/obama_2.jpg" "$here/testdata/photos/obama_3.jpg" \
  "$here/testdata/photos/two_people.jpg" "$root/tmp/photos/"
step "unpack the clean root"

in_root apt-get update -qq >/dev/null
t_install0=$(date +%s.%N)
in_root apt-get install -y -qq --no-install-recommends "/tmp/debs/$(basename "$deb")" >"$root/tmp/install.log" 2>&1 ||
  { tail -30 "$root/tmp/install.log" >&2; fail "apt-get install kiosk-agent"; }
step "apt-get install kiosk-agent (with Depends)"
t_install=$(elapsed "$t_install0" "$(date +%s.%N)")

out=$(in_root kioskctl version)
[ "$(echo "$out" | awk '{print $2}')" = "$(echo "$version" | sed 's/^0\.0\.0+dev$/dev/')" ] ||
  fail "kioskctl version printed '$out', want version $version"
echo "test-deb:   $out"
kout=$(in_root kiosk --version)
[ "$(echo "$kout" | awk '{print $1, $2}')" = "kiosk $(echo "$version" | sed 's/^0\.0\.0+dev$/dev/')" ] ||
  fail "kiosk --version printed '$kout', want version $version"
echo "test-deb:   $kout"
# analyze with nothing set: the packaged config and the packaged ONNX Runtime.
in_root kioskctl analyze --json /tmp/photos/obama_1.jpg >"$root/tmp/analyze.json" 2>"$root/tmp/analyze.err" ||
  { cat "$root/tmp/analyze.err" >&2; fail "kioskctl analyze in the installed root"; }
[ "$(jq '.faces | length' "$root/tmp/analyze.json")" = 1 ] || fail "analyze found $(jq '.faces | length' "$root/tmp/analyze.json") faces in obama_1.jpg, want 1"
mode=$(in_root stat -c "%a %U %G" /var/lib/kiosk-agent)
[ "$mode" = "700 kiosk-agent kiosk-agent" ] || fail "/var/lib/kiosk-agent is '$mode', want '700 kiosk-agent kiosk-agent'"
in_root dpkg-query -W -f='${Conffiles}\n' kiosk-agent | grep -q '^ /etc/kiosk-agent/config.json ' ||
  fail "/etc/kiosk-agent/config.json is not a conffile"
step "version, analyze, data dir, conffile"

# Users and groups (postinst): kiosk-agent in kiosk (the socket), video (cameras) and
# tss (the TPM; the units' SupplementaryGroups, which must exist).
for g in kiosk kiosk-admin kiosk-agent tss; do
  in_root getent group "$g" >/dev/null || fail "postinst did not create the group $g"
done
groups=" $(in_root id -nG kiosk-agent) "
for g in kiosk video tss; do
  [[ "$groups" == *" $g "* ]] || fail "kiosk-agent is not in the group $g (groups:$groups)"
done
# The session: units, PAM service, udev rule; the Wayland session enabled, the X11 one not.
for f in /lib/systemd/system/kiosk-agent-session.service /lib/systemd/system/kiosk-agent-session-x11.service \
  /lib/udev/rules.d/60-kiosk-agent-cameras.rules /lib/udev/rules.d/60-kiosk-agent-tpm.rules \
  /etc/pam.d/kiosk-agent /usr/bin/kiosk; do
  [ -f "$root$f" ] || fail "$f is missing"
done
# The fleet's dashboard and alert rules, for the IT team's Grafana and Prometheus.
for f in /usr/share/kiosk-agent/prometheus/kiosk-agent-alerts.yml /usr/share/kiosk-agent/prometheus/kiosk-agent-alerts.test.yml \
  /usr/share/kiosk-agent/grafana/kiosk-agent-fleet.json; do
  [ -f "$root$f" ] || fail "$f is missing"
done
[ -L "$root/etc/systemd/system/multi-user.target.wants/kiosk-agent-session.service" ] ||
  fail "kiosk-agent-session.service is not enabled (multi-user.target.wants)"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/kiosk-agent-session-x11.service" ] ||
  fail "the X11 fallback session is enabled too"
in_root dpkg-query -W -f='${Conffiles}\n' kiosk-agent | grep -q '^ /etc/pam.d/kiosk-agent ' ||
  fail "/etc/pam.d/kiosk-agent is not a conffile"
# The units name the systemd credential of keys.protector systemd-creds, commented
# (no credential is installed by the package).
for u in kiosk-agent-session.service kiosk-agent-session-x11.service; do
  grep -qx '#LoadCredentialEncrypted=kiosk-agent-kek:/etc/credstore.encrypted/kiosk-agent-kek' "$root/lib/systemd/system/$u" ||
    fail "$u does not carry the commented LoadCredentialEncrypted= line"
done
step "users, groups, session units, udev rules"

# systemd-analyze verify, in the root (Depends brought systemd and cage; xinit, a
# Recommends, is installed for the fallback's ExecStart). Warnings count as failures.
in_root apt-get install -y -qq --no-install-recommends xinit >/dev/null 2>&1 || fail "apt-get install xinit"
if ! verify=$(in_root systemd-analyze verify --man=no /lib/systemd/system/kiosk-agent-session.service \
  /lib/systemd/system/kiosk-agent-session-x11.service 2>&1) || [ -n "$verify" ]; then
  echo "$verify" >&2; fail "systemd-analyze verify of the session units"
fi
step "systemd-analyze verify (both session units)"

# The sandbox: `systemd-analyze security` (systemd 252 of the root, --offline: no
# systemd runs in a chroot) rates each unit's exposure from 0 (best) to 10; over 4.5
# (--threshold=45, in tenths) fails. The figures are printed.
for u in kiosk-agent-session.service kiosk-agent-session-x11.service; do
  sec=$(in_root systemd-analyze security --offline=true --threshold=45 --no-pager "/lib/systemd/system/$u" 2>&1) ||
    { echo "$sec" | grep -E '✗|Overall' >&2; fail "systemd-analyze security: $u is over 4.5 (the failed checks above)"; }
  score=$(echo "$sec" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
  [ -n "$score" ] || { echo "$sec" | tail -5 >&2; fail "systemd-analyze security printed no overall exposure for $u"; }
  echo "test-deb:   systemd-analyze security $u: exposure $score (at most 4.5)"
  for d in MemoryMax TasksMax LimitNOFILE; do
    grep -q "^$d=" "$root/lib/systemd/system/$u" || fail "$u sets no $d="
  done
done
step "systemd-analyze security (both session units)"

if [ -n "$emulated" ]; then
  # The rest runs the same scripts and Go code as on amd64; under emulation it would take
  # minutes (see the header).
  t_step=$start; step "total ($arch, under qemu-user)"
  printf 'test-deb: kiosk-agent %s package %.1f MB (installed %.1f MB); apt-get install with its Depends into a clean root under qemu: %s s\n' \
    "$arch" "$(awk -v s="$(stat -c %s "$deb")" 'BEGIN{print s/1e6}')" \
    "$(awk -v s="$(dpkg-deb -f "$deb" Installed-Size)" 'BEGIN{print s/1e3}')" "$t_install"
  exit 0
fi

# The session under its sandbox, for real: systemd-nspawn boots the root (its systemd 252
# as PID 1) and starts kiosk-agent-session.service with a drop-in that takes out only
# what a container lacks: the VT (TTYPath, StandardInput=tty, utmp, the condition on
# /dev/tty0) and the compositor (no GPU: ExecStart runs `kiosk --headless`). Every
# sandbox directive, the user, the groups and PAM stay. Checked: the unit runs without a
# restart, the kiosk answers `kioskctl status` on its socket, no capabilities, no new
# privileges, a seccomp filter, the limits, and in its mount namespace /usr and /etc
# read-only, the data folder writable, /home, /root and /tmp empty.
# Not checked here: cage, the GPU and the seat (a real kiosk; docs/packaging.md).
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn is missing: run scripts/setup.sh (package systemd-container)"
mkdir -p "$root/etc/systemd/system/kiosk-agent-session.service.d" "$root/usr/local/sbin"
cat >"$root/etc/systemd/system/kiosk-agent-session.service.d/test-headless.conf" <<'UNIT'
[Unit]
ConditionPathExists=
[Service]
TTYPath=
StandardInput=null
TTYReset=no
TTYVHangup=no
TTYVTDisallocate=no
UtmpIdentifier=
ExecStart=
ExecStart=/usr/bin/kiosk --headless --config /etc/kiosk-agent/config.json
UNIT
install -m 0755 "$here/scripts/test-deb.d/session-check.sh" "$root/usr/local/sbin/kiosk-session-check"
cat >"$root/etc/systemd/system/kiosk-session-check.service" <<'UNIT'
[Unit]
Description=test-deb: start the kiosk session, look at it, power off
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/kiosk-session-check
UNIT
ln -sf /etc/systemd/system/kiosk-session-check.service "$root/etc/systemd/system/multi-user.target.wants/"
umount "$root/proc"
rm -f "$root/var/tmp/session-check"
# --keep-unit --register=no: no systemd runs on the host to ask for a scope or register
# the machine with.
timeout 300 systemd-nspawn --quiet --keep-unit --register=no --directory="$root" --boot --private-network \
  --console=pipe </dev/null >"$root/var/tmp/nspawn.log" 2>&1 || true
# nspawn leaves its (empty) propagation folder when /run is not a tmpfs.
rm -rf "/run/systemd/nspawn/propagate/$(basename "$root")"
mount -t proc proc "$root/proc"
rm -rf "$root/etc/systemd/system/kiosk-agent-session.service.d" "$root/etc/systemd/system/kiosk-session-check.service" \
  "$root"/etc/systemd/system/*.wants/kiosk-session-check.service
[ -s "$root/var/tmp/session-check" ] ||
  { tail -30 "$root/var/tmp/nspawn.log" >&2; fail "the container did not run the session check (systemd-nspawn's output above)"; }
got() { sed -n "s/^$1=//p" "$root/var/tmp/session-check" | head -1; }
want() { # KEY VALUE WHAT
  [ "$(got "$1")" = "$2" ] || { grep -v '^journal: ' "$root/var/tmp/session-check" >&2; grep '^journal: ' "$root/var/tmp/session-check" | tail -15 >&2
    fail "the session under its sandbox: $1=$(got "$1"), want $2 ($3; what the container saw above)"; }
}
want active "active/running restarts=0" "the unit runs, never restarted"
want user kiosk-agent "the session's user"
want kioskctl_status 0 "kioskctl status answered through the kiosk's socket"
want NoNewPrivs 1 "NoNewPrivileges"
want Seccomp 2 "a seccomp filter (SystemCallFilter)"
want CapBnd 0000000000000000 "CapabilityBoundingSet= empty"
want CapEff 0000000000000000 "no effective capability"
want usr read-only "ProtectSystem=strict"
want etc read-only "ProtectSystem=strict"
want data writable "ReadWritePaths= the data folder"
want home 0 "ProtectHome=tmpfs: /home and /root empty"
want tmp 0 "PrivateTmp"
[[ ",$(got groups)," == *,tss,* && ",$(got groups)," == *,video,* ]] || fail "the session's user is not in video and tss: $(got groups)"
echo "test-deb:   session under systemd-nspawn: $(got active), user $(got user) ($(got groups)), NoNewPrivs $(got NoNewPrivs), seccomp $(got Seccomp), CapBnd $(got CapBnd)," \
  "$(grep '^mem_max=' "$root/var/tmp/session-check"); kioskctl status ok; /usr, /etc read-only, data writable, /home /root /tmp empty"
step "the session's sandbox under systemd (nspawn)"

# kioskctl doctor: no camera, no kiosk running, no API in a fresh root, so the report
# fails; its shape, its exit status, and the checks the package itself decides.
set +e
in_root kioskctl doctor --json >"$root/tmp/doctor.json" 2>"$root/tmp/doctor.err"
rc=$?
set -e
jq -e . "$root/tmp/doctor.json" >/dev/null || { cat "$root/tmp/doctor.err" >&2; fail "kioskctl doctor --json did not print JSON"; }
names=$(jq -r '[.checks[].name] | join(",")' "$root/tmp/doctor.json")
[ "$names" = "config,kiosk,cameras,models,data_dir,keys,disk,queue,api,clock" ] || fail "doctor checks: $names"
jq -e 'all(.checks[]; (.status | IN("ok","warn","fail")) and (.detail | length > 0)
  and ((.status == "ok") == ((.fix // "") == "")))' "$root/tmp/doctor.json" >/dev/null ||
  fail "doctor: a check without a verdict or a detail, or a fix not exactly when not ok"
worst=$(jq -r '[.checks[].status] | if index("fail") then "fail" elif index("warn") then "warn" else "ok" end' "$root/tmp/doctor.json")
[ "$(jq -r .status "$root/tmp/doctor.json")" = "$worst" ] || fail "doctor: status is not the worst check's"
case "$worst" in ok) want=0 ;; warn) want=1 ;; fail) want=2 ;; esac
[ "$rc" = "$want" ] || fail "doctor exited $rc, want $want for $worst"
for c in data_dir models; do
  [ "$(jq -r --arg c "$c" '.checks[] | select(.name == $c) | .status' "$root/tmp/doctor.json")" = ok ] ||
    fail "doctor: $c is not ok: $(jq -c --arg c "$c" '.checks[] | select(.name == $c)' "$root/tmp/doctor.json")"
done
# No TPM and no credential in the root: keys.protector auto is the plain file, which
# doctor warns about (and names the fix).
jq -e '.checks[] | select(.name == "keys") | .status == "warn" and (.detail | contains("not protected against disk theft"))' "$root/tmp/doctor.json" >/dev/null ||
  fail "doctor: keys is not the plain file's warning: $(jq -c '.checks[] | select(.name == "keys")' "$root/tmp/doctor.json")"
jq -r '.checks[] | "test-deb:   doctor \(.status | ascii_upcase) \(.name): \(.detail)" | .[0:150]' "$root/tmp/doctor.json"
step "kioskctl doctor --json (exit $rc)"

# Upgrade to a newer build: a queued job (enrolled as the kiosk's user), the data and an
# edited config stay.
echo queued-job >"$root/var/lib/kiosk-agent/marker"
in_root runuser -u kiosk-agent -- kioskctl enroll --user-id deb-test --job-id deb-test-job --no-prechecks \
  --selfie /tmp/photos/obama_1.jpg --comparison /tmp/photos/obama_2.jpg --comparison-type PORTRAIT \
  --liveness /tmp/photos/obama_1.jpg --liveness /tmp/photos/obama_2.jpg --liveness /tmp/photos/obama_3.jpg \
  --liveness /tmp/photos/two_people.jpg >/dev/null 2>"$root/tmp/enroll.err" ||
  { cat "$root/tmp/enroll.err" >&2; fail "kioskctl enroll as kiosk-agent"; }
sed -i 's/"info"/"warn"/' "$root/etc/kiosk-agent/config.json"
newer="${version}.1"
DEB_OUT="$root/tmp/debs" "$here/scripts/deb.sh" "$arch" "$newer" "$bindir" >/dev/null
step "build a newer package ($newer)"
in_root apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
  "/tmp/debs/kiosk-agent_${newer}-1_${arch}.deb" >"$root/tmp/upgrade.log" 2>&1 ||
  { tail -30 "$root/tmp/upgrade.log" >&2; fail "upgrade to $newer"; }
[ "$(in_root dpkg-query -W -f='${Version}' kiosk-agent)" = "${newer}-1" ] || fail "upgrade did not install ${newer}-1"
[ "$(cat "$root/var/lib/kiosk-agent/marker" 2>/dev/null)" = queued-job ] || fail "upgrade lost /var/lib/kiosk-agent/marker"
grep -q '"warn"' "$root/etc/kiosk-agent/config.json" || fail "upgrade replaced the edited config"
[ "$(in_root stat -c "%a %U" /var/lib/kiosk-agent)" = "700 kiosk-agent" ] || fail "upgrade changed the data folder's mode or owner"
[ "$(in_root kioskctl queue list --json | jq -r '.jobs[] | select(.job_id == "deb-test-job") | .state')" = queued ] ||
  fail "upgrade lost the queued job deb-test-job"
[ -L "$root/etc/systemd/system/multi-user.target.wants/kiosk-agent-session.service" ] || fail "upgrade disabled the session"
step "upgrade keeps data and config"

in_root apt-get remove -y -qq kiosk-agent >/dev/null 2>&1 || fail "apt-get remove"
[ -f "$root/var/lib/kiosk-agent/marker" ] || fail "remove (not purge) deleted the data"
in_root apt-get purge -y -qq kiosk-agent >/dev/null 2>&1 || fail "apt-get purge"
for p in /var/lib/kiosk-agent /etc/kiosk-agent /usr/lib/kiosk-agent /usr/bin/kioskctl /usr/bin/kiosk \
  /etc/pam.d/kiosk-agent /lib/systemd/system/kiosk-agent-session.service \
  /etc/systemd/system/multi-user.target.wants/kiosk-agent-session.service; do
  [ ! -e "$root$p" ] || fail "purge left $p"
done
! in_root getent passwd kiosk-agent >/dev/null || fail "purge left the user kiosk-agent"
for g in kiosk kiosk-admin kiosk-agent; do
  ! in_root getent group "$g" >/dev/null || fail "purge left the group $g"
done
step "remove keeps data; purge removes data, config, users"

t_step=$start; step "total"
printf 'test-deb: kiosk-agent package %.1f MB (installed %.1f MB); apt-get install with its Depends into a clean root: %s s\n' \
  "$(awk -v s="$(stat -c %s "$deb")" 'BEGIN{print s/1e6}')" \
  "$(awk -v s="$(dpkg-deb -f "$deb" Installed-Size)" 'BEGIN{print s/1e3}')" "$t_install"
