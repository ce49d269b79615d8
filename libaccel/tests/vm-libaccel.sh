#!/bin/sh
# vm-libaccel.sh DIR [LABEL:BINDIR]...: the libaccel API suites on the
# kernel backend, in the test VM (busybox sh), as one TAP stream on
# stdout.  Run by `make check-vm-libaccel`.  Loads llmaccel.ko, then runs
# every DIR/test_* program (static, linked against libaccel.a) with
# LIBACCEL_BACKEND=kernel, then those of each BINDIR (other builds of the
# same suites: against libaccel.so, under ASan+UBSan, under TSan), named
# LABEL-test_*.  Each program's test lines are renumbered into
# this stream and prefixed with the program's name; its plan becomes a
# comment, and one more test line per program checks that it exited 0
# and ran as many tests as it planned (so a crash is a failure).
# DIR/digest.expected is the digest file the host's sim run wrote
# (test_digest compares its outputs against it).  Then the example program of
# docs/libaccel.md against its sim output; ends with a dmesg check.
set -u
dir=${1:?usage: vm-libaccel.sh DIR [LABEL:BINDIR]...}
shift
digest=$dir/digest.expected
[ -f "$digest" ] || digest=
n=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

modprobe llmaccel
ok $? "modprobe llmaccel"
[ -c /dev/accel/accel0 ]
ok $? "/dev/accel/accel0 is a character device"

export LIBACCEL_BACKEND=kernel
[ -n "$digest" ] && export LIBACCEL_DIGEST_FILE="$digest"
# Only the sanitizer builds read these; any report fails the program.
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:exitcode=66

# run_set LABEL BINDIR: every BINDIR/test_* program as NAME (LABEL-NAME).
run_set() {
	for t in "$2"/test_*; do
		[ -x "$t" ] || continue
		name=$1$(basename "$t")
		start=$(cut -d' ' -f1 /proc/uptime)
		"$t" >/tmp/"$name".tap 2>/tmp/"$name".err
		rc=$?
		end=$(cut -d' ' -f1 /proc/uptime)
		# Renumber: "ok 3 - x" -> "ok $((n + 3)) - name: x".
		awk -v base="$n" -v s="$name" '
			/^(not )?ok [0-9]+/ {
				neg = ($1 == "not"); i = neg ? 3 : 2
				num = $i; rest = $0
				sub(/^(not )?ok [0-9]+ ?(- )?/, "", rest)
				printf "%sok %d - %s: %s\n", neg ? "not " : "",
					base + num, s, rest
				next
			}
			/^1\.\.[0-9]+/ { print "# " s " plan " $0; next }
			/^#/ { print; next }
			{ print "# " $0 }' /tmp/"$name".tap
		sed 's/^/# stderr: /' /tmp/"$name".err
		cnt=$(grep -Ec '^(not )?ok [0-9]+' /tmp/"$name".tap)
		plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' /tmp/"$name".tap | tail -n 1)
		n=$((n + cnt))
		[ "$rc" -eq 0 ] && [ "${plan:-x}" = "$cnt" ]
		ok $? "$name: exit status $rc, $cnt tests of a plan of ${plan:-none} (kernel backend, $start..$end s uptime)"
	done
}

run_set "" "$dir"
for set in "$@"; do
	run_set "${set%%:*}-" "${set#*:}"
done

# The example of docs/libaccel.md: the kernel backend prints what the sim
# backend printed on the host, but for the device line and the MACs the
# driver does not report per job.
if [ -x "$dir/example" ] && [ -f "$dir/example.expected" ]; then
	"$dir/example" >/tmp/example.out 2>&1
	rc=$?
	sed 's/^/# example: /' /tmp/example.out
	sed -n '3,$p' "$dir/example.expected" >/tmp/example.want
	sed -n '3,$p' /tmp/example.out >/tmp/example.got
	[ "$rc" -eq 0 ] && cmp -s /tmp/example.want /tmp/example.got &&
		[ "$(sed -n 2p /tmp/example.out | cut -d, -f1-2)" = \
		  "$(sed -n 2p "$dir/example.expected" | cut -d, -f1-2)" ]
	ok $? "example: exit $rc, the same results and modeled cycles as the sim backend"
fi

dmesg | grep -E 'WARNING|BUG|Oops|general protection|leak' >/tmp/dmesg.bad
[ ! -s /tmp/dmesg.bad ]
ok $? "no WARN/BUG/oops in dmesg"
sed 's/^/# dmesg: /' /tmp/dmesg.bad
echo "1..$n"
