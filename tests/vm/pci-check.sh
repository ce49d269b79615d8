#!/bin/sh
# pci-check.sh HWENV [QUEUES]: guest-side TAP test of the llmaccel PCI
# function as the guest kernel sees it, before any driver binds (busybox sh).
#
# HWENV is the output of tests/vm/hwconst.c (shell assignments generated
# from llmaccel_hw.h at build time), so no number is repeated here.
# QUEUES, if given, is the queue count the VM's device was configured with
# (-device llmaccel,queues=N); otherwise the NUM_QUEUES register is only
# checked against the architectural range.
#
# Checks (docs/hw-spec.md section 2): exactly one function with the
# vendor/device IDs; class code; revision; BAR0 64-bit non-prefetchable
# memory of LLA_BAR_REGS_SIZE; the MSI-X BAR present; a well-formed
# capability list; an MSI-X capability whose table and PBA live in the
# MSI-X BAR and whose table size is NUM_QUEUES + 1; no MSI capability;
# and, through /dev/mem, the ID, VERSION and NUM_QUEUES registers.
# shellcheck disable=SC2086,SC2046 # unquoted values are numbers
set -u

hwenv=${1:?usage: pci-check.sh HWENV [QUEUES]}
want_q=${2:-}
# shellcheck source=/dev/null
. "$hwenv" || exit 2

PLAN=15
n=0
fails=0
echo "1..$PLAN"
ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}
check() {	# check DESCRIPTION TEST-ARGS... (as for [ ])
	d=$1
	shift
	[ "$@" ]
	ok $? "$d"
}
diag() { echo "# $*"; }
bail_rest() {	# the remaining tests cannot run: each fails, plan holds
	while [ "$n" -lt "$PLAN" ]; do ok 1 "$1"; done
	exit 1
}
hex() { printf '0x%x' "$1"; }

# ---- find the function ----------------------------------------------------
dev='' count=0
for d in /sys/bus/pci/devices/*; do
	[ -r "$d/vendor" ] || continue
	if [ $(($(cat "$d/vendor"))) -eq $((LLA_PCI_VENDOR_ID)) ] &&
	   [ $(($(cat "$d/device"))) -eq $((LLA_PCI_DEVICE_ID)) ]; then
		dev=$d
		count=$((count + 1))
	fi
done
check "exactly one function $(hex $LLA_PCI_VENDOR_ID):$(hex $LLA_PCI_DEVICE_ID) (found $count)" \
	"$count" -eq 1
[ -n "$dev" ] || bail_rest "no llmaccel function"
diag "device ${dev##*/}"

# ---- identity ---------------------------------------------------------------
class=$(($(cat "$dev/class")))
check "class $(hex $class) is $(hex $LLA_PCI_CLASS)xx" $((class >> 8)) -eq $((LLA_PCI_CLASS))
rev=$(($(cat "$dev/revision")))
check "revision $(hex $rev) is $(hex $LLA_PCI_REVISION)" "$rev" -eq $((LLA_PCI_REVISION))

# ---- BARs (sysfs "resource": one "start end flags" line per BAR) ----------
IORESOURCE_MEM=0x200
IORESOURCE_PREFETCH=0x2000
IORESOURCE_MEM_64=0x100000
bar() {	# bar N: sets bar_start bar_size bar_flags
	set -- $(sed -n "$(($1 + 1))p" "$dev/resource")
	bar_start=$(($1))
	bar_flags=$(($3))
	if [ "$bar_start" -eq 0 ] && [ $(($2)) -eq 0 ]; then
		bar_size=0
	else
		bar_size=$(($2 - $1 + 1))
	fi
}
bar $((LLA_BAR_REGS))
regs=$bar_start
check "BAR$((LLA_BAR_REGS)) is 64-bit non-prefetchable memory (flags $(hex $bar_flags))" \
	$((bar_flags & IORESOURCE_MEM)) -ne 0 -a \
	$((bar_flags & IORESOURCE_MEM_64)) -ne 0 -a \
	$((bar_flags & IORESOURCE_PREFETCH)) -eq 0
check "BAR$((LLA_BAR_REGS)) size $(hex $bar_size) is $(hex $LLA_BAR_REGS_SIZE)" \
	"$bar_size" -eq $((LLA_BAR_REGS_SIZE))
bar $((LLA_BAR_MSIX))
check "BAR$((LLA_BAR_MSIX)) (MSI-X) is present memory (size $(hex $bar_size))" \
	"$bar_size" -gt 0 -a $((bar_flags & IORESOURCE_MEM)) -ne 0

# ---- config space and capabilities -------------------------------------------
cfg() {	# cfg OFFSET BYTES: little-endian value from config space
	v=0 i=0
	for b in $(od -An -tu1 -j "$(($1))" -N "$2" "$dev/config"); do
		v=$((v | (b << (8 * i))))
		i=$((i + 1))
	done
	[ "$i" -eq "$2" ] || { echo "# short config read at $1" >&2; v=-1; }
	echo "$v"
}
status=$(cfg 0x06 2)
msix='' msi='' caps='' ptr=0 walk=0
if [ $((status & 0x10)) -ne 0 ]; then
	ptr=$(($(cfg 0x34 1) & 0xfc))
	# At most 48 capabilities fit in 192 bytes: more means a loop.
	while [ "$ptr" -ge 64 ] && [ "$walk" -lt 48 ]; do
		id=$(cfg "$ptr" 1)
		caps="$caps $(hex $id)@$(hex $ptr)"
		[ "$id" -eq 17 ] && msix=$ptr	# 0x11 MSI-X
		[ "$id" -eq 5 ] && msi=$ptr	# 0x05 MSI
		ptr=$(($(cfg $((ptr + 1)) 1) & 0xfc))
		walk=$((walk + 1))
	done
fi
diag "capabilities:$caps"
check "capability list present and terminated (status $(hex $status))" \
	$((status & 0x10)) -ne 0 -a "$walk" -lt 48 -a "$ptr" -eq 0
check "MSI-X capability (id 0x11) present" -n "$msix"
check "no MSI capability (MSI-X only)" -z "$msi"
if [ -n "$msix" ]; then
	ctrl=$(cfg $((msix + 2)) 2)
	table=$(cfg $((msix + 4)) 4)
	pba=$(cfg $((msix + 8)) 4)
	vectors=$(((ctrl & 0x7ff) + 1))
	check "MSI-X table and PBA in BAR$((LLA_BAR_MSIX)) (table $(hex $table), PBA $(hex $pba))" \
		$((table & 7)) -eq $((LLA_BAR_MSIX)) -a $((pba & 7)) -eq $((LLA_BAR_MSIX))
else
	vectors=0
	ok 1 "MSI-X table and PBA in BAR$((LLA_BAR_MSIX)) (no capability)"
fi

# ---- registers through /dev/mem (no driver bound, so not exclusive) ---------
cmd=$(cfg 0x04 2)
check "memory decoding enabled (command $(hex $cmd))" $((cmd & 2)) -ne 0
reg() { devmem $((regs + $1)) 32 2>/dev/null || echo -1; }
id=$(($(reg $((LLA_REG_ID)))))
check "ID register $(hex $id) is $(hex $LLA_ID_MAGIC)" "$id" -eq $((LLA_ID_MAGIC))
ver=$(($(reg $((LLA_REG_VERSION)))))
check "VERSION $(hex $ver) has major $((LLA_VERSION_MAJOR))" \
	$((ver >> 16)) -eq $((LLA_VERSION_MAJOR))
nq=$(($(reg $((LLA_REG_NUM_QUEUES)))))
if [ -n "$want_q" ]; then
	check "NUM_QUEUES $nq is the configured $want_q" "$nq" -eq "$want_q"
else
	check "NUM_QUEUES $nq in 1..$((LLA_MAX_QUEUES))" \
		"$nq" -ge 1 -a "$nq" -le $((LLA_MAX_QUEUES))
fi
check "MSI-X table size $vectors is NUM_QUEUES + 1 = $((nq + 1))" \
	"$vectors" -eq $((nq + 1))

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, plan $PLAN"; exit 1; }
[ "$fails" -eq 0 ]
