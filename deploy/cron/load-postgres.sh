#!/bin/sh
# load-postgres.sh: a COMMAND for `humanos-spool run RESOURCE -- ...`.
#
# Loads the row on stdin into the table humanos_rows (schema.sql), once:
# INSERT ... ON CONFLICT (id) DO NOTHING, so a row handed out twice (run
# is at-least-once) or delivered twice is stored once.
#
# The connection is psql's: $HUMANOS_PG_URL if set, else the usual PGHOST,
# PGDATABASE, PGUSER... variables.  Needs psql (postgresql-client).
#
# The row is never put into SQL text: it is streamed with COPY (CSV with
# quote and delimiter bytes that JSON cannot contain raw), then cast to
# jsonb by the server.
set -eu

# COPY's data follows the statement in psql's input; "\." ends it.
{
	cat <<'SQL'
\set ON_ERROR_STOP 1
BEGIN;
CREATE TEMP TABLE humanos_in (r jsonb) ON COMMIT DROP;
COPY humanos_in (r) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');
SQL
	cat			# the row: one line of JSON, newline-terminated
	cat <<'SQL'
\.
INSERT INTO humanos_rows (id, received_at, resource, event, profile, location, payload)
SELECT r->>'id', (r->>'received_at')::timestamptz, r->>'resource',
       r->>'event', r->>'profile', r->>'location', r->'payload'
  FROM humanos_in
ON CONFLICT (id) DO NOTHING;
COMMIT;
SQL
} | PGCLIENTENCODING=UTF8 psql -X -q -v ON_ERROR_STOP=1 \
	${HUMANOS_PG_URL:+"$HUMANOS_PG_URL"} >/dev/null
