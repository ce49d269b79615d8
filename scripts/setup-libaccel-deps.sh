#!/bin/sh
# setup-libaccel-deps.sh: install what `make check-libaccel` needs beyond
# scripts/setup.sh (valgrind for the leak run, pkg-config for the example
# build, libdrm-dev for drm.h of the kernel backend).  Idempotent: returns at once when everything is present.
set -eu

need="valgrind pkg-config libdrm-dev"
missing=""
for pkg in $need; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "setup-libaccel-deps: installing$missing"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
