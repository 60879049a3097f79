-- SPDX-License-Identifier: ISC
-- schema.sql: the table load-postgres.sh fills, the function it calls and
-- the privileges of the role it connects as.
--
-- Run it as the database's owner (or a superuser), naming the role the
-- cron job connects as (it must exist: CREATE ROLE humanos_loader LOGIN):
--
--   psql -d humanos -v loader=humanos_loader -f schema.sql
--
-- It can be run again at any time: it creates what is missing, upgrades a
-- table made by an older schema.sql (rows keep their columns; new columns
-- are added, `payload` becomes nullable) and replaces the function.
-- Without -v loader=... it grants nothing.  The grants it makes are exactly
-- what the loader needs, nothing more:
--
--   GRANT CONNECT, TEMPORARY ON DATABASE <db> TO <loader>;
--   GRANT USAGE ON SCHEMA <this schema> TO <loader>;
--   GRANT INSERT ON humanos_rows TO <loader>;
--   GRANT SELECT (id) ON humanos_rows TO <loader>;  -- ON CONFLICT (id) reads it
--   GRANT EXECUTE ON FUNCTION humanos_load_row(text) TO <loader>;
--
-- (TEMPORARY: the row is streamed with COPY into a temporary table.)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS humanos_rows (
	id		text PRIMARY KEY,	-- the row id: SHA-256 of the event
	received_at	timestamptz NOT NULL,
	resource	text NOT NULL,
	event		text,
	profile		text,
	location	text,
	-- The payload as jsonb, when jsonb can hold it: NULL when it cannot
	-- (a \u0000 or a lone surrogate such as \ud800 in a string, a number
	-- beyond numeric's range).  Query this one.
	payload		jsonb,
	-- The payload exactly as the responder accepted it, byte for byte
	-- (json keeps its text).  NULL only in rows loaded before this
	-- column existed (their payload has it).
	payload_json	json,
	loaded_at	timestamptz NOT NULL DEFAULT now()
);

-- Upgrade a table made by an older schema.sql.
ALTER TABLE humanos_rows ADD COLUMN IF NOT EXISTS payload_json json;
ALTER TABLE humanos_rows ALTER COLUMN payload DROP NOT NULL;

CREATE INDEX IF NOT EXISTS humanos_rows_received_at
	ON humanos_rows (received_at);
CREATE INDEX IF NOT EXISTS humanos_rows_resource_event
	ON humanos_rows (resource, event);

-- humanos_load_row(LINE): insert one spool row (its text as written by
-- humanos-webhook: one line of JSON, the payload last) once.  Every row
-- the responder accepted is stored: the row's own fields are read from its
-- head (before ,"payload":), which the responder writes with plain
-- strings; the payload is kept as json (syntax checked, text kept) and,
-- when jsonb accepts it, as jsonb.  Anything else that is not a row is an
-- error, never a silent skip.
CREATE OR REPLACE FUNCTION humanos_load_row(line text) RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
	pos	int;
	head	jsonb;
	body	json;
	b	jsonb;
BEGIN
	IF line IS NULL THEN
		RAISE EXCEPTION 'humanos_load_row: no row';
	END IF;
	pos := strpos(line, ',"payload":');
	IF pos = 0 OR right(line, 1) <> '}' THEN
		RAISE EXCEPTION 'humanos_load_row: not a spool row (no payload last)';
	END IF;
	PERFORM line::json;		-- the whole line is JSON
	head := (left(line, pos - 1) || '}')::jsonb;
	IF jsonb_typeof(head->'id') IS DISTINCT FROM 'string' OR
	    jsonb_typeof(head->'received_at') IS DISTINCT FROM 'string' OR
	    head ? 'payload' THEN
		RAISE EXCEPTION 'humanos_load_row: not a spool row (no id)';
	END IF;
	body := substr(line, pos + 11, length(line) - pos - 11)::json;
	BEGIN
		b := body::jsonb;
	EXCEPTION WHEN data_exception OR program_limit_exceeded THEN
		b := NULL;		-- payload_json has it
	END;
	INSERT INTO humanos_rows (id, received_at, resource, event, profile,
	    location, payload, payload_json)
	VALUES (head->>'id', (head->>'received_at')::timestamptz,
	    head->>'resource', head->>'event', head->>'profile',
	    head->>'location', b, body)
	ON CONFLICT (id) DO NOTHING;
END
$$;

\if :{?loader}
SELECT current_schema() AS humanos_schema \gset
GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO :"loader";
GRANT USAGE ON SCHEMA :"humanos_schema" TO :"loader";
GRANT INSERT ON humanos_rows TO :"loader";
GRANT SELECT (id) ON humanos_rows TO :"loader";
GRANT EXECUTE ON FUNCTION humanos_load_row(text) TO :"loader";
\endif
