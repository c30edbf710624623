#!/bin/sh
# Runs inside the Debian 12 root booted by systemd-nspawn (scripts/test-deb.sh): starts
# kiosk-agent-session.service (with test-deb's drop-in: headless, no VT), looks at the
# running kiosk from outside and from inside its sandbox, writes what it saw to
# /var/tmp/session-check, then powers the container off. test-deb.sh judges the lines.
out=/var/tmp/session-check
u=kiosk-agent-session.service
{
  systemctl start "$u"
  i=0
  while [ $i -lt 120 ] && [ ! -S /run/kiosk-agent/kiosk.sock ]; do sleep 0.5; i=$((i + 1)); done
  sleep 2
  echo "active=$(systemctl show -P ActiveState "$u")/$(systemctl show -P SubState "$u") restarts=$(systemctl show -P NRestarts "$u")"
  pid=$(systemctl show -P MainPID "$u")
  echo "user=$(stat -c %U "/proc/$pid" 2>/dev/null)"
  sed -n 's/^\(NoNewPrivs\|Seccomp\|CapBnd\|CapEff\):[[:space:]]*/\1=/p' "/proc/$pid/status"
  names=
  for g in $(sed -n 's/^Groups:[[:space:]]*//p' "/proc/$pid/status"); do names="$names,$(getent group "$g" | cut -d: -f1)"; done
  echo "groups=${names#,}"
  echo "mem_max=$(systemctl show -P MemoryMax "$u") tasks_max=$(systemctl show -P TasksMax "$u") nofile=$(sed -n 's/^Max open files *\([0-9]*\).*/\1/p' "/proc/$pid/limits")"
  kioskctl status --json >/var/tmp/status.json 2>&1
  echo "kioskctl_status=$?"
  # The file system as the kiosk sees it (its mount namespace; read-only applies to root too).
  nsenter -t "$pid" -m sh -c '
    touch /usr/lib/kiosk-agent/.w 2>/dev/null && echo usr=writable || echo usr=read-only
    touch /etc/.w 2>/dev/null && echo etc=writable || echo etc=read-only
    touch /var/lib/kiosk-agent/.w 2>/dev/null && rm -f /var/lib/kiosk-agent/.w && echo data=writable || echo data=read-only
    echo "home=$(ls -A /home /root 2>/dev/null | grep -vc ":$\|^$")"
    echo "tmp=$(ls -A /tmp | wc -l)"'
  journalctl -u "$u" --no-pager -o cat 2>/dev/null | tail -25 | sed 's/^/journal: /'
} >"$out" 2>&1
systemctl --no-block poweroff
