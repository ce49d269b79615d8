#!/bin/sh
# setup.sh [--host]: install what the build and the tests need on Debian 12.
# Idempotent: what is already present is skipped, so a second run takes
# about a second.  Needs root (or sudo) only when something is missing.
# --host: only what the host suites need (no QEMU, kernel or VM pieces).
set -eu
cd "$(dirname "$0")/.."

need="gcc make libc6-dev"
missing=""
for pkg in $need; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing
fi

scripts/setup-libaccel-deps.sh
[ "${1:-}" = --host ] && exit 0
scripts/setup-qemu-deps.sh
scripts/setup-vm-deps.sh
