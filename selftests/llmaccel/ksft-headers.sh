#!/bin/sh
# ksft-headers.sh DIR [KSRC_CACHE]: make DIR/kselftest_harness.h and
# DIR/kselftest.h available.
#
# They come from Debian's linux-source-6.12 (the kernel series we build
# against), tools/testing/selftests/, and are never committed.  The
# package's .deb and its tarball are shared with driver/ksrc-tools.sh in
# KSRC_CACHE (default /var/cache/llmaccel/ksrc): when the tarball is
# already there only the two headers are extracted (about 10 s for the
# xz stream); otherwise `apt-get download linux-source-6.12` fetches it.
# Idempotent: returns at once when both headers exist.
set -eu
dir=${1:?usage: ksft-headers.sh DIR [KSRC_CACHE]}
cache=${2:-/var/cache/llmaccel/ksrc}
files="kselftest_harness.h kselftest.h"

have=1
for f in $files; do [ -s "$dir/$f" ] || have=0; done
[ $have = 1 ] && exit 0

mkdir -p "$dir" "$cache"
# One fetch at a time (parallel make); re-check once we hold the lock.
exec 9>"$cache/.ksft-headers.lock"
flock 9
have=1
for f in $files; do [ -s "$dir/$f" ] || have=0; done
[ $have = 1 ] && exit 0
tarball=$(ls "$cache"/linux-source-6.12.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ]; then
	deb=$(ls "$cache"/linux-source-6.12_*_all.deb 2>/dev/null |
	      sort -V | tail -n 1 || true)
	if [ -z "$deb" ]; then
		echo "ksft-headers: downloading linux-source-6.12 into $cache" >&2
		(cd "$cache" && apt-get download linux-source-6.12 >&2)
		deb=$(ls "$cache"/linux-source-6.12_*_all.deb | sort -V | tail -n 1)
	fi
	member=$(dpkg-deb -c "$deb" | awk '{print $NF}' |
		 grep -E 'linux-source-6\.12\.tar\.(xz|bz2|gz)$' | head -n 1)
	[ -n "$member" ] || { echo "ksft-headers: no tarball in $deb" >&2; exit 1; }
	tarball=$cache/$(basename "$member")
	# A private temporary name: driver/ksrc-tools.sh may be unpacking
	# the same tarball into this cache at the same time.
	part=$(mktemp "$cache/.ksft-tarball.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" >"$part"
	mv "$part" "$tarball"
fi
top=$(basename "$tarball"); top=${top%.tar.*}
tmp=$(mktemp -d "$dir/.x.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
members=
for f in $files; do members="$members $top/tools/testing/selftests/$f"; done
# shellcheck disable=SC2086 # a list of archive members
tar -xf "$tarball" -C "$tmp" $members
for f in $files; do
	mv "$tmp/$top/tools/testing/selftests/$f" "$dir/$f"
done
echo "ksft-headers: $dir/kselftest_harness.h ready" >&2
