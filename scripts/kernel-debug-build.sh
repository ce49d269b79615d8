#!/bin/bash
# kernel-debug-build.sh [OUTDIR]: build the debug guest kernel of
# `make check-debug` (KASAN, lockdep, DEBUG_OBJECTS, kmemleak).
#
# Source: Debian's linux-source-6.12 package (the version apt offers now,
# else the newest .deb already fetched), downloaded with `apt-get download`
# into $KSRC_CACHE (default $LLMACCEL_CACHE/ksrc, shared with
# driver/ksrc-tools.sh).  Config: `make allnoconfig` with
# scripts/debug-kernel.config as KCONFIG_ALLCONFIG, then olddefconfig; the
# build fails if any line of the fragment did not survive.  The only change
# to the source: DRM_SCHED, DRM_GEM_SHMEM_HELPER and DRM_EXEC (helpers
# without a prompt, normally selected by a GPU driver) get a prompt, so
# they build without one.  Everything lives in a cache outside the
# repository:
#   $LLMACCEL_CACHE (default /var/cache/llmaccel)
#     kernel-debug/linux-<ver>/     unpacked, patched source
#     kernel-debug/out/<hash>/      one result per input set:
#        build/      the O= build tree (KDIR for out-of-tree modules)
#        modroot/    modules_install tree: modroot/lib/modules/<kver>/
#        bzImage, kernel-debug.info, .complete
#     kernel-debug/build.log        the log of the last build
#     ccache/                       compiler cache (shared with QEMU)
# <hash> covers the package version, the config fragment and this
# script, nothing of llmaccel's own code: a driver or test change never
# rebuilds the kernel.  A cached result costs a hash and a few links.
# One build at a time per cache (flock); a second caller waits, printing
# the running build's progress, then uses its result.
#
# Results in OUTDIR (default build/kernel-debug): bzImage, kernel-debug.env
# (KVER=, KDIR=, KROOT= for make), kernel-debug.info, and the links build
# and modroot into the cache.
#
# Environment: LLMACCEL_CACHE, KSRC_CACHE, KERNEL_JOBS (default 2),
# KERNEL_PROGRESS_S (seconds between progress lines, default 30).
# Installs its build dependencies with apt when run as root.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${LLMACCEL_CACHE:-/var/cache/llmaccel}
KSRC=${KSRC_CACHE:-$CACHE/ksrc}
KC=$CACHE/kernel-debug
OUT=${1:-$ROOT/build/kernel-debug}
JOBS=${KERNEL_JOBS:-2}
TICK=${KERNEL_PROGRESS_S:-30}
FRAG=$ROOT/scripts/debug-kernel.config
PKG=linux-source-6.12
KEEP_OUT=2
DEPS="bc bison flex libelf-dev libssl-dev make gcc ccache xz-utils kmod"

log() { echo "kernel-debug-build: $*"; }
die() { echo "kernel-debug-build: error: $*" >&2; exit 1; }

mkdir -p "$KC/out" "$KSRC" "$CACHE/ccache" "$OUT"
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
[ -f "$FRAG" ] || die "$FRAG missing"

# ---------------------------------------------------------------- deps
installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
		grep -q '^install ok installed'
}
need=
for p in $DEPS; do installed "$p" || need="$need $p"; done
if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] || die "missing build dependencies:$need (apt-get install them)"
	log "installing$need"
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $need >"$KC/apt.log" 2>&1 ||
		{ apt-get update -q >>"$KC/apt.log" 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $need >>"$KC/apt.log" 2>&1; } ||
		{ tail -n 20 "$KC/apt.log" >&2; die "apt-get install failed"; }
fi

# ---------------------------------------------------------------- inputs
# The version apt offers now; without apt lists, the newest fetched .deb.
VER=$(apt-cache policy "$PKG" 2>/dev/null | awk '/Candidate:/ { print $2 }')
case $VER in ''|'(none)')
	# shellcheck disable=SC2012 # Debian package file names
	VER=$(cd "$KSRC" && ls -1 "${PKG}"_*_all.deb 2>/dev/null | sort -V |
	      tail -n 1 | sed "s/^${PKG}_\(.*\)_all\.deb$/\1/")
	[ -n "$VER" ] || die "no $PKG in apt and none in $KSRC (apt-get update?)" ;;
esac
DEB=$KSRC/${PKG}_${VER#*:}_all.deb

HASH=$( { echo "$PKG $VER"; sha256sum <"$FRAG"; sha256sum <"$0"; } |
	sha256sum | cut -c1-16)
RES=$KC/out/$HASH

publish() {
	local kver
	kver=$(sed -n 's/^kver=//p' "$RES/kernel-debug.info")
	rm -f "$OUT/bzImage" "$OUT/build" "$OUT/modroot"
	ln "$RES/bzImage" "$OUT/bzImage" 2>/dev/null || cp -p "$RES/bzImage" "$OUT/bzImage"
	ln -s "$RES/build" "$OUT/build"
	ln -s "$RES/modroot" "$OUT/modroot"
	cp "$RES/kernel-debug.info" "$OUT/kernel-debug.info"
	printf 'KVER=%s\nKDIR=%s\nKROOT=%s\n' "$kver" "$RES/build" \
		"$RES/modroot" >"$OUT/kernel-debug.env.tmp"
	mv "$OUT/kernel-debug.env.tmp" "$OUT/kernel-debug.env"
	touch "$RES" "$OUT/bzImage"
}

if [ -f "$RES/.complete" ]; then
	publish
	log "cached build $HASH ($(sed -n 's/^kver=//p' "$RES/kernel-debug.info")) -> $OUT/bzImage"
	exit 0
fi

# One build at a time; a waiter shows the running build's progress.
exec 9>"$KC/.lock"
if ! flock -n 9; then
	log "another build holds $KC/.lock; waiting"
	until flock -w "$TICK" 9; do
		log "waiting: $(tail -n 1 "$KC/progress" 2>/dev/null || echo '(no progress yet)')"
	done
	if [ -f "$RES/.complete" ]; then
		publish
		log "cached build $HASH (built by the other caller) -> $OUT/bzImage"
		exit 0
	fi
fi
log "inputs changed (hash $HASH: $PKG $VER), building"
: >"$KC/progress"
t_start=$(date +%s)

# ---------------------------------------------------------------- fetch
if [ ! -s "$DEB" ]; then
	log "fetching $PKG $VER into $KSRC"
	(cd "$KSRC" && apt-get download "$PKG=$VER") >"$KC/fetch.log" 2>&1 ||
		{ cat "$KC/fetch.log" >&2; die "apt-get download $PKG=$VER failed"; }
	[ -s "$DEB" ] || die "download did not produce $DEB"
fi

# ---------------------------------------------------------------- unpack
SRC=$KC/linux-${VER#*:}
if [ ! -f "$SRC/.llmaccel-unpacked" ]; then
	log "unpacking $(basename "$DEB") into $SRC"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tarball=$(dpkg-deb -c "$DEB" | awk '{ print $NF }' |
		  grep -E "/${PKG}\.tar\.(xz|bz2|gz)$" | head -n 1)
	[ -n "$tarball" ] || die "no source tarball in $DEB"
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO "$tarball" |
		tar -xJ -C "$SRC.tmp" --strip-components=1
	# Prompts for three helper symbols (see the header).
	awk '
	BEGIN {
		want["DRM_SCHED"] = "GPU scheduler"
		want["DRM_GEM_SHMEM_HELPER"] = "GEM shmem helpers"
		want["DRM_EXEC"] = "DRM execution context"
	}
	/^config / { sym = $2; print; next }
	(sym in want) && $0 == "\ttristate" {
		printf "\ttristate \"%s (llmaccel debug kernel)\"\n", want[sym]
		delete want[sym]; sym = ""; next
	}
	{ sym = ""; print }
	END { for (s in want) { print "no plain tristate line for " s >"/dev/stderr"; exit 1 } }
	' "$SRC.tmp/drivers/gpu/drm/Kconfig" >"$SRC.tmp/Kconfig.drm.tmp" ||
		die "patching drivers/gpu/drm/Kconfig failed"
	mv "$SRC.tmp/Kconfig.drm.tmp" "$SRC.tmp/drivers/gpu/drm/Kconfig"
	touch "$SRC.tmp/.llmaccel-unpacked"
	mv "$SRC.tmp" "$SRC"
fi

# ---------------------------------------------------------------- configure
B=$RES/build
mkdir -p "$B"
# Depend mode: no second preprocessor run per file (Kbuild passes
# -Wp,-MMD), which on a cold cache is pure overhead.
export CCACHE_DIR=$CACHE/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-3G} \
	CCACHE_DEPEND=1
# Fixed stamps: the same input set gives the same vmlinux (and ccache hits).
export KBUILD_BUILD_TIMESTAMP="$VER" KBUILD_BUILD_USER=llmaccel \
	KBUILD_BUILD_HOST=llmaccel
KMAKE=(make -C "$SRC" O="$B" CC="ccache gcc" HOSTCC="ccache gcc")
log "configuring: allnoconfig + $(basename "$FRAG")"
if ! "${KMAKE[@]}" -s KCONFIG_ALLCONFIG="$FRAG" allnoconfig >"$KC/config.log" 2>&1 ||
   ! "${KMAKE[@]}" -s olddefconfig >>"$KC/config.log" 2>&1; then
	tail -n 30 "$KC/config.log" >&2
	die "configuration failed (log: $KC/config.log)"
fi
# Every line of the fragment must have survived olddefconfig.
lost=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$B/.config" && continue ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		grep -q "^$sym=" "$B/.config" || continue ;;
	*) continue ;;
	esac
	sym=$(echo "$line" | grep -oE 'CONFIG_[A-Za-z0-9_]+' | head -n 1)
	echo "kernel-debug-build: wanted '$line', got '$(grep -E "^$sym=|^# $sym is not set" "$B/.config" || echo "(absent)")'" >&2
	lost=$((lost + 1))
done <"$FRAG"
[ $lost -eq 0 ] || die "$lost option(s) of $(basename "$FRAG") did not survive olddefconfig"

# ---------------------------------------------------------------- build
BLOG=$KC/build.log
last=$(cat "$KC/objects.last" 2>/dev/null || true)
log "building bzImage + modules (make -j$JOBS, ccache, log: $BLOG)"
"${KMAKE[@]}" -j"$JOBS" bzImage modules >"$BLOG" 2>&1 &
kpid=$!
count_objs() { find "$B" -name '*.o' -newer "$B/.config" 2>/dev/null | wc -l; }
(
	while sleep "$TICK"; do
		kill -0 "$kpid" 2>/dev/null || exit 0
		n=$(count_objs)
		s=$(( $(date +%s) - t_start ))
		msg="$(printf '%02d:%02d' $((s / 60)) $((s % 60))) elapsed, $n objects compiled"
		[ -z "$last" ] || msg="$msg of about $last ($((100 * n / last))%)"
		echo "$msg" >>"$KC/progress"
		log "$msg"
	done
) &
ppid=$!
rc=0
wait "$kpid" || rc=$?
kill "$ppid" 2>/dev/null || true
wait "$ppid" 2>/dev/null || true
if [ $rc -ne 0 ]; then
	grep -E -B2 -A8 'error:|Error [0-9]' "$BLOG" | tail -n 60 >&2
	die "build failed (log: $BLOG)"
fi
count_objs >"$KC/objects.last"
# CPU time of the build (the children's user + system), a figure that
# does not depend on how busy the machine was.
# (`times` in this shell: in a $(...) subshell it would see no children.)
times >"$KC/times.tmp"
cpu=$(tail -n 1 "$KC/times.tmp" | awk '{ for (i = 1; i <= 2; i++) {
	split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
	printf "%d", t }')
rm -f "$KC/times.tmp"

rm -rf "$RES/modroot"
"${KMAKE[@]}" -s INSTALL_MOD_PATH="$RES/modroot" modules_install >>"$BLOG" 2>&1 ||
	{ tail -n 20 "$BLOG" >&2; die "modules_install failed"; }
KVER=$("${KMAKE[@]}" -s kernelrelease)
[ -f "$RES/modroot/lib/modules/$KVER/modules.dep" ] ||
	die "modules_install gave no modules.dep for $KVER"
cp "$B/arch/x86/boot/bzImage" "$RES/bzImage"
secs=$(( $(date +%s) - t_start ))
{
	echo "hash=$HASH"
	echo "package=$PKG $VER"
	echo "kver=$KVER"
	echo "source=$SRC"
	echo "build_seconds=$secs"
	echo "build_cpu_seconds=$cpu"
	echo "objects=$(cat "$KC/objects.last")"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$RES/kernel-debug.info"
touch "$RES/.complete"
log "built $KVER in $((secs / 60)) min $((secs % 60)) s ($((cpu / 60)) min CPU)"

# Keep the newest few results, and the sources they were built from.
# shellcheck disable=SC2012 # names are hex hashes
ls -1dt "$KC"/out/*/ 2>/dev/null | tail -n +$((KEEP_OUT + 1)) |
	while read -r d; do rm -rf "$d"; done
for d in "$KC"/linux-*/; do
	d=${d%/}
	grep -qsxF "source=$d" "$KC"/out/*/kernel-debug.info || rm -rf "$d"
done
publish
log "done -> $OUT/bzImage ($KVER)"
