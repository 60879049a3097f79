#!/bin/sh
# SPDX-License-Identifier: ISC
# t0430: the responder confines itself (seccomp) before it reads a
# request: as a CGI program, and in every --listen worker; the opt-out
# HUMANOS_NO_SANDBOX=1 works and says so; a confined worker still
# answers every status.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

grep -q 'define HAVE_SECCOMP 1' "$top_builddir/autoconfig.h" 2>/dev/null ||
    skip_all "built without libseccomp"
[ -x "$HW_SEND" ] || skip_all "humanos-send not built"
command -v node >/dev/null || skip_all "node not installed"

test_expect_success 'CGI: confined, and every status answered so' '
	hw_conf webhook.conf "max_body = 8k" &&
	hw_every_status &&
	! grep -i "sandbox\|seccomp" all/*.err
'

if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
test_expect_success 'CGI: the filter is in place before stdin is read' '
	cp all/ok.ts s.ts && cp all/ok.sig s.sig && cp all/ok.body s.body &&
	HW_WRAP="strace -f -o $TRASH/trace -e trace=seccomp,read" \
	    hw_cgi s ASAN_OPTIONS=detect_leaks=0 &&
	f=$(grep -n "seccomp(SECCOMP_SET_MODE_FILTER, 0," trace |
	    grep "= 0" | head -n 1 | cut -d: -f1) &&
	r=$(grep -n "read(0," trace | head -n 1 | cut -d: -f1) &&
	test -n "$f" && test -n "$r" && test "$f" -lt "$r"
'
else
	test_skip 'CGI: the filter is in place before stdin is read' 'no strace'
fi

test_expect_success 'CGI: HUMANOS_NO_SANDBOX=1 turns it off, and says so' '
	cp all/ok.ts n.ts && cp all/ok.sig n.sig && cp all/ok.body n.body &&
	hw_cgi n HUMANOS_NO_SANDBOX=1 && hw_expect n 200 &&
	grep -q "event=sandbox result=off reason=HUMANOS_NO_SANDBOX=1" n.err
'

# --listen: each worker is confined (Seccomp: 2, NoNewPrivs: 1).
user=
if [ "$(id -u)" = 0 ]; then
	user="--user nobody --group $(id -gn nobody 2>/dev/null || echo nogroup)"
	chmod 755 "$TRASH"
	mkdir -p spool-l && chown nobody spool-l
fi

hw_conf listen.conf "max_body = 8k"
sed -i "s|^spool_dir = .*|spool_dir = $TRASH/spool-l|" listen.conf
"$HW_WEBHOOK" -c listen.conf --listen "unix:$TRASH/sock" --workers 2 \
    $user --socket-mode 0666 2>listen.err &
pid=$!
test_cleanup_pid $pid

test_expect_success '--listen: every worker is confined, the supervisor not' '
	wait_for test -S sock &&
	i=0 && while [ $i -lt 50 ]; do
		[ "$(pgrep -P $pid | wc -l)" -eq 2 ] && break
		sleep 0.1; i=$((i + 1))
	done &&
	sleep 0.5 &&
	test "$(pgrep -P $pid | wc -l)" -eq 2 &&
	for w in $(pgrep -P $pid); do
		grep -q "^Seccomp:[[:space:]]*2" /proc/$w/status &&
		grep -q "^NoNewPrivs:[[:space:]]*1" /proc/$w/status || return 1
	done &&
	grep -q "^Seccomp:[[:space:]]*0" /proc/$pid/status
'

if command -v cgi-fcgi >/dev/null; then
test_expect_success '--listen: a confined worker writes a row' '
	printf "#!/bin/sh\nexec cgi-fcgi -bind -connect %s\n" "$TRASH/sock" \
	    >client && chmod +x client &&
	cp all/ok.ts l.ts && cp all/ok.sig l.sig && cp all/ok.body l.body &&
	HW_WEBHOOK=$TRASH/client hw_cgi l && hw_expect l 200 &&
	test "$(ls spool-l/kyc/new | wc -l)" -eq 1
'
else
	test_skip '--listen: a confined worker writes a row' 'no cgi-fcgi'
fi

test_done
