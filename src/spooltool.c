/* SPDX-License-Identifier: ISC */
/* spooltool: reading and claiming spool rows (see spooltool.h). */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "spool.h"
#include "spoolfmt.h"
#include "spooltool.h"
#include "util.h"

int
hs_spool_open(struct hs_spool *sp, const char *root, char *err,
    size_t errlen)
{
	struct stat	st;
	size_t		len = strlen(root);
	int		i, fd;

	sp->rootfd = -1;
	while (len > 1 && root[len - 1] == '/')
		len--;
	if ((sp->root = strndup(root, len)) == NULL) {
		util_err(err, errlen, "out of memory");
		return EX_OSERR;
	}
	if ((sp->rootfd = open(sp->root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || fstat(sp->rootfd, &st) == -1) {
		util_err(err, errlen, "spool %s: %s", sp->root,
		    strerror(errno));
		return errno == EACCES ? EX_NOPERM : EX_NOINPUT;
	}
	sp->uid = st.st_uid;
	sp->gid = st.st_gid;
	sp->dir_mode = st.st_mode & 0777;
	sp->file_mode = sf_file_mode(sp->dir_mode);
	/* Refuse a directory that is not a spool, before we touch it. */
	for (i = 0; i < RES__COUNT; i++) {
		fd = openat(sp->rootfd, event_resource_name(i), O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd != -1) {
			close(fd);
			return 0;
		}
	}
	util_err(err, errlen, "spool %s: not a spool (no resource directories;"
	    " the responder makes them)", sp->root);
	return EX_NOINPUT;
}

void
hs_spool_close(struct hs_spool *sp)
{
	if (sp->rootfd != -1)
		close(sp->rootfd);
	free(sp->root);
	sp->root = NULL;
	sp->rootfd = -1;
}

int
hs_adopt(const struct hs_spool *sp, int fd, int dir)
{
	return spool_adopt(fd, sp->uid, sp->gid, dir ? sp->dir_mode :
	    sp->file_mode);
}

int
hs_record_settle(const struct hs_spool *sp, enum resource res, int newfd,
    int fd, const char *name)
{
	char	rec[SF_RECORD_MAX];
	int	idsfd, r;

	if ((r = sf_row_record_fd(fd, res, rec)) != 0)
		return r == 1 ? 0 : 1;		/* no id: no record */
	if ((idsfd = openat(sp->rootfd, SF_IDS, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	return util_close(idsfd, sf_record_settle(idsfd, newfd, rec, res,
	    name, sp->uid, sp->gid));
}

int
hs_subdir(const struct hs_spool *sp, enum resource res, const char *sub,
    int create)
{
	struct stat	st;
	int		resfd, fd, saved, made;

	resfd = openat(sp->rootfd, event_resource_name(res), O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (resfd == -1)
		return -1;
	fd = openat(resfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT && create) {
		/* As the writer would have made it: new/'s mode, the
		   spool's owner. */
		if (fstatat(resfd, SF_NEW, &st, AT_SYMLINK_NOFOLLOW) == -1)
			goto fail;
		if (mkdirat(resfd, sub, st.st_mode & 0777) == -1) {
			if (errno != EEXIST)
				goto fail;
			made = 0;
		} else
			made = 1;
		fd = openat(resfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    O_NOFOLLOW);
		if (fd != -1 && made && (spool_adopt(fd, sp->uid, sp->gid,
		    st.st_mode & 0777) == -1 || fsync(resfd) == -1)) {
			saved = errno;
			close(fd);
			(void)unlinkat(resfd, sub, AT_REMOVEDIR);
			errno = saved;
			fd = -1;
		}
	}
	return util_close(resfd, fd);
fail:
	return util_close(resfd, -1);
}

static int
hs_names_add(struct hs_names *names, const char *name)
{
	void	*p;
	size_t	 cap;

	if (names->n == names->cap) {
		cap = names->cap ? names->cap * 2 : 64;
		if ((p = reallocarray(names->v, cap, sizeof(*names->v))) ==
		    NULL)
			return -1;
		names->v = p;
		names->cap = cap;
	}
	memcpy(names->v[names->n++], name, SF_NAME_LEN + 1);
	return 0;
}

static int
hs_names_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Whether the entry is a regular file, without following symlinks. */
static int
hs_is_file(int dirfd, const struct dirent *de)
{
	struct stat	st;

	if (de->d_type == DT_REG)
		return 1;
	if (de->d_type != DT_UNKNOWN)
		return 0;
	return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

/* The row names of dirfd: regular files only, or with all, any entry. */
static int
hs_names_read(int dirfd, struct hs_names *names, int all)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, saved;

	memset(names, 0, sizeof(*names));
	/* A fresh fd: readdir moves the offset of the one it is given. */
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL)
		return util_close(fd, -1);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (sf_name_parse(de->d_name, NULL, NULL) == -1 ||
		    (!all && !hs_is_file(dirfd, de)))
			continue;
		if (hs_names_add(names, de->d_name) == -1)
			goto fail;
		errno = 0;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), hs_names_cmp);
	return 0;
fail:
	saved = errno;
	closedir(d);
	hs_names_free(names);
	errno = saved;
	return -1;
}

int
hs_names_load(int dirfd, struct hs_names *names)
{
	return hs_names_read(dirfd, names, 0);
}

int
hs_names_load_all(int dirfd, struct hs_names *names)
{
	return hs_names_read(dirfd, names, 1);
}

int
hs_names_of(const struct hs_spool *sp, enum resource res, const char *sub,
    struct hs_names *names)
{
	int	fd;

	if ((fd = hs_subdir(sp, res, sub, 0)) == -1)
		return errno == ENOENT ? 1 : -1;
	return util_close(fd, hs_names_load(fd, names));
}

void
hs_names_free(struct hs_names *names)
{
	free(names->v);
	memset(names, 0, sizeof(*names));
}

static int
hs_read_fd(int fd, char *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		if ((n = read(fd, buf + got, len - got)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != len) {
		errno = EIO;	/* shrank under us: not a row */
		return -1;
	}
	return 0;
}

int
hs_read(int dirfd, const char *name, char **buf, size_t *len, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*b = NULL;
	int		 fd;

	*buf = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 1;	/* consumed meanwhile */
		return util_err(err, errlen, "%s: %s", name, strerror(errno));
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > HS_ROW_MAX) {
		close(fd);
		return util_err(err, errlen, "%s: not a row (%s)", name,
		    S_ISREG(st.st_mode) ? "too large" : "not a file");
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL ||
	    hs_read_fd(fd, b, (size_t)st.st_size) == -1)
		goto fail;
	b[st.st_size] = '\0';
	close(fd);
	*buf = b;
	*len = (size_t)st.st_size;
	return 0;
fail:
	util_err(err, errlen, "%s: %s", name, strerror(errno));
	free(b);
	close(fd);
	return -1;
}

int
hs_claim(int dirfd, const char *name)
{
	struct stat	a, b;
	int		fd;

	/* Never open what is not a regular file (a fifo, a device). */
	if (fstatat(dirfd, name, &a, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISREG(a.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) == -1)
		if (errno != EINTR)
			goto fail;
	/*
	 * Another run may have finished the row between our open and our
	 * lock: only the entry still in the directory is ours to hand out.
	 */
	if (fstat(fd, &a) == -1)
		goto fail;
	if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		errno = ENOENT;
		goto fail;
	}
	if (!S_ISREG(a.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	return fd;
fail:
	return util_close(fd, -1);
}

int
hs_finish(int fromfd, int tofd, const char *name)
{
	if (tofd == -1) {
		if (unlinkat(fromfd, name, 0) == -1)
			return -1;
	} else {
		if (renameat(fromfd, name, tofd, name) == -1 ||
		    fsync(tofd) == -1)
			return -1;
	}
	return fsync(fromfd);
}

int
hs_resources_parse(int argc, char **argv, int quarantine, int stdin_ok,
    struct hs_resources *out, char *err, size_t errlen)
{
	enum resource	res;
	int		i;

	memset(out, 0, sizeof(*out));
	if (argc == 0) {
		for (i = 0; i < RES__EVENTS; i++)
			out->on[i] = 1;
		return 0;
	}
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0 && stdin_ok)
			out->stdin_rows = 1;
		else if (event_resource_parse(argv[i], &res) == 0)
			out->on[res] = 1;
		else if (quarantine && strcmp(argv[i],
		    event_resource_name(RES_QUARANTINE)) == 0)
			out->on[RES_QUARANTINE] = 1;
		else
			return util_err(err, errlen, "unknown resource '%.64s' "
			    "(kyc, signatures, consents, forms, credentials, "
			    "otp, other%s)", argv[i],
			    quarantine ? ", quarantine" : "");
	}
	return 0;
}

/* Digits only, at most 18 of them (no overflow).  0 or -1. */
static int
hs_parse_digits(const char *s, size_t n, long long *v)
{
	size_t	i;

	if (n == 0 || n > 18)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
hs_parse_number(const char *s, long long max, long long *v)
{
	return hs_parse_digits(s, strlen(s), v) == -1 || *v > max ? -1 : 0;
}

int
hs_parse_duration(const char *s, long long *secs)
{
	static const struct {
		char		unit;
		long long	mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 },
	    { 'd', 86400 }, { 'w', 7 * 86400 } };
	size_t		n = strlen(s), i;
	long long	v, mult = 1;

	if (n > 0 && (s[n - 1] < '0' || s[n - 1] > '9')) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (s[n - 1] == units[i].unit)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		mult = units[i].mult;
		n--;
	}
	if (hs_parse_digits(s, n, &v) == -1 || v > HS_GC_MAX / mult)
		return -1;
	*secs = v * mult;
	return 0;
}

int
hs_parse_seconds(const char *s, long *ms)
{
	const char	*dot = strchr(s, '.');
	long long	 whole, frac = 0;
	size_t		 n;

	if (hs_parse_digits(s, dot ? (size_t)(dot - s) : strlen(s),
	    &whole) == -1 || whole > HS_TIMEOUT_MAX)
		return -1;
	if (dot != NULL) {
		n = strlen(dot + 1);
		if (n > 3 || hs_parse_digits(dot + 1, n, &frac) == -1)
			return -1;
		for (; n < 3; n++)
			frac *= 10;
	}
	*ms = (long)(whole * 1000 + frac);
	return *ms > 0 && *ms <= HS_TIMEOUT_MAX * 1000L ? 0 : -1;
}
