#!/bin/sh
# setup-vm-deps.sh: install what booting the llmaccel test VM needs on
# Debian 12 (bookworm): Debian's 6.12 kernel image (the guest kernel and its
# DRM modules) and headers (to build the driver), busybox-static, cpio,
# xz-utils, kmod (depmod/modinfo for the initramfs), seabios and
# qemu-system-data (firmware and option ROMs for QEMU's -L).
# Idempotent: only missing packages are installed and `apt-get update` runs
# only then, so a second run takes well under a second.  Needs root.
#
#   setup-vm-deps.sh          install what is missing
#   setup-vm-deps.sh --kver   print the kernel version (KVER) the
#                             linux-image-6.12-amd64 meta package points at,
#                             e.g. 6.12.57+deb12-amd64; installs nothing
#
# The version is discovered from the installed meta package, never
# hard-coded: the security suite moves it forward.
set -eu

META_IMAGE=linux-image-6.12-amd64
META_HEADERS=linux-headers-6.12-amd64
PKGS="$META_IMAGE $META_HEADERS busybox-static cpio xz-utils kmod seabios
qemu-system-data"

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
		grep -q '^install ok installed'
}

# KVER from the meta package's dependency "linux-image-KVER (= version)";
# fall back to the newest installed linux-image-6.12.* with modules.
kver() {
	dep=$(dpkg-query -W -f='${Depends}' "$META_IMAGE" 2>/dev/null |
	      tr ',' '\n' | sed -n 's/^ *linux-image-\(6\.12[^ ]*\).*/\1/p' |
	      head -n 1)
	if [ -n "$dep" ] && [ -f "/boot/vmlinuz-$dep" ]; then
		echo "$dep"
		return 0
	fi
	# shellcheck disable=SC2012 # version names, no spaces
	for d in $(ls -d /lib/modules/6.12.* 2>/dev/null | sort -V -r); do
		k=${d#/lib/modules/}
		[ -f "/boot/vmlinuz-$k" ] && { echo "$k"; return 0; }
	done
	echo "setup-vm-deps: no $META_IMAGE installed (run scripts/setup-vm-deps.sh)" >&2
	return 1
}

if [ "${1:-}" = --kver ]; then
	kver
	exit
fi

need=
for p in $PKGS; do
	installed "$p" || need="$need $p"
done
if [ -z "$need" ]; then
	kver >/dev/null
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "setup-vm-deps: must run as root to install:$need" >&2
	exit 1
fi
echo "setup-vm-deps: installing$need"
export DEBIAN_FRONTEND=noninteractive
# The image is never booted on this machine: skip building a host initrd
# for it (the initramfs-tools kernel hook honours INITRD=No).
export INITRD=No
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need
echo "setup-vm-deps: guest kernel $(kver)"
