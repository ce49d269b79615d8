#!/bin/sh
# vm-tools.sh SMOKE: guest-side test of llmaccel-info, llmaccel-bench and
# llmaccel-top on the kernel backend (busybox sh), TAP on stdout.  Run by
# `make check-vm-tools` in a VM with llmaccel.ko, the static tools in
# /usr/bin, json-check, and the driver's smoke program SMOKE (used as a
# libaccel-independent load for llmaccel-top).
#   - modprobe creates /dev/accel/accel0;
#   - llmaccel-info lists it on the kernel backend, text and valid JSON;
#   - llmaccel-bench --quick runs every section and its TLMM results are
#     right (the bench checks them), text and valid JSON;
#   - llmaccel-top --once while a job blocks queue 0 (SMOKE --sem): the
#     queue is busy and the process is listed; while llmaccel-bench runs
#     jobs: the bench process has engine time over the interval;
#   - after rmmod, every tool says there is no device and exits 3;
#   - no WARN/BUG/oops in dmesg.
set -u
smoke=${1:?usage: vm-tools.sh SMOKE}
export LIBACCEL_BACKEND=kernel
n=0
fails=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
diag() { sed 's/^/# /' "$@"; }
get() { json-check "$1" "$2" 2>/dev/null; }
# fgt A B: A > B as numbers (A may be empty: false)
fgt() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

modprobe llmaccel
[ -c /dev/accel/accel0 ]
ok $? "modprobe llmaccel: /dev/accel/accel0"

# ---- llmaccel-info --------------------------------------------------------
llmaccel-info >/tmp/info.txt 2>/tmp/err
r=$?
diag /tmp/info.txt /tmp/err
grep -q '^device 0: /dev/accel/accel0' /tmp/info.txt &&
	grep -q '^  backend *kernel' /tmp/info.txt &&
	grep -q '^  opcodes .*TLMM' /tmp/info.txt
ok $((r + $?)) "llmaccel-info (kernel): accel0 with capabilities and counters (exit $r)"

llmaccel-info --json >/tmp/info.json 2>/tmp/err
r=$?
json-check /tmp/info.json
rj=$?
[ $r -eq 0 ] && [ $rj -eq 0 ] &&
	[ "$(get /tmp/info.json devices.0.backend)" = '"kernel"' ] &&
	[ "$(get /tmp/info.json devices.0.path)" = '"/dev/accel/accel0"' ] &&
	fgt "$(get /tmp/info.json devices.0.caps.num_queues)" 0
ok $? "llmaccel-info --json (kernel): valid JSON, accel0, queues reported"

# ---- llmaccel-bench --quick -------------------------------------------------
llmaccel-bench --quick >/tmp/bench.txt 2>/tmp/err
r=$?
diag /tmp/bench.txt /tmp/err
grep -qE '^ +1 +6912x2560 ' /tmp/bench.txt &&
	grep -qE '^decode ' /tmp/bench.txt &&
	grep -q '^null-job latency' /tmp/bench.txt
ok $((r + $?)) "llmaccel-bench --quick (kernel): TLMM, attention, latency tables (exit $r)"

llmaccel-bench --quick --json >/tmp/bench.json 2>/tmp/err
r=$?
json-check /tmp/bench.json
rj=$?
diag /tmp/err
[ $r -eq 0 ] && [ $rj -eq 0 ] &&
	[ "$(get /tmp/bench.json device.backend)" = '"kernel"' ] &&
	[ "$(get /tmp/bench.json tlmm.2.checked)" = true ] &&
	fgt "$(get /tmp/bench.json tlmm.0.cycles)" 0 &&
	fgt "$(get /tmp/bench.json latency.p99_us)" 0
ok $? "llmaccel-bench --quick --json (kernel): valid JSON, results checked, cycles and latency reported"

# ---- llmaccel-top -------------------------------------------------------------
# A job blocked in SEM_WAIT keeps queue 0 busy for 6 s (the smoke program
# releases it from queue 1; the device runs with sem-timeout-ms=20000);
# the driver's busy time counts it while it runs.
"$smoke" --sem 6 >/tmp/sem.log 2>&1 &
spid=$!
sleep 1
llmaccel-top --once --json --interval 2 >/tmp/top.json 2>/tmp/err
r=$?
llmaccel-top --once --interval 1 >/tmp/top.txt 2>>/tmp/err
rt=$?
wait $spid
diag /tmp/top.json /tmp/top.txt /tmp/err /tmp/sem.log
json-check -l /tmp/top.json
rj=$?
q0=$(get /tmp/top.json devices.0.queues.0.busy_pct)
found=1
i=0
while get /tmp/top.json clients.$i >/dev/null; do
	[ "$(get /tmp/top.json clients.$i.pid)" = "$spid" ] && found=0
	i=$((i + 1))
done
[ $r -eq 0 ] && [ $rj -eq 0 ] && fgt "$q0" 80 && [ $found -eq 0 ]
ok $? "llmaccel-top --once --json while a job blocks queue 0: q0 busy ${q0:-?}% (> 80), the job's process $spid listed"
[ $rt -eq 0 ] && grep -qE '^accel0 ' /tmp/top.txt &&
	grep -qE "^ +$spid llmaccel-smoke +accel0 " /tmp/top.txt
ok $? "llmaccel-top --once (text): device row and the process row"

# llmaccel-bench as the load: many short TLMM jobs, each adding engine
# time to its file when it completes.
llmaccel-bench --only tlmm --reps 100000 --warmup 0 >/dev/null 2>&1 &
bpid=$!
sleep 2
llmaccel-top --once --json --interval 2 >/tmp/top2.json 2>/tmp/err
r=$?
kill $bpid 2>/dev/null
wait $bpid 2>/dev/null
diag /tmp/top2.json /tmp/err
busy=
i=0
while get /tmp/top2.json clients.$i >/dev/null; do
	[ "$(get /tmp/top2.json clients.$i.pid)" = "$bpid" ] &&
		busy=$(get /tmp/top2.json clients.$i.busy_pct) &&
		mem=$(get /tmp/top2.json clients.$i.memory_total)
	i=$((i + 1))
done
[ $r -eq 0 ] && fgt "$busy" 0 && fgt "${mem:-0}" 0 &&
	fgt "$(get /tmp/top2.json devices.0.queues.0.busy_pct)" 0
ok $? "llmaccel-top while llmaccel-bench runs: bench busy ${busy:-?}%, memory ${mem:-?} bytes, q0 busy"

# ---- no device ------------------------------------------------------------------
# Jobs are released a little after their fences signal: wait for the
# module's last user (10 s at most) before unloading.
i=0
while [ "$(cat /sys/module/llmaccel/refcnt)" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod llmaccel
ok $? "rmmod llmaccel"
for t in info bench top; do
	args=
	[ $t = bench ] && args=--quick
	[ $t = top ] && args="--once --interval 1"
	# shellcheck disable=SC2086
	llmaccel-$t $args >/dev/null 2>/tmp/err
	r=$?
	diag /tmp/err
	[ $r -eq 3 ] && grep -q 'modprobe llmaccel' /tmp/err
	ok $? "llmaccel-$t without the driver: message, exit 3 (got $r)"
done

dmesg | grep -E 'WARNING|BUG|Oops|Call Trace|refcount' >/tmp/bad.log
[ ! -s /tmp/bad.log ]
r=$?
diag /tmp/bad.log
ok $r "no WARN/BUG/oops in dmesg"

echo "1..$n"
[ $fails -eq 0 ]
