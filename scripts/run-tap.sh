#!/bin/sh
# run-tap.sh TAPDIR NAME CMD...: run one TAP suite, keep its output in
# TAPDIR/NAME.tap and its exit status in TAPDIR/NAME.rc.  Always exits 0
# so every suite runs; tap-summary.sh decides the verdict.
set -u
dir=$1 name=$2
shift 2
mkdir -p "$dir"
echo "== suite $name: $*"
"$@" >"$dir/$name.tap" 2>"$dir/$name.err"
rc=$?
cat "$dir/$name.tap"
[ -s "$dir/$name.err" ] && sed 's/^/# stderr: /' "$dir/$name.err"
echo "$rc" >"$dir/$name.rc"
exit 0
