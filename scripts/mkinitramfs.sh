#!/bin/bash
# mkinitramfs.sh: build the busybox initramfs of the llmaccel test VM.
#
#   mkinitramfs.sh OUT.cpio.gz [--kver KVER] [--kroot DIR]
#                  [--module FILE.ko]... [--kmod NAME]...
#                  [--add HOSTPATH:GUESTPATH]...
#
# --kroot DIR takes the kernel's modules from DIR/lib/modules/KVER (the
# tree of `make modules_install INSTALL_MOD_PATH=DIR`, e.g. the debug
# kernel of scripts/kernel-debug-build.sh) instead of /lib/modules/KVER;
# the default modules below that such a kernel does not have (neither as
# a module nor built in) are left out.  --module's dependencies and every
# --kmod must still exist.
#
# Contents:
#   /init          tests/vm/init (PID 1: mounts, runs the command, reports
#                  its status through isa-debug-exit; see that file)
#   /bin/busybox   busybox-static and its applet links
#   /lib/modules/KVER/kernel/...   the kernel modules our driver needs, from
#                  the same linux-image package as the guest kernel
#                  (or --kroot),
#                  decompressed (busybox modprobe cannot read .ko.xz): drm,
#                  drm_kms_helper, drm_shmem_helper, gpu-sched, drm_exec,
#                  every --kmod NAME, the dependencies of each --module,
#                  and the closure of all their dependencies (modinfo)
#   /lib/modules/KVER/extra/*.ko   each --module, so `modprobe NAME` works
#   modules.dep etc.               from `depmod -b` over that tree
#   each --add HOSTPATH:GUESTPATH  a file or a directory (recursively);
#                  dynamically linked ELF files bring their shared
#                  libraries (from ldd) along at the same paths
#
# The image is cached under $LLMACCEL_VM_CACHE (default build/vm/initramfs
# of the repository) keyed by a hash of every input (this script, the
# init, busybox, KVER and its modules.dep, each module and added file's
# content and guest path), so an unchanged rebuild is a copy of a cached
# file.  OUT is written atomically.
set -euo pipefail

me=mkinitramfs
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

die() { echo "$me: $*" >&2; exit 1; }
usage() {
	sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"
	exit "${1:-0}"
}

[ $# -ge 1 ] || usage 2
case $1 in -h|--help) usage 0 ;; -*) usage 2 ;; esac
out=$1
shift
kver=
kroot=
default_kmods="drm drm_kms_helper drm_shmem_helper gpu-sched drm_exec"
kmods=$default_kmods
required=" "
modfiles=()
adds=()
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2; shift 2 ;;
	--kroot) kroot=$2; shift 2 ;;
	--module) modfiles+=("$2"); shift 2 ;;
	--kmod) kmods="$kmods $2"; required="$required$2 "; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	-h|--help) usage 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

[ -n "$kver" ] || kver=$("$root/scripts/setup-vm-deps.sh" --kver) ||
	die "no guest kernel: run scripts/setup-vm-deps.sh"
moddir=/lib/modules/$kver
modinfo_b=()
if [ -n "$kroot" ]; then
	kroot=$(cd "$kroot" && pwd) || die "--kroot $kroot: no such directory"
	moddir=$kroot/lib/modules/$kver
	modinfo_b=(-b "$kroot")
fi
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing (linux-image-$kver)"
busybox=$(command -v busybox) || die "busybox missing (busybox-static)"
init_src=$root/tests/vm/init
[ -f "$init_src" ] || die "$init_src missing"
for m in ${modfiles[@]+"${modfiles[@]}"}; do
	[ -f "$m" ] || die "module $m not found"
done
for a in ${adds[@]+"${adds[@]}"}; do
	case $a in *:/*) ;; *) die "--add wants HOSTPATH:/GUESTPATH, got '$a'" ;; esac
	[ -e "${a%%:*}" ] || die "--add: ${a%%:*} not found"
done

# ---- cache key --------------------------------------------------------
# Every input by content.  File lists are sorted so the key is stable.
key_inputs() {
	echo "kver $kver kroot $kroot kmods $kmods"
	sha256sum "$0" "$init_src" "$busybox" "$moddir/modules.dep"
	# A kernel built here can change under the same KVER: its modules
	# count by content (Debian's are fixed by the package version).
	if [ -n "$kroot" ]; then
		(cd "$moddir" && find . -name '*.ko*' -print0 | sort -z |
			xargs -0r sha256sum)
	fi
	for m in ${modfiles[@]+"${modfiles[@]}"}; do
		echo "module $(basename "$m")"
		sha256sum <"$m"
	done
	for a in ${adds[@]+"${adds[@]}"}; do
		echo "add ${a#*:}"
		src=${a%%:*}
		if [ -d "$src" ]; then
			(cd "$src" && find . -type f -print0 | sort -z |
				xargs -0r sha256sum)
		else
			sha256sum <"$src"
		fi
	done
}
hash=$(key_inputs | sha256sum | cut -c1-16)
cache=${LLMACCEL_VM_CACHE:-$root/build/vm/initramfs}
cached=$cache/$hash.cpio.gz
mkdir -p "$cache" "$(dirname "$out")"

if [ ! -f "$cached" ]; then
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	t=$tmp/root

	# ---- busybox and the skeleton ---------------------------------
	mkdir -p "$t"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,mnt}
	cp "$busybox" "$t/bin/busybox"
	for a in $("$busybox" --list-full); do
		[ -e "$t/$a" ] || ln -s /bin/busybox "$t/$a"
	done
	install -m 0755 "$init_src" "$t/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$t/etc/passwd"
	echo "root:x:0:" >"$t/etc/group"

	# ---- kernel modules: closure of the dependencies --------------
	tmod=$t/lib/modules/$kver
	mkdir -p "$tmod/kernel" "$tmod/extra"
	for m in ${modfiles[@]+"${modfiles[@]}"}; do
		d=$(modinfo -F depends "$m" | tr ',' ' ')
		kmods="$kmods $d"
		required="$required$d "
		cp "$m" "$tmod/extra/"
	done
	done_list=" "
	todo=$kmods
	while [ -n "${todo// /}" ]; do
		next=
		for n in $todo; do
			case $done_list in *" $n "*) continue ;; esac
			done_list="$done_list$n "
			if ! f=$(modinfo ${modinfo_b[@]+"${modinfo_b[@]}"} \
					-k "$kver" -n "$n" 2>/dev/null); then
				case " $default_kmods :$required" in
				*:*" $n "*) ;;
				*" $n "*:*) [ -n "$kroot" ] && continue ;;
				esac
				die "kernel module $n not in $moddir"
			fi
			# Built-in modules have no file: nothing to pack.
			case $f in /*) ;; *) continue ;; esac
			rel=${f#"$moddir"/}
			dst=$tmod/${rel%.xz}
			mkdir -p "$(dirname "$dst")"
			case $f in
			*.ko.xz) xz -dc "$f" >"$dst" ;;
			*.ko.zst) zstd -qdc "$f" >"$dst" ;;
			*.ko.gz) gzip -dc "$f" >"$dst" ;;
			*) cp "$f" "$dst" ;;
			esac
			next="$next $(modinfo ${modinfo_b[@]+"${modinfo_b[@]}"} \
				-k "$kver" -F depends "$n" | tr ',' ' ')"
		done
		todo=$next
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "$moddir/$f" ] && cp "$moddir/$f" "$tmod/"
	done
	depmod -b "$t" "$kver"

	# ---- extra files and their shared libraries -------------------
	add_libs() {
		local lib
		head -c 4 "$1" 2>/dev/null | grep -q 'ELF' || return 0
		for lib in $(ldd "$1" 2>/dev/null |
			     sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
			[ -e "$t$lib" ] && continue
			mkdir -p "$t$(dirname "$lib")"
			cp -L "$lib" "$t$lib"
		done
	}
	for a in ${adds[@]+"${adds[@]}"}; do
		src=${a%%:*} dst=$t${a#*:}
		mkdir -p "$(dirname "$dst")"
		if [ -d "$src" ]; then
			mkdir -p "$dst"
			cp -a "$src/." "$dst/"
			while IFS= read -r -d '' f; do
				add_libs "$f"
			done < <(find "$dst" -type f -perm -u+x -print0)
		else
			cp -aL "$src" "$dst"
			add_libs "$src"
		fi
	done

	# ---- pack ------------------------------------------------------
	(cd "$t" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) |
		gzip -6 -n >"$tmp/img.cpio.gz"
	mv "$tmp/img.cpio.gz" "$cached"
	rm -rf "$tmp"
	trap - EXIT
	# Keep the 8 most recently used images.
	# shellcheck disable=SC2012 # names are hex hashes
	ls -t "$cache"/*.cpio.gz 2>/dev/null | tail -n +9 | xargs -r rm -f
else
	touch "$cached"
fi

# Hard link when possible (same file system), else copy; then rename so
# a reader never sees a half-written OUT.
[ "$out" -ef "$cached" ] && exit 0
rm -f "$out.tmp.$$"
ln "$cached" "$out.tmp.$$" 2>/dev/null || cp "$cached" "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
