#!/bin/sh
# setup-qemu-deps.sh: install what building QEMU 10 with the llmaccel device
# needs on Debian 12 (bookworm).  Idempotent; a second run takes seconds.
#  - adds a deb822 sources file with bookworm-backports (deb + deb-src) and
#    deb-src for bookworm, reusing the URI and Signed-By of the existing
#    Debian entries (deb822 *.sources or one-line sources.list);
#  - runs apt-get update only when that file was added or lists are missing;
#  - installs only the packages that are not installed yet.
# Must run as root (apt).  Exits non-zero on failure.
set -eu

SRC=/etc/apt/sources.list.d/llmaccel-backports.sources
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
	echo "setup-qemu-deps: must run as root" >&2
	exit 1
fi

# Find the Debian main archive URI and keyring from the existing sources.
find_uri_and_key() {
	uri='' key=''
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		[ "$f" = "$SRC" ] && continue
		# deb822 paragraphs: take the one whose Suites has "bookworm"
		# as a word (not -security, -updates).
		out=$(awk '
			BEGIN { RS = ""; FS = "\n" }
			{
				u = ""; k = ""; s = ""
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/) { u = $i; sub(/^URIs:[ \t]*/, "", u); sub(/[ \t].*/, "", u) }
					if ($i ~ /^Signed-By:/) { k = $i; sub(/^Signed-By:[ \t]*/, "", k) }
					if ($i ~ /^Suites:/) { s = " " $i " " }
				}
				if (s ~ /[ \t]bookworm[ \t]/ && u != "") { print u " " k; exit }
			}' "$f")
		if [ -n "$out" ]; then
			uri=${out%% *}
			key=${out#* }
			[ "$key" = "$out" ] && key=
			return 0
		fi
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		line=$(grep -E '^[[:space:]]*deb[[:space:]]' "$f" |
		       grep -E '[[:space:]]bookworm[[:space:]]' | head -n1 || true)
		[ -n "$line" ] || continue
		# deb [signed-by=/x.gpg arch=...] URI bookworm main
		key=$(printf '%s\n' "$line" | sed -n 's/.*signed-by=\([^] ]*\).*/\1/p')
		uri=$(printf '%s\n' "$line" | sed -e 's/^[[:space:]]*deb[[:space:]]*//' \
			-e 's/\[[^]]*\][[:space:]]*//' | awk '{ print $1 }')
		[ -n "$uri" ] && return 0
	done
	return 1
}

added=0
if [ ! -f "$SRC" ]; then
	if ! find_uri_and_key; then
		uri=http://deb.debian.org/debian
		key=
	fi
	[ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
	tmp=$SRC.tmp.$$
	cat >"$tmp" <<EOT
# Added by llmaccel scripts/setup-qemu-deps.sh: QEMU 10 sources, newer meson.
Types: deb deb-src
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: $key

Types: deb-src
URIs: $uri
Suites: bookworm
Components: main
Signed-By: $key
EOT
	mv "$tmp" "$SRC"
	added=1
	echo "setup-qemu-deps: added $SRC ($uri)"
fi

lists_ok() {
	ls /var/lib/apt/lists/*bookworm-backports*Packages* >/dev/null 2>&1 &&
	ls /var/lib/apt/lists/*bookworm-backports*Sources* >/dev/null 2>&1 &&
	ls /var/lib/apt/lists/*_bookworm_main_source_Sources* >/dev/null 2>&1
}
if [ "$added" = 1 ] || ! lists_ok; then
	apt-get update -q
fi

# Packages: "name" from the default suites, "name/bookworm-backports" from
# backports.  Each is installed only when missing (or, for backports ones,
# when the installed version is not the backports one).
PKGS="ninja-build libglib2.0-dev libpixman-1-dev libfdt-dev python3-venv
flex bison pkg-config ccache seabios qemu-system-data xz-utils"
BPO_PKGS="meson python3-pycotap"

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed'
}

need=
for p in $PKGS; do
	installed "$p" || need="$need $p"
done
for p in $BPO_PKGS; do
	if ! installed "$p"; then
		need="$need $p/bookworm-backports"
	elif [ "$p" = meson ]; then
		# bookworm's meson 1.0 is too old for QEMU 10 (needs >= 1.5).
		v=$(dpkg-query -W -f='${Version}' meson)
		if dpkg --compare-versions "$v" lt 1.5; then
			need="$need meson/bookworm-backports"
		fi
	fi
done

if [ -n "$need" ]; then
	echo "setup-qemu-deps: installing$need"
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -q --no-install-recommends $need
else
	echo "setup-qemu-deps: all packages present"
fi
