#!/bin/sh
# SPDX-License-Identifier: ISC
# Apache with the shipped deploy/apache/humanos-webhook-cgi.conf: the
# responder as a plain CGI program (mod_cgi, prefork), one process per
# delivery, as Apache's user.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

e2e_require apache2 curl
[ -f "$E2E_APACHE_MODULES/mod_cgi.so" ] || skip_all "mod_cgi is not installed"
e2e_setup "$E2E_WEB_USER"

e2e_apache_conf humanos-webhook-cgi.conf >"$TRASH/site.conf"
e2e_apache_start "$(free_port)" "$TRASH/site.conf" prefork cgi headers
E2E_LOG=$TRASH/apache/logs/error.log
test_expect_success 'Apache starts with deploy/apache/humanos-webhook-cgi.conf' '
	e2e_wait_port $E2E_PORT apache/logs/stderr apache/logs/error.log
'

e2e_samples_suite
# Apache answers 413 itself (LimitRequestBody), with the responder's JSON
# (ErrorDocument, mod_headers).
e2e_status_suite

test_expect_success 'no responder process stays behind (CGI: one per request)' '
	i=0 &&
	while [ -n "$(e2e_responders $E2E_SERVER_PID)" ]; do
		i=$((i + 1)) && [ $i -le 50 ] || exit 1
		sleep 0.1	# the last one may still be exiting
	done
'

test_done
