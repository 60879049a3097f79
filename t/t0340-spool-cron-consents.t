#!/bin/sh
# SPDX-License-Identifier: ISC
# deploy/cron/consents-to-csv.sh under humanos-spool run; crontab.example
# names real commands.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/helper/mkrow"
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

consent_row() {
	printf '{"eventType":"process.consent.completed","processId":"%s","userId":"u","metadata":{"items":[{"itemId":"i","consentName":"%s","decisionDate":"d","rejected":false}]}}\n' "$1" "$2" |
	    "$MKROW" "$S"
}
hook() { "$HW_SPOOL" -d "$S" run "$@" consents -- "$CRON/consents-to-csv.sh"; }

test_expect_success 'humanos-spool missing or failing: the row waits, no line, run fails' '
	cp "$HUMANOS_CONSENTS_CSV" before &&
	consent_row p4 n4 >made &&
	for t in /nonexistent /bin/false; do
		HUMANOS_SPOOL=$t test_expect_code 1 hook 2>err || exit 1
		test -f "$S/$(cat made)" || exit 1
		test "$(count_files "$S/consents/cur")" -eq 3 || exit 1
		test_cmp before "$HUMANOS_CONSENTS_CSV" || exit 1
	done &&
	hook &&
	test ! -e "$S/$(cat made)" &&
	test "$(grep -c ",p4,u,n4,accepted,d," "$HUMANOS_CONSENTS_CSV")" -eq 1
'

# A report on a small file system that fills up: the append fails half-way
# (the last page's slack takes part of a long line), the hook must leave no
# partial line and exit 75 (run keeps the row, counts nothing).
FULL="$TRASH/full"
if [ "$(id -u)" -eq 0 ] && mkdir "$FULL" &&
    mount -t tmpfs -o size=64k,mode=755 tmpfs "$FULL"; then
	test_cleanup_cmd 'umount "$FULL"'
	FULL_OK=1
else
	FULL_OK=
fi
long=$(head -c 6000 /dev/zero | tr "\0" x)

if [ -n "$FULL_OK" ]; then
test_expect_success 'a full file system: exit 75, no partial line, the row waits' '
	HUMANOS_CONSENTS_CSV="$FULL/consents.csv" && export HUMANOS_CONSENTS_CSV &&
	consent_row f1 short >made &&
	hook &&
	test "$(wc -l <"$HUMANOS_CONSENTS_CSV")" -eq 2 &&
	test_expect_code 1 dd if=/dev/zero of="$FULL/fill" bs=1k 2>/dev/null &&
	cp "$HUMANOS_CONSENTS_CSV" before &&
	consent_row f2 "$long" >made &&
	test_expect_code 75 hook 2>err &&
	test_cmp before "$HUMANOS_CONSENTS_CSV" &&
	test -f "$S/$(cat made)" &&
	for i in 1 2 3 4 5; do
		test_expect_code 75 hook --max-backoff 0 2>err || exit 1
	done &&
	test_cmp before "$HUMANOS_CONSENTS_CSV" &&
	test -f "$S/$(cat made)" &&
	test "$(count_files "$S/consents/failed")" -eq 0
'

test_expect_success 'space freed: the next run writes the row once' '
	HUMANOS_CONSENTS_CSV="$FULL/consents.csv" && export HUMANOS_CONSENTS_CSV &&
	rm "$FULL/fill" &&
	hook --max-backoff 0 &&
	test ! -e "$S/$(cat made)" &&
	test "$(count_files "$S/consents/failed")" -eq 0 &&
	test "$(wc -l <"$HUMANOS_CONSENTS_CSV")" -eq 3 &&
	test "$(grep -c ",f2,u,$long,accepted,d," "$HUMANOS_CONSENTS_CSV")" -eq 1 &&
	test "$(grep -c "^received_at," "$HUMANOS_CONSENTS_CSV")" -eq 1 &&
	test -z "$(tail -c 1 "$HUMANOS_CONSENTS_CSV")"
'
else
	test_skip 'a full file system' 'needs root to mount a tmpfs'
	test_skip 'space freed' 'needs root to mount a tmpfs'
fi

test_expect_success 'a partial last line (an append killed half-way) is dropped first' '
	cp "$HUMANOS_CONSENTS_CSV" before &&
	printf "2026-01-01T00:00:00.000Z,half,a li" >>"$HUMANOS_CONSENTS_CSV" &&
	consent_row p5 n5 >made &&
	hook 2>err &&
	grep -q "dropped a partial last line" err &&
	grep -v ",p5," "$HUMANOS_CONSENTS_CSV" >got &&
	test_cmp before got &&
	test "$(grep -c ",p5,u,n5,accepted,d," "$HUMANOS_CONSENTS_CSV")" -eq 1
'

test_expect_success 'make install puts the hooks in $(prefix)/lib/humanos-webhook' '
	make -s -C "$top_builddir" install-dist_hooksSCRIPTS DESTDIR="$TRASH/inst" >/dev/null &&
	for h in consents-to-csv.sh load-postgres.sh; do
		f=$(find "$TRASH/inst" -path "*/lib/humanos-webhook/$h") &&
		test -n "$f" && test -x "$f" && cmp "$f" "$CRON/$h" || exit 1
	done &&
	grep -q "^HOOKS=/usr/lib/humanos-webhook\$" "$CRON/crontab.example" &&
	! grep -n "share/doc" "$CRON/consents-to-csv.sh" "$CRON/load-postgres.sh"
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
