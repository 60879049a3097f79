#!/bin/sh
# SPDX-License-Identifier: ISC
# load-postgres.sh: a COMMAND for `humanos-spool run RESOURCE -- ...`.
#
# Loads the row on stdin into the table humanos_rows (schema.sql), once:
# the function humanos_load_row() inserts it with ON CONFLICT (id) DO
# NOTHING, so a row handed out twice (run is at-least-once) or delivered
# twice is stored once.  Every row the responder accepted is stored, also
# one whose payload jsonb refuses (\u0000, a lone surrogate): payload_json
# holds the payload as received, payload (jsonb) is then NULL.
#
# The connection is psql's: $HUMANOS_PG_URL if set, else the usual PGHOST,
# PGDATABASE, PGUSER... variables; PGCONNECT_TIMEOUT defaults to 10 s.  The
# role needs the grants schema.sql makes (psql -v loader=ROLE -f schema.sql).
# Needs psql (postgresql-client).
#
# The row is never put into SQL text: psql's \copy streams standard input
# (CSV with quote and delimiter bytes that JSON cannot contain raw) into a
# temporary table, in the same transaction as the insert.
#
# Fails closed (SPEC section 8).  Exit status:
#   0   the row is committed (or was already there)
#   75  the database cannot be reached or cannot work now: no connection
#       (server down, refused, too many connections, shutting down, bad
#       credentials or database name), the connection lost, or an error of
#       class 08, 40, 53, 57, 58 or 25006 (read-only): `run` keeps the row
#       and does not count an attempt
#   65  the database refused this row (any other SQL error): `run` counts
#       an attempt
#   other non-zero: psql's own failure or absence (its status)
set -eu

: "${PGCONNECT_TIMEOUT:=10}"
export PGCONNECT_TIMEOUT

# psql reads the script from fd 3 and the row, with \copy ... from pstdin,
# from our standard input: no pipeline whose failure could go unseen.  Its
# messages (with SQLSTATEs) are kept to tell a passing failure from a
# refused row; their first lines (psql:...) go on to run's log, not the
# DETAIL and CONTEXT lines, which may quote the payload.
st=0
msg=$(PGCLIENTENCODING=UTF8 psql -X -q -v ON_ERROR_STOP=1 -f /dev/fd/3 \
	${HUMANOS_PG_URL:+"$HUMANOS_PG_URL"} 2>&1 >/dev/null 3<<'SQL'
\set VERBOSITY verbose
\set SHOW_CONTEXT never
BEGIN;
CREATE TEMP TABLE humanos_in (r text) ON COMMIT DROP;
\copy humanos_in (r) from pstdin with (format csv, quote E'\x01', delimiter E'\x02')
SELECT humanos_load_row((SELECT r FROM humanos_in));
COMMIT;
SQL
) || st=$?
[ -z "$msg" ] || printf '%s\n' "$msg" | grep '^psql:' >&2 || :

case $st in
0)	exit 0 ;;
2)	exit 75 ;;		# no connection, or it was lost
3)	# An SQL error: psql's own line of it starts with "psql:".
	if printf '%s\n' "$msg" | grep -Eq \
	    '^psql:[^ ]*:[0-9]+: [^ ]+:  (08...|40...|53...|57...|58...|25006): '
	then
		exit 75
	fi
	exit 65 ;;
*)	exit "$st" ;;
esac
