#!/bin/sh
# SPDX-License-Identifier: ISC
# t/lib.sh itself: a case passes only when its commands ran and succeeded.
# Each check runs one small case through t/lib.sh in a fresh shell and
# reads its TAP: a broken &&-chain fails (and is not run), a good chain
# passes, a failing command anywhere in the chain fails the case, the
# compound commands the chain lint allows pass, test_expect_code tells the
# right exit status from the wrong ones, and a failing case shows its script.
. "$top_srcdir/t/lib.sh"

# lib_case < BODY: run one case named "the case" with BODY (stdin) through
# t/lib.sh in a fresh shell; its TAP output in out, its exit status
# returned.  Its trash directory is made (and kept, on failure) in here.
# The case may leave a file "ran" ($MARK) to show that it ran.
lib_case() {
	rm -f ran &&
	cat >body &&
	cat >case.sh <<-\EOF &&
	. "$top_srcdir/t/lib.sh"
	test_expect_success "the case" "$(cat "$CASE_BODY")"
	test_done
	EOF
	CASE_BODY="$PWD/body" MARK="$PWD/ran" TMPDIR="$PWD" HW_KEEP_TRASH= \
	    sh case.sh >out 2>&1
}

# broken: out says the case failed as a broken chain.
broken() {
	grep "^not ok 1 - the case\$" out &&
	grep "^#   broken &&-chain" out &&
	grep "^1\.\.1\$" out
}

test_expect_success 'a good chain passes' '
	lib_case <<-\EOF &&
	echo one >f &&
	test -f f &&
	test "$(cat f)" = one
	EOF
	grep "^ok 1 - the case\$" out &&
	! grep "not ok" out
'

test_expect_success 'cmd1; cmd2 is a broken chain, and is not run' '
	test_expect_code 1 lib_case <<-\EOF &&
	echo ran >"$MARK"; true
	EOF
	broken &&
	test ! -e ran
'

test_expect_success 'false >made && rc=0; true is a broken chain' '
	test_expect_code 1 lib_case <<-\EOF &&
	false >made && rc=0; true
	EOF
	broken
'

test_expect_success 'a newline without && is a broken chain' '
	test_expect_code 1 lib_case <<-\EOF &&
	true &&
	false
	true
	EOF
	broken
'

test_expect_success 'rc=0; cmd || rc=$? is a broken chain' '
	test_expect_code 1 lib_case <<-\EOF &&
	rc=0; false || rc=$?
	test $rc -eq 1
	EOF
	broken
'

test_expect_success 'a run-away here-doc is a broken chain' '
	test_expect_code 1 lib_case <<-\EOF &&
	cat >x <<-END &&
	no end
	EOF
	broken
'

test_expect_success 'a top-level || other than "|| die" is a broken chain' '
	test_expect_code 1 lib_case <<-\EOF &&
	test -f nothing || echo none >made &&
	true
	EOF
	broken
'

test_expect_success 'a failing command mid-chain fails the case' '
	test_expect_code 1 lib_case <<-\EOF &&
	true &&
	false &&
	echo ran >"$MARK"
	EOF
	grep "^not ok 1 - the case\$" out &&
	! grep "broken &&-chain" out &&
	test ! -e ran
'

test_expect_success 'groups, if, loops, case, here-docs, continuations pass' '
	lib_case <<-\EOF &&
	{ echo a; echo b; } >ab &&
	(cd . && test -f ab) &&
	if test -f ab; then
		echo yes >if
	else
		echo no >if
	fi &&
	for i in 1 2 3; do
		echo $i >>n || return 1
	done &&
	i=0 &&
	while test $i -lt 2; do
		i=$((i + 1)) || return 1
	done &&
	case $i in
	2) echo two >case ;;
	*) false ;;
	esac &&
	cat >doc <<-END &&
		here $i
	END
	test "$(cat doc)" = "here 2" &&
	test "$(cat if)" = yes &&
	test "$(wc -l <n)" -eq 3 \
	    -a "$(cat case)" = two &&
	f() { echo in-f; } &&
	f >fout || die "not reached"
	EOF
	grep "^ok 1 - the case\$" out
'

test_expect_success '|| return 1 in a loop fails the case' '
	test_expect_code 1 lib_case <<-\EOF &&
	for i in 1 2 3; do
		test $i -ne 2 || return 1
	done &&
	echo ran >"$MARK"
	EOF
	grep "^not ok 1 - the case\$" out &&
	! grep "broken &&-chain" out &&
	test ! -e ran
'

test_expect_success 'test_expect_code: the right exit status passes' '
	lib_case <<-\EOF &&
	test_expect_code 3 sh -c "exit 3" &&
	test_expect_code 0 true &&
	test_expect_code 1 false
	EOF
	grep "^ok 1 - the case\$" out
'

test_expect_success 'test_expect_code: a wrong exit status fails, and says so' '
	test_expect_code 1 lib_case <<-\EOF &&
	test_expect_code 3 sh -c "exit 4" >/dev/null 2>&1
	EOF
	grep "^not ok 1 - the case\$" out &&
	grep "wanted exit 3, got 4" out &&
	test_expect_code 1 lib_case <<-\EOF &&
	test_expect_code 0 false
	EOF
	grep "^not ok 1 - the case\$" out &&
	test_expect_code 1 lib_case <<-\EOF &&
	test_expect_code 3 true
	EOF
	grep "wanted exit 3, got 0" out
'

test_expect_success 'a failing case shows its script, then its output' '
	test_expect_code 1 lib_case <<-\EOF &&
	echo visible-output &&
	test 1 = 2
	EOF
	sed -n "/^not ok 1 - the case\$/,\$p" out >shown &&
	printf "#\\t%s\\n" "echo visible-output &&" "test 1 = 2" >script &&
	grep -F -x -f script shown >got &&
	test_cmp script got &&
	grep -x "#   visible-output" shown &&
	test_expect_code 1 lib_case <<-\EOF &&
	cmd1; cmd2
	EOF
	printf "#\\tcmd1; cmd2\\n" >script &&
	grep -F -x -f script out
'

test_done
