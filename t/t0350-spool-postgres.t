#!/bin/sh
# SPDX-License-Identifier: ISC
# deploy/cron/load-postgres.sh + schema.sql against a throwaway PostgreSQL
# cluster (Unix socket only), driven by humanos-spool run.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/helper/mkrow"
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
pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 30 \
	    -o "-k $PGDIR -c listen_addresses= -c fsync=off" start >/dev/null
}
test_cleanup_cmd pg_stop

q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

test_expect_success 'setup: a throwaway cluster on a Unix socket' '
	mkdir -m 755 "$PGDIR" &&
	if [ "$(id -u)" -eq 0 ]; then chown "$PGUSER_OS" "$PGDIR"; fi &&
	as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U humanos -A trust \
	    --no-sync -E UTF8 --locale=C >"$TRASH/initdb.log" 2>&1 &&
	pg_start &&
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
	test_expect_code 1 "$HW_SPOOL" -d "$S" run kyc -- "$CRON/load-postgres.sh" 2>err &&
	q "alter table humanos_rows_away rename to humanos_rows" &&
	grep -q "result=kept exit=65 " err && test -f "$S/$(cat made)" &&
	"$HW_SPOOL" -d "$S" run kyc -- "$CRON/load-postgres.sh" &&
	test "$(q "select count(*) from humanos_rows")" = 8
'

row_id() { sed "s/^{\"id\":\"\([0-9a-f]*\)\".*/\1/" "$1"; }

test_expect_success 'the database unreachable: the hook exits 75' '
	f=$(find "$S/kyc/cur" -name "*.json" | sed -n 1p) &&
	PGPORT=1 test_expect_code 75 "$CRON/load-postgres.sh" <"$f" 2>err &&
	grep -q "^psql: error: " err &&
	PGDATABASE=nosuch test_expect_code 75 "$CRON/load-postgres.sh" <"$f" 2>err &&
	PGOPTIONS="-c default_transaction_read_only=on" \
	    test_expect_code 75 "$CRON/load-postgres.sh" <"$f" 2>err &&
	grep -q " 25006: " err
'

test_expect_success 'a row the database refuses: 65, not 75' '
	echo "{\"id\":\"x\",\"received_at\":\"2026\"}" >notarow &&
	test_expect_code 65 "$CRON/load-postgres.sh" <notarow 2>err &&
	test_expect_code 65 "$CRON/load-postgres.sh" </dev/null 2>err &&
	test "$(q "select count(*) from humanos_rows where id = '"'"'x'"'"'")" = 0
'

test_expect_success 'PostgreSQL down for six runs: the rows wait, none fails' '
	q "select count(*) from humanos_rows" >n0 &&
	printf "%s\n" "{\"event\":\"process.kyc.completed\",\"processId\":\"d1\"}" \
	    "{\"event\":\"process.kyc.completed\",\"processId\":\"d2\"}" \
	    "{\"event\":\"process.kyc.completed\",\"processId\":\"d3\"}" |
	    "$MKROW" "$S" >made &&
	test "$(wc -l <made)" -eq 3 &&
	pg_stop &&
	test_expect_code 75 "$HW_SPOOL" -d "$S" run kyc -- "$CRON/load-postgres.sh" 2>>err &&
	for i in 2 3 4 5 6; do
		test_expect_code 75 "$HW_SPOOL" -d "$S" run --max-backoff 0 kyc -- \
		    "$CRON/load-postgres.sh" 2>>err || exit 1
	done &&
	test "$(count_files "$S/kyc/new")" -eq 3 &&
	test "$(count_files "$S/kyc/failed" 2>/dev/null)" -eq 0
'

test_expect_success 'PostgreSQL back: every waiting row loads, once' '
	pg_start &&
	n0=$(cat n0) &&
	"$HW_SPOOL" -d "$S" run --max-backoff 0 kyc -- "$CRON/load-postgres.sh" 2>>err &&
	test "$(count_files "$S/kyc/new")" -eq 0 &&
	test "$(count_files "$S/kyc/failed" 2>/dev/null)" -eq 0 &&
	test "$(q "select count(*) from humanos_rows")" -eq $((n0 + 3)) &&
	for f in $(cat made); do
		id=$(row_id "$S/kyc/cur/${f##*/}") &&
		test "$(q "select count(*) from humanos_rows where id = '"'"'$id'"'"'")" = 1 ||
		    exit 1
	done
'

test_expect_success 'payloads jsonb refuses (\u0000, a lone surrogate) are stored as received' '
	cat >events <<-\EOT &&
	{"event":"process.kyc.completed","processId":"z1","note":"nul\u0000byte"}
	{"event":"process.kyc.completed","processId":"z2","note":"lone \ud800 surrogate","x":[1,{"y":"\udfff"}]}
	{"event":"process.kyc.completed","processId":"z3","emoji":"\ud83d\ude00"}
	EOT
	"$MKROW" "$S" <events >made &&
	"$HW_SPOOL" -d "$S" run kyc -- "$CRON/load-postgres.sh" &&
	i=0 &&
	while IFS= read -r ev; do
		i=$((i + 1)) &&
		f="$S/kyc/cur/$(sed -n "${i}p" made | cut -d/ -f3)" &&
		grep -qF ",\"payload\":$ev}" "$f" &&
		id=$(row_id "$f") &&
		q "select payload_json from humanos_rows where id = '"'"'$id'"'"'" >got &&
		printf "%s\n" "$ev" >expect &&
		test_cmp expect got &&
		q "select received_at is not null, resource, payload is null from humanos_rows where id = '"'"'$id'"'"'" >>got.all || exit 1
	done <events &&
	cat >expect <<-\EOT &&
	t|kyc|t
	t|kyc|t
	t|kyc|f
	EOT
	test_cmp expect got.all &&
	test "$(q "select payload->>'"'"'emoji'"'"' = U&'"'"'\+01F600'"'"' from humanos_rows where payload->>'"'"'processId'"'"' = '"'"'z3'"'"'")" = t
'

test_expect_success 'schema.sql upgrades an old table; old rows stay, new ones load' '
	q "create database up" &&
	PGDATABASE=up q "create table humanos_rows (id text primary key, received_at timestamptz not null, resource text not null, event text, profile text, location text, payload jsonb not null, loaded_at timestamptz not null default now())" &&
	PGDATABASE=up q "insert into humanos_rows values ('"'"'old'"'"', now(), '"'"'kyc'"'"', null, null, null, '"'"'{\"a\":1}'"'"')" &&
	PGDATABASE=up psql -X -q -v ON_ERROR_STOP=1 -f "$CRON/schema.sql" &&
	PGDATABASE=up psql -X -q -v ON_ERROR_STOP=1 -f "$CRON/schema.sql" &&
	f="$S/kyc/cur/$(sed -n 1p made | cut -d/ -f3)" &&
	PGDATABASE=up "$CRON/load-postgres.sh" <"$f" &&
	test "$(PGDATABASE=up q "select count(*) from humanos_rows")" = 2 &&
	test "$(PGDATABASE=up q "select payload->>'"'"'a'"'"' from humanos_rows where id = '"'"'old'"'"'")" = 1
'

test_expect_success 'the loader needs exactly the grants schema.sql makes' '
	q "create role loader login" &&
	q "revoke all on database postgres from public" &&
	q "revoke all on schema public from public" &&
	q "revoke all on function humanos_load_row(text) from public" &&
	echo "{\"event\":\"process.kyc.completed\",\"processId\":\"g1\"}" | "$MKROW" "$S" >made &&
	PGUSER=loader test_expect_code 75 "$HW_SPOOL" -d "$S" run kyc -- "$CRON/load-postgres.sh" 2>err &&
	grep -q "permission denied for database" err &&
	test -f "$S/$(cat made)" &&
	psql -X -q -v ON_ERROR_STOP=1 -v loader=loader -f "$CRON/schema.sql" &&
	for p in UPDATE DELETE TRUNCATE REFERENCES TRIGGER; do
		test "$(q "select has_table_privilege('"'"'loader'"'"', '"'"'humanos_rows'"'"', '"'"'$p'"'"')")" = f ||
		    exit 1
	done &&
	test "$(q "select has_column_privilege('"'"'loader'"'"', '"'"'humanos_rows'"'"', '"'"'payload'"'"', '"'"'SELECT'"'"')")" = f &&
	PGUSER=loader "$HW_SPOOL" -d "$S" run --max-backoff 0 kyc -- "$CRON/load-postgres.sh" &&
	test ! -e "$S/$(cat made)" &&
	id=$(row_id "$S/kyc/cur/$(cut -d/ -f3 made)") &&
	test "$(q "select payload->>'"'"'processId'"'"' from humanos_rows where id = '"'"'$id'"'"'")" = g1 &&
	PGUSER=loader "$CRON/load-postgres.sh" <"$S/kyc/cur/$(cut -d/ -f3 made)" &&
	q "revoke select (id) on humanos_rows from loader" &&
	PGUSER=loader test_expect_code 65 "$CRON/load-postgres.sh" <"$S/kyc/cur/$(cut -d/ -f3 made)" 2>err &&
	grep -q "42501: permission denied" err
'

test_done
