#!/bin/sh
# SPDX-License-Identifier: ISC
# t0600-bench-smoke: bench/run --smoke (a few hundred deliveries, one round,
# the ceiling, transport, tmpfs, tmpfslimit, disk and disklimit
# configurations, then bench/pipeline)
# prints its table, every configuration also as a ratio to the transport
# (bench/nullfcgi behind the same location), and finds a row for every 200.
# Never asserts a speed.
. "$top_srcdir/t/lib.sh"

for tool in nginx wrk node; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool is not installed"
done

test_expect_success 'bench/run --smoke runs to its end' '
	if ! "$top_srcdir/bench/run" --smoke >out 2>err
	then
		cat out err && false
	fi
'

test_expect_success 'the table has a line per configuration' '
	grep "^configuration .*req/s" out &&
	grep "^ceiling  *[0-9]" out &&
	grep "^transport  *[0-9]" out &&
	grep "^tmpfs  *[0-9]" out &&
	grep "^tmpfslimit  *[0-9]" out &&
	grep "^disk  *[0-9]" out &&
	grep "^disklimit  *[0-9]" out
'

test_expect_success 'the transport: every configuration as x transport' '
	grep "^configuration .* x ceil  *x transport  *x disk " out &&
	num="[0-9][0-9]*\.[0-9][0-9][0-9]" &&
	grep "^transport .* 1\.000  *[0-9][0-9.]*  .* ok$" out &&
	for c in ceiling tmpfs disk; do
		grep "^$c  *[0-9].* $num  *$num  *[-0-9]" out || return 1
	done &&
	grep "^tmpfs / transport, round by round: median [0-9.]*x (" out &&
	grep "^transport / ceiling, round by round: median [0-9.]*x (" out &&
	grep "^req/s, round  *1   x transport, round  *1$" out &&
	grep "^transport  *[0-9][0-9]*  *1\.000$" out
'

test_expect_success 'every configuration: the CPU a request cost, how busy' '
	grep "^configuration .* RSS KiB  *CPU us  *busy  *200s=rows$" out &&
	for c in ceiling transport tmpfs tmpfslimit disk; do
		grep "^$c  *[0-9].* [0-9][0-9]*  *[0-9][0-9]*%  *[a-z/]*$" out ||
		    return 1
	done
'

test_expect_success 'every 200 has its row (tmpfs, disk) or answer (transport)' '
	grep "^transport .* ok$" out &&
	grep "^tmpfs .* ok$" out &&
	grep "^disk .* ok$" out &&
	grep "^bench: all checks passed" out
'

test_expect_success 'the CPU estimates for tmpfs / transport are printed' '
	x="[0-9]\.[0-9][0-9]x ([0-9]\.[0-9][0-9]-[0-9]\.[0-9][0-9])$" &&
	grep "^tmpfslimit .* ok$" out &&
	grep "^CPU estimate, a receiver that writes one tmpfs file a request: $x" out &&
	grep "^CPU estimate, a receiver that checks, decrypts and writes one tmpfs file a request: $x" out
'

test_expect_success 'the CPU estimate for disk / disklimit is printed' '
	x="[0-9]*\.[0-9][0-9]x ([0-9]*\.[0-9][0-9]-[0-9]*\.[0-9][0-9])$" &&
	grep "^disklimit .* ok$" out &&
	grep "^CPU estimate, a receiver whose row costs the yardstick.s, x disklimit: $x" out
'

test_expect_success 'the in-process pipeline answered and spooled all' '
	grep "req_handle (SYNC_NONE spool)" out &&
	grep "rows written 300 of 300" out
'

test_expect_success 'bench/disklimit: each mode writes the rows it counts, and its CPU a row' '
	for m in file shared own tmpsync spool nosync log; do
		"$top_builddir/bench/disklimit" -m $m -t 2 -d 1 -s 64 dl.$m \
		    >dl.$m.out || return 1
		rows=$(sed -n "s/^disklimit rows=\([0-9]*\) .* cpu_us=[0-9][0-9]*\$/\1/p" \
		    dl.$m.out) &&
		test -n "$rows" && test "$rows" -gt 0 &&
		test "$(ls dl.$m/new | wc -l)" -eq "$rows" || return 1
	done &&
	test "$(wc -c <dl.log/log)" -eq 67108864 &&
	test "$(head -c 1 dl.log/log)" = "{" &&
	for m in own tmpsync spool nosync log; do
		test -d dl.$m/tmp/001 && test -d dl.$m/ids/ff || return 1
	done &&
	test ! -e dl.own/log &&
	test_expect_code 64 "$top_builddir/bench/disklimit" -m intent dl.x
'

test_expect_success 'nothing it started is left running or mounted' '
	work=$(sed -n "s/^bench: work directory //p" err) &&
	test -n "$work" &&
	! grep -qF "$work" /proc/mounts &&
	echo "$work" >pattern &&
	! grep -lFf pattern /proc/[0-9]*/cmdline 2>/dev/null | grep -q . &&
	test ! -e "$work"
'

test_done
