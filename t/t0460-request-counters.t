#!/bin/sh
# SPDX-License-Identifier: ISC
# t0460: the responder counts its answers per profile, status and error in
# the spool: shared by all workers (2, behind the real nginx, deliveries
# sent 4 at a time), kept across a restart; humanos-spool stats prints
# them and --prometheus exports humanos_webhook_requests_total.  Known
# numbers of each status are sent; the counts must be exactly those.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/fault-lib.sh"

fault_require
fault_setup
fault_start 2
e2e_nginx_start "$(free_port)"
S=$E2E_SPOOL

# count PROFILE STATUS ERROR: the exported count ("" when there is none).
count() {
	sed -n "s/^humanos_webhook_requests_total{profile=\"$1\",status=\"$2\",error=\"$3\"} //p" prom
}

test_expect_success 'responder (2 workers) and nginx; 30 deliveries made' '
	fault_ready && e2e_wait_port $E2E_PORT nginx/logs/error.log &&
	fault_prepare $FAULT_D 30
'

test_expect_success 'a mixed run: 24 + 6 new, 5 duplicates, 4 forged, 3 GET, 2 to profile b' '
	fault_post_all $FAULT_D /webhook/kyc 4 res $(seq 0 23) &&
	fault_post_all $FAULT_D /webhook/kyc 4 res $(seq 24 29) &&
	test "$(fault_with 200 res | wc -l)" -eq 30 &&
	fault_resend $FAULT_D dup 0 1 2 3 4 &&
	test "$(fault_with 200 dup | wc -l)" -eq 5 &&
	for i in 0 1 2 3; do
		sed "s/^\(x-signature: .\).*\$/\10000000000000000000000000000000000000000000000000000000000000000/" \
		    $FAULT_D/$i.hdr >$FAULT_D/f$i.hdr &&
		cp $FAULT_D/$i.body $FAULT_D/f$i.body || exit 1
	done &&
	fault_post_all $FAULT_D /webhook/kyc 2 forged f0 f1 f2 f3 &&
	test "$(fault_with 401 forged | wc -l)" -eq 4 &&
	for i in 1 2 3; do
		test "$(curl -s -o /dev/null -w "%{http_code}" "$E2E_URL/webhook/kyc")" = 405 ||
		    exit 1
	done &&
	e2e_hs_b --sample consent --url "$E2E_URL/b/webhook/consents" >b1 &&
	e2e_hs_b --sample kyc --url "$E2E_URL/b/webhook/kyc" >b2 &&
	head -1 b1 | grep -q "^HTTP 200" && head -1 b2 | grep -q "^HTTP 200"
'

test_expect_success 'stats --prometheus: exactly those counts, per profile and status' '
	"$HW_SPOOL" -d "$S" stats --prometheus >prom &&
	grep "^humanos_webhook_requests_total" prom &&
	test "$(count default 200 "")" = 35 &&
	test "$(count default 401 invalid_signature)" = 4 &&
	test "$(count default 405 method_not_allowed)" = 3 &&
	test "$(grep -c "^humanos_webhook_requests_total{profile=\"default\"" prom)" -eq 3 &&
	"$HW_SPOOL" -d "$E2E_SPOOL_B" stats --prometheus >prom &&
	test "$(count b 200 "")" = 2 &&
	grep -q "^# TYPE humanos_webhook_requests_total counter\$" prom
'

test_expect_success 'stats (text): the same, as a table' '
	"$HW_SPOOL" -d "$S" stats >out &&
	grep -Eq "^default +200 +- +35\$" out &&
	grep -Eq "^default +401 +invalid_signature +4\$" out &&
	grep -Eq "^default +405 +method_not_allowed +3\$" out
'

test_expect_success 'kept across a restart: the count goes on' '
	fault_stop
'
fault_start 2
test_expect_success 'after the restart: one more delivery, 36' '
	fault_ready &&
	e2e_hs --sample kyc --url "$E2E_URL/webhook/kyc" >r &&
	head -1 r | grep -q "^HTTP 200" &&
	"$HW_SPOOL" -d "$S" stats --prometheus >prom &&
	test "$(count default 200 "")" = 36 &&
	test "$(count default 401 invalid_signature)" = 4
'

test_done
