#!/bin/sh
# deploy/cron/consents-to-csv.sh under humanos-spool run; crontab.example
# names real commands.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/mkrow"
S="$TRASH/spool"
CRON="$top_srcdir/deploy/cron"
HUMANOS_SPOOL="$HW_SPOOL"
HUMANOS_CONSENTS_CSV="$TRASH/consents.csv"
export HUMANOS_SPOOL HUMANOS_CONSENTS_CSV

test_expect_success 'setup: two consent events, one with hostile names' '
	cat >events <<-\EOT &&
	{"eventType":"process.consent.completed","processId":"p1","userId":"u1","metadata":{"items":[{"itemId":"i1","consentName":"Data Privacy Policy","decisionDate":"2025-09-12T14:37:31.236Z","rejected":false},{"itemId":"i2","consentName":"Marketing, \"promo\"","decisionDate":"2025-09-12T14:37:32.000Z","rejected":true}]}}
	{"eventType":"process.consent.completed","processId":"p2","userId":"ü2","metadata":{"items":[{"itemId":"i3","consentName":"Line\nbreak","decisionDate":"d3","rejected":false}]}}
	{"eventType":"process.consent.completed","processId":"p3","userId":"u3"}
	EOT
	"$MKROW" "$S" <events >made &&
	test "$(wc -l <made)" -eq 3
'

test_expect_success 'run consents -- consents-to-csv.sh writes one line per decision' '
	"$HW_SPOOL" -d "$S" run consents -- "$CRON/consents-to-csv.sh" &&
	test "$(count_files "$S/consents/cur")" -eq 3 &&
	id1=$(sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$S/consents/cur/$(sed -n 1p made | cut -d/ -f3)") &&
	id2=$(sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$S/consents/cur/$(sed -n 2p made | cut -d/ -f3)") &&
	cut -d, -f1 --complement "$HUMANOS_CONSENTS_CSV" >got &&
	cat >expect <<-EOT &&
	process_id,user_id,consent_name,decision,decision_date,row_id
	p1,u1,Data Privacy Policy,accepted,2025-09-12T14:37:31.236Z,$id1
	p1,u1,"Marketing, ""promo""",rejected,2025-09-12T14:37:32.000Z,$id1
	p2,ü2,Line\\nbreak,accepted,d3,$id2
	EOT
	test_cmp expect got &&
	grep -c "^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T" "$HUMANOS_CONSENTS_CSV" >n &&
	test "$(cat n)" -eq 3
'

test_expect_success 'a row handed out again adds nothing (idempotent)' '
	cp "$HUMANOS_CONSENTS_CSV" before &&
	mv "$S"/consents/cur/* "$S/consents/new/" &&
	"$HW_SPOOL" -d "$S" run consents -- "$CRON/consents-to-csv.sh" &&
	test_cmp before "$HUMANOS_CONSENTS_CSV"
'

test_expect_success 'crontab.example: every job is a humanos-spool command that parses' '
	grep "^[*0-9]" "$CRON/crontab.example" >jobs &&
	test "$(wc -l <jobs)" -ge 9 &&
	grep -q " run .* consents -- \$HOOKS/consents-to-csv.sh\$" jobs &&
	grep -q " gc --older-than 30d\$" jobs &&
	grep -q " stats --prometheus > " jobs &&
	for r in kyc signatures forms credentials otp other; do
		grep -q " run --timeout 60 $r -- \$HOOKS/load-postgres.sh\$" jobs ||
		    exit 1
	done
'

test_done
