#!/bin/sh
# SPDX-License-Identifier: ISC
# Apache with the shipped deploy/apache/humanos-webhook-fcgid.conf: mod_fcgid
# starts the responders (FastCGI on fd 0) as Apache's user.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

e2e_require apache2 curl
[ -f "$E2E_APACHE_MODULES/mod_fcgid.so" ] ||
    skip_all "mod_fcgid is not installed (libapache2-mod-fcgid)"
e2e_setup "$E2E_WEB_USER"

e2e_apache_conf humanos-webhook-fcgid.conf >"$TRASH/site.conf"
e2e_apache_start "$(free_port)" "$TRASH/site.conf" event fcgid headers
E2E_LOG=$TRASH/apache/logs/error.log
test_expect_success 'Apache starts with deploy/apache/humanos-webhook-fcgid.conf' '
	e2e_wait_port $E2E_PORT apache/logs/stderr apache/logs/error.log
'

e2e_samples_suite
# Apache answers 413 itself (Redirect 413), with the responder's JSON
# (ErrorDocument, mod_headers).
e2e_status_suite

test_expect_success 'mod_fcgid runs the responders as Apache user' '
	pids=$(e2e_responders $E2E_SERVER_PID) && test -n "$pids" &&
	for p in $pids; do
		test "$(stat -c %U /proc/$p)" = "$E2E_WEB_USER" || exit 1
	done
'

test_done
