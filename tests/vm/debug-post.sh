#!/bin/sh
# debug-post.sh: guest side of `make check-debug` (busybox sh), run by
# llmaccel-vm --post after each test on the debug kernel; output on the
# console, read back by scripts/debug-log-tap.sh.  Unloads llmaccel (so
# its teardown leaks count too) once its last user is gone (30 s at
# most), then asks kmemleak for a scan and prints its report between two marker lines.  Leaks from the
# unloaded module show as bare addresses: the module's load address is
# printed first to resolve them (nm llmaccel.ko, addr2line).
up() { cut -d' ' -f1 /proc/uptime; }
echo "llmaccel-debug: post-test checks at $(up) s"
if [ -r /sys/module/llmaccel/sections/.text ]; then
	echo "llmaccel-debug: llmaccel .text at $(cat /sys/module/llmaccel/sections/.text)"
	# Jobs are released a little after their fences signal; a job that
	# is never released keeps a module reference and fails this.
	i=0
	while [ "$(cat /sys/module/llmaccel/refcnt)" != 0 ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if rmmod llmaccel; then
		echo "llmaccel-debug: rmmod llmaccel: ok"
	else
		echo "llmaccel-debug: rmmod llmaccel: failed (refcnt $(cat /sys/module/llmaccel/refcnt))"
	fi
fi
kl=/sys/kernel/debug/kmemleak
if [ ! -w $kl ]; then
	echo "llmaccel-debug: kmemleak unavailable ($kl)"
	exit 0
fi
# kmemleak reports only objects older than 5 s.
sleep 5
t0=$(up)
echo scan >$kl
echo "llmaccel-debug: kmemleak scan begin (scan from $t0 to $(up) s)"
cat $kl
echo "llmaccel-debug: kmemleak scan end"
