/* SPDX-License-Identifier: ISC */
/* spoolfmt: row names, keys, record paths, the row's first bytes, modes. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spoolfmt.h"
#include "tap.h"

#define ID64	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"
#define ROW	"{\"id\":\"" ID64 "\",\"received_at\":\"x\"}"

static void
test_names(void)
{
	char		name[SF_NAME_MAX];
	uint64_t	usec = 0;
	long		pid = 0;

	is_int(SF_NAME_LEN, 29, "a row name is 29 bytes");
	is_int(sf_name_make(name, 1764133376123456ULL, 4242), 0, "name made");
	is_str(name, "1764133376123456.0004242.json", "16 + 7 digits, .json");
	is_int(sf_name_parse(name, &usec, &pid), 0, "and parsed back");
	ok(usec == 1764133376123456ULL, "its arrival time");
	is_int(pid, 4242, "its pid");
	ok(sf_name_usec(name) == 1764133376123456ULL, "sf_name_usec");
	is_int(sf_name_parse(name, NULL, NULL), 0, "outputs may be NULL");
	is_int(sf_name_make(name, 7, 12345678), 0, "an 8-digit pid is made");
	is_int(sf_name_parse(name, NULL, NULL), -1, "but is no row name");
	is_int(sf_name_parse("1764133376123456.0004242.jso", NULL, NULL), -1,
	    "refused: short");
	is_int(sf_name_parse("1764133376123456.0004242.json~", NULL, NULL), -1,
	    "refused: a trailing byte");
	is_int(sf_name_parse("1764133376123456x0004242.json", NULL, NULL), -1,
	    "refused: no dot after the time");
	is_int(sf_name_parse("17641333761234a6.0004242.json", NULL, NULL), -1,
	    "refused: a letter in the time");
	is_int(sf_name_parse("1764133376123456.000424a.json", NULL, NULL), -1,
	    "refused: a letter in the pid");
	is_int(sf_name_parse("1764133376123456.0004242.jsox", NULL, NULL), -1,
	    "refused: another extension");
	is_int(sf_name_parse(".1764133376123456.0004242.jso", NULL, NULL), -1,
	    "refused: a dotfile");
	is_int(sf_name_parse("", NULL, NULL), -1, "refused: empty");
}

static void
test_keys(void)
{
	char	key[SF_KEY_MAX], rec[SF_RECORD_MAX], sub[SF_SUB_LEN + 1];
	char	tmp[32], long_key[SF_KEY_MAX + 1];

	is_int(sf_key_span("ab12/x"), 4, "span stops at '/'");
	is_int(sf_key_span("Ab"), 0, "span: upper case is no key character");
	ok(sf_key_valid("ab"), "a 2-character key");
	ok(!sf_key_valid("a"), "refused: 1 character");
	ok(!sf_key_valid(""), "refused: empty");
	ok(!sf_key_valid("ab/cd"), "refused: '/'");
	ok(!sf_key_valid("abC"), "refused: upper case");
	ok(!sf_key_valid("ab.12"), "refused: '.'");
	memset(long_key, 'a', SF_KEY_MAX - 1);
	long_key[SF_KEY_MAX - 1] = '\0';
	ok(sf_key_valid(long_key), "SF_KEY_MAX - 1 characters");
	long_key[SF_KEY_MAX - 1] = 'a';
	long_key[SF_KEY_MAX] = '\0';
	ok(!sf_key_valid(long_key), "refused: SF_KEY_MAX characters");

	is_int(sf_key_make(RES_KYC, ID64, key), 0, "event key");
	is_str(key, ID64, "an event's key is its id");
	is_int(sf_key_make(RES_QUARANTINE, ID64, key), 0, "quarantine key");
	is_str(key, "q" ID64, "a quarantine key is q and the id");
	is_int(sf_key_make(RES_OTHER, long_key, key), -1,
	    "a key that does not fit: -1");

	sf_record_path("abcd", rec);
	is_str(rec, "cd/abcd", "record path: <last two>/<key>");
	sf_record_sub(rec, sub);
	is_str(sub, "cd", "its subdirectory");
	sf_ids_sub(0, sub);
	is_str(sub, "00", "first .ids subdirectory");
	sf_ids_sub(SF_IDS_SUBS - 1, sub);
	is_str(sub, "ff", "last .ids subdirectory");
	sf_ids_sub(0xab, sub);
	is_str(sub, "ab", "hex, lower case");
	ok(sf_ids_sub_valid("ab"), "ab is a subdirectory name");
	ok(!sf_ids_sub_valid("a"), "refused: one character");
	ok(!sf_ids_sub_valid("abc"), "refused: three");
	ok(!sf_ids_sub_valid("A1"), "refused: upper case");
	ok(!sf_ids_sub_valid(".."), "refused: ..");

	is_int(sf_record_tmp(rec, 123, tmp, sizeof(tmp)), 0, "record tmp");
	is_str(tmp, "cd/abcd.123", "<record>.<pid>");
	is_int(sf_record_tmp(rec, 123, tmp, 8), -1, "does not fit: -1");
}

/* The two forms of a record's target, and what reads them. */
static void
test_record_target(void)
{
	const char	*n = "1700000000000001.0000042.json";
	char		 t[SF_TARGET_MAX], name[SF_NAME_MAX];
	enum resource	 res;

	is_int(sf_record_target(t, RES_KYC, n, 0), 0, "pending target");
	is_str(t, "kyc/new/1700000000000001.0000042.json",
	    "pending: <resource>/new/<row name>");
	is_int(sf_record_split(t, &res, name), 1, "read as pending");
	ok(res == RES_KYC && strcmp(name, n) == 0, "its resource and row");
	is_int(sf_record_target(t, RES_CONSENTS, n, 1), 0, "settled target");
	is_str(t, "consents/1700000000000001.0000042.json",
	    "settled: <resource>/<row name>");
	is_int(sf_record_split(t, &res, name), 0, "read as settled");
	ok(res == RES_CONSENTS && strcmp(name, n) == 0,
	    "its resource and row");
	ok(sf_record_names("kyc/new/1700000000000001.0000042.json", RES_KYC,
	    n) && sf_record_names("kyc/1700000000000001.0000042.json",
	    RES_KYC, n), "either form names its row");
	ok(!sf_record_names("kyc/new/1700000000000001.0000042.json",
	    RES_FORMS, n), "not another resource's");
	is_int(sf_record_split("kyc/cur/1700000000000001.0000042.json", &res,
	    name), -1, "refused: another middle");
	is_int(sf_record_split("kyc/new/x/1700000000000001.0000042.json",
	    &res, name), -1, "refused: deeper");
	is_int(sf_record_split("nosuch/1700000000000001.0000042.json", &res,
	    name), -1, "refused: no such resource");
	is_int(sf_record_split("kyc/new/notes.txt", &res, name), -1,
	    "refused: not a row name");
	is_int(sf_record_split("kyc", &res, name), -1, "refused: no row");
	is_int(sf_record_split("quarantine/new/1700000000000001.0000042.json",
	    &res, name), 1, "the quarantine's pending");
	ok(res == RES_QUARANTINE, "... of the quarantine");
	is_int(sf_record_split("quarantine/1700000000000001.0000042.json",
	    &res, name), 0, "the quarantine's settled");
	ok(sf_record_names("quarantine/new/1700000000000001.0000042.json",
	    RES_QUARANTINE, n), "a quarantine record names its row");
}

static void
test_record_kind(void)
{
	is_int(sf_record_kind("cd", "abcd"), SF_RECORD, "a record");
	is_int(sf_record_kind("cd", "abcd.123"), SF_RECORD_TMP,
	    "a record's temporary");
	is_int(sf_record_kind("ce", "abcd"), SF_NOT_RECORD,
	    "not in its subdirectory");
	is_int(sf_record_kind("cd", "abcd."), SF_NOT_RECORD, "no pid");
	is_int(sf_record_kind("cd", "abcd.12x"), SF_NOT_RECORD, "bad pid");
	is_int(sf_record_kind("cd", "abcd-1"), SF_NOT_RECORD, "other byte");
	is_int(sf_record_kind("cd", "d"), SF_NOT_RECORD, "too short");
	is_int(sf_record_kind("cd", ".cd"), SF_NOT_RECORD, "a dotfile");
}

static void
test_row_id(void)
{
	char	id[ROW_ID_HEX_LEN + 1], bad[sizeof(ROW)];

	is_int(SF_ID_PEEK, 72, "the peek is the prefix, 64 hex and a quote");
	is_int(sf_row_id(ROW, sizeof(ROW) - 1, id), 0, "row id read");
	is_str(id, ID64, "the id");
	is_int(sf_row_id(ROW, SF_ID_PEEK, id), 0, "SF_ID_PEEK bytes suffice");
	is_int(sf_row_id(ROW, SF_ID_PEEK - 1, id), -1, "refused: one less");
	memcpy(bad, ROW, sizeof(ROW));
	bad[10] = 'A';
	is_int(sf_row_id(bad, sizeof(bad) - 1, id), -1,
	    "refused: upper-case hex");
	memcpy(bad, ROW, sizeof(ROW));
	bad[7 + ROW_ID_HEX_LEN] = 'x';
	is_int(sf_row_id(bad, sizeof(bad) - 1, id), -1,
	    "refused: a longer id");
	is_int(sf_row_id("{\"ID\":\"" ID64 "\"", SF_ID_PEEK, id), -1,
	    "refused: another key");
	is_int(sf_row_id(" {\"id\":\"" ID64 "\"", SF_ID_PEEK + 1, id), -1,
	    "refused: a leading space");
}

static void
test_peek(void)
{
	char	dir[] = "/tmp/hw-sf.XXXXXX", p[128], id[ROW_ID_HEX_LEN + 1];
	int	dfd, fd;

	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY |
	    O_DIRECTORY)) == -1) {
		ok(0, "temporary directory");
		return;
	}
	fd = openat(dfd, "row", O_WRONLY | O_CREAT, 0600);
	ok(fd != -1 && write(fd, ROW, sizeof(ROW) - 1) ==
	    (ssize_t)sizeof(ROW) - 1 && close(fd) == 0, "a row written");
	fd = openat(dfd, "short", O_WRONLY | O_CREAT, 0600);
	ok(fd != -1 && write(fd, ROW, 20) == 20 && close(fd) == 0,
	    "a short file written");
	ok(symlinkat("row", dfd, "link") == 0, "a symlink to the row");
	memset(id, 0, sizeof(id));
	is_int(sf_peek_id(dfd, "row", id), 0, "peek: the row's id");
	is_str(id, ID64, "peek: the id");
	is_int(sf_peek_id(dfd, "short", id), 1, "peek: too short is 1");
	errno = 0;
	is_int(sf_peek_id(dfd, "gone", id), -1, "peek: missing is -1");
	is_int(errno, ENOENT, "with ENOENT");
	is_int(sf_peek_id(dfd, "link", id), -1, "peek: a symlink is not "
	    "followed");
	fd = openat(dfd, "row", O_RDONLY);
	lseek(fd, 30, SEEK_SET);
	is_int(sf_peek_id_fd(fd, id), 0, "peek_fd: the row");
	is_int(lseek(fd, 0, SEEK_CUR), 30, "peek_fd: the offset is kept");
	close(fd);
	is_int(sf_peek_id_fd(-1, id), -1, "peek_fd: a bad fd is -1");
	unlinkat(dfd, "row", 0);
	unlinkat(dfd, "short", 0);
	unlinkat(dfd, "link", 0);
	close(dfd);
	snprintf(p, sizeof(p), "%s", dir);
	rmdir(p);
}

static void
test_modes(void)
{
	is_int(sf_dir_mode(0640), 0750, "0640 rows: 0750 directories");
	is_int(sf_dir_mode(0600), 0700, "0600 rows: 0700 directories");
	is_int(sf_dir_mode(0644), 0755, "0644 rows: 0755 directories");
	is_int(sf_dir_mode(0620), 0720, "no r, no x");
	is_int(sf_dir_mode(04640), 0750, "no special bits");
	is_int(sf_file_mode(0750), 0640, "0750 directory: 0640 rows");
	is_int(sf_file_mode(02775), 0664, "setgid directory: 0664 rows");
	is_int(sf_file_mode(sf_dir_mode(0660)), 0660, "and back");
}

int
main(void)
{
	test_names();
	test_keys();
	test_record_target();
	test_record_kind();
	test_row_id();
	test_peek();
	test_modes();
	return tap_done();
}
