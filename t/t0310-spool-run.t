#!/bin/sh
# SPDX-License-Identifier: ISC
# humanos-spool run: hand-out, outcomes, attempts, timeouts, overlap, kills,
# deferrals (exit 75) and their backoff, rows run cannot or must not read.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/helper/mkrow"
SPOOLPUT="$top_builddir/t/helper/spoolput"
S="$TRASH/spool"

# rows RESOURCE N TAG: N distinct rows of RESOURCE (kyc or consents).
rows() {
	awk -v n="$2" -v tag="$3" -v res="$1" 'BEGIN {
		ev = res == "kyc" ? "process.kyc.completed" : "process.consent.completed";
		for (i = 1; i <= n; i++)
			printf "{\"event\":\"%s\",\"processId\":\"%s-%d\"}\n", ev, tag, i
	}' | "$MKROW" "$S"
}
# rows_in RESOURCE N TAG: N distinct rows put in RESOURCE.
rows_in() {
	awk -v n="$2" -v tag="$3" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"event\":\"x.y\",\"tag\":\"%s-%d\"}\n", tag, i
	}' | "$MKROW" "$S" "$1"
}
count() { count_files "$S/$1"; }
# summary FILE KEY: the value of KEY in the summary line of FILE.
summary() { sed -n "s/.* result=summary .*$2=\([0-9]*\).*/\1/p" "$1"; }
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
	test "$(grep -c "^ts=[^ ]* prog=humanos-spool pid=[0-9]* op=run resource=kyc row=[0-9]*\.[0-9]*\.json result=done exit=0 secs=[0-9.]* attempt=1 to=cur\$" err)" -eq 5 &&
	grep "^ts=[^ ]* prog=humanos-spool pid=[0-9]* op=run resource=kyc result=summary done=5 kept=0 failed=0 deferred=0 busy=0 unreadable=0\$" err &&
	test "$(wc -l <err)" -eq 6 &&
	! grep processId err
'

test_expect_success 'the row is stdin and HUMANOS_SPOOL_FILE names it' '
	rows kyc 1 b >made && rm -f log &&
	"$HW_SPOOL" -d "$S" run kyc -- sh -c "cat >stdin.copy; echo \"\$HUMANOS_SPOOL_FILE\" >file.name" &&
	test "$(cat file.name)" = "$S/$(cat made)" &&
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
	test_expect_code 1 env RC=3 "$HW_SPOOL" -d "$S" run consents -- ./consumer 2>err &&
	test -f "$S/consents/new/$name" &&
	test "$(cat "$S/consents/.attempts/$name")" = 1 &&
	grep "op=run resource=consents row=$name result=kept exit=3 secs=[0-9.]* attempt=1 max_attempts=5\$" err &&
	grep "result=summary done=0 kept=1 failed=0 deferred=0 busy=0 unreadable=0\$" err &&
	test_expect_code 1 env RC=1 "$HW_SPOOL" -d "$S" run consents -- ./consumer 2>err &&
	test "$(cat "$S/consents/.attempts/$name")" = 2 &&
	test "$(tail -n 1 log | cut -d" " -f4)" = 2
'

test_expect_success '--max-attempts: the last failure moves the row to failed/' '
	name=$(basename "$(cat made)") &&
	test_expect_code 1 env RC=1 "$HW_SPOOL" -d "$S" run --max-attempts 3 consents -- ./consumer 2>err &&
	test -f "$S/consents/failed/$name" && test "$(count consents/new)" -eq 0 &&
	! test -e "$S/consents/.attempts/$name" &&
	grep "row=$name result=failed exit=1 secs=[0-9.]* attempt=3 max_attempts=3 to=failed\$" err
'

test_expect_success '--max-attempts 0: no limit' '
	rows consents 1 e >made && name=$(basename "$(cat made)") &&
	for i in 1 2 3 4 5 6; do
		test_expect_code 1 env RC=1 "$HW_SPOOL" -d "$S" run --max-attempts 0 consents -- ./consumer 2>err || exit 1
	done &&
	grep "result=kept exit=1 secs=[0-9.]* attempt=6 max_attempts=0\$" err &&
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
	test_expect_code 1 "$HW_SPOOL" -d "$S" run consents -- sh -c "kill -9 \$\$" 2>err &&
	grep "row=$name result=kept signal=9 secs=[0-9.]* attempt=1 " err &&
	test "$(cat "$S/consents/.attempts/$name")" = 1
'

test_expect_success '--timeout kills the command and its process group; attempt 1' '
	name=$(basename "$(cat made)") && rm -f "$S/consents/.attempts/$name" &&
	start=$(date +%s) &&
	test_expect_code 1 "$HW_SPOOL" -d "$S" run --timeout 0.5 consents -- sh -c "sleep 30 & echo \$! >bg.pid; wait" 2>err &&
	test $(( $(date +%s) - start )) -lt 10 &&
	grep "row=$name result=kept timeout=0.500 secs=[0-9.]* attempt=1 " err &&
	test "$(cat "$S/consents/.attempts/$name")" = 1 &&
	test -f "$S/consents/new/$name" &&
	sleep 0.2 && gone "$(cat bg.pid)"
'

test_expect_success '--timeout: a command ignoring SIGTERM gets SIGKILL' '
	name=$(basename "$(cat made)") &&
	test_expect_code 1 "$HW_SPOOL" -d "$S" run --timeout 0.2 consents -- sh -c "trap \"\" TERM; sleep 30" 2>err &&
	grep "result=kept timeout=0.200 " err &&
	test "$(cat "$S/consents/.attempts/$name")" = 2
'

test_expect_success 'a command that cannot be run: 69, row untouched and not counted' '
	name=$(basename "$(cat made)") &&
	test_expect_code 69 "$HW_SPOOL" -d "$S" run consents -- ./no-such-command 2>err &&
	grep "row=$name result=error step=exec command=./no-such-command error=\"No such file or directory\"\$" err &&
	test -f "$S/consents/new/$name" &&
	test "$(cat "$S/consents/.attempts/$name")" = 2 &&
	printf "#!/bin/sh\nexit 0\n" >noexec && chmod -x noexec &&
	test_expect_code 69 "$HW_SPOOL" -d "$S" run consents -- ./noexec 2>err &&
	test "$(cat "$S/consents/.attempts/$name")" = 2
'

test_expect_success 'SIGTERM to run: the command is stopped, the row left uncounted' '
	name=$(basename "$(cat made)") &&
	{ "$HW_SPOOL" -d "$S" run consents -- sleep 30 2>err & } &&
	pid=$! &&
	sleep 0.5 && kill -TERM $pid &&
	test_expect_code 75 wait $pid &&
	grep "row=$name result=interrupted signal=15 secs=" err &&
	test -f "$S/consents/new/$name" &&
	test "$(cat "$S/consents/.attempts/$name")" = 2 &&
	"$HW_SPOOL" -d "$S" run consents -- true
'

test_expect_success 'a row claimed by a running run is skipped by another' '
	rows kyc 2 g >made && rm -f log &&
	{ "$HW_SPOOL" -d "$S" run kyc -- sh -c "sleep 1.5; ./consumer" 2>err.a & } &&
	pid=$! &&
	sleep 0.5 &&
	"$HW_SPOOL" -d "$S" run kyc -- ./consumer 2>err.b &&
	wait $pid &&
	grep "result=summary done=1 kept=0 failed=0 deferred=0 busy=1 unreadable=0\$" err.b &&
	grep "result=summary done=1 kept=0 failed=0 deferred=0 busy=1 unreadable=0\$" err.a &&
	test "$(wc -l <log)" -eq 2 &&
	test "$(count kyc/new)" -eq 0
'

test_expect_success 'usage: one event resource, then -- COMMAND' '
	test_expect_code 64 "$HW_SPOOL" -d "$S" run kyc ./consumer 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" run kyc -- 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" run quarantine -- true 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" run kyc consents -- true 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" run --timeout 0 kyc -- true 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" run --max-attempts x kyc -- true 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" run --max-backoff 1y kyc -- true 2>err &&
	"$HW_SPOOL" -d "$S" run kyc --max-attempts 2 -- true &&
	"$HW_SPOOL" -d "$S" run --max-backoff 90m kyc -- true
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
	test "$(count forms/new)" -eq 1000 &&
	{ "$HW_SPOOL" -d "$S" run forms -- ./logid 2>err.a & } &&
	a=$! &&
	{ "$HW_SPOOL" -d "$S" run forms -- ./logid 2>err.b & } &&
	b=$! &&
	wait $a && wait $b &&
	test "$(wc -l <ids)" -eq 1000 &&
	test "$(sort -u ids | wc -l)" -eq 1000 &&
	test "$(count forms/cur)" -eq 1000 && test "$(count forms/new)" -eq 0 &&
	cat "$S"/forms/cur/* | sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" | sort >all &&
	sort ids >got && test_cmp all got &&
	test $(( $(summary err.a done) + $(summary err.b done) )) -eq 1000 &&
	{ # A run lists the rows as it starts: the other may have taken some
	  # by then.  Every row it listed it did, or found taken.
	  test $(( $(summary err.a done) + $(summary err.a busy) )) -le 1000 &&
	  test $(( $(summary err.b done) + $(summary err.b busy) )) -le 1000 &&
	  test $(( $(summary err.a busy) + $(summary err.b busy) )) -le 1000; }
'

test_expect_success 'run killed with SIGKILL loses nothing; the next run finishes' '
	rm -f ids &&
	awk "BEGIN { for (i = 1; i <= 40; i++)
	    printf \"{\\\"event\\\":\\\"process.form.filled\\\",\\\"k\\\":%d}\\n\", i }" |
	    "$MKROW" "$S" >made &&
	{ "$HW_SPOOL" -d "$S" run forms -- sh -c "sleep 0.02; ./logid" 2>/dev/null & } &&
	pid=$! &&
	sleep 0.4 && kill -9 $pid && ! wait $pid 2>/dev/null &&
	test "$(count forms/new)" -gt 0 &&
	test $(( $(count forms/new) + $(count forms/cur) )) -eq 1040 &&
	"$HW_SPOOL" -d "$S" run forms -- ./logid 2>/dev/null &&
	test "$(count forms/new)" -eq 0 && test "$(count forms/cur)" -eq 1040 &&
	test "$(sort -u ids | wc -l)" -eq 40 &&
	test "$(wc -l <ids)" -le 41
'

# Deferrals: exit 75 means "downstream unavailable, try later".

test_expect_success 'exit 75 five runs in a row (--max-backoff 0): no attempt, nothing failed' '
	rm -rf "$S" log && rows_in signatures 3 a >made &&
	for i in 1 2 3 4 5; do
		test_expect_code 75 env RC=75 "$HW_SPOOL" -d "$S" run --max-backoff 0 signatures -- ./consumer 2>err || exit 1
	done &&
	first=$(basename "$(head -n 1 made)") &&
	grep "op=run resource=signatures row=$first result=deferred exit=75 secs=[0-9.]* attempt=1 backoff=0\$" err &&
	grep "op=run resource=signatures result=summary done=0 kept=0 failed=0 deferred=1 busy=0 unreadable=0\$" err &&
	test "$(count signatures/failed)" -eq 0 && test "$(count signatures/new)" -eq 3 &&
	test "$(count signatures/.attempts 2>/dev/null)" -eq 0 &&
	! test -e "$S/signatures/.backoff" &&
	test "$(wc -l <log)" -eq 5 &&
	test "$(cut -d" " -f2 log | sort -u)" = "$first" &&
	test "$(cut -d" " -f4 log | sort -u)" = 1 &&
	rm log &&
	"$HW_SPOOL" -d "$S" run --max-backoff 0 signatures -- ./consumer 2>err &&
	test "$(count signatures/cur)" -eq 3 && test "$(count signatures/new)" -eq 0 &&
	sed "s|^signatures/new/||" made | sort >expect &&
	ls "$S/signatures/cur" | sort >got && test_cmp expect got &&
	cut -d" " -f2 log | sort >got && test_cmp expect got &&
	test "$(cut -d" " -f4 log | sort -u)" = 1
'

test_expect_success 'a failure and a deferral in one run: exit 1' '
	rm -rf "$S" log once && rows_in signatures 3 a2 >made &&
	test_expect_code 1 "$HW_SPOOL" -d "$S" run --max-backoff 0 signatures -- \
	    sh -c "test -e once && exit 75; touch once; exit 3" 2>err &&
	grep "result=summary done=0 kept=1 failed=0 deferred=1 busy=0 unreadable=0\$" err &&
	test "$(count signatures/new)" -eq 3 &&
	test "$(count signatures/.attempts)" -eq 1
'

test_expect_success 'after a 75 the next run backs off (75, nothing handed out) until .backoff ages' '
	rm -rf "$S" log && rows_in credentials 2 b >made &&
	if [ "$(id -u)" = 0 ]; then chown -R nobody:nogroup "$S"; fi &&
	test_expect_code 75 env RC=75 "$HW_SPOOL" -d "$S" run credentials -- ./consumer 2>err &&
	grep "result=deferred exit=75 secs=[0-9.]* attempt=1 backoff=60\$" err &&
	test "$(cat "$S/credentials/.backoff")" = 60 &&
	if [ "$(id -u)" = 0 ]; then
		test "$(stat -c %U "$S/credentials/.backoff")" = nobody || exit 1
	fi &&
	test "$(wc -l <log)" -eq 1 &&
	test_expect_code 75 "$HW_SPOOL" -d "$S" run credentials -- ./consumer 2>err &&
	test "$(wc -l <log)" -eq 1 &&
	grep "^ts=[^ ]* prog=humanos-spool pid=[0-9]* op=run resource=credentials result=backoff backoff=60 left=[0-9]*\$" err &&
	touch -d "-2 minutes" "$S/credentials/.backoff" &&
	test_expect_code 75 env RC=75 "$HW_SPOOL" -d "$S" run credentials -- ./consumer 2>err &&
	test "$(wc -l <log)" -eq 2 &&
	test "$(cat "$S/credentials/.backoff")" = 120 &&
	test_expect_code 75 "$HW_SPOOL" -d "$S" run credentials -- ./consumer 2>err &&
	grep "result=backoff backoff=120 " err && test "$(wc -l <log)" -eq 2 &&
	touch -d "-3 minutes" "$S/credentials/.backoff" &&
	test_expect_code 75 env RC=75 "$HW_SPOOL" -d "$S" run --max-backoff 200s credentials -- ./consumer 2>err &&
	test "$(cat "$S/credentials/.backoff")" = 200 &&
	test "$(count credentials/.attempts 2>/dev/null)" -eq 0 &&
	"$HW_SPOOL" -d "$S" run --max-backoff 0 credentials -- ./consumer 2>err &&
	test "$(count credentials/cur)" -eq 2 && test "$(wc -l <log)" -eq 5 &&
	! test -e "$S/credentials/.backoff"
'

test_expect_success 'a success ends the backoff; a bad .backoff never wedges run' '
	rm -rf "$S" log && rows_in credentials 3 b2 >made &&
	test_expect_code 75 env RC=75 "$HW_SPOOL" -d "$S" run credentials -- ./consumer 2>err &&
	printf "60\n" >"$S/credentials/.backoff" && touch -d "-1 minute" "$S/credentials/.backoff" &&
	"$HW_SPOOL" -d "$S" run credentials -- sh -c "exit 0" 2>err &&
	! test -e "$S/credentials/.backoff" &&
	rows_in credentials 3 b3 >made &&
	printf "garbage\n" >"$S/credentials/.backoff" &&
	test_expect_code 1 env RC=1 "$HW_SPOOL" -d "$S" run credentials -- ./consumer 2>err &&
	grep "result=summary done=0 kept=3 " err &&
	rm "$S/credentials/.backoff" && printf "3600\n" >hour &&
	ln -s "$TRASH/hour" "$S/credentials/.backoff" &&
	"$HW_SPOOL" -d "$S" run credentials -- true 2>err &&
	test "$(count credentials/new)" -eq 0 && test "$(cat hour)" = 3600 &&
	! test -e "$S/credentials/.backoff"
'

# Rows run cannot or must not read.

if [ "$(id -u)" = 0 ]; then
	chmod 755 "$TRASH"
	# The build tree may be closed to nobody: run a copy.
	cp "$HW_SPOOL" "$TRASH/humanos-spool.copy"
	AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	HS="$TRASH/humanos-spool.copy"
fi
# unreadable_spool RES N TAG K: a spool of nobody's with N rows in RES, the
# K-th root:root 0600; its name in $bad.
unreadable_spool() {
	rm -rf "$S" && rows_in "$1" "$2" "$3" >made &&
	chown -R nobody:nogroup "$S" &&
	bad=$(basename "$(sed -n "$4p" made)") &&
	chown root:root "$S/$1/new/$bad" && chmod 600 "$S/$1/new/$bad"
}

if [ "$(id -u)" = 0 ]; then
test_expect_success 'an unreadable row is skipped and reported; the rows behind it run' '
	unreadable_spool otp 5 c 2 &&
	: >log && chown nobody log &&
	test_expect_code 1 $AS_NOBODY "$HS" -d "$S" run otp -- ./consumer 2>err &&
	test "$(count otp/cur)" -eq 4 && test -f "$S/otp/new/$bad" &&
	grep "^ts=[^ ]* prog=humanos-spool pid=[0-9]* op=run resource=otp row=$bad result=unreadable error=\"Permission denied\"\$" err &&
	grep "result=summary done=4 kept=0 failed=0 deferred=0 busy=0 unreadable=1\$" err &&
	test "$(wc -l <log)" -eq 4 && ! grep "$bad" log &&
	test "$(count otp/.attempts 2>/dev/null)" -eq 0
'

test_expect_success 'as root, a row the spool owner does not own is foreign: skipped' '
	unreadable_spool otp 3 c2 2 && rm -f log &&
	test_expect_code 1 "$HW_SPOOL" -d "$S" run otp -- ./consumer 2>err &&
	grep "row=$bad result=unreadable error=\"owned by uid 0, not by the spool.s owner (uid 65534)\"\$" err &&
	grep "result=summary done=2 kept=0 failed=0 deferred=0 busy=0 unreadable=1\$" err &&
	test "$(wc -l <log)" -eq 2 && ! grep "$bad" log && test -f "$S/otp/new/$bad" &&
	test "$(count otp/cur)" -eq 2
'

test_expect_success 'two runs racing past an unreadable row: each readable row once, no wedge' '
	unreadable_spool other 12 d 4 &&
	: >ids && chown nobody ids &&
	{ timeout 30 $AS_NOBODY "$HS" -d "$S" run other -- sh -c "sleep 0.1; ./logid" 2>err.a & } &&
	a=$! &&
	{ timeout 30 $AS_NOBODY "$HS" -d "$S" run other -- sh -c "sleep 0.1; ./logid" 2>err.b & } &&
	b=$! &&
	test_expect_code 1 wait $a && test_expect_code 1 wait $b &&
	test "$(wc -l <ids)" -eq 11 && test "$(sort -u ids | wc -l)" -eq 11 &&
	test "$(count other/cur)" -eq 11 && test "$(count other/new)" -eq 1 &&
	test -f "$S/other/new/$bad" &&
	test $(( $(summary err.a done) + $(summary err.b done) )) -eq 11 &&
	test "$(summary err.a unreadable)" -eq 1 && test "$(summary err.b unreadable)" -eq 1 &&
	grep "row=$bad result=unreadable" err.a && grep "row=$bad result=unreadable" err.b
'
else
	test_skip 'unreadable rows' 'needs root for setpriv'
	test_skip 'foreign rows as root' 'needs root'
	test_skip 'two runs racing past an unreadable row' 'needs root for setpriv'
fi

test_expect_success 'symlinks, a fifo, a directory or a hard link with a row name: skipped, reported' '
	rm -rf "$S" log && rows_in forms 3 e >made &&
	printf "SECRET\n" >secret &&
	N=$S/forms/new &&
	ln -s "$TRASH/secret" "$N/0000000000000001.0000001.json" &&
	ln -s "$S/$(head -n 1 made)" "$N/0000000000000002.0000001.json" &&
	mkfifo "$N/0000000000000003.0000001.json" &&
	mkdir "$N/0000000000000004.0000001.json" &&
	hl=$(basename "$(sed -n 3p made)") && ln "$N/$hl" hardlink &&
	test_expect_code 1 timeout 20 "$HW_SPOOL" -d "$S" run forms -- ./consumer 2>err &&
	grep "row=0000000000000001.0000001.json result=unreadable error=\"not a regular file (a symbolic link, not followed)\"\$" err &&
	grep "row=0000000000000002.0000001.json result=unreadable error=\"not a regular file (a symbolic link, not followed)\"\$" err &&
	grep "row=0000000000000003.0000001.json result=unreadable error=\"not a regular file (a fifo, not followed)\"\$" err &&
	grep "row=0000000000000004.0000001.json result=unreadable error=\"not a regular file (a directory, not followed)\"\$" err &&
	grep "row=$hl result=unreadable error=\"2 links (a hard link)\"\$" err &&
	grep "result=summary done=2 kept=0 failed=0 deferred=0 busy=0 unreadable=5\$" err &&
	test "$(wc -l <log)" -eq 2 && ! grep -e "$hl" -e "\.0000001\.json" log &&
	test "$(cat secret)" = SECRET &&
	test -L "$N/0000000000000001.0000001.json" && test -p "$N/0000000000000003.0000001.json" &&
	test -f "$N/$hl" && test "$(count forms/cur)" -eq 2
'

test_expect_success 'a row whose record a power loss took gets it back before it moves on' '
	rows consents 1 lost >made &&
	row="$S/$(cat made)" && name=$(basename "$row") &&
	id=$(sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$row") &&
	rec="$S/.ids/$(echo "$id" | cut -c63-64)/$id" &&
	test -L "$rec" && rm "$rec" &&
	"$HW_SPOOL" -d "$S" run consents -- ./consumer 2>err &&
	test -f "$S/consents/cur/$name" &&
	test "$(readlink "$rec")" = "consents/$name"
'

# reboot: as if the machine had restarted since the last start (the boot
# that looked through the spool, words 2 and 3 of .seq, forgotten).
reboot() { dd if=/dev/zero of="$S/.seq" bs=8 seek=2 count=2 conv=notrunc 2>/dev/null; }

test_expect_success 'run --delete settles the record first: after a reboot the event is still a duplicate' '
	rows consents 1 settle >made &&
	row="$S/$(cat made)" && name=$(basename "$row") &&
	id=$(sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$row") &&
	rec="$S/.ids/$(echo "$id" | cut -c63-64)/$id" &&
	test "$(readlink "$rec")" = "consents/new/$name" &&
	cp "$row" saved &&
	"$HW_SPOOL" -d "$S" run --delete consents -- ./consumer 2>err &&
	test ! -e "$row" && ! ls "$S"/consents/cur | grep -q "$name" &&
	test "$(readlink "$rec")" = "consents/$name" &&
	reboot &&
	"$SPOOLPUT" "$S" consents "$id" <saved >out &&
	test "$(cat out)" = duplicate &&
	test "$(readlink "$rec")" = "consents/$name" &&
	! ls "$S/consents/new" | grep -q .
'

test_expect_success 'a row removed from new/ by hand loses its pending record at the next reboot' '
	rows consents 1 byhand >made &&
	row="$S/$(cat made)" &&
	id=$(sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$row") &&
	rec="$S/.ids/$(echo "$id" | cut -c63-64)/$id" &&
	cp "$row" saved && rm "$row" &&
	"$SPOOLPUT" "$S" consents "$id" <saved >out &&
	test "$(cat out)" = duplicate &&
	reboot &&
	"$SPOOLPUT" "$S" consents "$id" <saved >out &&
	grep "^written " out &&
	test "$(readlink "$rec")" = "consents/new/$(sed "s/^written //" out)"
'

test_done
