#!/bin/sh
# SPDX-License-Identifier: ISC
# Fault: workers killed (SIGKILL) at random moments under load.  300
# distinct deliveries, 16 at a time through the real nginx, to the real
# responder (4 workers, as nobody) while a loop kills a random worker every
# 30 to 120 ms.  Every 200 has its row, rows are whole, a cut request is
# answered at once, the supervisor replaces every worker, what a killed
# writer left in tmp/ is finished by the next worker's start, and the
# provider's retries end with exactly one row per delivery.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/fault-lib.sh"

fault_require
fault_setup
N=300
PAD=262144	# bytes of padding per event: more work per request
S=$E2E_SPOOL
fault_start 4
e2e_nginx_start "$(free_port)"

test_expect_success 'responder (4 workers) and nginx are up; 300 deliveries made' '
	fault_ready && e2e_wait_port $E2E_PORT nginx/logs/error.log &&
	fault_prepare $FAULT_D $N $PAD
'

touch "$TRASH/killing"
fault_killer &
test_cleanup_pid $!
KILLER=$!
test_expect_success '300 deliveries, 16 at a time, while workers are SIGKILLed' '
	fault_post_all $FAULT_D /webhook/kyc 16 res $(seq 0 $((N - 1)))
'
rm -f "$TRASH/killing"
wait "$KILLER"
KILLS=$(sort -u "$TRASH/kills" 2>/dev/null | wc -l)	# a zombie can be "killed" twice
echo "# $KILLS workers killed; $N deliveries: $(awk '{ print $2 }' res | sort | uniq -c | awk '{ printf "%s x %s, ", $1, $2 }')max $(fault_max_time res) s, max of the cut ones $(awk '$2 != 200' res >cut; fault_max_time cut) s"

test_expect_success 'faults were caused: at least 3 workers killed, some requests cut' '
	test "$KILLS" -ge 3 && test -s cut
'

test_expect_success 'every request answered, 200 or 502 (the cut ones), none slower than 5 s' '
	test "$(wc -l <res)" -eq $N &&
	test -z "$(awk "\$2 != 200 && \$2 != 502" res)" &&
	awk "\$3 >= 5 { print; bad = 1 } END { exit bad }" res
'

test_expect_success 'the supervisor replaced every killed worker' '
	kill -0 $FAULT_PID && fault_ready 4 &&
	test "$(fault_workers)" -eq 4 &&
	wait_for sh -c "test \$(grep -c \"event=worker_exit worker=[0-9]* signal=9\" $E2E_LOG) -eq $KILLS"
'

test_expect_success 'every 200 has its row, rows whole, tmp/ finished by the new workers' '
	wait_for sh -c "test -z \"\$(find $S/*/tmp -type f)\"" &&
	fault_rows $S rows &&
	fault_resp_ids $FAULT_D $(fault_with 200 res) | LC_ALL=C sort >ok.ids &&
	! LC_ALL=C comm -23 ok.ids rows | grep . &&
	fault_records $S
'

test_expect_success 'the log: whole request lines (at most one per request), no secret' '
	fault_log_ok &&
	test "$(grep -Ec " (level=[a-z]+ )?status=[0-9]" $E2E_LOG)" -le $N &&
	test "$(grep -Ec " (level=[a-z]+ )?status=[0-9]" $E2E_LOG)" -ge "$(fault_with 200 res | wc -l)"
'

test_expect_success 'retries of every delivery without a 200: exactly one row each' '
	fault_resend $FAULT_D retry $(fault_with ! 200 res) &&
	test -z "$(fault_with ! 200 retry)" &&
	fault_resp_ids $FAULT_D $(fault_with 200 retry) >/dev/null &&
	fault_exactly_once $S $FAULT_D $N && fault_records $S
'
echo "# retried: $(wc -l <retry 2>/dev/null), of which duplicate (row already written when cut): $(cat $FAULT_D/*.resp 2>/dev/null | grep -c '"duplicate":true')"

test_expect_success 'SIGTERM stops the responder' '
	fault_stop && test "$(grep -c "event=stop signal=" $E2E_LOG)" -eq 1
'
fault_start 4
test_expect_success 'after the restart: nothing in tmp/, exactly one row per delivery' '
	fault_ready && fault_exactly_once $S $FAULT_D $N && fault_records $S
'

test_done
