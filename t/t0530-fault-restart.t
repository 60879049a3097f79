#!/bin/sh
# SPDX-License-Identifier: ISC
# Fault: the responder restarted under load.  SIGTERM to the supervisor
# while deliveries are in flight (300 distinct ones, 16 at a time, through
# the real nginx), then started again: the requests it had taken are
# finished (graceful), the others get a 5xx from nginx while it is down,
# never a 200 without its row; the provider's retries end with exactly one
# row per delivery.  Also, deterministically: a delivery whose body is
# still arriving (an unbuffered location) when SIGTERM comes is finished.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/fault-lib.sh"

fault_require
fault_setup
N=300
PAD=262144	# bytes of padding per event: the load lasts a few seconds
S=$E2E_SPOOL
fault_start 4
e2e_nginx_start "$(free_port)"

test_expect_success 'responder (4 workers) and nginx are up; 300 deliveries made' '
	fault_ready && e2e_wait_port $E2E_PORT nginx/logs/error.log &&
	fault_add_unbuffered &&
	wait_for sh -c "curl -s -o /dev/null -w %{http_code} $E2E_URL/unbuffered/webhook/kyc | grep -qx 405" &&
	fault_prepare $FAULT_D $N $PAD && fault_events $TRASH 1 &&
	mv $TRASH/0.json slow.json && fault_req slow.json slow
'

# A delivery trickled in over 3 s through the unbuffered location: a worker
# is reading its body when the supervisor gets SIGTERM.
fault_slow_post /unbuffered/webhook/kyc slow.body slow.hdr 3 slow.out &
test_cleanup_pid $!
SLOW=$!
test_expect_success 'SIGTERM while a body is arriving: that request is finished, 200 and its row' '
	sleep 1 && kill -TERM $FAULT_PID && sleep 1 &&
	kill -0 $FAULT_PID && echo "still draining after 1 s" &&
	wait_for sh -c "! kill -0 $FAULT_PID" &&
	# the client writes slow.out whole, then slow.out.t: it has the answer
	wait_for test -s slow.out.t &&
	test -s slow.out && head -1 slow.out | grep -q "^HTTP/1.1 200 " &&
	id=$(sed -n "s/.*\"id\":\"\\([0-9a-f]*\\)\".*/\\1/p" slow.out) &&
	test "$id" = "$(sha256sum <slow.json | cut -d" " -f1)" &&
	fault_rows $S rows && grep -qx "$id" rows &&
	grep -q "status=200 .*id=$id" $E2E_LOG &&
	test "$(grep -c "event=worker_exit worker=[0-9]* exit=0" $E2E_LOG)" -eq 4 &&
	! grep -q "event=worker_exit worker=[0-9]* signal=" $E2E_LOG
'
wait $SLOW
echo "# the slow delivery: $(head -1 slow.out), $(awk '{ printf "%.1f s", ($2 - $1) / 1000 }' slow.out.t)"

fault_start 4
test_expect_success 'started again' 'fault_ready'

# The load, in the background; SIGTERM once 60 rows are written; a new
# responder started as soon as the old one is gone.
fault_post_all $FAULT_D /webhook/kyc 16 res $(seq 0 $((N - 1))) &
test_cleanup_pid $!
LOAD=$!
i=0
while [ "$(count_files $S/kyc/new)" -lt 61 ] && [ $i -lt 300 ]; do
	sleep 0.02; i=$((i + 1))
done
T0=$(date +%s%N)
kill -TERM "$FAULT_PID"
fault_stop
T1=$(date +%s%N)
fault_start 4
fault_ready
T2=$(date +%s%N)
wait $LOAD
echo "# stopped $(( (T1 - T0) / 1000000 )) ms after SIGTERM, serving again $(( (T2 - T1) / 1000000 )) ms later; $N deliveries: $(awk '{ print $2 }' res | sort | uniq -c | awk '{ printf "%s x %s, ", $1, $2 }')max $(fault_max_time res) s"

test_expect_success 'the restart hit the load: some 200 before, some after, some refused' '
	test "$(wc -l <res)" -eq $N &&
	test "$(grep -c "event=stop signal=15" $E2E_LOG)" -eq 2 &&
	test "$(fault_with 200 res | wc -l)" -gt 60 &&
	test -n "$(fault_with ! 200 res)"
'

test_expect_success 'clients saw 200 or a 5xx, every 200 has its row' '
	test -z "$(awk "\$2 != 200 && \$2 !~ /^5/" res)" &&
	awk "\$3 >= 10 { print; bad = 1 } END { exit bad }" res &&
	fault_rows $S rows &&
	fault_resp_ids $FAULT_D $(fault_with 200 res) | LC_ALL=C sort >ok.ids &&
	! LC_ALL=C comm -23 ok.ids rows | grep . && fault_records $S
'

test_expect_success 'graceful: every request a worker answered reached its client' '
	grep -o "status=200 error=- id=[0-9a-f]*" $E2E_LOG | sed "s/.*id=//" |
	    LC_ALL=C sort >logged.ids &&
	sha256sum <slow.json | cut -d" " -f1 >slow.id &&
	cat ok.ids slow.id | LC_ALL=C sort >answered.ids &&
	test_cmp answered.ids logged.ids &&
	test "$(grep -c "event=worker_exit worker=[0-9]* exit=0" $E2E_LOG)" -eq 8 &&
	! grep -q "event=worker_exit worker=[0-9]* signal=" $E2E_LOG
'

test_expect_success 'the log: one whole line per answered request, no secret' '
	fault_log_ok $(( $(fault_with 200 res | wc -l) + $(fault_with 503 res | wc -l) + 1 ))
'

test_expect_success 'retries of every delivery without a 200: exactly one row each' '
	fault_resend $FAULT_D retry $(fault_with ! 200 res) &&
	test -z "$(fault_with ! 200 retry)" &&
	fault_resp_ids $FAULT_D $(fault_with 200 retry) >/dev/null &&
	grep -v -x -f slow.id rows >/dev/null &&
	fault_rows $S all && grep -v -x -f slow.id all >rows.load &&
	test "$(wc -l <rows.load)" -eq $N && test "$(uniq rows.load | wc -l)" -eq $N &&
	fault_records $S
'

test_done
