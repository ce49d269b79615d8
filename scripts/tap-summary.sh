#!/bin/sh
# tap-summary.sh TAPDIR [MAKE_STATUS]: total the TAP of every suite in
# TAPDIR and print one line "N passed, N failed".  A non-zero MAKE_STATUS
# (a suite that did not even build or run) counts as one more failure.  A suite that exited non-zero, printed no
# plan, or whose plan disagrees with its test lines counts one failure
# more, so a crash is never a pass.  Exit status 1 if anything failed.
set -u
dir=$1
pass=0 fail=0 suites=0
if [ "${2:-0}" != 0 ]; then
	echo "# a suite failed to build or run (make status $2)" >&2
	fail=1
fi
for tap in "$dir"/*.tap; do
	[ -e "$tap" ] || continue
	name=$(basename "$tap" .tap)
	suites=$((suites + 1))
	p=$(grep -Ec '^[[:space:]]*ok [0-9]+' "$tap")
	f=$(grep -Ec '^[[:space:]]*not ok [0-9]+' "$tap")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tap" | tail -n 1)
	rc=$(cat "$dir/$name.rc" 2>/dev/null || echo 1)
	bad=""
	[ "$rc" = 0 ] || bad="exit status $rc"
	[ -n "$plan" ] || bad="${bad:+$bad, }no plan"
	[ -n "$plan" ] && [ "$plan" != $((p + f)) ] && bad="${bad:+$bad, }plan $plan != $((p + f)) tests"
	if [ -n "$bad" ] && [ "$f" = 0 ]; then
		f=1
	fi
	[ -n "$bad" ] && echo "# suite $name: $bad" >&2
	printf '# %-28s %5d passed %3d failed\n' "$name" "$p" "$f"
	pass=$((pass + p))
	fail=$((fail + f))
done
if [ "$suites" = 0 ]; then
	echo "# no suites ran" >&2
	fail=1
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
