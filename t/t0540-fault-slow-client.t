#!/bin/sh
# SPDX-License-Identifier: ISC
# Fault: a slow client, its body trickled in over 3 s.  With 2 workers
# behind the real nginx, 20 normal deliveries made meanwhile all succeed,
# each in under 2 s: through the shipped locations (nginx buffers the
# body, no worker waits for it) and through a copy of the kyc location with
# fastcgi_request_buffering off (the slow body ties one worker, not both).
# That the unbuffered slow body really holds a worker is shown too: two of
# them at once make a normal delivery wait.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/fault-lib.sh"

fault_require
fault_setup
N=20
S=$E2E_SPOOL
fault_start 2
e2e_nginx_start "$(free_port)"
mkdir "$TRASH/slow"

test_expect_success 'responder (2 workers) and nginx, with an unbuffered kyc location' '
	fault_ready && e2e_wait_port $E2E_PORT nginx/logs/error.log &&
	fault_add_unbuffered &&
	wait_for sh -c "curl -s -o /dev/null -w %{http_code} $E2E_URL/unbuffered/webhook/kyc | grep -qx 405" &&
	fault_events slow 4 && fault_prepare $FAULT_D $((2 * N + 1))
'

# fast_during LOCATION SLOW FIRST: slow/SLOW.json trickled to LOCATION in 3 s;
# meanwhile deliveries FIRST..FIRST+N-1, one after the other, to
# /webhook/kyc; their results in fast.FIRST, the time they ended in
# fast.FIRST.end.
fast_during() {
	fault_req slow/$2.json slow/$2 &&
	{ fault_slow_post "$1" slow/$2.body slow/$2.hdr 3 slow/$2.out & } &&
	sleep 0.5 &&
	fault_post_all $FAULT_D /webhook/kyc 1 fast.$3 $(seq $3 $(($3 + N - 1))) &&
	date +%s%3N >fast.$3.end &&
	wait &&
	echo "slow: $(head -1 slow/$2.out), $(cat slow/$2.out.t); fast end $(cat fast.$3.end), max $(fault_max_time fast.$3) s" &&
	head -1 slow/$2.out | grep -q "^HTTP/1.1 200 " &&
	test "$(fault_with 200 fast.$3 | wc -l)" -eq $N &&
	awk "\$3 >= 2 { print; bad = 1 } END { exit bad }" fast.$3 &&
	test "$(cat fast.$3.end)" -lt "$(cut -d" " -f2 slow/$2.out.t)" &&
	fault_resp_ids $FAULT_D $(seq $3 $(($3 + N - 1))) >/dev/null
}

test_expect_success 'shipped location (buffered): 20 deliveries during a slow one, each < 2 s' '
	fast_during /webhook/kyc 0 0
'
echo "# buffered: 20 deliveries during a 3 s upload, max $(fault_max_time fast.0) s"

test_expect_success 'unbuffered location: 20 deliveries during a slow one, each < 2 s' '
	fast_during /unbuffered/webhook/kyc 1 $N
'
echo "# unbuffered: 20 deliveries during a 3 s upload, max $(fault_max_time fast.$N) s"

test_expect_success 'unbuffered, two slow bodies hold both workers: a delivery waits for one' '
	fault_req slow/2.json slow/2 && fault_req slow/3.json slow/3 &&
	{ fault_slow_post /unbuffered/webhook/kyc slow/2.body slow/2.hdr 3 slow/2.out & } &&
	{ fault_slow_post /unbuffered/webhook/kyc slow/3.body slow/3.hdr 3 slow/3.out & } &&
	sleep 0.5 &&
	fault_post_all $FAULT_D /webhook/kyc 1 waited $((2 * N)) && wait &&
	cat waited && test "$(fault_with 200 waited)" = $((2 * N)) &&
	awk "\$3 < 1.5 { print; bad = 1 } END { exit bad }" waited &&
	head -1 slow/2.out | grep -q "^HTTP/1.1 200 " &&
	head -1 slow/3.out | grep -q "^HTTP/1.1 200 "
'
echo "# unbuffered, both workers held by slow bodies: a delivery waited $(fault_max_time waited) s"

test_expect_success 'every delivery has exactly one row; the log: one line per request, no secret' '
	fault_rows $S rows &&
	test "$(wc -l <rows)" -eq $((2 * N + 1 + 4)) &&
	test "$(uniq rows | wc -l)" -eq $((2 * N + 1 + 4)) &&
	fault_records $S && fault_log_ok $((2 * N + 1 + 4))
'

test_done
