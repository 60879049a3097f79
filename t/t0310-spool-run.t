#!/bin/sh
# humanos-spool run: hand-out, outcomes, attempts, timeouts, overlap, kills.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/mkrow"
S="$TRASH/spool"

# rows RESOURCE N TAG: N distinct rows of RESOURCE (kyc or consents).
rows() {
	awk -v n="$2" -v tag="$3" -v res="$1" 'BEGIN {
		ev = res == "kyc" ? "process.kyc.completed" : "process.consent.completed";
		for (i = 1; i <= n; i++)
			printf "{\"event\":\"%s\",\"processId\":\"%s-%d\"}\n", ev, tag, i
	}' | "$MKROW" "$S"
}
count() { count_files "$S/$1"; }
# gone PID: the process has ended (a zombie nobody reaped counts as gone).
gone() {
	st=$(sed "s/^.*) //" "/proc/$1/stat" 2>/dev/null | cut -d" " -f1)
	test -z "$st" || test "$st" = Z
}

# A consumer: checks stdin is the row, logs name and id, exits with $RC.
cat >consumer <<'SH'
#!/bin/sh
cmp -s - "$HUMANOS_SPOOL_FILE" || { echo "stdin is not the row" >&2; exit 9; }
echo "$HUMANOS_SPOOL_RESOURCE $HUMANOS_SPOOL_NAME $HUMANOS_SPOOL_ID $HUMANOS_SPOOL_ATTEMPT" >>"$TRASH/log"
exit "${RC:-0}"
SH
chmod +x consumer

test_expect_success 'run hands each row to COMMAND, oldest first; exit 0 moves it to cur/' '
	rows kyc 5 a >made &&
	"$HW_SPOOL" -d "$S" run kyc -- ./consumer 2>err &&
	test "$(count kyc/new)" -eq 0 && test "$(count kyc/cur)" -eq 5 &&
	sed "s|^kyc/new/|kyc |" made >expect &&
	cut -d" " -f1,2 log >got &&
	test_cmp expect got &&
	for f in "$S"/kyc/cur/*; do
		id=$(sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$f") &&
		grep -q " ${f##*/} $id 1\$" log || exit 1
	done &&
	test "$(grep -c ": exit 0, .*moved to cur/" err)" -eq 5 &&
	! grep processId err
'

test_expect_success 'the row is stdin and HUMANOS_SPOOL_FILE names it' '
	rows kyc 1 b >made && rm -f log &&
	"$HW_SPOOL" -d "$S" run kyc -- sh -c "cat >stdin.copy; echo \"\$HUMANOS_SPOOL_FILE\" >file.name" &&
	test "$(cat file.name)" = "$S/$(cat made)" &&
	cmp stdin.copy "$S/kyc/cur/${made##*/}" 2>/dev/null ||
	cmp stdin.copy "$S/kyc/cur/$(basename "$(cat made)")"
'

test_expect_success 'run --delete removes rows that succeed' '
	rows kyc 2 c >made &&
	before=$(count kyc/cur) &&
	"$HW_SPOOL" -d "$S" run --delete kyc -- ./consumer &&
	test "$(count kyc/new)" -eq 0 && test "$(count kyc/cur)" -eq "$before"
'

test_expect_success 'a failing command: row stays, attempt counted, run exits 1' '
	rows consents 1 d >made && name=$(basename "$(cat made)") &&
	rc=0; RC=3 "$HW_SPOOL" -d "$S" run consents -- ./consumer 2>err || rc=$? &&
	test $rc -eq 1 &&
	test -f "$S/consents/new/$name" &&
	test "$(cat "$S/consents/.attempts/$name")" = 1 &&
	grep "exit 3, .*attempt 1 of 5, kept in new/" err &&
	rc=0; RC=1 "$HW_SPOOL" -d "$S" run consents -- ./consumer 2>err || rc=$? &&
	test $rc -eq 1 &&
	test "$(cat "$S/consents/.attempts/$name")" = 2 &&
	test "$(tail -n 1 log | cut -d" " -f4)" = 2
'

test_expect_success '--max-attempts: the last failure moves the row to failed/' '
	name=$(basename "$(cat made)") &&
	rc=0; RC=1 "$HW_SPOOL" -d "$S" run --max-attempts 3 consents -- ./consumer 2>err || rc=$? &&
	test $rc -eq 1 &&
	test -f "$S/consents/failed/$name" && test "$(count consents/new)" -eq 0 &&
	! test -e "$S/consents/.attempts/$name" &&
	grep "attempt 3 of 3, moved to failed/" err
'

test_expect_success '--max-attempts 0: no limit' '
	rows consents 1 e >made && name=$(basename "$(cat made)") &&
	for i in 1 2 3 4 5 6; do
		RC=1 "$HW_SPOOL" -d "$S" run --max-attempts 0 consents -- ./consumer 2>/dev/null && exit 1
		:
	done &&
	test -f "$S/consents/new/$name" &&
	test "$(cat "$S/consents/.attempts/$name")" = 6
'

test_expect_success 'a row that succeeds after failing leaves no attempts file' '
	name=$(basename "$(cat made)") &&
	"$HW_SPOOL" -d "$S" run consents -- ./consumer &&
	test -f "$S/consents/cur/$name" &&
	! test -e "$S/consents/.attempts/$name"
'

test_expect_success 'death by a signal is a failure' '
	rows consents 1 f >made && name=$(basename "$(cat made)") &&
	rc=0; "$HW_SPOOL" -d "$S" run consents -- sh -c "kill -9 \$\$" 2>err || rc=$? &&
	test $rc -eq 1 && grep "killed by signal 9" err &&
	test "$(cat "$S/consents/.attempts/$name")" = 1
'

test_expect_success '--timeout kills the command and its process group; attempt 1' '
	name=$(basename "$(cat made)") && rm -f "$S/consents/.attempts/$name" &&
	start=$(date +%s) &&
	rc=0; "$HW_SPOOL" -d "$S" run --timeout 0.5 consents -- sh -c "sleep 30 & echo \$! >bg.pid; wait" 2>err || rc=$? &&
	test $rc -eq 1 && test $(( $(date +%s) - start )) -lt 10 &&
	grep "timed out after 0.500s (killed)" err &&
	test "$(cat "$S/consents/.attempts/$name")" = 1 &&
	test -f "$S/consents/new/$name" &&
	sleep 0.2 && gone "$(cat bg.pid)"
'

test_expect_success '--timeout: a command ignoring SIGTERM gets SIGKILL' '
	name=$(basename "$(cat made)") &&
	rc=0; "$HW_SPOOL" -d "$S" run --timeout 0.2 consents -- sh -c "trap \"\" TERM; sleep 30" 2>err || rc=$? &&
	test $rc -eq 1 && grep "timed out" err &&
	test "$(cat "$S/consents/.attempts/$name")" = 2
'

test_expect_success 'a command that cannot be run: 69, row untouched and not counted' '
	name=$(basename "$(cat made)") &&
	rc=0; "$HW_SPOOL" -d "$S" run consents -- ./no-such-command 2>err || rc=$? &&
	test $rc -eq 69 && grep "cannot run ./no-such-command" err &&
	test -f "$S/consents/new/$name" &&
	test "$(cat "$S/consents/.attempts/$name")" = 2 &&
	printf "#!/bin/sh\nexit 0\n" >noexec && chmod -x noexec &&
	rc=0; "$HW_SPOOL" -d "$S" run consents -- ./noexec 2>err || rc=$? &&
	test $rc -eq 69 && test "$(cat "$S/consents/.attempts/$name")" = 2
'

test_expect_success 'SIGTERM to run: the command is stopped, the row left uncounted' '
	name=$(basename "$(cat made)")
	"$HW_SPOOL" -d "$S" run consents -- sleep 30 2>err &
	pid=$! &&
	sleep 0.5 && kill -TERM $pid &&
	rc=0; wait $pid || rc=$? &&
	test $rc -eq 75 && grep "interrupted by signal 15" err &&
	test -f "$S/consents/new/$name" &&
	test "$(cat "$S/consents/.attempts/$name")" = 2 &&
	"$HW_SPOOL" -d "$S" run consents -- true
'

test_expect_success 'a row claimed by a running run is skipped by another' '
	rows kyc 2 g >made && rm -f log
	"$HW_SPOOL" -d "$S" run kyc -- sh -c "sleep 1.5; ./consumer" 2>err.a &
	pid=$! &&
	sleep 0.5 &&
	"$HW_SPOOL" -d "$S" run kyc -- ./consumer 2>err.b &&
	wait $pid &&
	grep "1 done, 0 kept, 0 failed, 1 skipped" err.b &&
	grep "1 done, 0 kept, 0 failed, 1 skipped" err.a &&
	test "$(wc -l <log)" -eq 2 &&
	test "$(count kyc/new)" -eq 0
'

test_expect_success 'usage: one event resource, then -- COMMAND' '
	rc=0; "$HW_SPOOL" -d "$S" run kyc ./consumer 2>err || rc=$? && test $rc -eq 64 &&
	rc=0; "$HW_SPOOL" -d "$S" run kyc -- 2>err || rc=$? && test $rc -eq 64 &&
	rc=0; "$HW_SPOOL" -d "$S" run quarantine -- true 2>err || rc=$? && test $rc -eq 64 &&
	rc=0; "$HW_SPOOL" -d "$S" run kyc consents -- true 2>err || rc=$? && test $rc -eq 64 &&
	rc=0; "$HW_SPOOL" -d "$S" run --timeout 0 kyc -- true 2>err || rc=$? && test $rc -eq 64 &&
	rc=0; "$HW_SPOOL" -d "$S" run --max-attempts x kyc -- true 2>err || rc=$? && test $rc -eq 64 &&
	"$HW_SPOOL" -d "$S" run kyc --max-attempts 2 -- true
'

# Appends the row id with O_APPEND (>>): one line per hand-out.
cat >logid <<'SH'
#!/bin/sh
echo "$HUMANOS_SPOOL_ID" >>"$TRASH/ids"
SH
chmod +x logid

test_expect_success 'two runs started together over 1000 rows: each row exactly once' '
	rm -rf "$S" ids && "$MKROW" "$S" </dev/null &&
	awk "BEGIN { for (i = 1; i <= 1000; i++)
	    printf \"{\\\"event\\\":\\\"process.form.filled\\\",\\\"n\\\":%d}\\n\", i }" |
	    "$MKROW" "$S" >made &&
	test "$(count forms/new)" -eq 1000
	"$HW_SPOOL" -d "$S" run forms -- ./logid 2>err.a &
	a=$!
	"$HW_SPOOL" -d "$S" run forms -- ./logid 2>err.b &
	b=$!
	wait $a && wait $b &&
	test "$(wc -l <ids)" -eq 1000 &&
	test "$(sort -u ids | wc -l)" -eq 1000 &&
	test "$(count forms/cur)" -eq 1000 && test "$(count forms/new)" -eq 0 &&
	cat "$S"/forms/cur/* | sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" | sort >all &&
	sort ids >got && test_cmp all got &&
	grep -h "done" err.a err.b | tail -n 2
'

test_expect_success 'run killed with SIGKILL loses nothing; the next run finishes' '
	rm -f ids &&
	awk "BEGIN { for (i = 1; i <= 40; i++)
	    printf \"{\\\"event\\\":\\\"process.form.filled\\\",\\\"k\\\":%d}\\n\", i }" |
	    "$MKROW" "$S" >made
	"$HW_SPOOL" -d "$S" run forms -- sh -c "sleep 0.02; ./logid" 2>/dev/null &
	pid=$!
	sleep 0.4 && kill -9 $pid && ! wait $pid 2>/dev/null &&
	test "$(count forms/new)" -gt 0 &&
	test $(( $(count forms/new) + $(count forms/cur) )) -eq 1040 &&
	"$HW_SPOOL" -d "$S" run forms -- ./logid 2>/dev/null &&
	test "$(count forms/new)" -eq 0 && test "$(count forms/cur)" -eq 1040 &&
	test "$(sort -u ids | wc -l)" -eq 40 &&
	test "$(wc -l <ids)" -le 41
'

test_done
