#!/bin/sh
# SPDX-License-Identifier: ISC
# t0209: the FastCGI processes' signals (humanos-webhook(8), SIGNALS).
# SIGUSR1 (libfcgi's graceful stop) makes a worker finish and exit, and
# SIGHUP leaves it serving, where libfcgi's own handler used to mark a
# shutdown that every accept then failed on: the worker spun at 100% CPU
# for ever.  A stop sent while the supervisor starts, after FCGX_Init()
# (which gives SIGTERM libfcgi's handler) and before it supervises,
# stops it, instead of being swallowed; one sent to a CGI program ends
# it.  A supervisor killed outright takes its workers with it (they used
# to run on).  A stop pending (blocked) when a process is started still
# stops it.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

command -v node >/dev/null || skip_all "node not installed"

user= as_worker=
if [ "$(id -u)" = 0 ]; then
	grp=$(id -gn nobody 2>/dev/null || echo nogroup)
	user="--user nobody --group $grp"
	# prlimit on a worker: as its user (root may lack CAP_SYS_RESOURCE)
	as_worker="setpriv --reuid=nobody --regid=$grp --clear-groups"
	chmod 755 "$TRASH"
	mkdir -p spool && chown nobody spool
fi
# Whatever a failed case leaves running on the socket goes with the test.
test_cleanup_cmd "pkill -KILL -f -- 'unix:$TRASH/sock '"
hw_conf hw.conf
S=$TRASH/sock

# gone PID: PID has exited (reaped, or a zombie of whoever adopted it).
gone() {
	! kill -0 "$1" 2>/dev/null ||
	    grep -q "^State:[[:space:]]*Z" "/proc/$1/status" 2>/dev/null
}

# worker_exited PID STATUS: the supervisor logged PID's exit as STATUS
# (exit=N or signal=N).
worker_exited() {
	grep -q "event=worker_exit worker=$1 $2\$" listen.err
}

# listen_start LOG: a supervisor ($pid) with 2 workers on $S, its log
# in LOG.
listen_start() {
	"$HW_WEBHOOK" -c hw.conf --listen "unix:$S" --workers 2 $user \
	    2>"$1" &
	pid=$!
	test_cleanup_pid $pid
}

# two_workers: $pid has its 2 workers.
two_workers() { test "$(pgrep -P $pid | wc -l)" = 2; }

listen_start listen.err
test_expect_success '--listen: SIGUSR1 makes a worker finish and exit 0; it is replaced' '
	wait_for test -S "$S" &&
	wait_for two_workers &&
	w=$(pgrep -P $pid | head -n 1) &&
	kill -USR1 $w &&
	wait_for worker_exited $w exit=0 &&
	wait_for two_workers &&
	! pgrep -P $pid | grep -qx $w
'
test_expect_success '--listen: a worker ignores SIGHUP (SIGUSR1 then stops it, exit 0)' '
	w=$(pgrep -P $pid | head -n 1) &&
	kill -HUP $w && kill -USR1 $w &&
	wait_for worker_exited $w "[a-z]*=[0-9]*" &&
	worker_exited $w exit=0
'
# lowest_free PID: the lowest descriptor number PID has not open.
lowest_free() {
	lf=0
	while [ -e "/proc/$1/fd/$lf" ]; do lf=$((lf + 1)); done
	echo $lf
}
# idle_client: in the background ($client), a connection to $S that sends
# nothing and hangs up after 2 s.
idle_client() {
	node -e '
		const s = require("net").connect(process.argv[1]);
		s.on("error", () => process.exit(1));
		setTimeout(() => s.destroy(), 2000);
	' "$S" &
	client=$!
}
test_expect_success '--listen: out of descriptors, a worker logs, waits and retries' '
	kids=$(pgrep -P $pid | sort) && test -n "$kids" &&
	for w in $kids; do
		$as_worker prlimit --pid $w --nofile --output SOFT \
		    --noheadings | tr -d " " >soft.$w &&
		$as_worker prlimit --pid $w --nofile=$(lowest_free $w): ||
		exit 1
	done &&
	idle_client &&
	wait_for grep -q "event=accept result=error error=\"Too many open files\" action=retry" listen.err &&
	for w in $kids; do
		$as_worker prlimit --pid $w --nofile=$(cat soft.$w): || exit 1
	done &&
	wait $client &&
	test "$(pgrep -P $pid | sort)" = "$kids" &&
	for w in $kids; do ! worker_exited $w "[a-z]*=[0-9]*" || exit 1; done
'
test_expect_success '--listen: the supervisor logs a SIGUSR1 and ignores it' '
	kids=$(pgrep -P $pid | sort) &&
	kill -USR1 $pid &&
	wait_for grep -q "event=sigusr1 result=ignored" listen.err &&
	test "$(pgrep -P $pid | sort)" = "$kids"
'
test_expect_success '--listen: SIGTERM stops the supervisor and its workers (exit 0)' '
	kids=$(pgrep -P $pid) &&
	kill -TERM $pid &&
	for w in $kids; do wait_for worker_exited $w exit=0 || exit 1; done
'
test_reap $pid
test_expect_success '--listen: ... and the supervisor exits 0' '
	test $rc = 0
'

listen_start killed.err
test_expect_success 'setup: a supervisor and its 2 workers' '
	wait_for two_workers &&
	pgrep -P $pid >kids
'
kill -KILL $pid
test_reap $pid
test_expect_success '--listen: a supervisor killed outright takes its workers with it' '
	test $rc = 137 && test -s kids &&
	for w in $(cat kids); do wait_for gone $w || exit 1; done
'

# The supervisor stopped by gdb where it starts supervising: FCGX_Init()
# has run, the stop signals are not yet taken by sigtimedwait().  (No
# LeakSanitizer under ptrace.)
if command -v gdb >/dev/null && gdb -batch -ex "python print(1)" >/dev/null 2>&1
then
rm -f "$S"
test_expect_success '--listen: SIGTERM sent as the supervisor starts stops it' '
	ASAN_OPTIONS=detect_leaks=0 timeout 60 gdb -batch -nx \
	    -ex "set startup-with-shell off" \
	    -ex "handle SIGTERM nostop noprint pass" \
	    -ex "break server_supervise" \
	    -ex "run" \
	    -ex "python import os; os.kill(gdb.selected_inferior().pid, 15)" \
	    -ex "continue" \
	    --args "$HW_WEBHOOK" -c hw.conf --listen "unix:$S" --workers 2 \
	    $user >gdb.out 2>gdb.err &&
	grep -q "exited normally" gdb.out &&
	grep -q "event=stop signal=15" gdb.err
'
else
	test_skip '--listen: SIGTERM sent as the supervisor starts stops it' 'no gdb with python'
fi

# A stop that lands just before accept(): gdb attaches to a worker
# waiting in accept() (which then fails with EINTR, having a timeout:
# the worker accepts again) and resumes it at that next accept() with
# SIGTERM.  It used to wait there for the next connection.  (No
# LeakSanitizer under ptrace.)
if command -v gdb >/dev/null; then
# in_accept PID: PID waits in accept() (x86_64: accept 43, accept4 288).
in_accept() {
	case "$(cut -d" " -f1 "/proc/$1/syscall" 2>/dev/null)" in
	43|288) return 0 ;;
	esac
	return 1
}
rm -f "$S"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    "$HW_WEBHOOK" -c hw.conf --listen "unix:$S" --workers 1 $user \
    2>window.err &
pid=$!
test_cleanup_pid $pid
test_expect_success 'setup: one worker, waiting in accept()' '
	wait_for sh -c "test \"\$(pgrep -P $pid | wc -l)\" = 1" &&
	pgrep -P $pid >worker &&
	wait_for in_accept "$(cat worker)"
'
w=$(cat worker 2>/dev/null)
timeout 30 gdb -batch -nx -p "${w:-0}" \
    -ex "handle SIGTERM nostop noprint pass" \
    -ex "tbreak accept" -ex "continue" -ex "signal SIGTERM" \
    >gdbw.out 2>gdbw.err
if grep -q "ptrace: Operation not permitted" gdbw.err; then
	test_skip '--listen: SIGTERM just before accept()' 'gdb may not attach here'
else
test_expect_success '--listen: SIGTERM just before accept() stops the worker, exit 0' '
	grep -q "exited normally" gdbw.out &&
	wait_for grep -q "event=worker_exit worker=$w exit=0\$" window.err
'
fi
kill -TERM $pid
test_reap $pid
else
	test_skip '--listen: SIGTERM just before accept()' 'no gdb'
fi

# A CGI program waiting for its body: SIGTERM ends it (the web server's
# stop), rather than libfcgi's handler that FCGX_IsCGI() installed.
mkfifo body.fifo
env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
    CONTENT_TYPE=application/json REQUEST_URI=/webhook/kyc \
    CONTENT_LENGTH=100 HTTP_X_TIMESTAMP=1 HTTP_X_SIGNATURE=00 \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    HUMANOS_WEBHOOK_CONFIG="$TRASH/hw.conf" \
    "$HW_WEBHOOK" <body.fifo >cgi.out 2>cgi.err &
pid=$!
test_cleanup_pid $pid
exec 7>body.fifo	# the body's writer, that never writes
test_expect_success 'setup: a CGI program waits in read(0) for its body' '
	wait_for sh -c "test \"\$(cut -d\" \" -f1-2 /proc/$pid/syscall)\" = \"0 0x0\""
'
kill -TERM $pid
test_reap $pid
exec 7>&-
test_expect_success 'CGI: SIGTERM ends it, there and then' '
	test $rc = 143 && ! test -s cgi.out
'

# One process on fd 0, as spawn-fcgi and mod_fcgid run it; it has
# started (its stop signals blocked) once it has its spool open.
if command -v spawn-fcgi >/dev/null; then
rm -f "$S"
spawn-fcgi -n -s "$S" -M 0666 -- "$HW_WEBHOOK" -c hw.conf $user 2>one.err &
pid=$!
test_cleanup_pid $pid
test_expect_success 'one process: SIGHUP is ignored, SIGUSR1 stops it' '
	wait_for sh -c "ls -l /proc/$pid/fd | grep -q /spool/kyc/new" &&
	kill -HUP $pid && sleep 0.2 &&
	! grep -q "^State:[[:space:]]*Z" /proc/$pid/status &&
	kill -USR1 $pid
'
test_reap $pid
test_expect_success 'one process: ... exit 0' '
	test $rc = 0
'

# A stop already pending, and blocked, when the process starts.
rm -f "$S"
perl -MPOSIX -e '
	sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM)) or die;
	kill TERM => $$;
	exec @ARGV or die;
' spawn-fcgi -n -s "$S" -M 0666 -- "$HW_WEBHOOK" -c hw.conf $user \
    2>pending.err &
pid=$!
test_cleanup_pid $pid
test_reap $pid
test_expect_success 'one process: a SIGTERM pending (blocked) at start stops it, exit 0' '
	test $rc = 0 && test -S "$S" && ! grep "level=err" pending.err
'
else
	test_skip 'one process' 'no spawn-fcgi'
fi

test_done
