#!/bin/sh
# SPDX-License-Identifier: ISC
# A crash at every step of writing a row: killed (SIGKILL, injected by
# strace just before the system call runs), then restarted and retried as
# the provider would.  Never a partial row in new/, never a record without
# its row, and exactly one row in the end.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

command -v strace >/dev/null || skip_all "strace is not installed"
# LeakSanitizer cannot run under ptrace (sanitizer builds).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
SPOOLPUT="$top_builddir/t/helper/spoolput"
KEY=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ROW='{"id":"'$KEY'","payload":{"name":"complete row"}}'

# The put's own system calls, numbered among those of their kind, from a
# clean run (recovery at start makes fsyncs of its own): two fsyncs, the
# row's and new/'s.
test_expect_success 'a clean run shows the steps of a write' '
	echo "$ROW" | strace -f -o trace -e trace=fsync,writev,symlinkat,renameat "$SPOOLPUT" ref kyc $KEY >out &&
	grep -q "^written " out &&
	base=$(awk "/writev\\(/ {exit} /fsync\\(/ {n++} END {print n+0}" trace) &&
	echo "$base" >base &&
	test "$(grep -c "fsync(" trace)" -eq $((base + 2)) &&
	test "$(grep -c "symlinkat(" trace)" -eq 1 &&
	test "$(grep -c "renameat(" trace)" -eq 1
'
base=$(cat base 2>/dev/null || echo 0)

# crash_put CALL N: the put of ROW under KEY into s/sp, SIGKILLed (by strace)
# just before its Nth CALL; exits 137 when the kill happened.
crash_put() {
	echo "$ROW" |
	    strace -f -o /dev/null -e inject=$1:signal=KILL:when=$2 \
	    "$SPOOLPUT" s/sp kyc $KEY
}

# name:strace-injection:which call of its kind
for point in \
	"before-write:writev:1" \
	"before-file-fsync:fsync:$((base + 1))" \
	"before-record:symlinkat:1" \
	"before-publish:renameat:1" \
	"before-new-dir-fsync:fsync:$((base + 2))"
do
	name=${point%%:*}; rest=${point#*:}; call=${rest%%:*}; when=${rest#*:}
	test_expect_success "crash $name: no partial row, then exactly one row" "
		rm -rf s && mkdir s &&
		test_expect_code 137 crash_put $call $when >out1 2>&1 &&
		! grep -q '^written' out1 &&
		n=\$(count_files s/sp/kyc/new) &&
		if [ \"\$n\" = 1 ]; then test \"\$(cat s/sp/kyc/new/*)\" = '$ROW'; else test \"\$n\" = 0; fi &&
		echo '$ROW' | \"\$SPOOLPUT\" s/sp kyc $KEY >out2 &&
		grep -Eq '^(written|duplicate)' out2 &&
		test \$(count_files s/sp/kyc/new) = 1 &&
		test \"\$(cat s/sp/kyc/new/*)\" = '$ROW' &&
		test \$(count_files s/sp/kyc/tmp) = 0 &&
		test -L s/sp/.ids/ef/$KEY &&
		echo '$ROW' | \"\$SPOOLPUT\" s/sp kyc $KEY >out3 &&
		grep -q '^duplicate' out3 &&
		test \$(count_files s/sp/kyc/new) = 1
	"
done

test_expect_success 'a crash after the record is finished by the next start' '
	rm -rf s && mkdir s &&
	test_expect_code 137 crash_put renameat 1 >/dev/null 2>&1 &&
	test $(count_files s/sp/kyc/tmp) = 1 &&
	test $(count_files s/sp/kyc/new) = 0 &&
	k2=00000000000000000000000000000000000000000000000000000000000000ff &&
	echo "{\"id\":\"$k2\"}" | "$SPOOLPUT" s/sp kyc $k2 >out &&
	grep -q "^written" out &&
	test $(count_files s/sp/kyc/tmp) = 0 &&
	test $(count_files s/sp/kyc/new) = 2
'

test_done
