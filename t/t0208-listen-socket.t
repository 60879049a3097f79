#!/bin/sh
# SPDX-License-Identifier: ISC
# t0208: --listen unix:PATH makes its socket appear complete: bound as
# PATH.new, given its mode (and owner), listening, and only then renamed
# to PATH, replacing a stale socket; a web server or a test that sees
# PATH never finds it with the wrong owner or refusing connections.  A
# setup that fails leaves no PATH.new and the old PATH as it was.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

command -v node >/dev/null || skip_all "node not installed"

if [ "$(id -u)" = 0 ]; then
	grp=$(id -gn nobody 2>/dev/null || echo nogroup)
	user="--user nobody --group $grp"
	owner="--socket-owner nobody:$grp"
	bad_owner="--socket-owner no-such-user-hw"
	want_owner="nobody:$grp"
	chmod 755 "$TRASH"
	mkdir -p spool && chown nobody spool
else
	user= owner= want_owner="$(id -un):$(id -gn)"
	bad_owner="--socket-owner root"
fi
hw_conf listen.conf
S=$TRASH/sock

# connects PATH: a FastCGI client could connect to PATH now.
connects() {
	node -e '
		const s = require("net").connect(process.argv[1]);
		s.on("connect", () => process.exit(0));
		s.on("error", () => process.exit(1));
	' "$1"
}

# stop PID: TERM it and reap it.
stop() {
	kill -TERM "$1" && test_reap "$1"
}

if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null
then
ASAN_OPTIONS=detect_leaks=0 \
    strace -f -o "$TRASH/trace" -e trace=bind,chmod,chown,listen,rename \
    "$HW_WEBHOOK" -c listen.conf --listen "unix:$S" --workers 1 $user \
    $owner --socket-mode 0640 2>strace.err &
pid=$!
test_cleanup_pid $pid
test_expect_success 'bound as PATH.new, mode and owner set, listening, then renamed' '
	wait_for test -S "$S" &&
	wait_for grep -q "^[0-9]* *rename(" trace &&
	line() { grep -n "$1" trace | head -n 1 | cut -d: -f1; } &&
	b=$(line "bind([0-9]*, {sa_family=AF_UNIX, sun_path=\"$S.new\"}") &&
	m=$(line "chmod(\"$S.new\", 0640) = 0") &&
	l=$(line "listen([0-9]*, [0-9]*) *= 0") &&
	r=$(line "rename(\"$S.new\", \"$S\") *= 0") &&
	test -n "$b" && test -n "$m" && test -n "$l" && test -n "$r" &&
	test "$b" -lt "$m" && test "$m" -lt "$l" && test "$l" -lt "$r" &&
	if [ -n "$owner" ]; then
		o=$(line "chown(\"$S.new\", [0-9]*, [0-9]*) = 0") &&
		test -n "$o" && test "$b" -lt "$o" && test "$o" -lt "$l"
	fi &&
	! grep -q "sun_path=\"$S\"}" trace &&
	test "$(stat -c "%U:%G %a" "$S")" = "$want_owner 640" &&
	! test -e "$S.new" &&
	connects "$S"
'
kill -TERM "$(pgrep -P $pid -x humanos-webhook)"	# strace's child
test_reap $pid
else
	test_skip 'bound as PATH.new, mode and owner set, listening, then renamed' 'no strace'
fi

# A server killed with -KILL leaves its socket; a responder killed
# between bind and rename leaves PATH.new (here a plain file in its place).
test_expect_success 'setup: a stale socket, and a stale PATH.new' '
	rm -f "$S" &&
	test_expect_code 137 node -e "
		require(\"net\").createServer().listen(process.argv[1],
		    () => process.kill(process.pid, \"SIGKILL\"));
	" "$S" &&
	test -S "$S" && ! connects "$S" &&
	stat -c %i "$S" >stale.ino &&
	echo stale >"$S.new"
'
"$HW_WEBHOOK" -c listen.conf --listen "unix:$S" --workers 1 $user \
    $owner 2>second.err &
pid=$!
test_cleanup_pid $pid
test_expect_success 'a stale socket and a stale PATH.new are replaced' '
	wait_for connects "$S" &&
	test "$(stat -c %i "$S")" != "$(cat stale.ino)" &&
	test "$(stat -c "%U:%G %a" "$S")" = "$want_owner 660" &&
	! test -e "$S.new"
'
stop $pid

test_expect_success 'a failed setup (socket owner) leaves no PATH.new, the old PATH as it was' '
	stat -c %i "$S" >old.ino &&
	test_expect_code 71 "$HW_WEBHOOK" -c listen.conf --listen "unix:$S" \
	    --workers 1 $user $bad_owner 2>owner.err &&
	grep -q "event=listen result=error error=" owner.err &&
	! test -e "$S.new" &&
	test "$(stat -c %i "$S")" = "$(cat old.ino)"
'

long=$TRASH/$(printf "%0120d" 0)
test_expect_success 'a path too long for a unix socket is refused, clearly' '
	test_expect_code 71 "$HW_WEBHOOK" -c listen.conf --listen "unix:$long" \
	    --workers 1 $user 2>long.err &&
	grep -q "error=\"socket path too long (over 103 bytes): " long.err &&
	! test -e "$long" && ! test -e "$long.new"
'

test_done
