#!/bin/sh
# SPDX-License-Identifier: ISC
# The shipped deploy/systemd units: checked with systemd-analyze verify, and
# run without systemd: humanos-webhook.service's ExecStart under
# systemd-socket-activate (the socket as fd 3, LISTEN_FDS), with User= and
# the socket's owner and mode applied by hand; humanos-webhook-listen.service's
# ExecStart as root.  nginx (deploy/nginx) in front of both.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

e2e_require nginx curl systemd-socket-activate setpriv
e2e_setup "$E2E_HW_USER"
E2E_SOCK=$TRASH/run/fcgi.sock
mkdir -p "$TRASH/run"
U=$E2E_DEPLOY/systemd

# unit_key FILE KEY: the value of KEY= in FILE (the last one).
unit_key() { sed -n "s/^$2=//p" "$1" | tail -n 1; }
# unit_cmd FILE KEY: a command line of FILE, templated, users made ours.
unit_cmd() {
	unit_key "$1" "$2" >"$TRASH/cmd.raw" &&
	e2e_template "$TRASH/cmd.raw" |
	sed -e "s/--user humanos /--user $E2E_HW_USER /" \
	    -e "s/--group humanos /--group $E2E_HW_GROUP /" \
	    -e "s/--socket-owner humanos:/--socket-owner $E2E_HW_USER:/"
}

if command -v systemd-analyze >/dev/null 2>&1; then
	test_expect_success 'systemd-analyze verify: the units load without a warning' '
		mkdir -p units &&
		for f in humanos-webhook.socket humanos-webhook.service \
		    humanos-webhook-listen.service; do
			sed "s|/usr/sbin/humanos-webhook|$HW_WEBHOOK|g" $U/$f >units/$f ||
			    exit 1
		done &&
		(cd units && systemd-analyze verify --man=no ./humanos-webhook.socket \
		    ./humanos-webhook.service ./humanos-webhook-listen.service) \
		    >verify.out 2>&1 ||
		    die "systemd-analyze verify failed: $(cat verify.out)" &&
		cat verify.out &&
		test ! -s verify.out
	'
else
	test_skip 'systemd-analyze verify' 'systemd-analyze is not installed'
fi

test_expect_success 'the units say what the deployment expects' '
	test "$(unit_key $U/humanos-webhook.socket ListenStream)" = /run/humanos-webhook/fcgi.sock &&
	test "$(unit_key $U/humanos-webhook.socket SocketGroup)" = www-data &&
	test "$(unit_key $U/humanos-webhook.socket SocketMode)" = 0660 &&
	test "$(unit_key $U/humanos-webhook.service User)" = humanos &&
	unit_key $U/humanos-webhook.service ExecStart | grep -q -- "--workers 4" &&
	! unit_key $U/humanos-webhook.service ExecStart | grep -q -- "--listen" &&
	unit_key $U/humanos-webhook-listen.service ExecStart |
	    grep -q -- "--listen unix:/run/humanos-webhook/fcgi.sock" &&
	for f in humanos-webhook.service humanos-webhook-listen.service; do
		for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
		    ProtectHome=yes ReadWritePaths=/var/spool/humanos-webhook \
		    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
		    SystemCallFilter=@system-service CapabilityBoundingSet=; do
			grep -q "^$k" $U/$f || { echo "$f: no $k"; exit 1; }
		done
	done
'

e2e_nginx_start "$(free_port)"
test_expect_success 'nginx starts with deploy/nginx' '
	e2e_wait_port $E2E_PORT nginx/logs/stderr nginx/logs/error.log
'

test_expect_success 'ExecStartPre (--check-config) passes as the service user' '
	setpriv --reuid=$E2E_HW_USER --regid=$E2E_HW_GROUP --clear-groups \
	    $(unit_cmd $U/humanos-webhook.service ExecStartPre)
'

# As systemd would: socket first (with its group and mode), then the
# service as its user with the socket as fd 3.
setsid systemd-socket-activate -l "$E2E_SOCK" -- \
    setpriv --reuid="$E2E_HW_USER" --regid="$E2E_HW_GROUP" --clear-groups \
    $(unit_cmd "$U/humanos-webhook.service" ExecStart) 2>>"$E2E_LOG" &
HW_PID=$!
test_cleanup_pid $HW_PID
test_expect_success 'socket-activated: the first connection starts it; it takes fd 3, runs 4 workers' '
	e2e_wait_sock "$E2E_SOCK" &&
	chgrp $(unit_key $U/humanos-webhook.socket SocketGroup) "$E2E_SOCK" &&
	chmod $(unit_key $U/humanos-webhook.socket SocketMode) "$E2E_SOCK" &&
	curl -sS -o resp.body -D resp.hdr -w "%{http_code}" \
	    "$E2E_URL/webhook/kyc" >resp.code && e2e_expect 405 method_not_allowed &&
	wait_for e2e_has_children $HW_PID 4 &&
	test "$(stat -c %U /proc/$HW_PID)" = $E2E_HW_USER &&
	grep -q "event=start workers=4" "$E2E_LOG"
'
test_expect_success 'socket-activated: samples land through nginx' '
	e2e_sample_ok kyc /webhook/kyc kyc process.kyc.completed &&
	e2e_sample_ok consent /webhook consents process.consent.completed &&
	e2e_sample_ok otp-failed /webhook/otp otp otp.failed
'
test_expect_success 'socket-activated: a killed worker is replaced' '
	e2e_children $HW_PID | sort >kids.before &&
	kill -KILL $(head -n 1 kids.before) &&
	wait_for sh -c "test \"\$(ps -o pid= --ppid $HW_PID | wc -l)\" = 4 &&
	    ! ps -o pid= --ppid $HW_PID | tr -d \" \" | grep -qx $(head -n 1 kids.before)" &&
	e2e_sample_ok form-filled /webhook/forms forms process.form.filled
'
test_expect_success 'socket-activated: SIGTERM stops the supervisor and its workers' '
	kids=$(e2e_children $HW_PID) &&
	kill -TERM $HW_PID && wait_for sh -c "! kill -0 $HW_PID 2>/dev/null" &&
	for p in $kids; do ! kill -0 $p 2>/dev/null || exit 1; done
'

rm -f "$E2E_SOCK"
setsid $(unit_cmd "$U/humanos-webhook-listen.service" ExecStart) 2>>"$E2E_LOG" &
HW_PID=$!
test_cleanup_pid $HW_PID
test_expect_success 'listen service: own socket (owner and mode), 4 workers as the user' '
	e2e_wait_sock "$E2E_SOCK" &&
	test "$(stat -c "%U:%G %a" "$E2E_SOCK")" = "$E2E_HW_USER:$E2E_WEB_GROUP 660" &&
	wait_for e2e_has_children $HW_PID 4 &&
	for p in $HW_PID $(e2e_children $HW_PID); do
		test "$(stat -c %U /proc/$p)" = $E2E_HW_USER || exit 1
	done
'
test_expect_success 'listen service: samples land through nginx' '
	e2e_sample_ok signature-user /webhook/signatures signatures process.signature.user.completed &&
	e2e_sample_ok credential /webhook credentials credential
'

test_done
