#!/bin/sh
# deploy/cron/load-postgres.sh + schema.sql against a throwaway PostgreSQL
# cluster (Unix socket only), driven by humanos-spool run.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/mkrow"
S="$TRASH/spool"
CRON="$top_srcdir/deploy/cron"

PGBIN=
for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PGBIN=$d; fi
done
[ -n "$PGBIN" ] || skip_all "PostgreSQL server binaries (initdb, pg_ctl) not found"
command -v psql >/dev/null || skip_all "psql not found"

# The server refuses to run as root: then it runs as postgres (or nobody).
if [ "$(id -u)" -eq 0 ]; then
	PGUSER_OS=postgres
	id "$PGUSER_OS" >/dev/null 2>&1 || PGUSER_OS=nobody
	as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
	chmod 755 "$TRASH"
else
	as_pg() { "$@"; }
fi

PGDIR="$TRASH/pg"
PGHOST=$PGDIR PGUSER=humanos PGDATABASE=postgres
export PGHOST PGUSER PGDATABASE
unset HUMANOS_PG_URL PGPORT PGPASSWORD PGSERVICE

pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1; }
test_cleanup_cmd pg_stop

q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

test_expect_success 'setup: a throwaway cluster on a Unix socket' '
	mkdir -m 755 "$PGDIR" &&
	if [ "$(id -u)" -eq 0 ]; then chown "$PGUSER_OS" "$PGDIR"; fi &&
	as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U humanos -A trust \
	    --no-sync -E UTF8 --locale=C >"$TRASH/initdb.log" 2>&1 &&
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 30 \
	    -o "-k $PGDIR -c listen_addresses= -c fsync=off" start >/dev/null &&
	psql -X -q -v ON_ERROR_STOP=1 -f "$CRON/schema.sql" &&
	test "$(q "select count(*) from humanos_rows")" = 0
'

test_expect_success 'setup: rows of several resources, one hostile' '
	cat >events <<-\EOT &&
	{"event":"process.kyc.completed","processId":"k1","userId":"u1","completedAt":"2025-08-11T14:52:43.613Z"}
	{"eventType":"process.signature.completed","processId":"s1","professionalId":"pr1"}
	{"eventType":"process.consent.completed","processId":"c1","userId":"x'\''); DROP TABLE humanos_rows; --","note":"back\\slash \"q\" tab\t ü €","metadata":{"items":[]}}
	{"event":"process.form.filled","processId":"f1"}
	{"event":"credential","api_version":"2025-10-01","requestId":"r1"}
	{"event":"otp.failed","requestId":"o1"}
	{"something":"else"}
	EOT
	"$MKROW" "$S" <events >made &&
	test "$(wc -l <made)" -eq 7
'

load_all() {
	for r in kyc signatures consents forms credentials otp other; do
		"$HW_SPOOL" -d "$S" run "$r" -- "$CRON/load-postgres.sh" || return 1
	done
}

test_expect_success 'humanos-spool run ... -- load-postgres.sh loads every row' '
	load_all 2>err &&
	test "$(q "select count(*) from humanos_rows")" = 7 &&
	test "$(find "$S" -path "*/cur/*.json" | wc -l)" -eq 7 &&
	q "select resource, coalesce(event, '"'"'-'"'"') from humanos_rows order by received_at" >got &&
	cat >expect <<-\EOT &&
	kyc|process.kyc.completed
	signatures|process.signature.professional.completed
	consents|process.consent.completed
	forms|process.form.filled
	credentials|credential
	otp|otp.failed
	other|-
	EOT
	test_cmp expect got
'

test_expect_success 'columns and payload arrive intact (no SQL built from row text)' '
	f=$(find "$S/consents/cur" -name "*.json") &&
	id=$(sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$f") &&
	q "select payload->>'"'"'userId'"'"' from humanos_rows where id = '"'"'$id'"'"'" >got &&
	printf "%s\n" "x'"'"'); DROP TABLE humanos_rows; --" >expect &&
	test_cmp expect got &&
	q "select payload->>'"'"'note'"'"' from humanos_rows where id = '"'"'$id'"'"'" >got &&
	printf "back\\\\slash \"q\" tab\t ü €\n" >expect &&
	test_cmp expect got &&
	q "select profile, location from humanos_rows where id = '"'"'$id'"'"'" >got &&
	echo "default|/webhook/consents" >expect && test_cmp expect got &&
	ra=$(sed "s/.*\"received_at\":\"\([^\"]*\)\".*/\1/" "$f") &&
	test "$(q "select to_char(received_at at time zone '"'"'UTC'"'"', '"'"'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"'"') from humanos_rows where id = '"'"'$id'"'"'")" = "$ra"
'

test_expect_success 'the same rows delivered twice: the table stays the same' '
	q "select id, loaded_at from humanos_rows order by id" >before &&
	for d in "$S"/*/cur; do
		for f in "$d"/*.json; do
			[ -e "$f" ] && mv "$f" "${d%/cur}/new/"
		done
	done &&
	test "$(find "$S" -path "*/new/*.json" | wc -l)" -eq 7 &&
	load_all 2>err &&
	test "$(find "$S" -path "*/new/*.json" | wc -l)" -eq 0 &&
	q "select id, loaded_at from humanos_rows order by id" >after &&
	test_cmp before after &&
	test "$(q "select count(*) from humanos_rows")" = 7
'

test_expect_success 'a database that refuses the row: run keeps it and exits 1' '
	echo "{\"event\":\"process.kyc.completed\",\"processId\":\"k2\"}" | "$MKROW" "$S" >made &&
	q "alter table humanos_rows rename to humanos_rows_away" &&
	rc=0; "$HW_SPOOL" -d "$S" run kyc -- "$CRON/load-postgres.sh" 2>err || rc=$? &&
	q "alter table humanos_rows_away rename to humanos_rows" &&
	test $rc -eq 1 && test -f "$S/$(cat made)" &&
	"$HW_SPOOL" -d "$S" run kyc -- "$CRON/load-postgres.sh" &&
	test "$(q "select count(*) from humanos_rows")" = 8
'

test_done
