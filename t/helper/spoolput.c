/* SPDX-License-Identifier: ISC */
/*
 * spoolput: write the row on stdin into SPOOL under RESOURCE, exactly
 * once for KEY, as the responder does (recovery first, then spool_put).
 * Prints "written NAME", "duplicate" or "failed: ERR".  For the tests.
 */
#include <stdio.h>
#include <string.h>

#include "spool.h"

int
main(int argc, char *argv[])
{
	struct spool	sp;
	enum resource	res;
	char		row[65536], err[512], name[SPOOL_NAME_MAX];
	size_t		len;

	if (argc != 4 || event_resource_parse(argv[2], &res) == -1) {
		fprintf(stderr, "usage: spoolput SPOOL RESOURCE KEY < row\n");
		return 64;
	}
	len = fread(row, 1, sizeof(row), stdin);
	while (len > 0 && row[len - 1] == '\n')
		len--;
	if (spool_open(&sp, argv[1], 0640, SYNC_FULL, err, sizeof(err)) ==
	    -1 || spool_recover(&sp, err, sizeof(err)) == -1) {
		printf("failed: %s\n", err);
		return 75;
	}
	switch (spool_put(&sp, res, argv[3], row, len, name, err,
	    sizeof(err))) {
	case SPOOL_WRITTEN:
		printf("written %s\n", name);
		break;
	case SPOOL_DUPLICATE:
		printf("duplicate\n");
		break;
	case SPOOL_FAILED:
		printf("failed: %s\n", err);
		spool_close(&sp);
		return 75;
	}
	spool_close(&sp);
	return 0;
}
