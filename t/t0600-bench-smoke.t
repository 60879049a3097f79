#!/bin/sh
# t0600-bench-smoke: bench/run --smoke (a few hundred deliveries, one round,
# the ceiling, tmpfs and disk configurations, then bench/pipeline) prints
# its table and finds a row for every 200.  Never asserts a speed.
. "$top_srcdir/t/lib.sh"

for tool in nginx wrk node; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool is not installed"
done

test_expect_success 'bench/run --smoke runs to its end' '
	"$top_srcdir/bench/run" --smoke >out 2>err ||
	{ cat out err; false; }
'

test_expect_success 'the table has a line per configuration' '
	grep "^configuration .*req/s" out &&
	grep "^ceiling  *[0-9]" out &&
	grep "^tmpfs  *[0-9]" out &&
	grep "^disk  *[0-9]" out
'

test_expect_success 'every 200 has its row, tmpfs and disk' '
	grep "^tmpfs .* ok$" out &&
	grep "^disk .* ok$" out &&
	grep "^bench: all checks passed" out
'

test_expect_success 'the in-process pipeline answered and spooled all' '
	grep "req_handle (SYNC_NONE spool)" out &&
	grep "rows written 300 of 300" out
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
