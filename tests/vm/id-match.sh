#!/bin/sh
# id-match.sh HWENV: guest-side TAP test that llmaccel.ko binds by vendor,
# device and class together (docs/hw-spec.md section 2), busybox sh.
#
# The VM carries three llmaccel functions (mk/vm.mk, check-vm-idmatch):
#   - the default identity (binds);
#   - the same vendor/device IDs with class 0x0b40 and revision 0x05
#     (a co-processor: left alone);
#   - vendor-id 0x1b36, device-id 0x0100, class 0x0380: QEMU's QXL
#     display card, which llmaccel once claimed (left alone).
# HWENV is the output of tests/vm/hwconst.c, so no ID is repeated here.
# shellcheck disable=SC2086 # unquoted values are numbers
set -u
hwenv=${1:?usage: id-match.sh HWENV}
# shellcheck source=/dev/null
. "$hwenv" || exit 2

n=0
fails=0
echo "1..9"
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
hex() { printf '0x%04x' "$1"; }
# find VENDOR DEVICE CLASS: the function with this identity (class is the
# 16-bit base+sub class), or nothing
find() {
	for d in /sys/bus/pci/devices/*; do
		[ $(($(cat "$d/vendor"))) -eq $(($1)) ] &&
		[ $(($(cat "$d/device"))) -eq $(($2)) ] &&
		[ $(($(cat "$d/class") >> 8)) -eq $(($3)) ] && echo "$d" && return
	done
}
bound() { [ -e "$1/driver" ] && basename "$(readlink "$1/driver")"; }

ours=$(find $LLA_PCI_VENDOR_ID $LLA_PCI_DEVICE_ID $LLA_PCI_CLASS)
other=$(find $LLA_PCI_VENDOR_ID $LLA_PCI_DEVICE_ID 0x0b40)
qxl=$(find 0x1b36 0x0100 0x0380)
[ -n "$ours" ] && [ -n "$other" ] && [ -n "$qxl" ]
ok $? "three functions: ${ours##*/} (ours), ${other##*/} (class 0x0b40), ${qxl##*/} (QXL's IDs)"
[ -n "$other" ] && [ $(($(cat "$other/revision"))) -eq 5 ]
ok $? "the revision property reaches config space"

alias=/lib/modules/$(uname -r)/modules.alias
grep -i ' llmaccel$' "$alias" | sed 's/^/# /'
grep -qi "^alias pci:v0000$(hex $LLA_PCI_VENDOR_ID | cut -c3-)d0000$(hex $LLA_PCI_DEVICE_ID | cut -c3-)sv\*sd\*bc$(printf %02x $((LLA_PCI_CLASS >> 8)))sc$(printf %02x $((LLA_PCI_CLASS & 255)))i\* llmaccel$" "$alias"
ok $? "the module alias names vendor, device and class"
! grep -qi 'v00001B36d00000100.* llmaccel$' "$alias"
ok $? "no alias for 1b36:0100 (QXL)"

modprobe llmaccel
ok $? "modprobe llmaccel"
[ "$(bound "$ours")" = llmaccel ]
ok $? "the function with the llmaccel class is bound"
[ -z "$(bound "$other")" ]
ok $? "same IDs, class 0x0b40: no driver ($(bound "$other"))"
[ -z "$(bound "$qxl")" ]
ok $? "QXL's IDs: no driver ($(bound "$qxl"))"
[ -c /dev/accel/accel0 ] && [ ! -e /dev/accel/accel1 ]
ok $? "exactly one accel node"

[ "$fails" -eq 0 ]
