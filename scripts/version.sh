#!/usr/bin/env bash
# Print the agent's version from git, as a Debian-compatible version string:
#   on a tag vX.Y.Z                      X.Y.Z
#   N commits after tag vX.Y.Z           X.Y.Z+gitYYYYMMDDhhmmss.HASH
#   no v* tag yet                        0.0.0+gitYYYYMMDDhhmmss.HASH
# (commit time in UTC, so later commits sort later), with ".dirty" appended when the work
# tree has uncommitted changes to tracked files. Prints "dev" outside a git checkout.
# The Makefile passes it to the binaries (-X main.version) and to the packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --verify -q HEAD >/dev/null 2>&1; then echo dev; exit 0; fi
hash=$(git rev-parse --short=12 HEAD)
stamp=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S HEAD)
if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null); then
  base=${tag#v}
  if [ "$(git rev-list -n1 "$tag")" = "$(git rev-parse HEAD)" ]; then v=$base; else v="$base+git$stamp.$hash"; fi
else
  v="0.0.0+git$stamp.$hash"
fi
git diff --quiet HEAD -- 2>/dev/null || v="$v.dirty"
echo "$v"
