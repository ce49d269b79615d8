#!/bin/sh
# ksrc-tools.sh CACHE [KVER]: make CACHE/scripts/checkpatch.pl usable.
#
# checkpatch.pl, spelling.txt and const_structs.checkpatch come from
# Debian's linux-source-6.12 package (the same kernel series as the
# headers we build against).  Only those three files are extracted; the
# downloaded .deb and tarball stay in CACHE for the next run.  Idempotent:
# returns at once when the files are there.  Downloading needs apt access.
set -eu
cache=${1:?usage: ksrc-tools.sh CACHE [KVER]}
files="scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch"

have=1
for f in $files; do [ -s "$cache/$f" ] || have=0; done
[ $have = 1 ] && exit 0

mkdir -p "$cache"
cd "$cache"
deb=$(ls linux-source-6.12_*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
	echo "ksrc-tools: downloading linux-source-6.12 into $cache" >&2
	apt-get download linux-source-6.12 >&2
	deb=$(ls linux-source-6.12_*_all.deb | sort -V | tail -n 1)
fi
tarball=$(dpkg-deb -c "$deb" | awk '{print $NF}' |
	  grep -E 'linux-source-6\.12\.tar\.(xz|bz2|gz)$' | head -n 1)
[ -n "$tarball" ] || { echo "ksrc-tools: no tarball in $deb" >&2; exit 1; }
tname=$(basename "$tarball")
[ -s "$tname" ] ||
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" >"$tname.tmp"
[ -s "$tname.tmp" ] && mv "$tname.tmp" "$tname"
top=${tname%.tar.*}
for f in $files; do
	tar -xf "$tname" "$top/$f"
	mkdir -p "$(dirname "$f")"
	mv "$top/$f" "$f"
done
chmod +x scripts/checkpatch.pl
echo "ksrc-tools: $cache/scripts/checkpatch.pl ready" >&2
