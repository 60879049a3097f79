#!/bin/sh
# SPDX-License-Identifier: ISC
# Fault: the filesystem under the spool is full.  A small tmpfs is mounted
# on the spool (or, where mounting is not permitted, the responder runs
# with RLIMIT_FSIZE so small that no row fits), the real responder (2
# workers, as nobody) behind the real nginx: deliveries get 503
# spool_unavailable, nothing partial is left anywhere, and once space is
# freed the provider's retry of each refused delivery gives exactly one row.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/fault-lib.sh"

fault_require
fault_setup
N=40
S=$E2E_SPOOL
if [ -z "${HW_FAULT_NO_MOUNT:-}" ] && fault_mount_tmpfs "$S" 256k; then
	HOW=tmpfs
	echo "# the fault: a 256 KiB tmpfs on the spool, filled up"
	fault_start 2
else
	HOW=fsize
	echo "# the fault: tmpfs not permitted here; RLIMIT_FSIZE 0 (ulimit -f 0) on the responder"
	# No file of the responder's may grow: the spools' arrival counters
	# are made in advance, and its log goes through a pipe.
	for s in "$S" "$E2E_SPOOL_B" "$E2E_SPOOL_SMALL"; do
		head -c 8 /dev/zero >"$s/.seq" && chown "$E2E_HW_USER" "$s/.seq"
	done
	mkfifo "$TRASH/log.fifo"
	cat "$TRASH/log.fifo" >>"$E2E_LOG" &
	test_cleanup_pid $!
	FAULT_STDERR=$TRASH/log.fifo
	fault_start 2 sh -c 'trap "" XFSZ; ulimit -f 0; exec "$0" "$@"'
fi
e2e_nginx_start "$(free_port)"

test_expect_success "responder (2 workers) and nginx are up ($HOW)" '
	fault_ready && e2e_wait_port $E2E_PORT nginx/logs/error.log &&
	fault_prepare $FAULT_D $N
'

test_expect_success 'spool filled: deliveries get 200 until it is full, then 503 spool_unavailable' '
	if [ $HOW = tmpfs ]; then
		! dd if=/dev/zero of=$S/filler bs=4k 2>/dev/null &&
		truncate -s -20k $S/filler && df -k $S
	fi &&
	fault_post_all $FAULT_D /webhook/kyc 4 res $(seq 0 $((N - 1))) &&
	test "$(wc -l <res)" -eq $N &&
	test -z "$(awk "\$2 != 200 && \$2 != 503" res)" &&
	test "$(fault_with 503 res | wc -l)" -ge 1 &&
	if [ $HOW = tmpfs ]; then test "$(fault_with 200 res | wc -l)" -ge 1; fi &&
	for i in $(fault_with 503 res); do
		grep -q "\"error\":\"spool_unavailable\"" $FAULT_D/$i.resp ||
		    die "$i: $(cat $FAULT_D/$i.resp)"
	done
'

echo "# $N deliveries: $(fault_with 200 res | wc -l) x 200, $(fault_with 503 res | wc -l) x 503"

test_expect_success 'nothing partial: rows in new/ complete, tmp/ empty, no record without its row' '
	fault_rows $S rows &&
	test "$(wc -l <rows)" -eq "$(fault_with 200 res | wc -l)" &&
	fault_resp_ids $FAULT_D $(fault_with 200 res) | LC_ALL=C sort >ok.ids &&
	test_cmp ok.ids rows &&
	fault_records $S
'

test_expect_success 'the log: one whole line per request, the cause given, no secret' '
	fault_log_ok $N &&
	test "$(grep -c "status=503 error=spool_unavailable .*detail=.*$(
	    [ $HOW = tmpfs ] && echo "No space left on device" ||
	    echo "File too large")" $E2E_LOG)" -eq "$(fault_with 503 res | wc -l)"
'

if [ $HOW = fsize ]; then
	# "Freeing space": the same responder, without the limit.
	fault_stop
	FAULT_STDERR=
	fault_start 2
fi

test_expect_success 'space freed: the retry of each refused delivery (re-encrypted) gets 200' '
	rm -f $S/filler && fault_ready &&
	fault_resend $FAULT_D retry $(fault_with 503 res) &&
	test "$(wc -l <retry)" -eq "$(fault_with 503 res | wc -l)" &&
	test -z "$(fault_with ! 200 retry)" &&
	for i in $(fault_with 200 retry); do
		grep -q "\"duplicate\":false" $FAULT_D/$i.resp || die "$i"
	done &&
	fault_resp_ids $FAULT_D $(fault_with 200 retry) >/dev/null
'

test_expect_success 'exactly one row per delivery, every record with its row' '
	fault_exactly_once $S $FAULT_D $N && fault_records $S &&
	fault_log_ok $((N + $(wc -l <retry)))
'

test_done
