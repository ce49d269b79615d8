#!/bin/sh
# host-tools.sh BINDIR JSON_CHECK MANDIR: host TAP test of llmaccel-info,
# llmaccel-bench and llmaccel-top (make check-tools).
#   - --help of each tool, and usage errors exit 2;
#   - info and bench on the sim backend, as text and --json; the JSON is
#     validated (json-check, and python3 -m json.tool when present) and
#     its figures checked against the configuration and each other;
#   - the no-device message and exit status 3 on the kernel backend when
#     the host has no llmaccel device;
#   - llmaccel-top on a fake /sys + /proc tree (--root): device and client
#     discovery, fdinfo parsing, dup'd descriptors, other drivers ignored,
#     utilization over an interval;
#   - the man pages render without warnings.
set -u
bin=${1:?usage: host-tools.sh BINDIR JSON_CHECK MANDIR}
jc=${2:?}
man=${3:?}
info=$bin/llmaccel-info bench=$bin/llmaccel-bench top=$bin/llmaccel-top
tmp=$(mktemp -d "${TMPDIR:-/tmp}/llmaccel-tools.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
diag() { sed 's/^/# /' "$@"; }
# jq-like lookup with json-check: get FILE PATH
get() { "$jc" "$1" "$2" 2>/dev/null; }
# Floating-point comparison: fcmp 'EXPR' with a, b set.
fcmp() { awk -v a="$1" -v b="$2" "BEGIN { exit !($3) }"; }

export LIBACCEL_SIM_SEM_TIMEOUT_MS=2500
unset LIBACCEL_SIM_DEVICES LIBACCEL_SIM_QUEUES LIBACCEL_SIM_PRESET

# ---- --help and usage errors ---------------------------------------------
for t in info bench top; do
	"$bin/llmaccel-$t" --help >"$tmp/help" 2>&1
	r=$?
	grep -q "^Usage: llmaccel-$t " "$tmp/help"
	ok $((r + $?)) "llmaccel-$t --help exits 0 with a usage text"
	"$bin/llmaccel-$t" --no-such-option >/dev/null 2>"$tmp/err"
	r=$?
	[ $r -eq 2 ] && grep -q Usage "$tmp/err"
	ok $? "llmaccel-$t with an unknown option: usage on stderr, exit 2 (got $r)"
done

# ---- llmaccel-info on the simulator --------------------------------------
LIBACCEL_BACKEND=sim "$info" >"$tmp/info.txt" 2>"$tmp/err"
r=$?
grep -q '^device 0: sim:0' "$tmp/info.txt" &&
	grep -q '^  opcodes .*TLMM.*ATTN_DECODE' "$tmp/info.txt" &&
	grep -q '^    total ' "$tmp/info.txt"
ok $((r + $?)) "info (sim): device, opcodes and counters listed"

LIBACCEL_BACKEND=sim LIBACCEL_SIM_QUEUES=3 LIBACCEL_SIM_DEVICES=2 \
	"$info" --json >"$tmp/info.json" 2>"$tmp/err"
r=$?
"$jc" "$tmp/info.json"
ok $((r + $?)) "info --json (sim): valid JSON"
if command -v python3 >/dev/null; then
	python3 -m json.tool "$tmp/info.json" >/dev/null
	ok $? "info --json: python3 -m json.tool accepts it"
else
	ok 0 "info --json: # SKIP python3 not installed"
fi
[ "$(get "$tmp/info.json" devices.0.caps.num_queues)" = 3 ] &&
	[ "$(get "$tmp/info.json" devices.1.path)" = '"sim:1"' ] &&
	[ "$(get "$tmp/info.json" devices.0.backend)" = '"sim"' ] &&
	[ "$(get "$tmp/info.json" devices.0.counters.queues.2.jobs)" = 0 ] &&
	! get "$tmp/info.json" devices.0.counters.queues.3 >/dev/null
ok $? "info --json: 2 devices, 3 queues each, as LIBACCEL_SIM_* configured"

LIBACCEL_BACKEND=kernel "$info" --device sim:0 >"$tmp/out" 2>"$tmp/err"
r=$?
grep -q '^  backend *sim' "$tmp/out"
ok $((r + $?)) "info --device sim:0 uses the simulator whatever the environment"

# ---- llmaccel-bench on the simulator -------------------------------------
LIBACCEL_BACKEND=sim "$bench" --quick >"$tmp/bench.txt" 2>"$tmp/err"
r=$?
diag "$tmp/bench.txt"
grep -qE '^ +1 +2560x2560 ' "$tmp/bench.txt" &&
	grep -qE '^ +1 +2560x6912 ' "$tmp/bench.txt" &&
	grep -qE '^ +1 +6912x2560 ' "$tmp/bench.txt" &&
	grep -qE '^prefill +256 +256 ' "$tmp/bench.txt" &&
	grep -qE '^decode +256 +1 ' "$tmp/bench.txt" &&
	grep -q '^null-job latency' "$tmp/bench.txt"
ok $((r + $?)) "bench --quick (sim): TLMM, attention and latency tables (exit $r)"
grep -qE '^host read bandwidth: 64 MiB buffer, 1 thread, .* best [0-9.]+ GB/s' \
	"$tmp/bench.txt" &&
	grep -qE '^ +1 +2560x2560 +T2 +1 +hot ' "$tmp/bench.txt" &&
	grep -qE '^tiny +2 +256 +512 +400 +T2 +F16 ' "$tmp/bench.txt" &&
	grep -qE '^tiny +32 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$' "$tmp/bench.txt" &&
	grep -qE '^tiny +32 +4 +[0-9.]+ .*%$' "$tmp/bench.txt" &&
	grep -qE '^tiny +128 +[0-9.]+ +[0-9.]+ +1.00 +1.00$' "$tmp/bench.txt"
ok $? "bench --quick (sim): bandwidth, format/thread columns, model, prefill, decode and TTFT rows"

LIBACCEL_BACKEND=sim "$bench" --quick --json >"$tmp/bench.json" 2>"$tmp/err"
r=$?
"$jc" "$tmp/bench.json"
ok $((r + $?)) "bench --quick --json (sim): valid JSON"
if command -v python3 >/dev/null; then
	python3 - "$tmp/bench.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
clk = d["device"]["clock_khz"]
t = d["tlmm"]
assert [(r["m"], r["k"], r["n"]) for r in t] == \
    [(1, 2560, 2560), (1, 2560, 6912), (1, 6912, 2560)], t
for r in t + d["attention"]:
    assert r["cycles"] > 0 and r["wall_ms"] > 0, r
    assert abs(r["model_ms"] - r["cycles"] / clk) <= 1e-5 * r["model_ms"], r
for r in t:
    assert r["checked"] is True
    assert abs(r["gop"] - 2 * r["m"] * r["n"] * r["k"] / 1e9) < 1e-9
    assert abs(r["wall_gops"] - r["gop"] / (r["wall_ms"] / 1e3)) \
        <= 1e-4 * r["wall_gops"], r
a = {x["kind"]: x for x in d["attention"]}
assert a["prefill"]["tokens"] == 256 and a["decode"]["tokens"] == 1
# QK^T and PV over 1..256 keys per token, 20 heads of 128
assert abs(a["prefill"]["gflop"] - 4 * 20 * 128 * 256 * 257 / 2 / 1e9) < 1e-6
assert abs(a["decode"]["gflop"] - 4 * 20 * 128 * 256 / 1e9) < 1e-6
l = d["latency"]
assert l["jobs"] == 100 and 0 < l["min_us"] <= l["p50_us"] <= l["p99_us"] \
    <= l["max_us"], l
assert l["model_cycles"] > 0
bw = d["bandwidth"]
assert bw["bytes"] == 64 << 20 and bw["threads"] == 1
assert 0 < bw["median_gbps"] <= bw["best_gbps"], bw
assert d["config"]["threads"] == [1] and d["config"]["models"] == ["tiny"]
for r in t:
    assert r["wfmt"] == "T2" and r["threads"] == 1 and r["weight_copies"] == 1
    assert abs(r["wall_weight_gbps"] - r["weight_bytes"] / 1e9 /
               (r["wall_ms"] / 1e3)) <= 1e-4 * r["wall_weight_gbps"], r
    assert abs(r["bw_fraction"] - r["wall_weight_gbps"] / bw["best_gbps"]) \
        <= 1e-6 * r["bw_fraction"], r
    # T2: 4 weights a byte
    assert r["weight_bytes"] == r["n"] * r["k"] // 4, r
(m,) = d["models"]
assert m["preset"] == "tiny" and m["n_layer"] == 2 and m["n_vocab"] == 400
assert 0 < m["decode_weight_bytes"] <= m["weight_bytes"], m
p, dec = m["prefill"], m["decode"]
assert p["tokens"] == 32 and p["wall_ms"] > 0 and p["model_ms"] > 0, p
assert dec["ctx"] == 32 and dec["steps"] == 4 and dec["threads"] == 1, dec
assert abs(dec["wall_tokens_per_s"] - 4 / (dec["wall_ms"] / 1e3)) \
    <= 1e-6 * dec["wall_tokens_per_s"], dec
assert abs(dec["model_tokens_per_s"] - 4 / (dec["model_ms"] / 1e3)) \
    <= 1e-6 * dec["model_tokens_per_s"], dec
assert abs(dec["weight_gbps"] - dec["wall_tokens_per_s"] *
           m["decode_weight_bytes"] / 1e9) <= 1e-6 * dec["weight_gbps"], dec
assert dec["bw_gbps"] == bw["best_gbps"]
assert abs(dec["bw_fraction"] - dec["weight_gbps"] / dec["bw_gbps"]) \
    <= 1e-6 * dec["bw_fraction"], dec
(tt,) = m["ttft"]
assert tt["tokens"] == 128 and tt["wall_ms"] > 0 and tt["model_ms"] > 0
assert tt["wall_ratio"] == 1
EOF
	ok $? "bench --json: shapes, checked results, model_ms = cycles / clock, GOPS and flop counts, bandwidth, model, decode weight-read rate consistent"
else
	[ "$(get "$tmp/bench.json" tlmm.2.checked)" = true ]
	ok $? "bench --json: TLMM results checked (python3 missing: reduced check)"
fi

LIBACCEL_BACKEND=sim "$bench" --only latency --jobs 50 --json \
	>"$tmp/lat.json" 2>"$tmp/err"
r=$?
[ $r -eq 0 ] && [ "$(get "$tmp/lat.json" latency.jobs)" = 50 ] &&
	! get "$tmp/lat.json" tlmm.0 >/dev/null &&
	! get "$tmp/lat.json" attention.0 >/dev/null
ok $? "bench --only latency --jobs 50: only the latency section, 50 jobs"

LIBACCEL_BACKEND=sim "$bench" --only tlmm --tlmm-m 3 --wfmt t5 --reps 2 \
	--json >"$tmp/t5.json" 2>"$tmp/err"
r=$?
[ $r -eq 0 ] && [ "$(get "$tmp/t5.json" config.wfmt)" = '"T5"' ] &&
	[ "$(get "$tmp/t5.json" tlmm.1.m)" = 3 ] &&
	[ "$(get "$tmp/t5.json" tlmm.1.reps)" = 2 ] &&
	[ "$(get "$tmp/t5.json" tlmm.2.checked)" = true ]
ok $? "bench --wfmt t5 --tlmm-m 3 --reps 2: T5 weights, M = 3, results checked"

LIBACCEL_BACKEND=sim LIBACCEL_SIM_QUEUES=2 "$bench" --quick --queue 3 \
	>/dev/null 2>"$tmp/err"
r=$?
[ $r -eq 1 ] && grep -q 'the device has 2 queues' "$tmp/err"
ok $? "bench --queue beyond the device's queues: message, exit 1 (got $r)"

# --decode-out, then --decode-ref: the other run's figures beside these
LIBACCEL_BACKEND=sim "$bench" --only bw,model,latency --models tiny \
	--prompt 16 --decode 3 --jobs 20 --bw-mb 16 \
	--decode-out "$tmp/ref.txt" >"$tmp/out" 2>"$tmp/err"
r1=$?
LIBACCEL_BACKEND=sim "$bench" --only model,latency --models tiny --prompt 16 \
	--decode 3 --jobs 20 --decode-ref "$tmp/ref.txt" >"$tmp/ref.out" \
	2>"$tmp/err"
r2=$?
LIBACCEL_BACKEND=sim "$bench" --only model,ttft --models tiny --prompt 16 \
	--decode 3 --ttft 20,16 --decode-ref "$tmp/ref.txt" --json \
	>"$tmp/ref.json" 2>"$tmp/err"
r3=$?
diag "$tmp/ref.txt" "$tmp/ref.out"
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ $r3 -eq 0 ] &&
	grep -qE '^decode tiny 16 3 [0-9.]+ [0-9.]+ [0-9]+$' "$tmp/ref.txt" &&
	grep -qE '^bw_gbps [0-9.]+$' "$tmp/ref.txt" &&
	grep -q '^decode here (sim backend) beside --decode-ref (sim backend)' \
		"$tmp/ref.out" &&
	grep -qE '^tiny +16 +[0-9.]+ +[0-9.]+ +[0-9.]+ ' "$tmp/ref.out" &&
	grep -qE '^null-job p50: .* us here, .* us ref' "$tmp/ref.out" &&
	[ "$(get "$tmp/ref.json" models.0.decode.ref.steps)" = 3 ] &&
	[ "$(get "$tmp/ref.json" ref.backend)" = '"sim"' ] &&
	[ "$(get "$tmp/ref.json" models.0.ttft.0.tokens)" = 20 ] &&
	[ "$(get "$tmp/ref.json" models.0.ttft.1.tokens)" = 16 ] &&
	[ "$(get "$tmp/ref.json" models.0.prefill.tokens)" = 16 ] &&
	! get "$tmp/ref.json" bandwidth >/dev/null &&
	! get "$tmp/ref.json" tlmm.0 >/dev/null
ok $? "bench --decode-out / --decode-ref: figures written, printed beside the next run's, TTFT in --ttft order"

bad=0
for a in "--reps 0" "--reps x" "--only foo" "--ctx 0" "--ctx 5000" \
	"--wfmt i8" "--timeout -1" "--jobs 1x" "extra" "--models foo" \
	"--models tiny,tiny,tiny,tiny" "--ttft 0" "--prompt 2" "--decode 0" \
	"--bw-mb 0" "--dram-mb x" "--decode-ref $tmp/none"; do
	# shellcheck disable=SC2086
	LIBACCEL_BACKEND=sim "$bench" $a >/dev/null 2>&1
	r=$?
	[ $r -eq 2 ] || { echo "# bench $a: exit $r"; bad=1; }
done
ok $bad "bench rejects bad option values with exit 2"

# ---- no device, no driver ------------------------------------------------
if ls /dev/accel/accel* >/dev/null 2>&1; then
	for t in info bench top; do
		ok 0 "llmaccel-$t without a device # SKIP this host has /dev/accel"
	done
else
	for t in info bench; do
		args=
		[ "$t" = bench ] && args=--quick
		LIBACCEL_BACKEND=kernel "$bin/llmaccel-$t" $args \
			>/dev/null 2>"$tmp/err" </dev/null
		r=$?
		diag "$tmp/err"
		[ $r -eq 3 ] && grep -q 'modprobe llmaccel' "$tmp/err" &&
			grep -q 'LIBACCEL_BACKEND=sim' "$tmp/err"
		ok $? "llmaccel-$t on the kernel backend without a device: message, exit 3 (got $r)"
	done
	"$top" --once --interval 0.01 >/dev/null 2>"$tmp/err"
	r=$?
	diag "$tmp/err"
	[ $r -eq 3 ] && grep -q 'modprobe llmaccel' "$tmp/err"
	ok $? "llmaccel-top without a device: message, exit 3 (got $r)"
fi
LIBACCEL_BACKEND=sim "$top" --root "$tmp/empty" --once >/dev/null 2>"$tmp/err"
r=$?
[ $r -eq 3 ] && grep -q 'simulator backend.*no sysfs or fdinfo' "$tmp/err"
ok $? "llmaccel-top with LIBACCEL_BACKEND=sim explains the simulator has no telemetry"

# ---- llmaccel-top on a fake sysfs/proc tree --------------------------------
R=$tmp/root
pci=$R/sys/devices/pci0000:00/0000:00:03.0
other=$R/sys/devices/pci0000:00/0000:00:04.0
mkdir -p "$pci" "$other" "$R/sys/class/accel/accel0" "$R/sys/class/accel/accel1"
ln -s ../../../bus/pci/drivers/llmaccel "$pci/driver"
ln -s ../../../bus/pci/drivers/otheraccel "$other/driver"
ln -s ../../../devices/pci0000:00/0000:00:03.0 "$R/sys/class/accel/accel0/device"
ln -s ../../../devices/pci0000:00/0000:00:04.0 "$R/sys/class/accel/accel1/device"
put() { printf "$2" >"$1.tmp" && mv "$1.tmp" "$1"; }	# atomic update
put "$pci/busy_time_ns" '1000 2000000000\n'
put "$pci/utilization" '0 37\n'
put "$pci/reset_count" '2\n'
put "$other/busy_time_ns" '5\n'
fdinfo() {	# fdinfo FILE DRIVER CLIENT_ID Q0_NS Q1_NS
	put "$1" "pos:\t0\nflags:\t02100002\nmnt_id:\t20\nino:\t5\n$(
	)drm-driver:\t$2\ndrm-client-id:\t$3\ndrm-pdev:\t0000:00:03.0\n$(
	)drm-engine-q0:\t$4 ns\ndrm-engine-q1:\t$5 ns\n$(
	)drm-total-memory:\t12 MiB\ndrm-shared-memory:\t0\n$(
	)drm-active-memory:\t0\ndrm-resident-memory:\t8 KiB\n$(
	)drm-purgeable-memory:\t0\n"
}
proc() {	# proc PID COMM
	mkdir -p "$R/proc/$1/fd" "$R/proc/$1/fdinfo"
	echo "$2" >"$R/proc/$1/comm"
}
proc 4242 llm-app
ln -s /dev/accel/accel0 "$R/proc/4242/fd/3"
ln -s /dev/accel/accel0 "$R/proc/4242/fd/5"	# a dup of fd 3
ln -s /dev/null "$R/proc/4242/fd/4"
fdinfo "$R/proc/4242/fdinfo/3" llmaccel 7 100 0
fdinfo "$R/proc/4242/fdinfo/5" llmaccel 7 100 0
put "$R/proc/4242/fdinfo/4" 'pos:\t0\n'
proc 4343 bench
ln -s /dev/accel/accel0 "$R/proc/4343/fd/3"
fdinfo "$R/proc/4343/fdinfo/3" llmaccel 9 1000000000 0
ln -s /dev/accel/accel0 "$R/proc/4343/fd/8"	# another driver's file (contrived)
fdinfo "$R/proc/4343/fdinfo/8" amdgpu 9 1 1
proc 99 other
ln -s /dev/accel/accel1 "$R/proc/99/fd/3"
fdinfo "$R/proc/99/fdinfo/3" llmaccel 1 1 1
mkdir -p "$R/proc/self"	# not a PID: ignored

"$top" --root "$R" --once --json --interval 0.05 >"$tmp/top.json" 2>"$tmp/err"
r=$?
diag "$tmp/top.json" "$tmp/err"
"$jc" -l "$tmp/top.json"
ok $((r + $?)) "top --once --json on a fake tree: exit 0, valid JSON"
[ "$(get "$tmp/top.json" devices.0.device)" = '"accel0"' ] &&
	[ "$(get "$tmp/top.json" devices.0.pci)" = '"0000:00:03.0"' ] &&
	[ "$(get "$tmp/top.json" devices.0.reset_count)" = 2 ] &&
	[ "$(get "$tmp/top.json" devices.0.queues.1.busy_time_ns)" = 2000000000 ] &&
	[ "$(get "$tmp/top.json" devices.0.queues.1.utilization_since_load_pct)" = 37 ] &&
	! get "$tmp/top.json" devices.0.queues.2 >/dev/null &&
	! get "$tmp/top.json" devices.1 >/dev/null
ok $? "top: the llmaccel device with PCI address, resets, per-queue sysfs figures; another driver's accel1 ignored"
python_clients=$(for i in 0 1 2; do
	printf '%s %s %s %s %s;' "$(get "$tmp/top.json" clients.$i.pid)" \
		"$(get "$tmp/top.json" clients.$i.client_id)" \
		"$(get "$tmp/top.json" clients.$i.fds)" \
		"$(get "$tmp/top.json" clients.$i.command)" \
		"$(get "$tmp/top.json" clients.$i.memory_total)"; done)
echo "# clients: $python_clients"
case $python_clients in
*'4242 7 2 "llm-app" 12582912;'*) c1=0 ;; *) c1=1 ;; esac
case $python_clients in
*'4343 9 1 "bench" 12582912;'*) c2=0 ;; *) c2=1 ;; esac
case $python_clients in
*'    ;') c3=0 ;; *) c3=1 ;; esac	# exactly two clients
ok $((c1 + c2 + c3)) "top: two clients; the dup'd fd counted once (fds 2); /dev/null, amdgpu fdinfo and accel1's process ignored; MiB parsed"
[ "$(get "$tmp/top.json" clients.0.memory_resident)" = 8192 ] ||
	[ "$(get "$tmp/top.json" clients.1.memory_resident)" = 8192 ]
ok $? "top: drm-resident-memory in KiB parsed"

# Utilization over an interval: the busy times grow while top sleeps.
util_ok=1
for attempt in 1 2 3; do
	put "$pci/busy_time_ns" '1000 2000000000\n'
	fdinfo "$R/proc/4343/fdinfo/3" llmaccel 9 1000000000 0
	"$top" --root "$R" --once --json --interval 1.5 >"$tmp/util.json" \
		2>"$tmp/err" &
	pid=$!
	sleep 0.5
	put "$pci/busy_time_ns" '1000 2750000000\n'	# q1: +0.75 s
	fdinfo "$R/proc/4343/fdinfo/3" llmaccel 9 1300000000 0	# +0.3 s
	wait $pid
	iv=$(get "$tmp/util.json" interval_s)
	dq1=$(get "$tmp/util.json" devices.0.queues.1.busy_pct)
	dq0=$(get "$tmp/util.json" devices.0.queues.0.busy_pct)
	for i in 0 1; do
		[ "$(get "$tmp/util.json" clients.$i.pid)" = 4343 ] &&
			cb=$(get "$tmp/util.json" clients.$i.busy_pct)
	done
	echo "# attempt $attempt: interval $iv s, q0 $dq0%, q1 $dq1%, bench client ${cb:-?}%"
	[ "$dq1" != 0 ] || continue	# the update raced the first sample
	fcmp "$dq1" "$iv" 'a > 75 / b - 0.5 && a < 75 / b + 0.5' &&
		fcmp "${cb:-0}" "$iv" 'a > 30 / b - 0.5 && a < 30 / b + 0.5' &&
		fcmp "$dq0" 0 'a == 0'
	util_ok=$?
	break
done
ok $util_ok "top: busy% = growth of busy_time_ns / interval (device q1, bench client), idle q0 at 0"

"$top" --root "$R" --once --interval 0.05 >"$tmp/top.txt" 2>"$tmp/err"
r=$?
diag "$tmp/top.txt"
grep -qE '^accel0 +0000:00:03.0 +2 ' "$tmp/top.txt" &&
	grep -qE '^ +4242 llm-app +accel0 +7 +2 ' "$tmp/top.txt" &&
	! grep -q accel1 "$tmp/top.txt"
ok $((r + $?)) "top --once text: device row and process rows"

"$top" --root "$R" --iterations 3 --interval 0.02 --json >"$tmp/it.json" \
	2>"$tmp/err"
r=$?
[ $r -eq 0 ] && [ "$(wc -l <"$tmp/it.json")" -eq 3 ] && "$jc" -l "$tmp/it.json"
ok $? "top --iterations 3 --json: three JSON lines"

"$top" --root "$R" --once --interval 0.02 --device 0000:00:03.0 --json \
	>"$tmp/d.json" 2>/dev/null
r1=$?
"$top" --root "$R" --once --interval 0.02 --device accel1 >/dev/null \
	2>"$tmp/err"
r2=$?
[ $r1 -eq 0 ] && [ "$(get "$tmp/d.json" devices.0.device)" = '"accel0"' ] &&
	[ $r2 -eq 3 ] && grep -q "no llmaccel device 'accel1'" "$tmp/err"
ok $? "top --device: by PCI address; a non-llmaccel device is refused (exit 3)"

bad=0
for a in "--interval 0" "--interval x" "--iterations 0" "extra"; do
	# shellcheck disable=SC2086
	"$top" --root "$R" $a >/dev/null 2>&1
	r=$?
	[ $r -eq 2 ] || { echo "# top $a: exit $r"; bad=1; }
done
ok $bad "top rejects bad option values with exit 2"

# ---- man pages -------------------------------------------------------------
for t in info bench top; do
	page=$man/llmaccel-$t.1
	up=$(echo "llmaccel-$t" | tr a-z A-Z)
	grep -q "^\.TH $up 1 " "$page" && grep -q '^\.SH NAME' "$page" &&
		grep -q '^\.SH EXIT STATUS' "$page"
	r=$?
	if command -v groff >/dev/null; then
		groff -man -Tutf8 -ww -z "$page" >"$tmp/groff" 2>&1
		r=$((r + $?))
		[ -s "$tmp/groff" ] && { diag "$tmp/groff"; r=1; }
		groff -man -Tutf8 "$page" 2>/dev/null | grep -q "llmaccel-$t -"
		r=$((r + $?))
		how="renders with groff -ww, no warnings"
	elif command -v man >/dev/null; then
		MANWIDTH=80 man -l "$page" >"$tmp/man" 2>&1
		r=$((r + $?))
		how="renders with man -l"
	else
		how="has a .TH header (no groff or man to render it)"
	fi
	ok $r "llmaccel-$t.1: .TH, NAME and EXIT STATUS; $how"
done

echo "1..$n"
[ $fails -eq 0 ]
