#!/bin/sh
# SPDX-License-Identifier: ISC
# fuzz/run-fuzzers.sh [SECONDS]: build the libFuzzer harnesses with clang,
# ASan and UBSan in a build directory of their own, run each for SECONDS
# (default $FUZZ_SECONDS, else 30) on a scratch copy of its seed corpus,
# print the executions, and exit non-zero if any harness found a crash, a
# leak or a broken invariant (its reproducer is kept in BUILD/fuzz/work/).
#
#   FUZZ_BUILD=DIR   the build directory (default: build-fuzz in the source
#                    tree; an existing configured one is reused)
#   CC=...           the compiler (default clang)
#
# CI runs: fuzz/run-fuzzers.sh 30
set -eu

secs=${1:-${FUZZ_SECONDS:-30}}
case $secs in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 64 ;;
esac
srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$srcdir/build-fuzz}
cc=${CC:-clang}

[ -x "$srcdir/configure" ] || (cd "$srcdir" && ./autogen.sh)

# An out-of-tree build needs a source tree not configured in place; when
# it is (a developer's tree), build from a clean copy of its sources.
top=$srcdir
if [ -f "$srcdir/config.status" ]; then
	top=$build/src
	mkdir -p "$top"
	(cd "$srcdir" && git ls-files -co --exclude-standard |
	    grep -v '~$' | tar -cf - -T -) | (cd "$top" && tar -xpf -)
	(cd "$top" && ./autogen.sh >/dev/null 2>&1)
	build=$build/obj
fi

mkdir -p "$build"
cd "$build"
if [ ! -f config.status ]; then
	"$top/configure" --enable-fuzzers --enable-sanitizers CC="$cc" \
	    >configure.out 2>&1 || { tail -n 30 configure.out; exit 1; }
fi
make -j"$(nproc 2>/dev/null || echo 2)" fuzzers >make.out 2>&1 ||
    { tail -n 40 make.out; exit 1; }

# Leaks count as findings; a timeout of one input (a hang) too.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

rc=0
total=0
for f in request config jsonv; do
	work=$build/fuzz/work/$f
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crashes"
	dict=
	[ -f "$top/fuzz/$f.dict" ] && dict=-dict=$top/fuzz/$f.dict
	if ./fuzz/$f-fuzz -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 $dict \
	    -artifact_prefix="$work/crashes/" \
	    "$work/corpus" "$top/fuzz/corpus/$f" >"$work/log" 2>&1; then
		status=ok
	else
		status=FAILED
		rc=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" |
	    tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 || true)
	echo "fuzz: $f-fuzz: $status, ${execs:-0} executions in $secs s," \
	    "${cov:-cov: ?}, corpus $(ls "$work/corpus" | wc -l) new inputs"
	total=$((total + ${execs:-0}))
	if [ $status = FAILED ]; then
		echo "fuzz: $f-fuzz: reproducer(s) in $work/crashes/:"
		ls "$work/crashes" | sed 's/^/fuzz:   /'
		grep -v '^#' "$work/log" | tail -n 60
	fi
done
echo "fuzz: total executions: $total"
exit $rc
