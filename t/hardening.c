/* SPDX-License-Identifier: ISC */
/*
 * hardening: the input bounds and secret handling of SECURITY.md, unit by
 * unit: x-timestamp parsing, base64 and signature-hex edge cases, whole
 * MAC comparison, body bounds before any parsing, secret file modes,
 * key wiping, and row modes whatever the umask.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "config.h"
#include "request.h"
#include "sig.h"
#include "spool.h"
#include "tap.h"

#define SECRET	"hardening-signature-secret"
#define ENC	"aGFyZGVuaW5nLWVuY3J5cHRpb24tc2VjcmV0"	/* base64 */
#define SALT	"hardening-salt"
#define NOW_MS	1754923963854LL

static char	tmp[] = "/tmp/hw-hardening.XXXXXX";

static int64_t
fixed_now(void)
{
	return NOW_MS;
}

static void
put_file(const char *name, const char *text, mode_t mode)
{
	char	path[256];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) == -1 || close(fd) == -1) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Load a configuration of text; 0 or -1, err kept for the caller. */
static int
load(const char *text, struct config *cfg, char *err, size_t errlen)
{
	char	path[256];

	put_file("t.conf", text, 0600);
	snprintf(path, sizeof(path), "%s/t.conf", tmp);
	return config_load(path, cfg, err, errlen);
}

/* s made printable for a TAP line. */
static const char *
vis(const char *s)
{
	static char	buf[128];
	size_t		n = 0;

	for (; *s != '\0' && n + 5 < sizeof(buf); s++) {
		if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static void
test_timestamp(void)
{
	static const char *const bad[] = {
		"", "+1754923963854", "-1754923963854", " 1754923963854",
		"1754923963854 ", "1754923963854\n", "17549239 63854",
		"1754923963854x", "0x1A", "1e12", "１７",	/* fullwidth */
		"123456789012345678901",	/* 21 digits */
		"000000000000000000001",	/* 21 digits, small value */
		"0000000000000000000000000000001754923963854",
		"9223372036854775808",		/* INT64_MAX + 1 */
		"99999999999999999999",		/* 20 digits, overflows */
		"18446744073709551616", "1.5", "٣",
		NULL
	};
	int64_t	ms;
	size_t	i;

	for (i = 0; bad[i] != NULL; i++)
		ok(req_parse_timestamp(bad[i], &ms) == -1,
		    "timestamp refused: '%s'", vis(bad[i]));
	ok(req_parse_timestamp("1754923963854", &ms) == 0 &&
	    ms == 1754923963854LL, "timestamp: milliseconds");
	ok(req_parse_timestamp("1754923963", &ms) == 0 &&
	    ms == 1754923963000LL, "timestamp: below 10^11 is seconds");
	ok(req_parse_timestamp("99999999999", &ms) == 0 &&
	    ms == 99999999999000LL, "timestamp: 10^11 - 1 is seconds");
	ok(req_parse_timestamp("100000000000", &ms) == 0 &&
	    ms == 100000000000LL, "timestamp: 10^11 is milliseconds");
	ok(req_parse_timestamp("9223372036854775807", &ms) == 0 &&
	    ms == INT64_MAX, "timestamp: INT64_MAX itself");
	ok(req_parse_timestamp("00000000000000000001", &ms) == 0 &&
	    ms == 1000, "timestamp: 20 digits with leading zeros");
	ok(req_parse_timestamp("0", &ms) == 0 && ms == 0, "timestamp: 0");
}

static void
test_b64(void)
{
	static const char *const bad[] = {
		"=", "==", "A", "A===", "AB=", "AB=C", "ABC==",
		"AB==AB==", "AB\n==", "QUJD\n", " QUJD", "QU JD",
		"QUJ-", "QUJ_", "QR==",	/* non-zero trailing bits */
		"QUI=A", "QUJDRA=", "QUJDRA===", NULL
	};
	unsigned char	out[16];
	size_t		i, n;

	for (i = 0; bad[i] != NULL; i++)
		ok(b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n) ==
		    -1, "b64 refused: '%s'", vis(bad[i]));
	ok(b64_decode("", 0, out, sizeof(out), &n) == 0 && n == 0,
	    "b64: empty is empty");
	ok(b64_decode("QUJD", 4, out, 2, &n) == -1,
	    "b64: output bound checked before writing (3 into 2)");
	ok(b64_decode("QUJDRA==", 8, out, 4, &n) == 0 && n == 4 &&
	    memcmp(out, "ABCD", 4) == 0, "b64: padded, exact room");
	ok(b64_decode("QUJDRA", 6, out, 4, &n) == -1,
	    "b64: unpadded refused (SECURITY.md: canonical padding)");
	ok(b64_decode("QUJDRA==", 8, out, 3, &n) == -1,
	    "b64: padded, one byte short of room");
	ok(b64_decode("+/+/", 4, out, sizeof(out), &n) == 0 && n == 3 &&
	    out[0] == 0xfb && out[1] == 0xff && out[2] == 0xbf,
	    "b64: + and / of the standard alphabet");
	/* A NUL inside is a character like any other: refused. */
	ok(b64_decode("QU\0D", 4, out, sizeof(out), &n) == -1,
	    "b64: embedded NUL refused");
}

static void
test_sig_hex(void)
{
	unsigned char	mac[SIG_LEN];
	char		hex[SIG_HEX_LEN + 8];

	memset(hex, 'a', sizeof(hex));
	ok(sig_parse_hex(hex, SIG_HEX_LEN, mac) == 0 && mac[0] == 0xaa,
	    "sig hex: 64 digits");
	ok(sig_parse_hex(hex, SIG_HEX_LEN - 1, mac) == -1,
	    "sig hex: 63 digits refused");
	ok(sig_parse_hex(hex, SIG_HEX_LEN + 1, mac) == -1,
	    "sig hex: 65 digits refused");
	ok(sig_parse_hex(hex, 0, mac) == -1, "sig hex: empty refused");
	hex[10] = 'g';
	ok(sig_parse_hex(hex, SIG_HEX_LEN, mac) == -1,
	    "sig hex: non-hex digit refused");
	hex[10] = ' ';
	ok(sig_parse_hex(hex, SIG_HEX_LEN, mac) == -1,
	    "sig hex: space refused");
	hex[10] = '\0';
	ok(sig_parse_hex(hex, SIG_HEX_LEN, mac) == -1,
	    "sig hex: NUL inside refused");
	memset(hex, 'F', SIG_HEX_LEN);
	ok(sig_parse_hex(hex, SIG_HEX_LEN, mac) == 0 && mac[31] == 0xff,
	    "sig hex: upper case");
}

/* Whole values only: never a prefix, never with anything after. */
static void
test_sig_whole(void)
{
	struct sig_key	k[2];
	unsigned char	mac[SIG_LEN];
	char		hex[SIG_HEX_LEN + 1], buf[SIG_HEX_LEN + 16];
	const char	*ts = "1754923963854", *body = "{\"iv\":\"x\"}";
	size_t		tl = strlen(ts), bl = strlen(body);

	if (sig_key_init(&k[0], "other-secret", 12) == -1 ||
	    sig_key_init(&k[1], SECRET, strlen(SECRET)) == -1 ||
	    sig_compute(&k[1], ts, tl, body, bl, mac) == -1) {
		printf("Bail out! sig_key_init\n");
		exit(1);
	}
	sig_to_hex(mac, hex);
	ok(sig_verify(k, 2, hex, SIG_HEX_LEN, ts, tl, body, bl) == 1,
	    "sig: the right value verifies (second key: rotation)");
	ok(sig_verify(k, 1, hex, SIG_HEX_LEN, ts, tl, body, bl) == -1,
	    "sig: only a configured key verifies");
	ok(sig_verify(k, 2, hex, SIG_HEX_LEN - 1, ts, tl, body, bl) == -1,
	    "sig: its first 63 characters are refused");
	ok(sig_verify(k, 2, hex, 2, ts, tl, body, bl) == -1,
	    "sig: its first 2 characters are refused");
	snprintf(buf, sizeof(buf), "%s0", hex);
	ok(sig_verify(k, 2, buf, strlen(buf), ts, tl, body, bl) == -1,
	    "sig: 65 characters (right 64 plus a digit) refused");
	snprintf(buf, sizeof(buf), "%s, v1=junk", hex);
	ok(sig_verify(k, 2, buf, strlen(buf), ts, tl, body, bl) == -1,
	    "sig: the right 64 plus junk refused");
	snprintf(buf, sizeof(buf), "%s", hex);
	buf[SIG_HEX_LEN - 1] = buf[SIG_HEX_LEN - 1] == '0' ? '1' : '0';
	ok(sig_verify(k, 2, buf, SIG_HEX_LEN, ts, tl, body, bl) == -1,
	    "sig: last digit changed refused");
	snprintf(buf, sizeof(buf), "%s", hex);
	buf[0] = buf[0] == '0' ? '1' : '0';
	ok(sig_verify(k, 2, buf, SIG_HEX_LEN, ts, tl, body, bl) == -1,
	    "sig: first digit changed refused");
	ok(sig_verify(k, 2, hex, SIG_HEX_LEN, ts, tl - 1, body, bl) == -1 &&
	    sig_verify(k, 2, hex, SIG_HEX_LEN, ts, tl, body, bl - 1) == -1,
	    "sig: covers the whole timestamp and the whole body");
	sig_key_free(&k[0]);
	sig_key_free(&k[1]);
}

static void
test_secret_files(void)
{
	struct config	cfg;
	struct profile_keys *keys = NULL;
	char		err[CONFIG_ERR_MAX], text[CONFIG_MAX_SECRET + 512];
	char		link[256], dst[256];
	const char	*head = "spool_dir = /nonexistent\n"
	    "encryption_secret = " ENC "\nencryption_salt = " SALT "\n";

	put_file("sig", SECRET "\n", 0600);
	snprintf(text, sizeof(text), "%ssignature_secret_file = %s/sig\n",
	    head, tmp);
	ok(load(text, &cfg, err, sizeof(err)) == 0 && cfg.profiles[0].nsig == 1 &&
	    cfg.profiles[0].sig[0].len == strlen(SECRET),
	    "secret file 0600: read (less its newline)");
	config_free(&cfg);

	put_file("sig", SECRET, 0640);
	ok(load(text, &cfg, err, sizeof(err)) == -1 &&
	    strstr(err, "readable by its group") != NULL,
	    "secret file 0640: refused");
	ok(strstr(err, SECRET) == NULL, "... and the error shows no secret");

	snprintf(text, sizeof(text), "allow_group_readable_secrets = yes\n"
	    "%ssignature_secret_file = %s/sig\n", head, tmp);
	ok(load(text, &cfg, err, sizeof(err)) == 0,
	    "secret file 0640: read with allow_group_readable_secrets = yes");
	config_free(&cfg);

	put_file("sig", SECRET, 0644);
	ok(load(text, &cfg, err, sizeof(err)) == -1 &&
	    strstr(err, "readable by others") != NULL,
	    "secret file 0644: refused even with the key");
	put_file("sig", SECRET, 0604);
	ok(load(text, &cfg, err, sizeof(err)) == -1,
	    "secret file 0604: refused even with the key");
	put_file("sig", SECRET, 0620);
	snprintf(text, sizeof(text), "%ssignature_secret_file = %s/sig\n",
	    head, tmp);
	ok(load(text, &cfg, err, sizeof(err)) == -1,
	    "secret file 0620 (group-writable): refused without the key");

	put_file("sig", SECRET, 0600);
	snprintf(link, sizeof(link), "%s/sig-link", tmp);
	snprintf(dst, sizeof(dst), "%s/sig", tmp);
	unlink(link);
	if (symlink(dst, link) == -1)
		printf("Bail out! symlink: %s\n", strerror(errno));
	snprintf(text, sizeof(text), "%ssignature_secret_file = %s\n", head,
	    link);
	ok(load(text, &cfg, err, sizeof(err)) == -1,
	    "secret file through a symlink: refused");
	snprintf(text, sizeof(text), "%ssignature_secret_file = %s\n", head,
	    tmp);
	ok(load(text, &cfg, err, sizeof(err)) == -1 &&
	    strstr(err, "not a regular file") != NULL,
	    "secret file that is a directory: refused");

	/* Bounded: a secret of CONFIG_MAX_SECRET bytes, not one more. */
	memset(text, 'k', CONFIG_MAX_SECRET + 1);
	text[CONFIG_MAX_SECRET + 1] = '\0';
	put_file("sig", text, 0600);
	snprintf(text, sizeof(text), "%ssignature_secret_file = %s/sig\n",
	    head, tmp);
	ok(load(text, &cfg, err, sizeof(err)) == -1,
	    "secret file over CONFIG_MAX_SECRET: refused");

	/* Raw encryption secrets and salts are wiped once keys exist. */
	put_file("sig", SECRET, 0600);
	ok(load(text, &cfg, err, sizeof(err)) == 0 &&
	    config_prepare(&cfg, &keys, err, sizeof(err)) == 0 &&
	    cfg.profiles[0].enc[0].secret.buf == NULL &&
	    cfg.profiles[0].enc[0].salt.buf == NULL,
	    "config_prepare: raw encryption secret and salt wiped");
	config_keys_free(keys, cfg.nprofiles);
	config_free(&cfg);
	ok(cfg.profiles == NULL && cfg.nprofiles == 0,
	    "config_free: nothing left");

	/* Rows are never executable, and always readable by their owner. */
	{
		static const char *const bad[] = { "0601", "0500", "0700",
		    "0710", "0641", "0777", "0200", "1640", "640x", NULL };
		size_t	i;

		for (i = 0; bad[i] != NULL; i++) {
			snprintf(text, sizeof(text), "%ssignature_secret = s\n"
			    "file_mode = %s\n", head, bad[i]);
			ok(load(text, &cfg, err, sizeof(err)) == -1,
			    "file_mode %s refused", bad[i]);
		}
		snprintf(text, sizeof(text), "%ssignature_secret = s\n"
		    "file_mode = 0400\n", head);
		ok(load(text, &cfg, err, sizeof(err)) == 0 &&
		    cfg.profiles[0].file_mode == 0400, "file_mode 0400 taken");
		config_free(&cfg);
	}
}

/* The one file in dir (a row); its mode, or -1. */
static int
row_mode(const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	char		 path[512];
	DIR		*d;
	int		 mode = -1;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0)
			mode = st.st_mode & 07777;
		unlink(path);
	}
	closedir(d);
	return mode;
}

/* Rows get file_mode whatever the umask. */
static void
test_row_modes(void)
{
	static const mode_t	masks[] = { 077, 000, 022 };
	static const mode_t	modes[] = { 0640, 0600, 0644 };
	struct spool		sp;
	char			err[256], root[128], name[SPOOL_NAME_MAX];
	char			dir[256], key[80], row[128];
	size_t			i, j;
	int			n = 0;

	for (i = 0; i < sizeof(masks) / sizeof(*masks); i++)
		for (j = 0; j < sizeof(modes) / sizeof(*modes); j++) {
			umask(masks[i]);
			snprintf(root, sizeof(root), "%s/spool-%zu-%zu", tmp,
			    i, j);
			snprintf(key, sizeof(key), "%064d", n++);
			snprintf(row, sizeof(row), "{\"id\":\"%s\"}", key);
			if (spool_open(&sp, root, modes[j], SYNC_NONE, err,
			    sizeof(err)) == -1) {
				ok(0, "spool_open: %s", err);
				continue;
			}
			ok(spool_put(&sp, RES_KYC, key, row, strlen(row), name,
			    err, sizeof(err)) == SPOOL_WRITTEN, "umask %03o: row "
			    "written", (unsigned)masks[i]);
			snprintf(dir, sizeof(dir), "%s/kyc/new", root);
			is_int(row_mode(dir), modes[j], "umask %03o, file_mode "
			    "%04o: the row's mode", (unsigned)masks[i],
			    (unsigned)modes[j]);
			snprintf(key, sizeof(key), "q%064d", n);
			snprintf(row, sizeof(row), "{\"id\":\"%s\"}", key + 1);
			ok(spool_put(&sp, RES_QUARANTINE, key, row, strlen(row),
			    name, err, sizeof(err)) == SPOOL_WRITTEN, "quarantine "
			    "row written");
			snprintf(dir, sizeof(dir), "%s/quarantine/new", root);
			is_int(row_mode(dir), modes[j], "umask %03o, file_mode "
			    "%04o: the quarantine row's mode",
			    (unsigned)masks[i], (unsigned)modes[j]);
			spool_close(&sp);
		}
	umask(022);
}

/* Size bounds: over max_body is refused before anything is parsed. */
static void
test_body_bounds(void)
{
	struct config	 cfg;
	struct profile_keys *keys = NULL;
	struct req_ctx	 ctx;
	struct req_in	 in;
	struct req_out	 out;
	char		 err[CONFIG_ERR_MAX], text[512];
	unsigned char	*body;
	size_t		 max;

	snprintf(text, sizeof(text), "spool_dir = %s/bounds\n"
	    "signature_secret = " SECRET "\nencryption_secret = " ENC "\n"
	    "encryption_salt = " SALT "\nmax_body = 1k\nsync = none\n"
	    "[profile big]\nmax_body = 4k\n", tmp);
	if (load(text, &cfg, err, sizeof(err)) == -1 ||
	    config_prepare(&cfg, &keys, err, sizeof(err)) == -1 ||
	    req_ctx_open(&ctx, &cfg, keys, 0, err, sizeof(err)) == -1) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	ctx.now_ms = fixed_now;
	is_int(req_max_body(&ctx, NULL), 1024, "max_body of the top level");
	is_int(req_max_body(&ctx, "big"), 4096, "max_body of a profile");
	is_int(req_max_body(&ctx, "nope"), 4096,
	    "unknown profile: the largest (the reader's bound)");
	ok(req_ctx_body_max(&ctx) == 4096,
	    "scratch buffers sized by the largest");

	max = 4096;
	body = calloc(1, max + 2);
	memset(&in, 0, sizeof(in));
	in.method = "POST";
	in.timestamp = "1754923963854";
	in.signature = "00";
	in.body = body;
	in.check_time = 1;
	in.bodylen = 1025;
	req_handle(&ctx, &in, &out);
	ok(out.status == 413, "1025 bytes to a 1k profile: 413 (got %d)",
	    out.status);
	in.profile = "big";
	req_handle(&ctx, &in, &out);
	ok(out.status == 401, "... to the 4k profile: on to the signature");
	in.too_large = 1;
	in.bodylen = 10;
	req_handle(&ctx, &in, &out);
	ok(out.status == 413, "the reader saw too much: 413 whatever bodylen");
	in.too_large = 0;
	in.bodylen = 10;
	in.signature = NULL;
	req_handle(&ctx, &in, &out);
	ok(out.status == 401 && strcmp(out.error, "missing_signature") == 0,
	    "no signature: 401 before the timestamp");
	in.method = "PUT";
	req_handle(&ctx, &in, &out);
	ok(out.status == 405, "method first of all");
	free(body);
	req_ctx_free(&ctx);
	config_keys_free(keys, cfg.nprofiles);
	config_free(&cfg);
}

int
main(void)
{
	if (mkdtemp(tmp) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_timestamp();
	test_b64();
	test_sig_hex();
	test_sig_whole();
	test_secret_files();
	test_row_modes();
	test_body_bounds();
	if (tap_failed == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmp);
	}
	return tap_done();
}
