#!/usr/bin/env bash
# make test: run each suite (a make target) in turn, print each one's time as it ends and
# a table with the total at the end, also when a suite fails (the run stops there).
# Usage: scripts/test-all.sh SUITE...   (the Makefile's test target passes the list)
set -uo pipefail
make=${MAKE:-make}
names=() times=() results=()
start=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
summary() {
  local i
  echo "make test: times"
  for i in "${!names[@]}"; do
    printf 'make test:   %-16s %8s s  %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"
  done
  printf 'make test:   %-16s %8s s  (%s)\n' total "$(elapsed "$start" "$(date +%s.%N)")" "$(date -u '+%Y-%m-%d %H:%M UTC')"
}
for s in "$@"; do
  echo "make test: ---- $s"
  t0=$(date +%s.%N)
  $make --no-print-directory "$s"
  rc=$?
  t=$(elapsed "$t0" "$(date +%s.%N)")
  names+=("$s") times+=("$t")
  if [ $rc -ne 0 ]; then
    results+=("FAIL (exit $rc)")
    echo "make test: $s FAILED after $t s" >&2
    summary
    exit $rc
  fi
  results+=(ok)
  echo "make test: $s ok in $t s"
done
summary
