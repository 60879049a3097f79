#!/bin/sh
# SPDX-License-Identifier: ISC
# nginx with the shipped deploy/nginx files in front of fcgiwrap, which runs
# the responder as a CGI program (one process per delivery, as fcgiwrap's
# user).  The snippet is used as its header says: every location gets the
# two fastcgi_param lines documented there (SCRIPT_FILENAME names the
# program fcgiwrap runs), and fastcgi_pass goes to fcgiwrap's socket.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

e2e_require nginx fcgiwrap setpriv curl
e2e_setup "$E2E_WEB_USER"

# deploy/nginx as shipped, plus the documented lines ("#     fastcgi_param
# ..." in the snippet's header) after each "include fastcgi_params;".
SHIPPED=$E2E_DEPLOY/nginx/humanos-webhook.conf
E2E_DEPLOY=$TRASH/deploy
mkdir -p "$E2E_DEPLOY/nginx"
sed -n 's/^#     \(fastcgi_param [A-Z_]* [^ ]*;\)$/\1/p' "$SHIPPED" \
    >"$TRASH/fcgiwrap.lines"
awk -v lines="$TRASH/fcgiwrap.lines" '
	{ print }
	/^    include fastcgi_params;$/ {
		while ((getline l <lines) > 0)
			print "    " l
		close(lines)
	}' "$SHIPPED" >"$E2E_DEPLOY/nginx/humanos-webhook.conf"
cp "$(dirname "$SHIPPED")/site.conf" "$E2E_DEPLOY/nginx/"

test_expect_success 'the snippet documents SCRIPT_FILENAME and HUMANOS_WEBHOOK_CONFIG for fcgiwrap' '
	cat >lines.want <<-\EOF &&
	fastcgi_param SCRIPT_FILENAME /usr/sbin/humanos-webhook;
	fastcgi_param HUMANOS_WEBHOOK_CONFIG /etc/humanos-webhook.conf;
	EOF
	test_cmp lines.want fcgiwrap.lines &&
	n=$(grep -c "^    include fastcgi_params;\$" "$SHIPPED") &&
	test "$n" -ge 7 &&
	test "$(grep -c "^    fastcgi_param SCRIPT_FILENAME " \
	    deploy/nginx/humanos-webhook.conf)" = "$n" &&
	test "$(grep -c "^    fastcgi_param HUMANOS_WEBHOOK_CONFIG " \
	    deploy/nginx/humanos-webhook.conf)" = "$n"
'

# fcgiwrap makes its socket itself, as its user (Debian runs it as
# www-data); -p: it runs nothing but the responder.  The CGI programs'
# stderr, the request log, is fcgiwrap's (without -f).
mkdir -p "$TRASH/fcgiwrap"
chown "$E2E_WEB_USER:$E2E_WEB_GROUP" "$TRASH/fcgiwrap"
E2E_SOCK=$TRASH/fcgiwrap/fcgiwrap.sock
setpriv --reuid="$E2E_WEB_USER" --regid="$E2E_WEB_GROUP" --init-groups \
    fcgiwrap -s "unix:$E2E_SOCK" -p "$HW_WEBHOOK" 2>>"$E2E_LOG" &
FCGIWRAP_PID=$!
test_cleanup_pid $FCGIWRAP_PID
test_expect_success 'fcgiwrap listens on a unix socket' '
	e2e_wait_sock "$E2E_SOCK"
'

e2e_nginx_start "$(free_port)"
test_expect_success 'nginx starts with deploy/nginx/site.conf and the fcgiwrap lines' '
	e2e_wait_port $E2E_PORT nginx/logs/stderr nginx/logs/error.log
'

e2e_samples_suite
e2e_status_suite

test_expect_success 'CGI: every request its own process, as fcgiwrap'\''s user' '
	n=$(grep -c " status=" "$E2E_LOG") && test "$n" -ge 30 &&
	test "$(sed -n "s/.* pid=\([0-9]*\) .*status=.*/\1/p" "$E2E_LOG" |
	    sort -u | wc -l)" = "$n" &&
	test -n "$(find "$E2E_SPOOL/kyc/new" -name "*.json" \
	    -user "$E2E_WEB_USER")" &&
	test -z "$(find "$E2E_SPOOL" -name "*.json" ! -user "$E2E_WEB_USER")"
'

test_expect_success 'no responder process stays behind (CGI: one per request)' '
	i=0 &&
	while [ -n "$(e2e_responders $FCGIWRAP_PID)" ]; do
		i=$((i + 1)) && [ $i -le 50 ] || exit 1
		sleep 0.1	# the last one may still be exiting
	done
'

test_done
