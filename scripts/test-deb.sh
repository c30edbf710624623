#!/usr/bin/env bash
# Install the amd64 packages into a clean Debian 12 root (debootstrap --variant=minbase,
# chroot) and check the package's contract: apt installs its Depends, `kioskctl version`
# and `kiosk --version` print the package's version, analyze works with the packaged ONNX Runtime and config,
# /var/lib/kiosk-agent is 0700 kiosk-agent, config.json is a conffile; the users and
# groups, the session units (which pass `systemd-analyze verify`; the Wayland one enabled),
# the udev rule; `kioskctl doctor --json` (its shape, data_dir/keys/models ok); an upgrade
# to a newer build keeps a queued job, the data and an edited config; `apt purge` removes
# data, config, users and groups. Prints the time of each step and the package sizes. Needs root (chroot, mount). `make test-deb` runs it
# after `make deb`; usage: scripts/test-deb.sh VERSION BINDIR
# The minbase root is cached as a tarball in ~/.cache/kiosk-agent/ (rebuilt when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: scripts/test-deb.sh VERSION BINDIR (use: make test-deb)" >&2; exit 2; }
version=$1 bindir=$2
[ "$version" = dev ] && version=0.0.0+dev
[ "$(id -u)" = 0 ] || { echo "test-deb: SKIPPED: needs root (debootstrap, chroot, mount): run sudo make test-deb"; exit 0; }
[ "$(dpkg --print-architecture)" = amd64 ] || { echo "test-deb: skipped: tests the amd64 package on an amd64 host"; exit 0; }
deb="$here/bin/deb/kiosk-agent_${version}-1_amd64.deb"
[ -f "$deb" ] || { echo "test-deb: $deb is missing: run make deb first" >&2; exit 1; }

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
cache="${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-agent"
tarball="$cache/bookworm-minbase-amd64.tar"
if [ ! -f "$tarball" ]; then
  mkdir -p "$cache"
  tmproot=$(mktemp -d "$cache/root.XXXXXX")
  # mktemp -d makes the folder 0700 and tar records it as the root's "./": in the chroot
  # "/" would then be 0700 and only root could run anything. A root directory is 0755.
  chmod 0755 "$tmproot"
  debootstrap --variant=minbase bookworm "$tmproot" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$tmproot"; fail "debootstrap bookworm (log above)"; }
  tar -C "$tmproot" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$tmproot"
  step "debootstrap Debian 12 minbase (cached after)"
fi

root=$(mktemp -d /tmp/kiosk-deb-test.XXXXXX)
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$tarball"
# A tarball cached by an older version of this script may carry a 0700 "./": the root's
# mode is set here, whatever the cache holds (the fresh-machine path and the warm one agree).
chmod 0755 "$root"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
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

# Users and groups (postinst): kiosk-agent in kiosk (the socket) and video (cameras).
for g in kiosk kiosk-admin kiosk-agent; do
  in_root getent group "$g" >/dev/null || fail "postinst did not create the group $g"
done
groups=" $(in_root id -nG kiosk-agent) "
for g in kiosk video; do
  [[ "$groups" == *" $g "* ]] || fail "kiosk-agent is not in the group $g (groups:$groups)"
done
# The session: units, PAM service, udev rule; the Wayland session enabled, the X11 one not.
for f in /lib/systemd/system/kiosk-agent-session.service /lib/systemd/system/kiosk-agent-session-x11.service \
  /lib/udev/rules.d/60-kiosk-agent-cameras.rules /etc/pam.d/kiosk-agent /usr/bin/kiosk; do
  [ -f "$root$f" ] || fail "$f is missing"
done
[ -L "$root/etc/systemd/system/multi-user.target.wants/kiosk-agent-session.service" ] ||
  fail "kiosk-agent-session.service is not enabled (multi-user.target.wants)"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/kiosk-agent-session-x11.service" ] ||
  fail "the X11 fallback session is enabled too"
in_root dpkg-query -W -f='${Conffiles}\n' kiosk-agent | grep -q '^ /etc/pam.d/kiosk-agent ' ||
  fail "/etc/pam.d/kiosk-agent is not a conffile"
step "users, groups, session units, udev rule"

# systemd-analyze verify, in the root (Depends brought systemd and cage; xinit, a
# Recommends, is installed for the fallback's ExecStart). Warnings count as failures.
in_root apt-get install -y -qq --no-install-recommends xinit >/dev/null 2>&1 || fail "apt-get install xinit"
if ! verify=$(in_root systemd-analyze verify --man=no /lib/systemd/system/kiosk-agent-session.service \
  /lib/systemd/system/kiosk-agent-session-x11.service 2>&1) || [ -n "$verify" ]; then
  echo "$verify" >&2; fail "systemd-analyze verify of the session units"
fi
step "systemd-analyze verify (both session units)"

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
for c in data_dir keys models; do
  [ "$(jq -r --arg c "$c" '.checks[] | select(.name == $c) | .status' "$root/tmp/doctor.json")" = ok ] ||
    fail "doctor: $c is not ok: $(jq -c --arg c "$c" '.checks[] | select(.name == $c)' "$root/tmp/doctor.json")"
done
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
DEB_OUT="$root/tmp/debs" "$here/scripts/deb.sh" amd64 "$newer" "$bindir" >/dev/null
step "build a newer package ($newer)"
in_root apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
  "/tmp/debs/kiosk-agent_${newer}-1_amd64.deb" >"$root/tmp/upgrade.log" 2>&1 ||
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
