-- schema.sql: the table load-postgres.sh fills (psql -f schema.sql).
CREATE TABLE IF NOT EXISTS humanos_rows (
	id		text PRIMARY KEY,	-- the row id: SHA-256 of the event
	received_at	timestamptz NOT NULL,
	resource	text NOT NULL,
	event		text,
	profile		text,
	location	text,
	payload		jsonb NOT NULL,
	loaded_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS humanos_rows_received_at
	ON humanos_rows (received_at);
CREATE INDEX IF NOT EXISTS humanos_rows_resource_event
	ON humanos_rows (resource, event);
