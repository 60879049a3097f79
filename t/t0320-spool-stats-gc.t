#!/bin/sh
# SPDX-License-Identifier: ISC
# humanos-spool stats (text and Prometheus) and gc.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/helper/mkrow"
S="$TRASH/spool"

ev() { printf '{"event":"%s","n":"%s"}\n' "$1" "$2"; }
idof() { sed 's/^{"id":"\([0-9a-f]*\)".*/\1/' "$1"; }
# record ROW: the path of its exactly-once record (a symbolic link: test -L,
# touch -h).
record() { id=$(idof "$1"); echo "$S/.ids/$(echo "$id" | cut -c63-64)/$id"; }
count() { count_files "$S/$1"; }

test_expect_success 'setup: a spool with known figures' '
	{ ev process.kyc.completed 1; ev process.kyc.completed 2
	  ev process.kyc.completed 3; ev process.kyc.completed 4
	  ev process.kyc.completed 5; ev process.consent.completed 1
	  ev process.consent.completed 2; ev otp.failed 1
	} | "$MKROW" "$S" >made &&
	# kyc: 2 waiting, 2 done, 1 failed; consents: 1 waiting, 1 done
	mv "$S/$(sed -n 1p made)" "$S/kyc/cur/" &&
	mv "$S/$(sed -n 2p made)" "$S/kyc/cur/" &&
	mv "$S/$(sed -n 3p made)" "$S/kyc/failed/" &&
	mv "$S/$(sed -n 6p made)" "$S/consents/cur/" &&
	# otp: the oldest waiting row arrived an hour ago (by its name)
	old=$(( $(date +%s) - 3600 ))000000.0000001.json &&
	mv "$S/$(sed -n 8p made)" "$S/otp/new/$old" &&
	# quarantine: one row, hand-made
	echo "{\"id\":\"$(printf "%064d" 7)\",\"resource\":\"quarantine\"}" \
	    >"$S/quarantine/new/$(( $(date +%s) - 60 ))000000.0000001.json" &&
	# litter that must not count
	touch "$S/kyc/new/.hidden" "$S/kyc/cur/1234.json" "$S/kyc/failed/x"
'

test_expect_success 'stats: rows per resource and state, exact' '
	"$HW_SPOOL" -d "$S" stats >out &&
	sed -n 1,9p out | awk "{ print \$1, \$2, \$3, \$4 }" >got &&
	sed -n 10,11p out >req &&
	printf "\n%-24s %6s %-24s %12s\n" profile status error requests >want &&
	test_cmp want req && test "$(wc -l <out)" -eq 11 &&
	cat >expect <<-\EOT &&
	resource waiting done failed
	kyc 2 2 1
	signatures 0 0 0
	consents 1 1 0
	forms 0 0 0
	credentials 0 0 0
	otp 1 0 0
	other 0 0 0
	quarantine 1 0 0
	EOT
	test_cmp expect got
'

test_expect_success 'stats: age of the oldest waiting row, from its name' '
	age=$(awk "\$1 == \"otp\" { print \$5 }" out) &&
	test "${age%%.*}" -ge 3600 && test "${age%%.*}" -le 3605 &&
	age=$(awk "\$1 == \"quarantine\" { print \$5 }" out) &&
	test "${age%%.*}" -ge 60 && test "${age%%.*}" -le 65 &&
	test "$(awk "\$1 == \"forms\" { print \$5 }" out)" = "-"
'

test_expect_success 'stats --prometheus: textfile format, same figures' '
	"$HW_SPOOL" -d "$S" stats --prometheus >prom &&
	grep "^# HELP humanos_spool_rows " prom &&
	grep "^# TYPE humanos_spool_rows gauge\$" prom &&
	grep "^# HELP humanos_spool_oldest_waiting_age_seconds " prom &&
	grep "^# TYPE humanos_spool_oldest_waiting_age_seconds gauge\$" prom &&
	grep -x "humanos_spool_rows{resource=\"kyc\",state=\"waiting\"} 2" prom &&
	grep -x "humanos_spool_rows{resource=\"kyc\",state=\"done\"} 2" prom &&
	grep -x "humanos_spool_rows{resource=\"kyc\",state=\"failed\"} 1" prom &&
	grep -x "humanos_spool_rows{resource=\"consents\",state=\"done\"} 1" prom &&
	grep -x "humanos_spool_rows{resource=\"quarantine\",state=\"waiting\"} 1" prom &&
	grep -x "humanos_spool_oldest_waiting_age_seconds{resource=\"forms\"} 0.000" prom &&
	grep -x "humanos_spool_oldest_waiting_age_seconds{resource=\"otp\"} 36[0-9][0-9]\.[0-9]*" prom &&
	test "$(grep -c "^humanos_spool_rows{" prom)" -eq 24 &&
	test "$(grep -c "^humanos_spool_oldest_waiting_age_seconds{" prom)" -eq 8 &&
	# every sample line is: name{labels} number
	! grep -v "^#" prom | grep -v "^[a-z_]*{[a-z]*=\"[a-z]*\"\(,[a-z]*=\"[a-z]*\"\)*} [0-9][0-9.]*\$"
'

test_expect_success 'stats over a config: every distinct spool, labelled' '
	"$MKROW" "$TRASH/spool2" </dev/null &&
	printf "%s\n" "spool_dir = $S" "signature_secret = s" \
	    "encryption_secret = ZW5jcnlwdGlvbnNlY3JldA==" \
	    "encryption_salt = salt" "[profile b]" \
	    "spool_dir = $TRASH/spool2" "[profile c]" >conf &&
	chmod 600 conf &&
	"$HW_SPOOL" -c conf stats --prometheus >prom2 &&
	grep -x "humanos_spool_rows{resource=\"kyc\",state=\"waiting\",spool=\"$S\"} 2" prom2 &&
	grep -x "humanos_spool_rows{resource=\"kyc\",state=\"waiting\",spool=\"$TRASH/spool2\"} 0" prom2 &&
	test "$(grep -c "^humanos_spool_rows{" prom2)" -eq 48 &&
	test "$(grep -c "^# TYPE" prom2)" -eq 3 &&
	"$HW_SPOOL" -c conf stats >out2 &&
	grep -x "# spool $S" out2 && grep -x "# spool $TRASH/spool2" out2 &&
	"$HW_SPOOL" -c conf --profile b stats --prometheus >prom3 &&
	grep -x "humanos_spool_rows{resource=\"kyc\",state=\"waiting\"} 0" prom3
'

test_expect_success 'gc: done rows older than the duration go, younger ones stay' '
	set -- "$S"/kyc/cur/*.*.json && old=$1 young=$2 &&
	touch -h -d "40 days ago" "$old" "$S"/kyc/failed/*.json "$S"/kyc/new/*.json \
	    "$S/kyc/cur/1234.json" &&
	"$HW_SPOOL" -d "$S" gc >out &&
	grep -x "op=gc result=summary cur_rows=1 records=0 attempt_files=0" out &&
	! test -e "$old" && test -e "$young" &&
	test "$(count kyc/failed)" -eq 2 && test "$(count kyc/new)" -eq 3 &&
	test -e "$S/kyc/cur/1234.json" &&
	touch -h -d "2 hours ago" "$young" &&
	"$HW_SPOOL" -d "$S" gc --older-than 3h >out && grep "cur_rows=0 " out &&
	"$HW_SPOOL" -d "$S" gc --older-than 90m >out && grep "cur_rows=1 " out &&
	! test -e "$young"
'

test_expect_success 'gc: records live at least 7 days, whatever --older-than says' '
	printf "%s\n" "$(ev process.form.filled 10)" "$(ev process.form.filled 11)" \
	    "$(ev process.form.filled 12)" | "$MKROW" "$S" >forms &&
	for r in $(cat forms); do mv "$S/$r" "$S/forms/cur/"; done &&
	set -- "$S"/forms/cur/* &&
	r10=$(record "$1") r11=$(record "$2") r12=$(record "$3") &&
	test -L "$r10" && test -L "$r11" && test -L "$r12" &&
	echo "$r11" >r11 &&
	# rows 10 and 11 go (older than 1d), and with them their records,
	# unless younger than 7 days
	touch -h -d "10 days ago" "$r10" "$1" && touch -h -d "3 days ago" "$r11" "$2" &&
	"$HW_SPOOL" -d "$S" gc --older-than 1d >out &&
	! test -L "$r10" && test -L "$r11" && test -L "$r12" &&
	! test -e "$1" && ! test -e "$2" && test -e "$3" &&
	grep "cur_rows=2 records=1 " out &&
	ev process.form.filled 11 | "$MKROW" "$S" >again &&
	test "$(cat again)" = duplicate &&
	ev process.form.filled 10 | "$MKROW" "$S" >again &&
	test "$(cat again)" != duplicate
'

test_expect_success 'gc: longer durations keep records longer' '
	r11=$(cat r11) && touch -h -d "20 days ago" "$r11" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	test -L "$r11" && grep "records=0 " out &&
	"$HW_SPOOL" -d "$S" gc --older-than 2w >out &&
	! test -L "$r11" && grep "records=1 " out
'

test_expect_success 'gc: the record of a waiting row is kept, however old' '
	set -- "$S"/kyc/new/*.json &&
	r=$(record "$1") && touch -h -d "100 days ago" "$r" &&
	"$HW_SPOOL" -d "$S" gc --older-than 1d >out &&
	test -L "$r"
'

test_expect_success 'gc: the record of a failed/ row is kept, however old' '
	set -- "$S"/kyc/failed/*.json && test $# -eq 1 &&
	r=$(record "$1") && test -L "$r" &&
	touch -h -d "40 days ago" "$r" "$1" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	test -L "$r" && test -e "$1" &&
	grep -x "op=gc result=summary cur_rows=0 records=0 attempt_files=0" out
'

test_expect_success 'gc: the record of a cur/ row this pass keeps is kept' '
	ev process.signature.completed 20 | "$MKROW" "$S" >sig &&
	row="$S/signatures/cur/$(basename "$(cat sig)")" &&
	mv "$S/$(cat sig)" "$row" && r=$(record "$row") &&
	touch -h -d "10 days ago" "$row" && touch -h -d "40 days ago" "$r" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	test -e "$row" && test -L "$r" &&
	grep -x "op=gc result=summary cur_rows=0 records=0 attempt_files=0" out &&
	# once the row goes, so does its record (both older than the limit)
	touch -h -d "40 days ago" "$row" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	! test -e "$row" && ! test -L "$r" &&
	grep -x "op=gc result=summary cur_rows=1 records=1 attempt_files=0" out
'

test_expect_success 'gc: the record of a tmp/ row is kept, however old' '
	ev process.signature.completed 21 | "$MKROW" "$S" >sig &&
	row="$S/signatures/tmp/$(basename "$(cat sig)")" &&
	mv "$S/$(cat sig)" "$row" && r=$(record "$row") &&
	test "$(stat -c %h "$r")" -eq 1 &&
	touch -h -d "40 days ago" "$r" "$row" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	test -L "$r" && test -e "$row" &&
	grep -x "op=gc result=summary cur_rows=0 records=0 attempt_files=0" out &&
	rm "$row" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	! test -L "$r" &&
	grep -x "op=gc result=summary cur_rows=0 records=1 attempt_files=0" out
'

test_expect_success 'gc: quarantine rows keep their records ("q" + id) in cur/ too' '
	qid=$(printf "%064d" 8) &&
	qrow="$S/quarantine/cur/$(( $(date +%s) - 60 ))000000.0000002.json" &&
	echo "{\"id\":\"$qid\",\"resource\":\"quarantine\"}" >"$qrow" &&
	mkdir -p "$S/.ids/08" && : >"$S/.ids/08/q$qid" && : >"$S/.ids/08/$qid" &&
	touch -h -d "40 days ago" "$S/.ids/08/q$qid" "$S/.ids/08/$qid" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	test -e "$S/.ids/08/q$qid" && ! test -e "$S/.ids/08/$qid" &&
	grep -x "op=gc result=summary cur_rows=0 records=1 attempt_files=0" out &&
	rm "$qrow" &&
	"$HW_SPOOL" -d "$S" gc --older-than 30d >out &&
	! test -e "$S/.ids/08/q$qid" &&
	grep -x "op=gc result=summary cur_rows=0 records=1 attempt_files=0" out
'

test_expect_success 'gc: a record of a gone row is removed once old, kept while young' '
	printf "%s\n" "$(ev process.form.filled 30)" "$(ev process.form.filled 31)" |
	    "$MKROW" "$S" >gone &&
	r30=$(record "$S/$(sed -n 1p gone)") && r31=$(record "$S/$(sed -n 2p gone)") &&
	rm "$S/$(sed -n 1p gone)" "$S/$(sed -n 2p gone)" &&
	touch -h -d "8 days ago" "$r30" && touch -h -d "6 days ago" "$r31" &&
	# 1d, not less: the cur/ rows of the earlier cases are seconds old and
	# must stay out of this count however slowly the suite runs
	"$HW_SPOOL" -d "$S" gc --older-than 1d >out &&
	! test -L "$r30" && test -L "$r31" &&
	grep -x "op=gc result=summary cur_rows=0 records=1 attempt_files=0" out
'

test_expect_success 'gc: every line is key=value, op=gc first' '
	"$HW_SPOOL" -d "$S" gc >out 2>err &&
	! grep -v "^op=gc result=summary cur_rows=[0-9]* records=[0-9]* attempt_files=[0-9]*\$" out &&
	test "$(wc -l <out)" -eq 1 && ! test -s err
'

test_expect_success 'gc: strict names in .ids; leftover attempt files go' '
	sub=$(ls "$S/.ids" | head -n 1) &&
	touch -d "100 days ago" "$S/.ids/$sub/README" "$S/.ids/$sub/ABC$sub" &&
	mkdir -p "$S/kyc/.attempts" && echo 2 >"$S/kyc/.attempts/1764133376000001.0000001.json" &&
	set -- "$S"/kyc/new/*.json && echo 1 >"$S/kyc/.attempts/${1##*/}" &&
	"$HW_SPOOL" -d "$S" gc >out &&
	test -e "$S/.ids/$sub/README" && test -e "$S/.ids/$sub/ABC$sub" &&
	! test -e "$S/kyc/.attempts/1764133376000001.0000001.json" &&
	test -e "$S/kyc/.attempts/${1##*/}" &&
	grep "attempt_files=1\$" out
'

test_expect_success 'gc: what a settle cut short left (a link "<key>.<pid>") goes once an hour old' '
	sub=$(ls "$S/.ids" | head -n 1) &&
	k=$(printf "%062d" 9)$sub &&
	ln -s "kyc/1764133376000001.0000001.json" "$S/.ids/$sub/$k.4242" &&
	ln -s "kyc/1764133376000002.0000001.json" "$S/.ids/$sub/$k.4343" &&
	touch -h -d "2 hours ago" "$S/.ids/$sub/$k.4242" &&
	"$HW_SPOOL" -d "$S" gc >out &&
	! test -L "$S/.ids/$sub/$k.4242" && test -L "$S/.ids/$sub/$k.4343" &&
	grep -x "op=gc result=summary cur_rows=0 records=0 attempt_files=0" out &&
	rm "$S/.ids/$sub/$k.4343"
'

test_expect_success 'gc: a bad duration is a usage error' '
	test_expect_code 64 "$HW_SPOOL" -d "$S" gc --older-than 3x 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" gc --older-than "" 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" gc --older-than -1d 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" gc extra 2>err
'

test_done
