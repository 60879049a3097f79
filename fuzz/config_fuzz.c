/* SPDX-License-Identifier: ISC */
/*
 * config_fuzz: libFuzzer harness over config_load().  Each input is
 * written to a file in a temporary directory (the harness's working
 * directory, so relative *_file paths in the seeds find the secret files
 * made there with modes 0600, 0640 and 0644, and a symlink) and loaded.
 *
 * Invariants (abort on a break): the error report is a NUL-terminated
 * string inside its buffer; a failed load leaves the config zeroed; a
 * successful one has at least one usable profile whose values are in
 * their documented ranges (spool_dir absolute, 1..4 secrets of each kind
 * with a salt each, max_body 1..64m, file_mode 0400..0666 readable by its
 * owner); config_free() leaves nothing behind (LeakSanitizer).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define CF_FILE		"fuzz.conf"

static char	cf_dir[64];
static int	cf_dirfd = -1, cf_cwdfd = -1;

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
cf_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
cf_cleanup(void)
{
	if (cf_dir[0] != '\0')
		nftw(cf_dir, cf_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
cf_secret(const char *name, const char *value, mode_t mode)
{
	int	fd;

	if ((fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, value, strlen(value)) != (ssize_t)strlen(value) ||
	    fchmod(fd, mode) == -1 || close(fd) == -1)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(cf_dir, sizeof(cf_dir), "%s/hw-config-fuzz.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(cf_dir) == NULL ||
	    (cf_dirfd = open(cf_dir, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (cf_cwdfd = open(".", O_RDONLY | O_DIRECTORY)) == -1 ||
	    fchdir(cf_dirfd) == -1) {
		perror(cf_dir);
		exit(1);
	}
	atexit(cf_cleanup);
	cf_secret("sig-0600", "signature-secret-from-a-file\n", 0600);
	cf_secret("sig-0640", "group-readable-secret", 0640);
	cf_secret("sig-0644", "world-readable-secret", 0644);
	cf_secret("enc-0600", "ZW5jcnlwdGlvbi1zZWNyZXQ=\r\n", 0600);
	cf_secret("salt-0600", "salt-from-a-file", 0600);
	cf_secret("empty-0600", "", 0600);
	if (symlink("sig-0600", "sig-link") == -1 || fchdir(cf_cwdfd) == -1)
		abort();
	return 0;
}

static void
cf_check(const struct config *cfg)
{
	size_t	i, j, usable = 0;

	for (i = 0; i < cfg->nprofiles; i++) {
		const struct profile *p = &cfg->profiles[i];

		if (p->name == NULL)
			abort();
		if (p->spool_dir == NULL || p->nsig == 0 || p->nenc == 0)
			continue;
		usable++;
		if (p->spool_dir[0] != '/' ||
		    p->nsig > CONFIG_MAX_SECRETS ||
		    p->nenc > CONFIG_MAX_SECRETS ||
		    p->max_body == 0 || p->max_body > CONFIG_MAX_BODY_LIMIT ||
		    (p->file_mode & ~0666) != 0 || !(p->file_mode & 0400) ||
		    p->tolerance < 0)
			abort();
		for (j = 0; j < p->nsig; j++)
			if (p->sig[j].buf == NULL || p->sig[j].len == 0 ||
			    p->sig[j].len > CONFIG_MAX_SECRET)
				abort();
		for (j = 0; j < p->nenc; j++)
			if (p->enc[j].secret.buf == NULL ||
			    p->enc[j].secret.len == 0 ||
			    p->enc[j].salt.buf == NULL ||
			    p->enc[j].salt.len == 0)
				abort();
	}
	if (usable == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct config zero;
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];
	int		fd;

	/* In the directory of the secret files, for relative *_file paths;
	   libFuzzer needs its own working directory back afterwards. */
	if (fchdir(cf_dirfd) == -1)
		abort();
	if ((fd = open(CF_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, data, size) != (ssize_t)size || close(fd) == -1)
		abort();
	memset(err, 'x', sizeof(err));
	if (config_load(CF_FILE, &cfg, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
		    memcmp(&cfg, &zero, sizeof(cfg)) != 0)
			abort();
		if (fchdir(cf_cwdfd) == -1)
			abort();
		return 0;
	}
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	cf_check(&cfg);
	(void)config_profile(&cfg, NULL);
	(void)config_profile(&cfg, "a");
	config_free(&cfg);
	if (fchdir(cf_cwdfd) == -1)
		abort();
	return 0;
}
