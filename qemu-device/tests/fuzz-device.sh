#!/bin/bash
# fuzz-device.sh QTEST LOGDIR: the long device fuzz (make fuzz-device).
#
# Runs the fuzz cases of the qtest (register-fuzz, descriptor-fuzz,
# command-fuzz) against the ASan+UBSan QEMU ($QTEST_QEMU_BINARY), once
# per seed in $FUZZ_SEEDS with LLA_FUZZ_ITERS=$FUZZ_ITERS, each run under
# `timeout $FUZZ_TIMEOUT` (a hang is a finding).  Prints the iterations
# of each kind and the findings; fails on any test failure, crash,
# timeout or sanitizer report.  Logs: LOGDIR/fuzz-device-<seed>.log.
set -uo pipefail

QTEST=${1:?usage: fuzz-device.sh QTEST LOGDIR}
LOGDIR=${2:?usage: fuzz-device.sh QTEST LOGDIR}
ITERS=${FUZZ_ITERS:-50000}
SEEDS=${FUZZ_SEEDS:-1 2 3 4}
TMO=${FUZZ_TIMEOUT:-1200}
: "${QTEST_QEMU_BINARY:?set QTEST_QEMU_BINARY to the ASan QEMU}"
export QTEST_QEMU_BINARY
# QEMU leaks at exit by design; everything else aborts at the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}

mkdir -p "$LOGDIR"
P=/x86_64/llmaccel
declare -A total=()
findings=0
start=$(date +%s)
for seed in $SEEDS; do
	log=$LOGDIR/fuzz-device-$seed.log
	t0=$(date +%s)
	LLA_FUZZ_SEED=$seed LLA_FUZZ_ITERS=$ITERS timeout "$TMO" \
		"$QTEST" --tap -p $P/register-fuzz -p $P/descriptor-fuzz \
		-p $P/command-fuzz >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	san=$(grep -cE 'ERROR: [A-Za-z]+Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' "$log")
	status="rc $rc, $ok/3 ok, $san sanitizer reports"
	if [ "$rc" = 124 ]; then
		status="TIMEOUT after $TMO s, $status"
	fi
	if [ "$rc" != 0 ] || [ "$ok" != 3 ] || [ "$san" != 0 ]; then
		findings=$((findings + 1))
		echo "fuzz-device: seed $seed: FINDING ($status); log $log"
		grep -E -m 20 'ERROR|runtime error|Sanitizer|not ok|Bail' "$log" |
			sed 's/^/    /'
	fi
	while read -r kind n; do
		total[$kind]=$(( ${total[$kind]:-0} + n ))
	done < <(sed -n 's/^# fuzz-iterations: \([a-z-]*\) \([0-9]*\)$/\1 \2/p' "$log")
	echo "fuzz-device: seed $seed: $(( $(date +%s) - t0 )) s, $status"
	grep -E '^# (fuzz|command fuzz)' "$log" | grep -v iterations |
		sed 's/^# /    /'
done
sum=0
line=
for kind in register-writes descriptors command-buffers; do
	n=${total[$kind]:-0}
	sum=$((sum + n))
	line="$line $kind $n,"
done
echo "fuzz-device: ${line# } total $sum iterations in $(( $(date +%s) - start )) s," \
	"seeds: $SEEDS; findings: $findings"
[ "$findings" = 0 ]
