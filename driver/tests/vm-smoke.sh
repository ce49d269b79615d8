#!/bin/sh
# vm-smoke.sh SMOKE [HANG_QUEUE]: guest-side check of llmaccel.ko (busybox
# sh), TAP on stdout.  Run by `make check-vm-module` in a VM whose device
# has inject-hang-queue=HANG_QUEUE (default 2): modprobe binds and creates
# /dev/accel/accel0; the smoke program (ioctls, jobs, faults, syncobjs,
# hang recovery, null-job latency) passes; device unbind/rebind with a
# file open and a job hung; NUM_AS open files then -EBUSY, and free again
# after close; rmmod; a slow job over many progress checks is not a hang;
# 20 load/use/unload cycles; no WARN/BUG/oops/leak in dmesg.
set -u
smoke=${1:?usage: vm-smoke.sh SMOKE [HANG_QUEUE]}
hq=${2:-2}
n=0
fails=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
# rmmod once the last job is released (a little after its fence signals;
# a job never released keeps a module reference and fails this).
# (Its own counter: the callers loop on i.)
unload() {
	waited=0
	while [ "$(cat /sys/module/llmaccel/refcnt)" != 0 ] &&
		[ $waited -lt 100 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	rmmod llmaccel
}
modprobe llmaccel
ok $? "modprobe llmaccel"
[ -c /dev/accel/accel0 ]
ok $? "/dev/accel/accel0 is a character device"
# The function the driver bound (the VM has exactly one llmaccel device).
pci=
for d in /sys/bus/pci/drivers/llmaccel/0000:*; do
	[ -e "$d" ] && pci=$(basename "$d")
done
[ -n "$pci" ]
ok $? "a PCI function ($pci) is bound to llmaccel"

"$smoke" --bench 500 --hang "$hq" >/tmp/smoke.tap 2>&1
r=$?
sed 's/^/# smoke: /' /tmp/smoke.tap
ok $r "smoke program: $(tail -n 1 /tmp/smoke.tap | sed 's/^# //')"

"$smoke" --hold "$hq" 3 >/tmp/hold.log 2>&1 &
hold=$!
sleep 1
echo "$pci" >/sys/bus/pci/drivers/llmaccel/unbind
ok $? "unbind with a file open and a job hung on the device"
wait $hold
sed 's/^/# /' /tmp/hold.log
grep -q "SUBMIT after the sleep: -19" /tmp/hold.log
ok $? "ioctls of the open file fail with -ENODEV after unbind"
echo "$pci" >/sys/bus/pci/drivers/llmaccel/bind && [ -c /dev/accel/accel0 ]
ok $? "rebind: /dev/accel/accel0 back"

"$smoke" --files 70 >/tmp/files.log 2>&1
sed 's/^/# /' /tmp/files.log
grep -q "opened 64 of 70, then: Device or resource busy" /tmp/files.log
ok $? "64 files (NUM_AS) open, the next open fails with EBUSY"
"$smoke" --files 64 >/tmp/files.log 2>&1
grep -q "opened 64 of 64" /tmp/files.log
ok $? "address spaces are free again right after close"

unload
ok $? "rmmod"

# A slow job that keeps the heartbeat moving is not a hang, even when it
# spans several progress-check intervals.
modprobe llmaccel hang_check_ms=20 && "$smoke" --slow 128 >/tmp/slow.log 2>&1
r=$?
sed 's/^/# /' /tmp/slow.log
unload
ok $r "128 MiB COPY with hang_check_ms=20: completes, no reset"
i=0
while [ $i -lt 20 ]; do
	modprobe llmaccel && "$smoke" >/tmp/cycle.log 2>&1 && unload ||
		break
	i=$((i + 1))
done
[ $i -eq 20 ]
ok $? "20 load/use/unload cycles ($i done)"
lsmod | grep -q '^llmaccel' && unload

dmesg | grep -E 'WARNING|BUG|Oops|leak|Call Trace|refcount' >/tmp/bad.log
[ ! -s /tmp/bad.log ]
ok $? "no WARN/BUG/oops/leak in dmesg"
sed 's/^/# dmesg: /' /tmp/bad.log
echo "1..$n"
[ $fails -eq 0 ]
