/* SPDX-License-Identifier: ISC */
/* spoolfmt: the spool's names, keys, record paths and modes (spoolfmt.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spoolfmt.h"
#include "util.h"

int
sf_name_make(char name[SF_NAME_MAX], uint64_t usec, long pid)
{
	int	n;

	n = snprintf(name, SF_NAME_MAX, "%0*llu.%0*ld%s", SF_NAME_USEC,
	    (unsigned long long)usec, SF_NAME_PID, pid, SF_NAME_EXT);
	return n < 0 || n >= SF_NAME_MAX ? -1 : 0;
}

int
sf_name_parse(const char *s, uint64_t *usec, long *pid)
{
	uint64_t	u = 0;
	long		p = 0;
	size_t		i;

	if (strlen(s) != SF_NAME_LEN || s[SF_NAME_USEC] != '.' ||
	    strcmp(s + SF_NAME_USEC + 1 + SF_NAME_PID, SF_NAME_EXT) != 0)
		return -1;
	for (i = 0; i < SF_NAME_USEC + 1 + SF_NAME_PID; i++) {
		if (i == SF_NAME_USEC)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (i < SF_NAME_USEC)
			u = u * 10 + (uint64_t)(s[i] - '0');
		else
			p = p * 10 + (s[i] - '0');
	}
	if (usec != NULL)
		*usec = u;
	if (pid != NULL)
		*pid = p;
	return 0;
}

uint64_t
sf_name_usec(const char *name)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < SF_NAME_USEC; i++)
		v = v * 10 + (uint64_t)(name[i] - '0');
	return v;
}

size_t
sf_key_span(const char *s)
{
	size_t	n;

	for (n = 0; (s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' &&
	    s[n] <= 'z'); n++)
		;
	return n;
}

int
sf_key_valid(const char *key)
{
	size_t	n = sf_key_span(key);

	return key[n] == '\0' && n >= SF_KEY_MIN && n < SF_KEY_MAX;
}

int
sf_key_make(enum resource res, const char *id, char key[SF_KEY_MAX])
{
	int	n;

	n = snprintf(key, SF_KEY_MAX, "%s%s", res == RES_QUARANTINE ?
	    SF_QKEY_PREFIX : "", id);
	return n < 0 || n >= SF_KEY_MAX ? -1 : 0;
}

void
sf_record_path(const char *key, char rec[SF_RECORD_MAX])
{
	size_t	n = strlen(key);

	memcpy(rec, key + n - SF_SUB_LEN, SF_SUB_LEN);
	rec[SF_SUB_LEN] = '/';
	memcpy(rec + SF_SUB_LEN + 1, key, n + 1);
}

void
sf_record_sub(const char *rec, char sub[SF_SUB_LEN + 1])
{
	memcpy(sub, rec, SF_SUB_LEN);
	sub[SF_SUB_LEN] = '\0';
}

void
sf_tmp_sub(long pid, char sub[3])
{
	snprintf(sub, 3, "%02lx", (unsigned long)pid % SF_TMP_SUBS);
}

void
sf_ids_sub(unsigned i, char sub[SF_SUB_LEN + 1])
{
	snprintf(sub, SF_SUB_LEN + 1, "%0*x", SF_SUB_LEN, i % SF_IDS_SUBS);
}

int
sf_ids_sub_valid(const char *name)
{
	return sf_key_span(name) == SF_SUB_LEN && name[SF_SUB_LEN] == '\0';
}

int
sf_record_tmp(const char *rec, long pid, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len, "%s.%ld", rec, pid);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
sf_record_target(char target[SF_TARGET_MAX], enum resource res,
    const char *name, int settled)
{
	int	n;

	n = snprintf(target, SF_TARGET_MAX, "%s/%s%s%s",
	    event_resource_name(res), settled ? "" : SF_PENDING,
	    settled ? "" : "/", name);
	return n < 0 || n >= SF_TARGET_MAX ? -1 : 0;
}

int
sf_record_make(int idsfd, const char *rec, enum resource res,
    const char *name, int settled)
{
	char	target[SF_TARGET_MAX];

	if (sf_record_target(target, res, name, settled) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return symlinkat(target, idsfd, rec);
}

int
sf_record_read(int idsfd, const char *rec, char target[SF_TARGET_MAX])
{
	ssize_t	n;

	if ((n = readlinkat(idsfd, rec, target, SF_TARGET_MAX)) == -1)
		return errno == EINVAL ? 0 : -1;
	if (n == SF_TARGET_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	target[n] = '\0';
	return 1;
}

int
sf_record_split(const char *target, enum resource *res,
    char name[SF_NAME_MAX])
{
	const char	*slash, *last;
	size_t		 n;
	int		 pending, i;

	if ((slash = strchr(target, '/')) == NULL)
		return -1;
	n = (size_t)(slash - target);
	/* Any resource's, the quarantine's too. */
	for (i = 0; i < RES__COUNT; i++)
		if (strlen(event_resource_name(i)) == n &&
		    memcmp(target, event_resource_name(i), n) == 0)
			break;
	last = strrchr(target, '/');
	pending = last != slash;
	if (i == RES__COUNT || (pending &&
	    ((size_t)(last - slash - 1) != strlen(SF_PENDING) ||
	    memcmp(slash + 1, SF_PENDING, strlen(SF_PENDING)) != 0)) ||
	    sf_name_parse(last + 1, NULL, NULL) == -1)
		return -1;
	*res = (enum resource)i;
	snprintf(name, SF_NAME_MAX, "%s", last + 1);
	return pending;
}

int
sf_record_names(const char *target, enum resource res, const char *name)
{
	char		n[SF_NAME_MAX];
	enum resource	r;

	return sf_record_split(target, &r, n) != -1 && r == res &&
	    strcmp(n, name) == 0;
}

/* A settled record named link; given to uid and gid as root. */
static int
sf_record_make_settled(int idsfd, const char *link, enum resource res,
    const char *name, uid_t uid, gid_t gid)
{
	if (sf_record_make(idsfd, link, res, name, 1) == -1)
		return -1;
	/* A link has no mode: only its owner. */
	if (geteuid() == 0)
		(void)fchownat(idsfd, link, uid, gid, AT_SYMLINK_NOFOLLOW);
	return 0;
}

int
sf_record_settle(int idsfd, int newfd, const char *rec, enum resource res,
    const char *name, uid_t uid, gid_t gid)
{
	char	target[SF_TARGET_MAX], tmp[SF_RECORD_MAX + 24];
	char	sub[SF_SUB_LEN + 1], n[SF_NAME_MAX];
	enum resource r;
	int	fd, tries, synced = 0;

	for (tries = 0;; tries++) {
		if (tries == SF_SETTLE_TRIES) {
			errno = EAGAIN;
			return -1;
		}
		switch (sf_record_read(idsfd, rec, target)) {
		case -1:
			if (errno != ENOENT ||
			    (!synced++ && fsync(newfd) == -1))
				return -1;
			if (sf_record_make_settled(idsfd, rec, res, name, uid,
			    gid) == -1) {
				if (errno == EEXIST)
					continue;	/* made meanwhile */
				return -1;
			}
			break;
		case 1:
			if (sf_record_split(target, &r, n) != 1 ||
			    r != res || strcmp(n, name) != 0)
				break;
			/*
			 * Pending, for this row.  The row's entry in new/
			 * first: its writer may have died (or failed)
			 * before its own fsync of new/, its tmp/ entry
			 * never synced.  A settled record is never removed
			 * for want of its row: the row is durable first.
			 * Then the record, replaced whole, never missing.
			 */
			if (!synced++ && fsync(newfd) == -1)
				return -1;
			if (sf_record_tmp(rec, (long)getpid(), tmp,
			    sizeof(tmp)) == -1) {
				errno = ENAMETOOLONG;
				return -1;
			}
			(void)unlinkat(idsfd, tmp, 0);	/* a crashed run's */
			if (sf_record_make_settled(idsfd, tmp, res, name, uid,
			    gid) == -1)
				return -1;
			if (renameat(idsfd, tmp, idsfd, rec) == -1) {
				(void)unlinkat(idsfd, tmp, 0);
				return -1;
			}
			break;
		}
		break;
	}
	sf_record_sub(rec, sub);
	if ((fd = openat(idsfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	return util_close(fd, fsync(fd));
}

enum sf_record_kind
sf_record_kind(const char *sub, const char *name)
{
	size_t	n = sf_key_span(name), i;

	if (n < SF_KEY_MIN || n >= SF_KEY_MAX ||
	    memcmp(name + n - SF_SUB_LEN, sub, SF_SUB_LEN) != 0)
		return SF_NOT_RECORD;
	if (name[n] == '\0')
		return SF_RECORD;
	if (name[n] != '.' || name[n + 1] == '\0')
		return SF_NOT_RECORD;
	for (i = n + 1; name[i] != '\0'; i++)
		if (name[i] < '0' || name[i] > '9')
			return SF_NOT_RECORD;
	return SF_RECORD_TMP;
}

int
sf_row_id(const char *buf, size_t len, char id[ROW_ID_HEX_LEN + 1])
{
	const size_t	plen = sizeof(SF_ID_PREFIX) - 1;
	size_t		i;
	char		c;

	if (len < SF_ID_PEEK || memcmp(buf, SF_ID_PREFIX, plen) != 0 ||
	    buf[plen + ROW_ID_HEX_LEN] != '"')
		return -1;
	for (i = 0; i < ROW_ID_HEX_LEN; i++) {
		c = buf[plen + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		id[i] = c;
	}
	id[ROW_ID_HEX_LEN] = '\0';
	return 0;
}

int
sf_peek_id_fd(int fd, char id[ROW_ID_HEX_LEN + 1])
{
	char	buf[SF_ID_PEEK];
	ssize_t	n;

	do {
		n = pread(fd, buf, sizeof(buf), 0);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	return sf_row_id(buf, (size_t)n, id) == 0 ? 0 : 1;
}

int
sf_peek_id(int dirfd, const char *name, char id[ROW_ID_HEX_LEN + 1])
{
	int	fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	return util_close(fd, sf_peek_id_fd(fd, id));
}

int
sf_row_record_fd(int fd, enum resource res, char rec[SF_RECORD_MAX])
{
	char	id[ROW_ID_HEX_LEN + 1], key[SF_KEY_MAX];
	int	rc;

	if ((rc = sf_peek_id_fd(fd, id)) != 0)
		return rc;
	if (sf_key_make(res, id, key) == -1)
		return 1;
	sf_record_path(key, rec);
	return 0;
}

int
sf_row_record(int dirfd, const char *name, enum resource res,
    char rec[SF_RECORD_MAX])
{
	int	fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	return util_close(fd, sf_row_record_fd(fd, res, rec));
}

mode_t
sf_dir_mode(mode_t file_mode)
{
	return (file_mode | (file_mode & 0444) >> 2) & 0777;
}

mode_t
sf_file_mode(mode_t dir_mode)
{
	return dir_mode & 0666;
}
