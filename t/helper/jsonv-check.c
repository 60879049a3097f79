/* SPDX-License-Identifier: ISC */
/*
 * jsonv-check: for each line of standard input (a candidate text, in
 * hex), print 1 if jsonv_valid() accepts it, else 0.  t0030 compares the
 * verdicts with Node's JSON.parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
main(void)
{
	static char	line[1 << 16];
	unsigned char	buf[sizeof(line) / 2];
	size_t		n, i;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		n = strcspn(line, "\n");
		if (n % 2 != 0)
			return 2;
		for (i = 0; i < n / 2; i++) {
			int hi = unhex(line[2 * i]), lo = unhex(line[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return 2;
			buf[i] = (unsigned char)(hi << 4 | lo);
		}
		putchar(jsonv_valid(buf, n / 2, 1000) ? '1' : '0');
		putchar('\n');
	}
	return ferror(stdin) || fflush(stdout) == EOF;
}
