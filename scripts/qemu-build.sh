#!/bin/bash
# qemu-build.sh [OUTDIR]: build qemu-system-x86_64 with the llmaccel device.
#
# Takes Debian's QEMU 10.x orig tarball (bookworm-backports), adds our
# files (qemu-device/*.c *.h, the rtl-model sources and headers) as
# hw/misc/llmaccel/ plus one Kconfig entry, one meson subdir line and the
# qtest registration (no other change to QEMU), configures a minimal
# x86_64-softmmu and builds it with ccache.  Everything of QEMU lives in a
# cache outside the repository:
#   $LLMACCEL_CACHE (default /var/cache/llmaccel)
#     dl/                 the orig tarball
#     qemu-<ver>/         unpacked source, patched; build/ is the build tree
#     out/<hash>/         finished binaries keyed by a hash of all inputs
#     ccache/             compiler cache
# An unchanged input set costs a hash computation and a hard link; a
# changed device or rtl-model file rebuilds only our objects in the kept
# build tree.  Results in OUTDIR (default build/qemu):
#   qemu-system-x86_64, llmaccel-test (the qtest), qemu-build.info
# QEMU_FLAVOR=asan builds a second tree (build-asan/) with
# --enable-asan --enable-ubsan for robustness runs; default "release".
# Run scripts/setup-qemu-deps.sh first (root) for the build dependencies.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${LLMACCEL_CACHE:-/var/cache/llmaccel}
OUT=${1:-$ROOT/build/qemu}
JOBS=${QEMU_JOBS:-2}
FLAVOR=${QEMU_FLAVOR:-release}
case $FLAVOR in release|asan) ;; *) echo "bad QEMU_FLAVOR" >&2; exit 1 ;; esac
KEEP_OUT=3

log() { echo "qemu-build: $*"; }
die() { echo "qemu-build: error: $*" >&2; exit 1; }

mkdir -p "$CACHE/dl" "$CACHE/out" "$CACHE/ccache" "$OUT"
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac

# One build at a time per cache.
exec 9>"$CACHE/.lock"
flock 9

# ---------------------------------------------------------------- inputs
cd "$ROOT"
shopt -s nullglob
DEV_FILES=(qemu-device/*.c qemu-device/*.h)
TEST_FILES=(qemu-device/tests/*.c)
MODEL_C=(rtl-model/src/*.c)
MODEL_H=(rtl-model/src/*.h rtl-model/include/*.h)
shopt -u nullglob
[ -f qemu-device/llmaccel.c ] || die "qemu-device/llmaccel.c missing"
[ ${#MODEL_C[@]} -gt 0 ] || die "no rtl-model/src/*.c"

# The orig tarball the archive serves now (no pinned version); fall back
# to the newest one already fetched when apt cannot tell (no lists).
# --print-uris runs in an empty directory: apt omits files already present.
tarball_info() {
	local empty rc=0
	empty=$(mktemp -d)
	(cd "$empty" && apt-get source --print-uris -qq \
		qemu/bookworm-backports 2>/dev/null) |
		awk '$2 ~ /^qemu_.*\.orig\.tar\.(xz|gz|bz2)$/ { print $2, $4; exit }' ||
		rc=1
	rmdir "$empty"
	return $rc
}
info=$(tarball_info || true)
if [ -n "$info" ]; then
	TARBALL=${info%% *}
	TARSUM=${info#* }
	TARSUM=${TARSUM#SHA256:}
else
	TARBALL=$(cd "$CACHE/dl" && ls -1 qemu_*.orig.tar.* 2>/dev/null |
		  sort -V | tail -n1 || true)
	TARSUM=
	[ -n "$TARBALL" ] || die "cannot find QEMU source (run setup-qemu-deps.sh)"
fi
UPVER=${TARBALL#qemu_}
UPVER=${UPVER%.orig.tar.*}
case $UPVER in
10.*) ;;
*) die "archive serves QEMU $UPVER, need major version 10" ;;
esac

HASH=$( { echo "$TARBALL $FLAVOR"; sha256sum scripts/qemu-build.sh \
	"${DEV_FILES[@]}" "${TEST_FILES[@]}" "${MODEL_C[@]}" "${MODEL_H[@]}"; } |
	sha256sum | cut -c1-16)

publish() {
	local src=$1 f
	for f in qemu-system-x86_64 llmaccel-test; do
		rm -f "$OUT/$f"
		ln "$src/$f" "$OUT/$f" 2>/dev/null || cp -p "$src/$f" "$OUT/$f"
	done
	cp "$src/qemu-build.info" "$OUT/qemu-build.info"
	touch "$OUT/qemu-system-x86_64"
}

if [ -x "$CACHE/out/$HASH/qemu-system-x86_64" ] &&
   [ -x "$CACHE/out/$HASH/llmaccel-test" ]; then
	publish "$CACHE/out/$HASH"
	log "cached build $HASH -> $OUT/qemu-system-x86_64"
	exit 0
fi
log "inputs changed (hash $HASH), building"

# ---------------------------------------------------------------- fetch
if [ ! -f "$CACHE/dl/$TARBALL" ]; then
	log "fetching $TARBALL"
	# The .dsc and debian.tar may 404 on the mirror; only the orig
	# tarball is needed, so judge by its presence and checksum.
	(cd "$CACHE/dl" && apt-get source --download-only -q \
		qemu/bookworm-backports) >"$CACHE/fetch.log" 2>&1 || true
	[ -f "$CACHE/dl/$TARBALL" ] ||
		{ cat "$CACHE/fetch.log" >&2; die "download of $TARBALL failed"; }
	if [ -n "$TARSUM" ]; then
		echo "$TARSUM  $CACHE/dl/$TARBALL" | sha256sum -c --quiet - ||
			{ rm -f "$CACHE/dl/$TARBALL"; die "checksum mismatch"; }
	fi
	rm -f "$CACHE"/dl/*.dsc "$CACHE"/dl/*.debian.tar.*
fi

# ---------------------------------------------------------------- unpack
TREE=$CACHE/qemu-$UPVER
if [ ! -f "$TREE/.llmaccel-unpacked" ]; then
	log "unpacking into $TREE"
	if [ -n "$TARSUM" ]; then
		echo "$TARSUM  $CACHE/dl/$TARBALL" | sha256sum -c --quiet - ||
			{ rm -f "$CACHE/dl/$TARBALL"; die "checksum mismatch"; }
	fi
	rm -rf "$TREE" "$TREE.tmp"
	mkdir -p "$TREE.tmp"
	tar -xf "$CACHE/dl/$TARBALL" -C "$TREE.tmp" --strip-components=1
	# The +ds tarball has no firmware blobs, but configure wants the
	# compressed edk2 images when bzip2 exists: empty valid placeholders.
	for f in $(sed -n "s/^ *'\(edk2-[a-z0-9_-]*\.fd\)',.*/\1/p" \
			"$TREE.tmp/pc-bios/meson.build"); do
		[ -f "$TREE.tmp/pc-bios/$f.bz2" ] ||
			printf '' | bzip2 -c >"$TREE.tmp/pc-bios/$f.bz2"
	done
	touch "$TREE.tmp/.llmaccel-unpacked"
	mv "$TREE.tmp" "$TREE"
	# A new upstream version replaces the old tree and tarball.
	for d in "$CACHE"/qemu-*/; do
		[ "${d%/}" = "$TREE" ] || rm -rf "${d%/}"
	done
	for f in "$CACHE"/dl/qemu_*.orig.tar.*; do
		[ "$f" = "$CACHE/dl/$TARBALL" ] || rm -f "$f"
	done
fi

# ---------------------------------------------------------------- patch
# Copy a file only when its content differs, so ninja rebuilds only what
# really changed.
install_if_changed() {
	if ! cmp -s "$1" "$2"; then
		cp "$1" "$2"
		echo "  updated ${2#"$TREE"/}"
	fi
}
write_if_changed() {	# stdin -> $1
	local tmp=$1.tmp.$$
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

DEVDIR=$TREE/hw/misc/llmaccel
mkdir -p "$DEVDIR"
want=" meson.build "
for f in "${DEV_FILES[@]}" "${MODEL_C[@]}" "${MODEL_H[@]}"; do
	b=$(basename "$f")
	case $want in *" $b "*) die "file name clash: $b" ;; esac
	want="$want$b "
	install_if_changed "$f" "$DEVDIR/$b"
done
for f in "$DEVDIR"/*; do	# files removed from the repository
	case $want in *" $(basename "$f") "*) ;; *) rm -f "$f" ;; esac
done
for f in "${TEST_FILES[@]}"; do
	install_if_changed "$f" "$TREE/tests/qtest/$(basename "$f")"
done

quote_list() {
	local sep='' f
	for f in "$@"; do printf "%s'%s'" "$sep" "$(basename "$f")"; sep=', '; done
}
DEV_C=()
for f in "${DEV_FILES[@]}"; do case $f in *.c) DEV_C+=("$f") ;; esac; done
write_if_changed "$DEVDIR/meson.build" <<EOF
# Generated by llmaccel scripts/qemu-build.sh; do not edit.
# The rtl-model is bit-exact only without FMA contraction: it gets its
# own library so the flag applies to it alone.
llmaccel_model_lib = static_library('llmaccel-model',
  files($(quote_list "${MODEL_C[@]}")),
  c_args: ['-ffp-contract=off', '-fno-fast-math'],
  build_by_default: false)
system_ss.add(when: 'CONFIG_LLMACCEL', if_true: [
  files($(quote_list "${DEV_C[@]}")),
  declare_dependency(link_whole: llmaccel_model_lib)])
EOF

if ! grep -q '^config LLMACCEL$' "$TREE/hw/misc/Kconfig"; then
	cat >>"$TREE/hw/misc/Kconfig" <<'EOF'

config LLMACCEL
    bool
    default y if TEST_DEVICES
    depends on PCI_EXPRESS && MSI_NONBROKEN
EOF
fi
if ! grep -q "^subdir('llmaccel')$" "$TREE/hw/misc/meson.build"; then
	printf "\nsubdir('llmaccel')\n" >>"$TREE/hw/misc/meson.build"
fi
QT=$TREE/tests/qtest/meson.build
if ! grep -q "llmaccel-test" "$QT"; then
	grep -q '^qtests_x86_64 = qtests_i386$' "$QT" ||
		die "tests/qtest/meson.build: anchor line not found"
	sed -i "/^qtests_x86_64 = qtests_i386\$/a\\
qtests_x86_64 += config_all_devices.has_key('CONFIG_LLMACCEL') ? ['llmaccel-test'] : []" "$QT"
fi

# ---------------------------------------------------------------- configure
CONF_ARGS=(--python=/usr/bin/python3 --target-list=x86_64-softmmu
	--without-default-features --disable-download --disable-install-blobs
	--enable-tcg --enable-fdt=system --disable-docs)
if [ -x /usr/lib/ccache/gcc ]; then
	CONF_ARGS+=(--cc=/usr/lib/ccache/gcc)
fi
BUILD=$TREE/build
if [ "$FLAVOR" = asan ]; then
	CONF_ARGS+=(--enable-asan --enable-ubsan)
	BUILD=$TREE/build-asan
fi
export CCACHE_DIR=$CACHE/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-3G}
if [ ! -f "$BUILD/build.ninja" ] ||
   [ "$(cat "$BUILD/.llmaccel-configure-args" 2>/dev/null)" != "${CONF_ARGS[*]}" ]; then
	log "configuring: ${CONF_ARGS[*]}"
	rm -rf "$BUILD"
	mkdir -p "$BUILD"
	(cd "$BUILD" && ../configure "${CONF_ARGS[@]}") >"$CACHE/configure-$FLAVOR.log" 2>&1 ||
		{ tail -n 30 "$CACHE/configure-$FLAVOR.log" >&2
		  die "configure failed (log: $CACHE/configure-$FLAVOR.log)"; }
	echo "${CONF_ARGS[*]}" >"$BUILD/.llmaccel-configure-args"
fi

# ---------------------------------------------------------------- build
BLOG=$CACHE/build-$FLAVOR.log
log "building $FLAVOR (ninja -j$JOBS, log: $BLOG)"
start=$(date +%s)
if ! ninja -C "$BUILD" -j"$JOBS" qemu-system-x86_64 tests/qtest/llmaccel-test \
	>"$BLOG" 2>&1; then
	grep -E -B2 -A8 'error|FAILED' "$BLOG" | tail -n 60 >&2
	die "build failed (log: $BLOG)"
fi
log "built in $(( $(date +%s) - start )) s"
if grep -q 'llmaccel.*warning:' "$BLOG"; then
	grep -A3 'llmaccel.*warning:' "$BLOG" | head -n 40
fi

# ---------------------------------------------------------------- cache
tmp=$CACHE/out/$HASH.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
cp -p "$BUILD/qemu-system-x86_64" "$tmp/"
cp -p "$BUILD/tests/qtest/llmaccel-test" "$tmp/"
{
	echo "hash=$HASH"
	echo "tarball=$TARBALL"
	echo "flavor=$FLAVOR"
	echo "tree=$TREE"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$tmp/qemu-build.info"
rm -rf "$CACHE/out/$HASH"
mv "$tmp" "$CACHE/out/$HASH"
# Keep the newest few results.
ls -1dt "$CACHE"/out/*/ 2>/dev/null | tail -n +$((KEEP_OUT + 1)) |
	while read -r d; do rm -rf "$d"; done
publish "$CACHE/out/$HASH"
log "done -> $OUT/qemu-system-x86_64"
