#!/bin/sh
# SPDX-License-Identifier: ISC
# Fault: a client trickles its body.  Behind the shipped Apache
# mod_proxy_fcgi configuration (which streams the body to the responder),
# with ONE worker and body_timeout = 2: the trickled delivery is answered
# 408 body_timeout after about 2 s, nothing is written, and a normal
# delivery sent meanwhile is served as soon as the worker is free -- not
# after the trickle's 20 s.  The CGI front end keeps the same deadline.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/fault-lib.sh"

e2e_require apache2 curl node
[ -f "$E2E_APACHE_MODULES/mod_proxy_fcgi.so" ] ||
    skip_all "mod_proxy_fcgi is not installed"
fault_setup
# body_timeout at the top level, before the [profile] sections.
sed -i '1a body_timeout = 2' "$E2E_CONF"
fault_start 1
e2e_apache_conf humanos-webhook-proxy-fcgi.conf >"$TRASH/site.conf"
e2e_apache_start "$(free_port)" "$TRASH/site.conf" event proxy proxy_fcgi \
    reqtimeout

test_expect_success 'one worker, body_timeout = 2; Apache with the shipped proxy_fcgi file' '
	grep -q "^body_timeout = 2\$" "$E2E_CONF" &&
	fault_ready && e2e_wait_port $E2E_PORT apache/logs/stderr apache/logs/error.log &&
	grep -q "RequestReadTimeout" "$TRASH/site.conf" &&
	fault_events d 2 && fault_prepare $FAULT_D 2
'

# The responder answers 408 and hangs up on the trickle; Apache, still
# sending the body, reports its backend's hang-up as its own 503 (HTML).
test_expect_success 'a trickled body: 408 body_timeout in about 2 s, nothing written' '
	fault_req d/0.json slow &&
	tr -d "\r" <slow.hdr >slow.h &&
	{ fault_slow_post /webhook/kyc slow.body slow.h 20 slow.out & } &&
	sleep 0.5 &&
	fault_post_all $FAULT_D /webhook/kyc 1 fast 1 &&
	wait &&
	cat slow.out slow.out.t fast &&
	head -1 slow.out | grep -Eq "^HTTP/1.1 (408|503) " &&
	awk "{ exit !(\$2 - \$1 >= 1500 && \$2 - \$1 < 8000) }" slow.out.t &&
	test "$(fault_with 200 fast | wc -l)" -eq 1 &&
	awk "\$3 >= 6 { print; bad = 1 } END { exit bad }" fast &&
	grep -q "status=408 error=body_timeout" "$E2E_LOG" &&
	fault_rows "$E2E_SPOOL" rows1 && test "$(wc -l <rows1)" -eq 1 &&
	grep -qx "$(cat $FAULT_D/1.id)" rows1
'

test_expect_success 'the worker is free: the next delivery at once; only its rows' '
	fault_post_all $FAULT_D /webhook/kyc 1 next 0 &&
	test "$(fault_with 200 next | wc -l)" -eq 1 &&
	awk "\$3 >= 2 { print; bad = 1 } END { exit bad }" next &&
	fault_rows "$E2E_SPOOL" rows &&
	test "$(wc -l <rows)" -eq 2 &&
	test "$(uniq rows | wc -l)" -eq 2
'

test_expect_success 'CGI: a body that stops coming is 408 after body_timeout' '
	fault_req d/1.json cgi &&
	ts=$(sed -n "s/^x-timestamp: //p" cgi.hdr | tr -d "\r") &&
	sig=$(sed -n "s/^x-signature: //p" cgi.hdr | tr -d "\r") &&
	len=$(wc -c <cgi.body) &&
	start=$(date +%s%3N) &&
	{ head -c 10 cgi.body; sleep 6; } |
	    env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=$len \
	    HTTP_X_TIMESTAMP=$ts HTTP_X_SIGNATURE=$sig REQUEST_URI=/webhook/kyc \
	    HUMANOS_WEBHOOK_CONFIG="$E2E_CONF" "$HW_WEBHOOK" >cgi.out 2>cgi.err &&
	end=$(date +%s%3N) &&
	cat cgi.out cgi.err &&
	grep -q "^Status: 408 " cgi.out &&
	grep -q "\"error\":\"body_timeout\"" cgi.out &&
	grep -q "status=408 error=body_timeout" cgi.err
'

test_done
