/* SPDX-License-Identifier: ISC */
/*
 * spooltool: humanos-spool's helpers: row names listed and sorted, claim,
 * finish, the number and duration parsers, resources, field escapes.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spooltool.h"
#include "tap.h"

#define N1	"1764133376000001.0000042.json"
#define N2	"1764133376000002.0000042.json"
#define N3	"1764133376000003.0000001.json"

static char	dir[] = "/tmp/hw-st.XXXXXX";
static int	dfd = -1;

static int
touch(const char *name)
{
	int	fd;

	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
	    -1)
		return -1;
	return close(fd);
}

static void
test_names(void)
{
	struct hs_names	names;
	char		cmd[128];

	ok(touch(N3) == 0 && touch(N1) == 0 && touch(N2) == 0,
	    "three rows, out of order");
	ok(touch("1764133376000004.0000042.json.tmp") == 0 &&
	    touch(".1764133376000005.0000042.json") == 0 &&
	    touch("176413337600006.0000042.json") == 0 &&
	    touch("junk") == 0, "names that are no row's");
	ok(mkdirat(dfd, "1764133376000007.0000042.json", 0700) == 0 &&
	    symlinkat(N1, dfd, "1764133376000008.0000042.json") == 0,
	    "a directory and a symlink with row names");
	is_int(hs_names_load(dfd, &names), 0, "names loaded");
	is_int(names.n, 3, "regular files with row names only");
	if (names.n == 3) {
		is_str(names.v[0], N1, "sorted: first");
		is_str(names.v[1], N2, "sorted: second");
		is_str(names.v[2], N3, "sorted: third");
	}
	hs_names_free(&names);
	ok(names.v == NULL && names.n == 0, "freed and cleared");
	is_int(hs_names_load_all(dfd, &names), 0, "all names loaded");
	is_int(names.n, 5, "with the directory and the symlink");
	if (names.n == 5)
		is_str(names.v[4], "1764133376000008.0000042.json",
		    "still sorted");
	hs_names_free(&names);
	is_int(lseek(dfd, 0, SEEK_CUR), 0, "dirfd is not moved");
	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
	is_int(system(cmd), 0, "cleaned up");
}

static void
test_claim_finish(void)
{
	int	fd, fd2, other;

	ok(touch(N1) == 0 && mkfifo("fifo.tmp", 0600) == 0 &&
	    renameat(AT_FDCWD, "fifo.tmp", dfd, N2) == 0 &&
	    symlinkat(N1, dfd, N3) == 0, "a row, a fifo and a symlink");
	ok((fd = hs_claim(dfd, N1)) != -1, "claim a row");
	errno = 0;
	is_int(hs_claim(dfd, N1), -1, "claimed twice: -1");
	is_int(errno, EWOULDBLOCK, "with EWOULDBLOCK");
	errno = 0;
	is_int(hs_claim(dfd, N2), -1, "a fifo is never opened");
	is_int(errno, EINVAL, "with EINVAL");
	errno = 0;
	is_int(hs_claim(dfd, N3), -1, "a symlink is not followed");
	is_int(errno, EINVAL, "with EINVAL");
	errno = 0;
	is_int(hs_claim(dfd, "1764133376000009.0000042.json"), -1,
	    "a missing row");
	is_int(errno, ENOENT, "with ENOENT");
	ok(mkdirat(dfd, "to", 0700) == 0 && (other = openat(dfd, "to",
	    O_RDONLY | O_DIRECTORY)) != -1, "a destination directory");
	is_int(hs_finish(dfd, other, N1), 0, "finish: moved");
	ok(faccessat(dfd, N1, F_OK, 0) == -1 && faccessat(other, N1, F_OK, 0)
	    == 0, "from one directory to the other");
	close(fd);
	ok((fd2 = hs_claim(other, N1)) != -1, "the lock died with its fd");
	is_int(hs_finish(other, -1, N1), 0, "finish: unlinked");
	ok(faccessat(other, N1, F_OK, 0) == -1, "gone");
	close(fd2);
	is_int(hs_finish(other, -1, N1), -1, "finish of a missing row: -1");
	is_int(hs_finish(dfd, other, N1), -1, "nor moved");
	close(other);
	unlinkat(dfd, "to", AT_REMOVEDIR);
	unlinkat(dfd, N2, 0);
	unlinkat(dfd, N3, 0);
}

static void
test_parsers(void)
{
	long long	v = -1;
	long		ms = -1;

	is_int(hs_parse_number("5", 10, &v), 0, "number");
	is_int(v, 5, "its value");
	is_int(hs_parse_number("10", 10, &v), 0, "number: the maximum");
	is_int(hs_parse_number("11", 10, &v), -1, "refused: over the max");
	is_int(hs_parse_number("", 10, &v), -1, "refused: empty");
	is_int(hs_parse_number("1a", 10, &v), -1, "refused: a letter");
	is_int(hs_parse_number("-1", 10, &v), -1, "refused: a sign");
	is_int(hs_parse_number("1234567890123456789", HS_GC_MAX, &v), -1,
	    "refused: 19 digits");

	is_int(hs_parse_duration("30d", &v), 0, "duration 30d");
	is_int(v, 30 * 86400, "in seconds");
	ok(hs_parse_duration("12h", &v) == 0 && v == 12 * 3600, "12h");
	ok(hs_parse_duration("90m", &v) == 0 && v == 90 * 60, "90m");
	ok(hs_parse_duration("3600s", &v) == 0 && v == 3600, "3600s");
	ok(hs_parse_duration("3600", &v) == 0 && v == 3600, "3600");
	ok(hs_parse_duration("2w", &v) == 0 && v == 14 * 86400, "2w");
	ok(hs_parse_duration("0", &v) == 0 && v == 0, "0");
	is_int(hs_parse_duration("", &v), -1, "refused: empty");
	is_int(hs_parse_duration("d", &v), -1, "refused: a unit alone");
	is_int(hs_parse_duration("10x", &v), -1, "refused: unknown unit");
	is_int(hs_parse_duration("10D", &v), -1, "refused: upper case");
	is_int(hs_parse_duration("-1d", &v), -1, "refused: negative");
	is_int(hs_parse_duration("1 d", &v), -1, "refused: a space");
	ok(hs_parse_duration("36600d", &v) == 0 && v == 36600LL * 86400,
	    "100 years, about");
	is_int(hs_parse_duration("36601d", &v), -1, "refused: past the max");

	is_int(hs_parse_seconds("5", &ms), 0, "seconds 5");
	is_int(ms, 5000, "in ms");
	ok(hs_parse_seconds("0.5", &ms) == 0 && ms == 500, "0.5");
	ok(hs_parse_seconds("1.25", &ms) == 0 && ms == 1250, "1.25");
	ok(hs_parse_seconds("0.001", &ms) == 0 && ms == 1, "0.001");
	ok(hs_parse_seconds("604800", &ms) == 0 && ms == 604800000L,
	    "a week");
	is_int(hs_parse_seconds("0", &ms), -1, "refused: 0");
	is_int(hs_parse_seconds("0.0001", &ms), -1, "refused: under a ms");
	is_int(hs_parse_seconds("604800.001", &ms), -1,
	    "refused: over a week");
	is_int(hs_parse_seconds("1.", &ms), -1, "refused: a bare dot");
	is_int(hs_parse_seconds(".5", &ms), -1, "refused: no whole part");
	is_int(hs_parse_seconds("1s", &ms), -1, "refused: a unit");
}

static void
test_resources(void)
{
	struct hs_resources	rs;
	char			err[256] = "", *kyc[] = { "kyc", "forms" };
	char			*q[] = { "quarantine" }, *dash[] = { "-" };
	char			*bad[] = { "kyc", "nope" };
	int			i, n;

	is_int(hs_resources_parse(0, NULL, 0, 0, &rs, err, sizeof(err)), 0,
	    "no names");
	for (i = n = 0; i < RES__COUNT; i++)
		n += rs.on[i];
	ok(n == RES__EVENTS && !rs.on[RES_QUARANTINE] && !rs.stdin_rows,
	    "every event resource, not the quarantine");
	is_int(hs_resources_parse(2, kyc, 0, 0, &rs, err, sizeof(err)), 0,
	    "kyc forms");
	for (i = n = 0; i < RES__COUNT; i++)
		n += rs.on[i];
	ok(n == 2 && rs.on[RES_KYC] && rs.on[RES_FORMS], "those two only");
	is_int(hs_resources_parse(1, q, 1, 0, &rs, err, sizeof(err)), 0,
	    "quarantine where allowed");
	ok(rs.on[RES_QUARANTINE], "on");
	is_int(hs_resources_parse(1, q, 0, 0, &rs, err, sizeof(err)), -1,
	    "quarantine refused elsewhere");
	is_str(err, "unknown resource 'quarantine' (kyc, signatures, "
	    "consents, forms, credentials, otp, other)", "and named");
	is_int(hs_resources_parse(1, dash, 0, 1, &rs, err, sizeof(err)), 0,
	    "- where allowed");
	ok(rs.stdin_rows, "rows from stdin");
	is_int(hs_resources_parse(1, dash, 1, 0, &rs, err, sizeof(err)), -1,
	    "- refused elsewhere");
	is_str(err, "unknown resource '-' (kyc, signatures, consents, forms, "
	    "credentials, otp, other, quarantine)", "the list says quarantine");
	is_int(hs_resources_parse(2, bad, 0, 0, &rs, err, sizeof(err)), -1,
	    "an unknown name");
	is_str(err, "unknown resource 'nope' (kyc, signatures, consents, "
	    "forms, credentials, otp, other)", "is named");
}

/* hs_put_field() of len bytes of s, as a string. */
static const char *
field(enum hs_format fmt, const char *s, size_t len)
{
	static char	 out[256];
	FILE		*fp;

	memset(out, 0, sizeof(out));
	if ((fp = fmemopen(out, sizeof(out) - 1, "w")) == NULL)
		return NULL;
	hs_put_field(fp, fmt, s, len);
	fclose(fp);
	return out;
}

static void
test_put_field(void)
{
	static const char	tsv[] = "a\tb\nc\\d\re\0f\"g,h";

	is_str(field(HS_TSV, tsv, sizeof(tsv) - 1),
	    "a\\tb\\nc\\\\d\\re\\0f\"g,h", "TSV: tab, newline, backslash, "
	    "CR and NUL escaped; quotes and commas not");
	is_str(field(HS_TSV, "plain", 5), "plain", "TSV: plain as is");
	is_str(field(HS_TSV, "ab", 1), "a", "TSV: len bytes only");
	is_str(field(HS_CSV, "plain text", 10), "plain text",
	    "CSV: plain as is");
	is_str(field(HS_CSV, "a,b", 3), "\"a,b\"", "CSV: a comma quotes");
	is_str(field(HS_CSV, "say \"hi\"", 8), "\"say \"\"hi\"\"\"",
	    "CSV: quotes doubled inside quotes");
	is_str(field(HS_CSV, "a\nb", 3), "\"a\nb\"", "CSV: newline quoted");
	is_str(field(HS_CSV, "a\rb", 3), "\"a\rb\"", "CSV: CR quoted");
	is_str(field(HS_CSV, "a\tb\\", 4), "a\tb\\",
	    "CSV: tab and backslash as they are");
	is_str(field(HS_TSV, "", 0), "", "empty");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL || chdir(dir) == -1 ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1) {
		ok(0, "temporary directory");
		return tap_done();
	}
	test_names();
	test_claim_finish();
	test_parsers();
	test_resources();
	test_put_field();
	close(dfd);
	chdir("/");
	rmdir(dir);
	return tap_done();
}
