/* SPDX-License-Identifier: ISC */
/* config: every key, profiles, rotation, and each error. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static char	dir[] = "/tmp/hw-config.XXXXXX";
static char	path[256];
static char	err[CONFIG_ERR_MAX];

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char	p[512];
	FILE	*fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	fp = fopen(p, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(p, mode);
}

/* Load text as the configuration; 0 or -1 as config_load. */
static int
load(const char *text, struct config *cfg)
{
	write_file("hw.conf", text, 0600);
	return config_load(path, cfg, err, sizeof(err));
}

#define BASE \
	"spool_dir = /var/spool/hw\n" \
	"signature_secret = sig-one\n" \
	"encryption_secret = c2VjcmV0\n" \
	"encryption_salt = salt-one\n"

/* The configuration must be refused with a message containing want. */
static void
refused(const char *text, const char *want, const char *what)
{
	struct config	cfg;
	int		rc = load(text, &cfg);

	ok(rc == -1 && strstr(err, want) != NULL, "refused: %s", what);
	if (rc == 0)
		config_free(&cfg);
	else if (strstr(err, want) == NULL)
		printf("#   error was: %s#   wanted: %s\n", err, want);
}

static void
test_defaults(void)
{
	struct config		 cfg;
	struct profile_keys	*keys = NULL;
	const struct profile	*p;

	if (!ok(load("# comment\n\n" BASE, &cfg) == 0, "minimal config")) {
		printf("# %s", err);
		return;
	}
	p = config_profile(&cfg, NULL);
	ok(p != NULL && strcmp(p->name, "default") == 0, "top level is "
	    "profile default");
	is_str(p->spool_dir, "/var/spool/hw", "spool_dir");
	is_int(p->nsig, 1, "one signature secret");
	ok(p->sig[0].len == 7 && memcmp(p->sig[0].buf, "sig-one", 7) == 0,
	    "signature secret bytes as written");
	ok(p->nenc == 1 && p->enc[0].secret.len == 6 &&
	    memcmp(p->enc[0].secret.buf, "secret", 6) == 0,
	    "encryption secret is base64-decoded");
	ok(p->enc[0].salt.len == 8 && memcmp(p->enc[0].salt.buf, "salt-one",
	    8) == 0, "salt bytes as written");
	is_int(p->tolerance, 300, "timestamp_tolerance defaults to 300");
	is_int(p->max_body, 1024 * 1024, "max_body defaults to 1m");
	is_int(p->file_mode, 0640, "file_mode defaults to 0640");
	is_int(p->sync, SYNC_FULL, "sync defaults to full");
	ok(config_profile(&cfg, "") == p, "empty profile name is the top "
	    "level");
	ok(config_profile(&cfg, "nope") == NULL, "unknown profile");
	ok(config_prepare(&cfg, &keys, err, sizeof(err)) == 0 &&
	    keys[0].macs_ready && keys[0].aead_ready && keys[0].nsig == 1 &&
	    keys[0].naead == 1, "keys derived, apart from the configuration");
	ok(p->enc[0].secret.buf == NULL, "raw encryption secret wiped "
	    "after derivation");
	ok(p->sig[0].buf == NULL, "raw signature secret wiped once the MAC "
	    "is keyed");
	config_keys_free(keys, cfg.nprofiles);
	config_free(&cfg);
}

static void
test_keys(void)
{
	struct config	 cfg;
	const struct profile *p;

	if (!ok(load(BASE "timestamp_tolerance = 0\nmax_body = 512k\n"
	    "file_mode = 0600\nsync = none\n", &cfg) == 0, "every key")) {
		printf("# %s", err);
		return;
	}
	p = config_profile(&cfg, NULL);
	is_int(p->tolerance, 0, "timestamp_tolerance 0 turns it off");
	is_int(p->max_body, 512 * 1024, "max_body 512k");
	is_int(p->file_mode, 0600, "file_mode 0600");
	is_int(p->sync, SYNC_NONE, "sync none");
	config_free(&cfg);
	ok(load(BASE "max_body = 2m\n", &cfg) == 0 &&
	    config_profile(&cfg, NULL)->max_body == 2 * 1024 * 1024,
	    "max_body 2m");
	config_free(&cfg);
	ok(load(BASE "max_body = 1000\n", &cfg) == 0 &&
	    config_profile(&cfg, NULL)->max_body == 1000, "max_body bytes");
	config_free(&cfg);
	ok(load("  spool_dir=/x  \n  signature_secret   =  a b  \n"
	    "encryption_secret=c2VjcmV0\nencryption_salt=s\n", &cfg) == 0 &&
	    config_profile(&cfg, NULL)->sig[0].len == 3,
	    "white space around keys and values is trimmed, inner kept");
	config_free(&cfg);
}

static void
test_rotation(void)
{
	struct config	 cfg;
	const struct profile *p;

	if (!ok(load("spool_dir = /s\nsignature_secret = new\n"
	    "signature_secret = old\nencryption_secret = bmV3\n"
	    "encryption_salt = s1\nencryption_secret = b2xk\n"
	    "encryption_salt = s2\n", &cfg) == 0, "rotation")) {
		printf("# %s", err);
		return;
	}
	p = config_profile(&cfg, NULL);
	is_int(p->nsig, 2, "two signature secrets");
	is_int(p->nenc, 2, "two encryption secrets");
	ok(memcmp(p->enc[1].secret.buf, "old", 3) == 0 &&
	    memcmp(p->enc[1].salt.buf, "s2", 2) == 0,
	    "second secret paired with second salt");
	config_free(&cfg);
	ok(load("spool_dir = /s\nsignature_secret = a\n"
	    "encryption_secret = bmV3\nencryption_secret = b2xk\n"
	    "encryption_salt = one\n", &cfg) == 0 &&
	    config_profile(&cfg, NULL)->enc[1].salt.len == 3,
	    "one salt serves every secret");
	config_free(&cfg);
	refused("spool_dir = /s\nsignature_secret = a\n"
	    "encryption_secret = bmV3\nencryption_secret = b2xk\n"
	    "encryption_secret = b2xk\nencryption_salt = one\n"
	    "encryption_salt = two\n", "encryption_salt",
	    "3 secrets with 2 salts");
	refused(BASE "signature_secret = 2\nsignature_secret = 3\n"
	    "signature_secret = 4\nsignature_secret = 5\n",
	    "more than 4 times", "five signature secrets");
}

static void
test_profiles(void)
{
	struct config	 cfg;
	const struct profile *a, *b, *top;

	if (!ok(load(BASE "max_body = 2k\n[profile a]\nspool_dir = /a\n"
	    "signature_secret = sig-a\n\n[profile b]\n"
	    "encryption_secret = Yg==\nencryption_salt = salt-b\n"
	    "sync = none\n", &cfg) == 0, "profiles")) {
		printf("# %s", err);
		return;
	}
	top = config_profile(&cfg, NULL);
	a = config_profile(&cfg, "a");
	b = config_profile(&cfg, "b");
	ok(a != NULL && b != NULL && top != NULL, "three profiles usable");
	is_str(a->spool_dir, "/a", "a overrides spool_dir");
	ok(a->nsig == 1 && memcmp(a->sig[0].buf, "sig-a", 5) == 0,
	    "a's signature secret replaces the top level's");
	ok(a->nenc == 1 && memcmp(a->enc[0].salt.buf, "salt-one", 8) == 0,
	    "a inherits the encryption secret and salt");
	is_int(a->max_body, 2048, "a inherits max_body");
	is_str(b->spool_dir, "/var/spool/hw", "b inherits spool_dir");
	ok(b->enc[0].secret.len == 1 && b->enc[0].secret.buf[0] == 'b',
	    "b has its own encryption secret");
	is_int(b->sync, SYNC_NONE, "b sets sync");
	is_int(top->sync, SYNC_FULL, "top level keeps its own sync");
	config_free(&cfg);

	/* Profiles may carry all the secrets; the top level is then unused. */
	ok(load("spool_dir = /s\n[profile only]\nsignature_secret = a\n"
	    "encryption_secret = Yg==\nencryption_salt = s\n", &cfg) == 0,
	    "incomplete top level is fine when profiles are complete");
	ok(config_profile(&cfg, NULL) == NULL &&
	    config_profile(&cfg, "only") != NULL,
	    "only the complete profile is usable");
	config_free(&cfg);
	/* A comment after a header (names hold no '#'), not after a value. */
	ok(load(BASE "[profile c]   # the second organization\n"
	    "signature_secret = s#not-a-comment\n", &cfg) == 0 &&
	    config_profile(&cfg, "c") != NULL &&
	    config_profile(&cfg, "c")->sig[0].len == 15,
	    "a comment after [profile c]; '#' in a value is the value's");
	config_free(&cfg);
	refused(BASE "[profile c] ] # x\n", "bad profile name",
	    "a header with junk before its comment");
	refused(BASE "[profile x]\n[profile x]\n", "defined twice",
	    "profile defined twice");
	refused(BASE "[profile default]\n", "top level", "profile default");
	refused(BASE "[profile a b]\n", "bad profile name",
	    "profile name with a space");
	refused(BASE "[section]\n", "expected [profile NAME]",
	    "section that is not a profile");
	refused("spool_dir = /s\n[profile p]\nsignature_secret = a\n",
	    "profile p: encryption_secret", "incomplete profile");
}

static void
test_files(void)
{
	struct config	cfg;
	char		text[1024];

	write_file("sig", "from-file\n", 0600);
	write_file("enc", "c2VjcmV0\r\n", 0600);
	write_file("salt", "salt with spaces ", 0400);
	snprintf(text, sizeof(text), "spool_dir = /s\n"
	    "signature_secret_file = %s/sig\nencryption_secret_file = %s/enc\n"
	    "encryption_salt_file = %s/salt\n", dir, dir, dir);
	if (ok(load(text, &cfg) == 0, "secrets from files")) {
		const struct profile *p = config_profile(&cfg, NULL);

		ok(p->sig[0].len == 9 && memcmp(p->sig[0].buf, "from-file",
		    9) == 0, "one trailing newline stripped");
		ok(p->enc[0].secret.len == 6, "CRLF stripped, base64 decoded");
		ok(p->enc[0].salt.len == 17, "salt file kept as is, spaces "
		    "included");
		config_free(&cfg);
	} else
		printf("# %s", err);
	write_file("sig", "from-file\n", 0640);
	refused(text, "readable by its group", "group-readable secret file");
	snprintf(text, sizeof(text), "allow_group_readable_secrets = yes\n"
	    "spool_dir = /s\nsignature_secret_file = %s/sig\n"
	    "encryption_secret_file = %s/enc\nencryption_salt = x\n", dir,
	    dir);
	ok(load(text, &cfg) == 0, "group-readable allowed when told");
	config_free(&cfg);
	write_file("sig", "from-file\n", 0644);
	refused(text, "readable by others", "world-readable secret file, "
	    "even when group is allowed");
	snprintf(text, sizeof(text), BASE "signature_secret_file = %s/none\n",
	    dir);
	refused(text, "No such file", "missing secret file");
}

static void
test_errors(void)
{
	struct config	cfg;

	refused(BASE "colour = blue\n", "unknown key", "unknown key");
	ok(strstr(err, "colour") == NULL, "an unknown key is not quoted");
	refused(BASE "colour = blue\n", "hw.conf:5:", "errors name file "
	    "and line");
	refused("signature_secret = a\nencryption_secret = c2VjcmV0\n"
	    "encryption_salt = s\n", "spool_dir is required",
	    "missing spool_dir");
	refused("spool_dir = /s\nencryption_secret = c2VjcmV0\n"
	    "encryption_salt = s\n", "signature_secret", "missing secret");
	refused("spool_dir = /s\nsignature_secret = a\nencryption_salt = s\n",
	    "encryption_secret", "missing encryption secret");
	refused("spool_dir = /s\nsignature_secret = a\n"
	    "encryption_secret = not-base64!\nencryption_salt = s\n",
	    "not valid base64", "bad base64");
	refused(BASE "spool_dir = /other\n", "given twice", "spool_dir twice");
	refused(BASE "spool_dir2\n", "expected key = value", "no =");
	refused(BASE "timestamp_tolerance = -5\n", "timestamp_tolerance",
	    "negative tolerance");
	refused(BASE "timestamp_tolerance = 5s\n", "timestamp_tolerance",
	    "tolerance with junk");
	refused(BASE "max_body = 0\n", "max_body", "max_body 0");
	refused(BASE "max_body = 1g\n", "max_body", "max_body 1g");
	refused(BASE "max_body = 65m\n", "max_body", "max_body above 64m");
	refused(BASE "file_mode = 0777\n", "file_mode", "executable rows");
	refused(BASE "file_mode = 9\n", "file_mode", "not octal");
	refused(BASE "sync = sometimes\n", "sync", "bad sync");
	refused(BASE "signature_secret =\n", "empty value", "empty secret");
	refused("spool_dir = relative/path\nsignature_secret = a\n"
	    "encryption_secret = c2VjcmV0\nencryption_salt = s\n",
	    "absolute", "relative spool_dir");
	/* Every problem is reported, not only the first. */
	refused(BASE "a = 1\nb = 2\n", "hw.conf:6: unknown key",
	    "every error reported");
	ok(config_load("/nonexistent/hw.conf", &cfg, err, sizeof(err)) ==
	    -1 && strstr(err, "/nonexistent/hw.conf") != NULL,
	    "missing file named");
	ok(strstr(err, "sig-one") == NULL, "no secret in error text");
	refused(BASE "signature_secret = x\ncolour = 1\n", "hw.conf:6:",
	    "error after a secret");
	ok(strstr(err, "sig-one") == NULL && strstr(err, "c2VjcmV0") == NULL,
	    "errors never quote secrets");
}

/* The review's two leaks: neither a line's text nor a key is quoted. */
static void
test_no_quoting(void)
{
	struct config	 cfg;
	struct stat	 st;
	char		 text[1024], fifo[300];

	refused(BASE "WhQIW144O6v5/Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA==\n",
	    "hw.conf:5: unknown key", "a base64 secret on a line of its own");
	ok(strstr(err, "WhQIW144") == NULL, "... and it is not quoted");
	refused(BASE "signature_secret whsec_LEAKEDSECRET=x\n",
	    "hw.conf:5: unknown key", "a key with a secret pasted in");
	ok(strstr(err, "LEAKED") == NULL, "... and it is not quoted");
	/* Inline secrets in a world-readable file: refused. */
	write_file("hw.conf", BASE, 0644);
	ok(config_load(path, &cfg, err, sizeof(err)) == -1 &&
	    strstr(err, "readable by others") != NULL,
	    "inline secrets, mode 0644: refused");
	write_file("hw.conf", BASE, 0640);
	if (ok(config_load(path, &cfg, err, sizeof(err)) == 0,
	    "inline secrets, mode 0640: group may read"))
		config_free(&cfg);
	snprintf(text, sizeof(text), "spool_dir = /s\n"
	    "signature_secret_file = %s/sig\nencryption_secret_file = %s/enc\n"
	    "encryption_salt = s\n", dir, dir);
	write_file("sig", "sig-one\n", 0600);
	write_file("enc", "c2VjcmV0\n", 0600);
	write_file("hw.conf", text, 0644);
	if (ok(config_load(path, &cfg, err, sizeof(err)) == 0,
	    "secrets in files, the file 0644: fine"))
		config_free(&cfg);
	/* A FIFO as a secret file: refused at once, not waited on. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ok(mkfifo(fifo, 0600) == 0 && stat(fifo, &st) == 0, "made a FIFO");
	snprintf(text, sizeof(text), BASE "signature_secret_file = %s\n",
	    fifo);
	refused(text, "not a regular file", "a FIFO as a secret file");
}

static void
test_new_keys(void)
{
	struct config	 cfg;
	const struct profile *p;

	if (ok(load(BASE, &cfg) == 0, "defaults of the new keys")) {
		p = config_profile(&cfg, NULL);
		is_int(p->body_timeout, 30, "body_timeout defaults to 30");
		ok(p->quarantine_max == 256ULL * 1024 * 1024,
		    "quarantine_max defaults to 256m");
		config_free(&cfg);
	}
	if (ok(load(BASE "body_timeout = 5\nquarantine_max = 2g\n"
	    "[profile b]\nquarantine_max = 0\n", &cfg) == 0, "set them")) {
		p = config_profile(&cfg, NULL);
		is_int(p->body_timeout, 5, "body_timeout 5");
		ok(p->quarantine_max == 2ULL << 30, "quarantine_max 2g");
		p = config_profile(&cfg, "b");
		ok(p != NULL && p->body_timeout == 5 && p->quarantine_max == 0,
		    "a profile inherits body_timeout, overrides quarantine_max");
		config_free(&cfg);
	}
	refused(BASE "body_timeout = 0\n", "body_timeout", "body_timeout 0");
	refused(BASE "body_timeout = 3601\n", "body_timeout",
	    "body_timeout over an hour");
	refused(BASE "quarantine_max = 2t\n", "quarantine_max",
	    "quarantine_max with t");
	refused(BASE "quarantine_max = 1025g\n", "quarantine_max",
	    "quarantine_max over 1024g");
	refused(BASE "body_timeout = 5\nbody_timeout = 6\n", "given twice",
	    "body_timeout twice");
}

static void
test_sizes(void)
{
	size_t	n;

	ok(config_parse_size("1m", &n) == 0 && n == 1048576, "size 1m");
	ok(config_parse_size("64K", &n) == 0 && n == 65536, "size 64K");
	ok(config_parse_size("", &n) == -1, "size empty");
	ok(config_parse_size("-1", &n) == -1, "size negative");
	ok(config_parse_size("1mb", &n) == -1, "size junk suffix");
	ok(config_parse_size("99999999999999999999", &n) == -1,
	    "size overflow");
}

int
main(void)
{
	alarm(60);	/* a hang (a FIFO opened blocking) fails, not waits */
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/hw.conf", dir);
	setenv("HUMANOS_WEBHOOK_CONFIG", "/etc/x.conf", 1);
	is_str(config_default_path(), "/etc/x.conf",
	    "$HUMANOS_WEBHOOK_CONFIG is the default path");
	test_defaults();
	test_keys();
	test_rotation();
	test_profiles();
	test_files();
	test_errors();
	test_no_quoting();
	test_new_keys();
	test_sizes();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 99;
	}
	return tap_done();
}
