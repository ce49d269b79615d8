#!/bin/bash
# debug-log-tap.sh CONSOLE...: the report checks of `make check-debug`, as
# TAP on stdout.  Each CONSOLE is the console log of one boot of the debug
# kernel (llmaccel-vm --log; kernel messages up to warnings, loglevel=5,
# plus the output of tests/vm/debug-post.sh).  Per boot, five tests:
#   1  no KASAN report                      "BUG: KASAN: ..."
#   2  no lockdep, RCU or atomic-context report (recursive or circular
#      locking, inconsistent lock state, bad unlock balance, suspicious
#      RCU usage, sleeping in atomic context, invalid wait context, ...)
#   3  no DEBUG_OBJECTS warning             "ODEBUG: ..."
#   4  no other WARNING, BUG, oops, hung task, list or refcount corruption
#   5  kmemleak scanned after the test (debug-post.sh) and found no leak
#      from llmaccel or the DRM core: a record whose backtrace names
#      llmaccel, drm (the GPU scheduler too), dma-buf, fences or sync_file, or
#      shows a bare address (a function of the unloaded llmaccel.ko)
# A report line is counted once, in the first category it matches.
# Failures print the report (up to 40 lines each, 3 reports per test) as
# TAP comments.  Exit status 1 if any test failed.
set -u
[ $# -gt 0 ] || { echo "usage: debug-log-tap.sh CONSOLE..." >&2; exit 2; }

KASAN='BUG: KASAN'
LOCKDEP='possible recursive locking detected|possible circular locking dependency detected|inconsistent lock state|possible irq lock inversion dependency detected|bad unlock balance detected|held lock freed|lock held when returning to user space|suspicious RCU usage|trying to register non-static key|BUG: sleeping function called from invalid context|BUG: scheduling while atomic|BUG: Invalid wait context|BUG: MAX_LOCK|BUG: looking up invalid subclass|DEBUG_LOCKS_WARN_ON|still has locks held|INFO: lockdep is turned off|BUG: workqueue leaked lock'
ODEBUG='ODEBUG:'
OTHER='WARNING:|BUG:|Oops|general protection fault|kernel BUG at|Kernel panic|blocked for more than|list_add corruption|list_del corruption|refcount_t:|UBSAN:|stack-protector:|DMA-API: .* (bug|leak|error)'
RELATED='llmaccel|drm|dma_buf|dma_fence|dma_resv|sync_file|syncobj|vgem'

n=0
fails=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fails=$((fails + 1)); fi
}

# excerpt FILE LINE...: 40 lines of FILE from just before each LINE, as TAP
# comments.
excerpt() {
	local f=$1 l
	shift
	for l in "$@"; do
		echo "#   --- $(basename "$f"):$l"
		# From the "cut here" line or message just before a WARNING.
		[ "$l" -gt 3 ] && l=$((l - 3)) || l=1
		sed -n "${l},$((l + 39))p" "$f" | tr -d '\r' | sed 's/^/#   /'
	done
}

for con in "$@"; do
	name=$(basename "$con" .console)
	if [ ! -r "$con" ]; then
		for c in "no KASAN report" "no lockdep/RCU/atomic-context report" \
			 "no DEBUG_OBJECTS warning" "no other WARNING/BUG/oops/hung task" \
			 "kmemleak: no leak from llmaccel or DRM"; do
			ok 1 "$name: $c (no console log $con)"
		done
		continue
	fi
	# First category of every report line: "LINE CATEGORY".
	cats=$(tr -d '\r' <"$con" | grep -n -E "$KASAN|$LOCKDEP|$ODEBUG|$OTHER" |
		while IFS= read -r hit; do
			l=${hit%%:*} t=${hit#*:}
			case $t in llmaccel-debug:*) continue ;; esac
			if echo "$t" | grep -q -E "$KASAN"; then c=kasan
			elif echo "$t" | grep -q -E "$LOCKDEP"; then c=lockdep
			elif echo "$t" | grep -q -E "$ODEBUG"; then c=odebug
			else c=other; fi
			echo "$l $c"
		done)
	for c in kasan lockdep odebug other; do
		lines=$(echo "$cats" | awk -v c=$c '$2 == c { print $1 }')
		cnt=$(echo "$lines" | grep -c . || true)
		case $c in
		kasan) d="no KASAN report" ;;
		lockdep) d="no lockdep/RCU/atomic-context report" ;;
		odebug) d="no DEBUG_OBJECTS warning" ;;
		other) d="no other WARNING/BUG/oops/hung task" ;;
		esac
		[ "$cnt" -eq 0 ]
		ok $? "$name: $d$([ "$cnt" -eq 0 ] || echo " ($cnt lines)")"
		# shellcheck disable=SC2046 # line numbers
		[ "$cnt" -eq 0 ] || excerpt "$con" $(echo "$lines" | head -n 3)
	done

	# kmemleak: the records between debug-post.sh's markers.
	if ! grep -q 'llmaccel-debug: kmemleak scan end' "$con"; then
		ok 1 "$name: kmemleak: no leak from llmaccel or DRM (no scan: $(grep -m1 -o 'llmaccel-debug: kmemleak unavailable.*' "$con" || echo 'the boot did not reach debug-post.sh'))"
		continue
	fi
	report=$(tr -d '\r' <"$con" |
		sed -n '/llmaccel-debug: kmemleak scan begin/,/llmaccel-debug: kmemleak scan end/p' |
		sed '1d;$d')
	total=$(echo "$report" | grep -c '^unreferenced object' || true)
	related=$(echo "$report" | awk -v re="$RELATED" '
		function flush() { if (rec != "" && (rec ~ re || rec ~ /\n +0x[0-9a-f]+\n/)) { n++; if (n <= 3) out = out rec } }
		/^unreferenced object/ { flush(); rec = "" }
		{ rec = rec $0 "\n" }
		END { flush(); printf "%d\n%s", n, out }')
	rcnt=$(echo "$related" | head -n 1)
	[ "$rcnt" -eq 0 ]
	ok $? "$name: kmemleak: no leak from llmaccel or DRM ($rcnt of $total suspected leaks)"
	if [ "$rcnt" -ne 0 ]; then
		grep -m1 'llmaccel-debug: llmaccel .text at' "$con" | tr -d '\r' | sed 's/^/#   /'
		echo "$related" | sed '1d' | head -n 60 | sed 's/^/#   /'
	elif [ "$total" -ne 0 ]; then
		echo "# $name: $total other suspected leak(s), not llmaccel's or DRM's; first:"
		echo "$report" | head -n 12 | sed 's/^/#   /'
	fi
	# A job never released keeps a module reference: rmmod fails.
	rm=$(grep -m1 -E 'llmaccel-debug: rmmod llmaccel' "$con" | tr -d '\r')
	if [ -n "$rm" ]; then
		case $rm in *': ok') r=0 ;; *) r=1 ;; esac
		ok $r "$name: rmmod llmaccel after the test (${rm#llmaccel-debug: rmmod llmaccel: })"
	fi
done
echo "1..$n"
[ $fails -eq 0 ]
