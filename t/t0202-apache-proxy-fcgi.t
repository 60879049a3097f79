#!/bin/sh
# SPDX-License-Identifier: ISC
# Apache with the shipped deploy/apache/humanos-webhook-proxy-fcgi.conf
# (mod_proxy_fcgi), the responder on its own: --listen unix:SOCK --workers 4,
# dropping root for an unprivileged user.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

e2e_require apache2 curl
[ -f "$E2E_APACHE_MODULES/mod_proxy_fcgi.so" ] ||
    skip_all "mod_proxy_fcgi is not installed"
e2e_setup "$E2E_HW_USER"
E2E_SOCK=$TRASH/run/fcgi.sock
mkdir -p "$TRASH/run"

"$HW_WEBHOOK" -c "$E2E_CONF" --listen "unix:$E2E_SOCK" --workers 4 \
    --user "$E2E_HW_USER" --group "$E2E_HW_GROUP" \
    --socket-owner "$E2E_HW_USER:$E2E_WEB_GROUP" --socket-mode 0660 \
    2>>"$E2E_LOG" &
HW_PID=$!
test_cleanup_pid $HW_PID
test_expect_success 'the responder listens with 4 workers, as the user it was given' '
	e2e_wait_sock "$E2E_SOCK" &&
	test "$(stat -c "%U:%G %a" "$E2E_SOCK")" = "$E2E_HW_USER:$E2E_WEB_GROUP 660" &&
	wait_for e2e_has_children $HW_PID 4 &&
	for p in $HW_PID $(e2e_children $HW_PID); do
		test "$(stat -c %U /proc/$p)" = "$E2E_HW_USER" || exit 1
	done
'

e2e_apache_conf humanos-webhook-proxy-fcgi.conf >"$TRASH/site.conf"
e2e_apache_start "$(free_port)" "$TRASH/site.conf" event proxy proxy_fcgi
test_expect_success 'Apache starts with deploy/apache/humanos-webhook-proxy-fcgi.conf' '
	e2e_wait_port $E2E_PORT apache/logs/stderr apache/logs/error.log
'

e2e_samples_suite
# mod_proxy_fcgi passes CONTENT_LENGTH on: the 413 is the responder's own.
e2e_status_suite

test_expect_success 'the responder answers 413 itself to a body over its profile max_body' '
	e2e_snapshot "$E2E_SPOOL_SMALL" snap &&
	head -c 8192 /dev/zero | tr "\0" x >small.body && ts=$(e2e_now_ms) &&
	e2e_post /small/webhook/kyc small.body -H "Content-Type: application/json" \
	    -H "x-timestamp: $ts" \
	    -H "x-signature: $(e2e_js sign "$E2E_SIG" $ts small.body)" &&
	e2e_expect 413 payload_too_large && e2e_unchanged "$E2E_SPOOL_SMALL" snap
'

test_expect_success 'SIGTERM stops the supervisor and its workers' '
	kids=$(e2e_children $HW_PID) &&
	kill -TERM $HW_PID && wait_for sh -c "! kill -0 $HW_PID" &&
	for p in $kids; do ! kill -0 $p 2>/dev/null || exit 1; done
'

test_done
