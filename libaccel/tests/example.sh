#!/bin/sh
# example.sh DOC STAGE PREFIX OUTDIR CC MAP: TAP checks of the installed
# library and of the example program of docs/libaccel.md.
#   DOC     docs/libaccel.md (its example block must equal
#           libaccel/examples/example.c)
#   STAGE   a DESTDIR into which `make install-libaccel PREFIX` installed
#   OUTDIR  scratch directory; CC the compiler; MAP libaccel/libaccel.map
set -u
doc=$1 stage=$2 prefix=$3 out=$4 cc=$5 map=$6
lib=$stage$prefix/lib
n=0 failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
rm -rf "$out" && mkdir -p "$out"

# 1-2: the example in the documentation is the one in the tree.
awk '/^<!-- example: libaccel\/examples\/example.c -->/ { want = 1; next }
     want && /^```c$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$doc" > "$out/example.c"
[ -s "$out/example.c" ]; ok $? "the example program is extracted from $doc"
cmp -s "$out/example.c" libaccel/examples/example.c
ok $? "the documented example equals libaccel/examples/example.c"

# 3-5: the installed files.
[ -f "$lib/libaccel.a" ] && [ -f "$stage$prefix/include/libaccel.h" ] &&
	[ -f "$stage$prefix/include/llmaccel_hw.h" ] &&
	[ -f "$lib/pkgconfig/libaccel.pc" ] && [ -L "$lib/libaccel.so" ]
ok $? "install puts the libraries, headers and pkg-config file under DESTDIR$prefix"
soname=$(readelf -d "$lib/libaccel.so" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libaccel.so.0 ] && [ -e "$lib/libaccel.so.0" ]
ok $? "the shared library's soname is libaccel.so.0 (got '$soname')"
nm -D --defined-only "$lib/libaccel.so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
	sort > "$out/exported.txt"
sed -n 's/^[[:space:]]*\(accel_[a-z0-9_]*\);$/\1/p' "$map" | sort > "$out/map.txt"
cmp -s "$out/exported.txt" "$out/map.txt" && [ -s "$out/map.txt" ]
ok $? "exactly the $(wc -l < "$out/map.txt") public functions are exported"
grep -oE '\baccel_[a-z0-9_]+\(' "$stage$prefix/include/libaccel.h" | tr -d '(' |
	grep -vE '^accel_(at|raw)$' | sort -u > "$out/header.txt"
cmp -s "$out/header.txt" "$out/map.txt"
ok $? "every function declared in libaccel.h is in the version script"

# 6-9: build and run the example through pkg-config.
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
flags=$(pkg-config --cflags --libs libaccel 2>&1)
ok $? "pkg-config --cflags --libs libaccel: $flags"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -o "$out/example" "$out/example.c" \
	$flags -lm 2>"$out/cc.err"
r=$?; sed 's/^/# /' "$out/cc.err"
ok $r "the example compiles with -Wall -Wextra -Werror against the install"
LD_LIBRARY_PATH="$lib" LIBACCEL_BACKEND=sim "$out/example" >"$out/run.out" 2>&1
r=$?; sed 's/^/# /' "$out/run.out"
[ $r = 0 ] && grep -q '^example: ok$' "$out/run.out"
ok $? "the example runs on the sim backend and checks its result"
# shellcheck disable=SC2086
$cc -std=c11 -o "$out/example-static" "$out/example.c" \
	$(pkg-config --cflags libaccel) "$lib/libaccel.a" \
	$(pkg-config --static --libs-only-l libaccel | sed 's/-laccel//') -lm &&
	LIBACCEL_BACKEND=sim "$out/example-static" >"$out/run-static.out" 2>&1 &&
	cmp -s "$out/run.out" "$out/run-static.out"
ok $? "the example linked statically prints the same"
have_dev=no
for d in /sys/class/accel/accel*/device/driver; do
	[ "$(basename "$(readlink "$d" 2>/dev/null)")" = llmaccel ] && have_dev=yes
done
if [ $have_dev = no ]; then
	LD_LIBRARY_PATH="$lib" LIBACCEL_BACKEND=kernel "$out/example" \
		>"$out/kernel.out" 2>&1
	r=$?
	[ $r = 1 ] && grep -q 'LIBACCEL_BACKEND=sim' "$out/kernel.out"
	ok $? "without a driver the kernel backend fails cleanly with a hint (exit $r)"
else
	n=$((n + 1))
	echo "ok $n - # SKIP an llmaccel device is present"
fi
echo "1..$n"
[ $failed = 0 ]
