#!/bin/sh
# setup.sh: install what the build and the tests need on Debian 12.
# Idempotent: packages already present are skipped, so a second run takes
# well under a second.  Needs root (or sudo) only when something is missing.
set -eu

# Host build and test tools for the current layers.
need="gcc make libc6-dev"

missing=""
for pkg in $need; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "setup: installing$missing"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
