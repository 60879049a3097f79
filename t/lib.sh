# SPDX-License-Identifier: ISC
# t/lib.sh: a small sharness-style TAP library for the shell tests.
#
#   . "$top_srcdir/t/lib.sh"
#   test_expect_success 'name of one expectation' '
#           command1 &&
#           command2
#   '
#   test_done
#
# The script (second argument) must be one &&-chain: a command not chained
# to the next is a "broken &&-chain" and fails the case without running it
# (test_chain_ok_ below).  A failing case prints its script and the tail of
# its output.
#
# Each test script runs in its own throwaway directory ($TRASH), removed at
# the end unless the script failed or $HW_KEEP_TRASH is set.  Processes a
# test starts are registered with test_cleanup_pid and killed at exit.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
PATH="$top_builddir:$top_srcdir/t:$PATH"
export PATH

HW_WEBHOOK="$top_builddir/humanos-webhook"
HW_SEND="$top_builddir/humanos-send"
HW_SPOOL="$top_builddir/humanos-spool"

test_count=0
test_failures=0
test_skipped=0
test_cleanup_pids=
test_cleanup_cmds=

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/hw-test.XXXXXX") || exit 99
export TRASH
cd "$TRASH" || exit 99

test_cleanup_pid() { test_cleanup_pids="$test_cleanup_pids $*"; }
test_cleanup_cmd() { test_cleanup_cmds="$test_cleanup_cmds
$*"; }

test_at_exit() {
	for p in $test_cleanup_pids; do kill "$p" 2>/dev/null; done
	for p in $test_cleanup_pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	eval "$test_cleanup_cmds"
	cd /
	if [ "$test_failures" -eq 0 ] && [ -z "${HW_KEEP_TRASH:-}" ]; then
		rm -rf "$TRASH"
	else
		echo "# kept $TRASH"
	fi
}
trap test_at_exit EXIT
trap 'exit 130' INT TERM

LF='
'
# File descriptor 9: the lib's own diagnostics (test_expect_code), which
# go to the case's output even when the command's stderr is redirected.
exec 9>&2

# test_chain_ok_ SCRIPT: every command of SCRIPT is joined to the next by
# && (git's chain lint).  SCRIPT runs behind a failing sentinel, with the
# exit status echoed after it:
#     (exit 117) && SCRIPT
#     echo OK-$?
# When every command is chained, the sentinel's failure skips all of SCRIPT
# and the echo says OK-117.  A command after a break (";", a newline without
# &&) runs and sets $? to its own status, and a run-away here-doc swallows
# the echo: either way no OK-117.  Compound commands (if, for, while, case,
# { }, ( )) are skipped whole, so inside them, chain with && or end each
# command with "|| return 1".  At the top level, "|| die MESSAGE" may end a
# command (die returns 117 here, so the sentinel passes through it); any
# other top-level "||" runs behind the failed sentinel and breaks the
# check: put it in a group, { cmd || other; }.  The run happens in a
# subshell with no output, so only a broken case (which then fails without
# running) can leave traces.
test_chain_ok_() {
	test_chain_file_="$TRASH/.chain.$test_count"
	rm -f "$test_chain_file_"
	(die() { return 117; }
	eval "(exit 117) && $1${LF}${LF}echo OK-\$? >\"\$test_chain_file_\"") \
	    >/dev/null 2>&1 </dev/null
	test "$(cat "$test_chain_file_" 2>/dev/null)" = OK-117
}

# test_expect_success NAME SCRIPT: one named expectation.  SCRIPT must be a
# single &&-chain (test_chain_ok_): the shell does not stop at a failing
# command on its own ("set -e" does not work inside a condition), so a
# command that is not chained could fail unnoticed.  A failing case prints
# its script, then the tail of its output.
test_expect_success() {
	test_count=$((test_count + 1))
	test_out="$TRASH/.out.$test_count"
	if ! test_chain_ok_ "$2"; then
		echo "broken &&-chain or run-away here-doc" >"$test_out"
	elif (eval "$2") >"$test_out" 2>&1 9>&1; then
		echo "ok $test_count - $1"
		return 0
	fi
	test_failures=$((test_failures + 1))
	echo "not ok $test_count - $1"
	printf '%s\n' "$2" |
	    sed '1{/^[[:space:]]*$/d;}; ${/^[[:space:]]*$/d;}; s/^/#	/'
	sed 's/^/#   /' "$test_out" | tail -n 40
}

# test_expect_failure is deliberately absent: a known failure is a failure.

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# skip_all REASON: the whole script cannot run here.
skip_all() {
	echo "1..0 # SKIP $*"
	test_failures=0
	exit 0
}

test_done() {
	echo "1..$test_count"
	[ "$test_failures" -eq 0 ]
	exit $?
}

# Helpers used inside expectations.
die() { echo "$*" >&2; return 1; }
test_cmp() { diff -u "$1" "$2"; }
# count_files DIR: regular files in DIR and in its subdirectories (rows
# being written are in tmp/<pp>/).
count_files() { find "$1" -maxdepth 2 -type f | wc -l | tr -d ' '; }
# free_port: a TCP port on 127.0.0.1 nobody listens on.
free_port() {
	node -e 'const s = require("net").createServer();
		s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
# test_reap PID: wait for PID, our child (outside a case: a case is a
# subshell), SIGKILLed if it has not exited within 30 seconds, so that a
# process that ignores its stop fails the case instead of hanging the
# suite; rc: its exit status.  The watchdog goes with it (its sleep must
# not hold the test's output open), and so does PID from the cleanup
# list (reaped, its number may be reused).
test_reap() {
	( sleep 30 && kill -KILL "$1" ) >/dev/null 2>&1 &
	test_reap_dog=$!
	wait "$1"
	rc=$?
	pkill -P "$test_reap_dog" sleep
	kill "$test_reap_dog" 2>/dev/null
	test_cleanup_pids=$(echo " $test_cleanup_pids " | sed "s/ $1 / /")
}

# wait_for CMD...: retry CMD for up to 10 s.
wait_for() {
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
# test_expect_code N CMD...: CMD exits with status N (and nothing else);
# otherwise it says so on fd 9, the case's output, whatever CMD's redirections.
test_expect_code() {
	want=$1
	shift
	if "$@"; then got=0; else got=$?; fi
	[ "$got" -eq "$want" ] && return 0
	echo "test_expect_code: wanted exit $want, got $got: $*" >&9
	return 1
}
