/* SPDX-License-Identifier: ISC */
/*
 * mkrow: write spool rows with the real writer, for the humanos-spool
 * tests.
 *
 *   mkrow SPOOL [RESOURCE] < payloads
 *
 * Each line of stdin is one decrypted event (a JSON object).  It is
 * classified, wrapped in a row exactly as the responder does (id = SHA-256
 * of the line) and put with spool_put(), under RESOURCE if given.  Prints
 * "<resource>/new/<name>" per row written, "duplicate" per duplicate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <json-c/json.h>

#include "event.h"
#include "row.h"
#include "spool.h"

static int
put_line(struct spool *sp, const char *line, size_t len, const char *force)
{
	struct event_class	 ec;
	struct json_object	*ev;
	struct row_meta		 m;
	enum spool_status	 st;
	char			*text;
	char			 id[ROW_ID_HEX_LEN + 1], name[SPOOL_NAME_MAX];
	char			 loc[64], err[256];
	size_t			 tlen;

	if ((ev = json_tokener_parse(line)) == NULL ||
	    !json_object_is_type(ev, json_type_object)) {
		fprintf(stderr, "mkrow: not a JSON object: %s\n", line);
		return -1;
	}
	event_classify(ev, &ec);
	if (force != NULL && event_resource_parse(force, &ec.res) == -1) {
		fprintf(stderr, "mkrow: bad resource %s\n", force);
		return -1;
	}
	row_id(line, len, id);
	snprintf(loc, sizeof(loc), "/webhook/%s", event_resource_name(ec.res));
	m.profile = "default";
	m.location = loc;
	m.delivery_ts = "1764133376123";
	clock_gettime(CLOCK_REALTIME, &m.received);
	if ((text = malloc(len + ROW_HEAD_MAX)) == NULL ||
	    (tlen = row_event_line(text, len + ROW_HEAD_MAX, id, &ec, &m,
	    (const unsigned char *)line, len)) == 0)
		return -1;
	st = spool_put(sp, ec.res, id, text, tlen, name, err, sizeof(err));
	free(text);
	json_object_put(ev);
	if (st == SPOOL_FAILED) {
		fprintf(stderr, "mkrow: %s\n", err);
		return -1;
	}
	if (st == SPOOL_DUPLICATE)
		printf("duplicate\n");
	else
		printf("%s/new/%s\n", event_resource_name(ec.res), name);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct spool	 sp;
	char		*line = NULL, err[256];
	size_t		 cap = 0;
	ssize_t		 n;
	int		 rc = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mkrow SPOOL [RESOURCE] < payloads\n");
		return EX_USAGE;
	}
	if (spool_open(&sp, argv[1], 0640, SYNC_NONE, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "mkrow: %s\n", err);
		return EX_TEMPFAIL;
	}
	while ((n = getline(&line, &cap, stdin)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (put_line(&sp, line, (size_t)n, argc == 3 ? argv[2] :
		    NULL) == -1)
			rc = 1;
	}
	free(line);
	spool_close(&sp);
	return rc;
}
