#!/bin/sh
# run-in-vm.sh [--hang-queue Q] [--param NAME=VALUE]... TEST [HARNESS OPTION]...
# Guest side of `make check-kselftest` (busybox sh, root): loads vgem (its
# fences let tests hold jobs back without sleeping) and llmaccel with the
# given module parameters, then runs the suite binary TEST (a name in
# /tests/bin).  TAP on stdout, module messages on stderr (the console).
set -u
params=
while [ $# -gt 0 ]; do
	case $1 in
	--hang-queue) export LLMACCEL_HANG_QUEUE=$2; shift 2 ;;
	--param) params="$params $2"; shift 2 ;;
	*) break ;;
	esac
done
if ! modprobe vgem >&2; then
	echo "Bail out! modprobe vgem failed"
	exit 1
fi
# shellcheck disable=SC2086 # a list of NAME=VALUE words
if ! modprobe llmaccel $params >&2 || [ ! -c /dev/accel/accel0 ]; then
	echo "Bail out! modprobe llmaccel$params: no /dev/accel/accel0"
	exit 1
fi
test=${1:?usage: run-in-vm.sh [OPTIONS] TEST [HARNESS OPTION]...}
shift
exec "/tests/bin/$test" "$@"
