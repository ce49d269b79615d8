#!/bin/sh
# cli-jobs.sh CLI JOBDIR: TAP test of the llmaccel-model CLI.  Every
# shipped sample job runs as its 'expect' lines say, prints modeled
# cycles, and gives identical checksums on the direct and table-lookup
# TLMM engines; malformed job files get a file:line error, never a crash.
set -u
cli=$1 jobs=$2
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

for job in "$jobs"/*.job; do
	name=$(basename "$job")
	"$cli" run "$job" >"$tmp/direct" 2>&1
	ok $? "$name runs as expected"
	grep -Eq '^cycles: [1-9][0-9]* ' "$tmp/direct" || \
		grep -q '^status: BAD_' "$tmp/direct"
	ok $? "$name reports modeled cycles"
	"$cli" run --lut "$job" >"$tmp/lut" 2>&1
	st=$?
	grep '^check ' "$tmp/direct" >"$tmp/d.sum"
	grep '^check ' "$tmp/lut" >"$tmp/l.sum"
	[ $st = 0 ] && cmp -s "$tmp/d.sum" "$tmp/l.sum"
	ok $? "$name: LUT engine checksums equal the direct engine's"
	"$cli" run --preset tellme-kv260 --quiet "$job" >/dev/null 2>&1
	ok $? "$name runs on the tellme-kv260 preset"
done

"$cli" validate "$jobs/invalid.job" | grep -q 'BAD_STRIDE at command 1'
ok $? "validate names the bad command"
"$cli" dump "$jobs/tlmm-t2.job" | grep -q '^  TLMM .*wfmt=0'
ok $? "dump decodes commands"
"$cli" presets | grep -q '^tellme-kv260'
ok $? "presets lists tellme-kv260"
"$cli" estimate --model bitnet-0.7b --prompt 64 | grep -q 'tokens/s'
ok $? "estimate prints decode tokens/s"

# Malformed job files: exit status 2 and a file:line message.
bad() {
	printf '%b' "$2" >"$tmp/bad.job"
	"$cli" run "$tmp/bad.job" >"$tmp/out" 2>&1
	st=$?
	[ $st = 2 ] && grep -q "bad.job:$3:" "$tmp/out"
	ok $? "malformed job rejected at line $3: $1"
}
hdr='llmaccel-job 1\nmemory 0x10000 0x10000\ncmdbuf 0x10000\n'
bad "missing magic" 'memory 0x10000 0x1000\n' 1
bad "wrong version" 'llmaccel-job 2\n' 1
bad "unknown directive" "${hdr}frobnicate 1\n" 4
bad "memory too large" 'llmaccel-job 1\nmemory 0x10000 0x100000000\n' 2
bad "memory in page 0" 'llmaccel-job 1\nmemory 0 0x1000\n' 2
bad "fill outside image" "${hdr}fill 0x1f000 0x2000 zero\n" 4
bad "bad number" "${hdr}data 0x11000 u32 12x\n" 4
bad "value out of range" "${hdr}data 0x11000 i8 200\n" 4
bad "unknown opcode" "${hdr}cmd FROB\n" 4
bad "unknown field" "${hdr}cmd NOP x=1\n" 4
bad "value too wide" "${hdr}cmd FILL dst_iova=0x11000 len=4 value=0x100000000\n" 4
bad "unknown symbol" "${hdr}cmd TLMM wfmt=T9\n" 4
bad "misaligned cmdbuf" 'llmaccel-job 1\nmemory 0x10000 0x10000\ncmdbuf 0x10004\n' 3
bad "no commands" "$hdr" 3
bad "ternary stride too small" "${hdr}ternary 0x11000 T2 4 64 8 1\n" 4
bad "data before memory" 'llmaccel-job 1\ndata 0x11000 u8 1\n' 2
head -c 3000 /dev/urandom >"$tmp/garbage.job"
"$cli" run "$tmp/garbage.job" >/dev/null 2>&1
ok $([ $? = 2 ]; echo $?) "random bytes are rejected with status 2"
"$cli" run "$tmp/does-not-exist.job" >/dev/null 2>&1
ok $([ $? = 2 ]; echo $?) "a missing file is rejected with status 2"
"$cli" >/dev/null 2>&1
ok $([ $? = 2 ]; echo $?) "no arguments print usage with status 2"

echo "1..$n"
[ $failed = 0 ]
