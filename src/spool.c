/* SPDX-License-Identifier: ISC */
/* spool: durable, exactly-once rows (see spool.h for the protocol). */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "spoolfmt.h"
#include "util.h"

#define SPOOL_ORPHAN_AGE	3600	/* seconds: a tmp/ file this old is
					   nobody's, whatever its pid says */

static const char *const spool_subdirs[] = { SF_TMP, SF_NEW, SF_CUR,
	SF_FAILED };

/*
 * Give fd to uid:gid with mode; root says whether we may change its user.
 * chown first: it may clear mode bits.
 */
static int
spool_chown(int fd, uid_t uid, gid_t gid, mode_t mode, int root)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		return -1;
	if ((st.st_uid != uid && root) || st.st_gid != gid) {
		if (fchown(fd, root ? uid : (uid_t)-1, gid) == -1 && root)
			return -1;
	}
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1)
		return -1;
	return 0;
}

/*
 * Give fd, which we have just created, to the spool's owner with mode.
 * Who we are was learnt at spool_open(): a sandboxed worker may not ask.
 */
static int
spool_give(const struct spool *sp, int fd, mode_t mode)
{
	return spool_chown(fd, sp->uid, sp->gid, mode, sp->euid == 0);
}

/*
 * Open dir below at, creating it (with mode, whatever the umask, given to
 * the spool's owner).  A directory we find is opened, never changed.
 */
static int
spool_opendir(const struct spool *sp, int at, const char *dir, mode_t mode)
{
	struct stat	st;
	int		fd;

	fd = openat(at, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd != -1 || errno != ENOENT)
		return fd;
	if (mkdirat(at, dir, mode) == -1) {
		if (errno != EEXIST)
			return -1;
		/* Made by another process at the same time: found. */
		return openat(at, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    O_NOFOLLOW);
	}
	if ((fd = openat(at, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	/*
	 * Given away only while it is ours, the one we made: between
	 * mkdirat(2) and openat(2) another could have been put there.  A
	 * new directory is durable in its parent before rows go in it.
	 */
	if (fstat(fd, &st) == -1 || (st.st_uid == sp->euid &&
	    spool_give(sp, fd, mode) == -1))
		goto fail;
	if (at != AT_FDCWD && fsync(at) == -1)
		goto fail;
	return fd;
fail:
	return util_close(fd, -1);
}

int
spool_adopt(int fd, uid_t uid, gid_t gid, mode_t mode)
{
	return spool_chown(fd, uid, gid, mode, geteuid() == 0);
}

static int
spool_fsync(const struct spool *sp, int fd)
{
	if (sp->sync == SYNC_NONE)
		return 0;
	return fsync(fd);
}

static void
spool_reset(struct spool *sp)
{
	int	i;

	memset(sp, 0, sizeof(*sp));
	sp->rootfd = sp->idsfd = -1;
	for (i = 0; i < RES__COUNT; i++)
		sp->tmpfd[i] = sp->newfd[i] = sp->wtmpfd[i] = -1;
}

/*
 * Open SPOOL/.seq for writing: made here (O_EXCL, then given to the
 * spool's owner), or found, and then only if nothing else can be behind
 * the name: a regular file, one link, the spool owner's or ours.
 */
static int
spool_open_seq(struct spool *sp, char *err, size_t errlen)
{
	struct stat	st;
	int		fd, saved;

	fd = openat(sp->rootfd, SF_SEQ, O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, sp->file_mode);
	if (fd != -1) {
		if (spool_give(sp, fd, sp->file_mode) == 0)
			return fd;
		goto fail;
	}
	if (errno != EEXIST || (fd = openat(sp->rootfd, SF_SEQ,
	    O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != sp->uid && st.st_uid != sp->euid)) {
		util_err(err, errlen, "spool %s: %s is not the spool's own "
		    "(a regular file with one link, owned by uid %lu): "
		    "refused; remove it", sp->root, SF_SEQ,
		    (unsigned long)sp->uid);
		close(fd);
		return -1;
	}
	return fd;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	util_err(err, errlen, "spool %s: %s: %s", sp->root, SF_SEQ,
	    strerror(saved));
	return -1;
}

static int
spool_map_seq(struct spool *sp, char *err, size_t errlen)
{
	struct stat	 st;
	void		*p;
	int		 fd;

	if ((fd = spool_open_seq(sp, err, errlen)) == -1)
		return -1;
	/*
	 * Every block of the mapping allocated now: a page first touched
	 * on a full file system would be SIGBUS, not ENOSPC (an extended
	 * file is sparse).  posix_fallocate() returns the error number.
	 */
	if (fstat(fd, &st) == -1 ||
	    (st.st_size < (off_t)SPOOL_SEQ_SIZE &&
	    ftruncate(fd, SPOOL_SEQ_SIZE) == -1) ||
	    (errno = posix_fallocate(fd, 0, SPOOL_SEQ_SIZE)) != 0) {
		util_err(err, errlen, "spool %s: %s: %s", sp->root,
		    SF_SEQ, strerror(errno));
		close(fd);
		return -1;
	}
	p = mmap(NULL, SPOOL_SEQ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return util_err(err, errlen, "spool %s: %s: %s", sp->root,
		    SF_SEQ, strerror(errno));
	sp->seq = p;
	return 0;
}

/* Open the spool's root, and learn its owner: the spool's. */
static int
spool_open_root(struct spool *sp, const char *root, mode_t dmode)
{
	struct stat	st;

	/* A root we make is ours: that is who gets it. */
	sp->uid = sp->euid = geteuid();
	sp->gid = getegid();
	if ((sp->rootfd = spool_opendir(sp, AT_FDCWD, root, dmode)) == -1 ||
	    fstat(sp->rootfd, &st) == -1)
		return -1;
	sp->uid = st.st_uid;
	sp->gid = st.st_gid;
	/* Decided once: a worker running as the owner pays nothing a row. */
	sp->adopt = sp->uid != sp->euid || sp->gid != getegid();
	return 0;
}

/* Open (creating what is missing) every RESOURCE/{tmp,new,cur,failed}. */
static int
spool_open_resources(struct spool *sp, mode_t dmode)
{
	int	i, fd, resfd;
	size_t	j;

	for (i = 0; i < RES__COUNT; i++) {
		if ((resfd = spool_opendir(sp, sp->rootfd,
		    event_resource_name(i), dmode)) == -1)
			return -1;
		for (j = 0; j < sizeof(spool_subdirs) / sizeof(*spool_subdirs);
		    j++) {
			if ((fd = spool_opendir(sp, resfd, spool_subdirs[j],
			    dmode)) == -1) {
				close(resfd);
				return -1;
			}
			if (j == 0)
				sp->tmpfd[i] = fd;
			else if (j == 1)
				sp->newfd[i] = fd;
			else
				close(fd);
		}
		close(resfd);
	}
	return 0;
}

static int	spool_boot_id(uint64_t boot[2]);

int
spool_open(struct spool *sp, const char *root, mode_t file_mode,
    enum config_sync sync, char *err, size_t errlen)
{
	mode_t	dmode = sf_dir_mode(file_mode), um;
	char	sub[SF_SUB_LEN + 1];
	unsigned i;
	int	fd;

	spool_reset(sp);
	sp->file_mode = file_mode;
	sp->sync = sync;
	sp->bootid = spool_boot_id(sp->boot) == 0;
	/* fchmod(2) each row only if the umask would take bits away. */
	um = umask(0);
	umask(um);
	sp->chmod = (um & file_mode) != 0;
	if ((sp->root = strdup(root)) == NULL)
		return util_err(err, errlen, "out of memory");
	if (spool_open_root(sp, root, dmode) == -1 ||
	    spool_open_resources(sp, dmode) == -1 ||
	    (sp->idsfd = spool_opendir(sp, sp->rootfd, SF_IDS,
	    dmode)) == -1)
		goto fail;
	if (spool_map_seq(sp, err, errlen) == -1) {
		spool_close(sp);
		return -1;
	}
	/* Keys are hex: make their subdirectories now, not per request. */
	for (i = 0; i < SF_IDS_SUBS; i++) {
		sf_ids_sub(i, sub);
		if ((fd = spool_opendir(sp, sp->idsfd, sub, dmode)) == -1)
			goto fail;
		close(fd);
	}
	/* Writable, as the user we run as?  Find out now, not at 503 time. */
	if (faccessat(sp->tmpfd[0], ".", W_OK, AT_EACCESS) == -1 ||
	    faccessat(sp->idsfd, ".", W_OK, AT_EACCESS) == -1)
		goto fail;
	return 0;
fail:
	util_err(err, errlen, "spool %s: %s", root, strerror(errno));
	spool_close(sp);
	return -1;
}

void
spool_close(struct spool *sp)
{
	int	i;

	for (i = 0; i < RES__COUNT; i++) {
		if (sp->tmpfd[i] != -1)
			close(sp->tmpfd[i]);
		if (sp->newfd[i] != -1)
			close(sp->newfd[i]);
		if (sp->wtmpfd[i] != -1)
			close(sp->wtmpfd[i]);
	}
	if (sp->idsfd != -1)
		close(sp->idsfd);
	if (sp->rootfd != -1)
		close(sp->rootfd);
	if (sp->seq != NULL)
		munmap(sp->seq, SPOOL_SEQ_SIZE);
	free(sp->root);
	spool_reset(sp);
}

/* The next row name, for the writer pid. */
static int
spool_name(struct spool *sp, pid_t pid, char name[SPOOL_NAME_MAX])
{
	uint64_t	now = util_now_usec(), old, next;

	/* Strictly increasing across processes: max(last + 1, now). */
	old = __atomic_load_n(sp->seq, __ATOMIC_RELAXED);
	do {
		next = old + 1 > now ? old + 1 : now;
	} while (!__atomic_compare_exchange_n(sp->seq, &old, next, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	return sf_name_make(name, next, (long)pid);
}

int
spool_next_name(struct spool *sp, char name[SPOOL_NAME_MAX])
{
	return spool_name(sp, getpid(), name);
}

/*
 * This process's directory for rows being written, tmp/<pp>/ (spoolfmt.h),
 * opened (made) at its first row; a forked child opens its own.  -1 with
 * errno.
 */
static int
spool_wtmp(struct spool *sp, enum resource res)
{
	pid_t	pid = getpid();
	char	sub[3];
	int	i;

	if (sp->wtmp_pid != pid) {
		for (i = 0; i < RES__COUNT; i++)
			if (sp->wtmpfd[i] != -1) {
				close(sp->wtmpfd[i]);
				sp->wtmpfd[i] = -1;
			}
		sp->wtmp_pid = pid;
	}
	if (sp->wtmpfd[res] == -1) {
		sf_tmp_sub(pid, sub);
		sp->wtmpfd[res] = spool_opendir(sp, sp->tmpfd[res], sub,
		    sf_dir_mode(sp->file_mode));
	}
	return sp->wtmpfd[res];
}

/*
 * Make the record rec for the row name of res (sf_record_make(): a
 * symbolic link naming the row), given to the spool's owner.  Paths below
 * .ids/ rather than an open subdirectory: opening one for every row cost
 * three system calls a row.
 */
static int
spool_make_record(struct spool *sp, enum resource res, const char *name,
    const char *rec)
{
	char	sub[SF_SUB_LEN + 1];
	int	fd;

	if (sf_record_make(sp->idsfd, rec, res, name, 0) == -1) {
		if (errno != ENOENT)
			return -1;
		/* The first record in its subdirectory. */
		sf_record_sub(rec, sub);
		if ((fd = spool_opendir(sp, sp->idsfd, sub,
		    sf_dir_mode(sp->file_mode))) == -1)
			return -1;
		close(fd);
		if (sf_record_make(sp->idsfd, rec, res, name, 0) == -1)
			return -1;
	}
	/* A link has no mode of its own: only its owner is given. */
	if (sp->adopt && fchownat(sp->idsfd, rec, sp->euid == 0 ? sp->uid :
	    (uid_t)-1, sp->gid, AT_SYMLINK_NOFOLLOW) == -1 && sp->euid == 0) {
		(void)unlinkat(sp->idsfd, rec, 0);
		return -1;
	}
	return 0;
}

/* Make the directory that holds the record rec durable. */
static int
spool_fsync_record(const struct spool *sp, const char *rec)
{
	char	sub[SF_SUB_LEN + 1];
	int	fd;

	if (sp->sync == SYNC_NONE)
		return 0;
	sf_record_sub(rec, sub);
	fd = openat(sp->idsfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd == -1)
		return -1;
	return util_close(fd, fsync(fd));
}

static int
spool_write_all(int fd, const char *row, size_t rowlen)
{
	struct iovec	iov[2];
	ssize_t		n;
	int		i = 0;

	iov[0].iov_base = (void *)row;
	iov[0].iov_len = rowlen;
	iov[1].iov_base = (void *)"\n";
	iov[1].iov_len = 1;
	while (i < 2) {
		if ((n = writev(fd, iov + i, 2 - i)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < 2 && (size_t)n >= iov[i].iov_len)
			n -= iov[i++].iov_len;
		if (i < 2) {
			iov[i].iov_base = (char *)iov[i].iov_base + n;
			iov[i].iov_len -= n;
		}
	}
	return 0;
}

/*
 * Write the row in tmp/ and make its data durable (barrier 1).  Returns
 * the row's descriptor, locked (flock LOCK_EX) until the caller closes
 * it: a concurrent delivery of the same event waits on that lock before
 * it answers "duplicate" (spool_await_record).  -1 on failure.
 */
static int
spool_write_tmp(struct spool *sp, int tmpfd, const char *name,
    const char *row, size_t rowlen)
{
	int	fd, saved;

	fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, sp->file_mode);
	if (fd == -1)
		return -1;
	/* Given away before a record can link to it: records share it. */
	if (flock(fd, LOCK_EX) == -1 ||
	    (sp->adopt ? spool_give(sp, fd, sp->file_mode) == -1 :
	    sp->chmod && fchmod(fd, sp->file_mode) == -1) ||
	    spool_write_all(fd, row, rowlen) == -1 ||
	    spool_fsync(sp, fd) == -1 ||
	    /*
	     * Not the tmp/ entry: a record a power loss leaves without its
	     * row is removed at the boot's first start.  Unless this boot
	     * cannot be told from the last: then the entry is durable
	     * before any record can name it.
	     */
	    (!sp->bootid && spool_fsync(sp, tmpfd) == -1)) {
		saved = errno;
		close(fd);
		(void)unlinkat(tmpfd, name, 0);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Wait (SPOOL_AWAIT_MS at most) for the lock on fd, which a writer in
 * flight holds.  Returns 0 once it is free, or -1 (errno; EBUSY: held all
 * along).
 */
static int
spool_await_lock(int fd)
{
	struct timespec	nap = { 0, 1000 * 1000 };
	int		waited;

	for (waited = 0; flock(fd, LOCK_SH | LOCK_NB) == -1; waited++) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= SPOOL_AWAIT_MS) {
			if (errno == EWOULDBLOCK)
				errno = EBUSY;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

/*
 * The row a record names has left tmp/: its writer is past the point of
 * taking the record back.  0: the record stands; 1: it went (its writer
 * failed before, and took it back); -1 (errno).
 */
static int
spool_await_gone(struct spool *sp, const char *rec)
{
	char	target[SF_TARGET_MAX];

	if (sf_record_read(sp->idsfd, rec, target) == -1)
		return errno == ENOENT ? 1 : -1;
	return 0;
}

/*
 * Another writer's record rec exists.  It may still be in flight, and
 * could yet fail and take its record back: that is, until it renamed its
 * row out of tmp/ (spool.h).  While the row the record names is in tmp/,
 * wait for the lock its writer holds on it.  Returns 0: the record stands
 * (a duplicate may be answered once it is durable:
 * spool_record_durable()); 1: it is gone (that writer failed: write
 * ours); -1: it could not be told (errno; answer 503, the provider
 * retries).
 */
static int
spool_await_record(struct spool *sp, const char *rec)
{
	char		target[SF_TARGET_MAX], name[SF_NAME_MAX];
	char		path[4 + SF_NAME_MAX];
	enum resource	res;
	long		pid;
	int		fd, kind;

	if ((kind = sf_record_read(sp->idsfd, rec, target)) != 1)
		return kind == 0 ? 0 : errno == ENOENT ? 1 : -1;
	/* An older spool's records are files, and stand. */
	if (sf_record_split(target, &res, name) == -1 ||
	    sf_name_parse(name, NULL, &pid) == -1)
		return 0;
	sf_tmp_sub(pid, path);
	snprintf(path + 2, sizeof(path) - 2, "/%s", name);
	fd = openat(sp->tmpfd[res], path, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? spool_await_gone(sp, rec) : -1;
	if (spool_await_lock(fd) == -1)
		return util_close(fd, -1);
	close(fd);
	/* That writer is done, or dead: the record stands unless it went. */
	return spool_await_gone(sp, rec);
}

/*
 * The record rec stands (spool_await_record()): make it durable before a
 * duplicate is answered, and first, when it is pending, the row it
 * names.  That row's data is (barrier 1 came before the record), but its
 * writer may have been killed before barrier 2 with the row's entry in
 * tmp/PP/ or new/ not yet synced: both are.  A settled record's row was
 * durable before it was settled.  0, or -1 (errno).
 */
static int
spool_record_durable(struct spool *sp, const char *rec)
{
	char		target[SF_TARGET_MAX], name[SF_NAME_MAX], sub[3];
	enum resource	res;
	long		pid;
	int		fd;

	if (sp->sync == SYNC_NONE)
		return 0;
	if (sf_record_read(sp->idsfd, rec, target) == 1 &&
	    sf_record_split(target, &res, name) == 1 &&
	    sf_name_parse(name, NULL, &pid) == 0) {
		sf_tmp_sub(pid, sub);
		fd = openat(sp->tmpfd[res], sub, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW);
		if ((fd == -1 && errno != ENOENT) ||
		    (fd != -1 && util_close(fd, fsync(fd)) == -1) ||
		    spool_gsync(&((struct spool_shared *)sp->seq)->gsync[res],
		    sp->newfd[res], (uint32_t)getpid()) == -1)
			return -1;
	}
	return spool_fsync_record(sp, rec);
}

int
spool_gsync(struct spool_gsync *g, int fd, uint32_t me)
{
	uint64_t	seen, ticket, done;
	uint32_t	who, w;
	int		r, saved;

	/* After the change, and before any ticket that is to cover it. */
	seen = __atomic_load_n(&g->begun, __ATOMIC_SEQ_CST);
	for (;;) {
		if (__atomic_load_n(&g->done, __ATOMIC_SEQ_CST) > seen)
			return 0;	/* another's fsync covered it */
		w = __atomic_load_n(&g->wake, __ATOMIC_SEQ_CST);
		who = 0;
		if (__atomic_compare_exchange_n(&g->leader, &who, me, 0,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
		/* A leader that ended since done was read, before w was. */
		if (__atomic_load_n(&g->done, __ATOMIC_SEQ_CST) > seen)
			return 0;
		/* Until the leader ends (wake moves on); one that takes
		   this long may have died: take its place. */
		if (util_futex_wait(&g->wake, w, SPOOL_GSYNC_WAIT_MS) == -1 &&
		    errno == ETIMEDOUT &&
		    __atomic_compare_exchange_n(&g->leader, &who, me, 0,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	ticket = __atomic_add_fetch(&g->begun, 1, __ATOMIC_SEQ_CST);
	if ((r = fsync(fd)) == 0) {
		done = __atomic_load_n(&g->done, __ATOMIC_SEQ_CST);
		while (done < ticket && !__atomic_compare_exchange_n(&g->done,
		    &done, ticket, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			;
	}
	saved = errno;
	who = me;
	(void)__atomic_compare_exchange_n(&g->leader, &who, 0, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&g->wake, 1, __ATOMIC_SEQ_CST);
	util_futex_wake(&g->wake);
	errno = saved;
	return r;
}

_Static_assert(RES__COUNT <= SPOOL_GSYNC_SLOTS,
    "a group fsync slot for each resource");

/* Barrier 2: new/ of res durable for the row just renamed into it. */
static int
spool_sync_new(struct spool *sp, enum resource res)
{
	if (sp->sync == SYNC_NONE)
		return 0;
	/* wtmp_pid: our pid, learnt by spool_wtmp() for this put. */
	return spool_gsync(&((struct spool_shared *)sp->seq)->gsync[res],
	    sp->newfd[res], (uint32_t)sp->wtmp_pid);
}

/* Whether row begins {"id":"<id>" with sf_key_make(res, id) == key. */
static int
spool_row_carries(enum resource res, const char *key, const char *row,
    size_t rowlen)
{
	char	id[ROW_ID_HEX_LEN + 1], k[SF_KEY_MAX];

	return sf_row_id(row, rowlen, id) == 0 &&
	    sf_key_make(res, id, k) == 0 && strcmp(k, key) == 0;
}

enum spool_status
spool_put(struct spool *sp, enum resource res, const char *key,
    const char *row, size_t rowlen, char name[SPOOL_NAME_MAX], char *err,
    size_t errlen)
{
	int	tmpfd, newfd, rowfd = -1, recorded = 0, tries;
	char	rec[SPOOL_RECORD_MAX];
	const char *step;

	if ((unsigned)res >= RES__COUNT || !sf_key_valid(key)) {
		util_err(err, errlen, "bad resource or key");
		return SPOOL_FAILED;
	}
	/* Recovery finds a row's record by the id the row begins with. */
	if (!spool_row_carries(res, key, row, rowlen)) {
		util_err(err, errlen, "the row does not begin with the id of "
		    "its key");
		return SPOOL_FAILED;
	}
	if (sp->seq == NULL) {
		util_err(err, errlen, "spool not open (see the log line of "
		    "the start)");
		return SPOOL_FAILED;
	}
	newfd = sp->newfd[res];
	step = "tmp";
	if ((tmpfd = spool_wtmp(sp, res)) == -1)
		goto fail;
	step = "name";
	if (spool_name(sp, sp->wtmp_pid, name) == -1)	/* pid: spool_wtmp */
		goto fail;
	/* Barrier 1: the row and its tmp/ entry. */
	step = "write";
	if ((rowfd = spool_write_tmp(sp, tmpfd, name, row, rowlen)) == -1)
		goto fail;
	step = "record";
	sf_record_path(key, rec);
	for (tries = 0; spool_make_record(sp, res, name, rec) == -1;
	    tries++) {
		if (errno != EEXIST || tries == SPOOL_AWAIT_TRIES)
			goto fail;
		/*
		 * Seen before -- or being written right now by another
		 * process, which may yet fail: a duplicate is answered only
		 * once that record stands, and made durable.
		 */
		step = "record wait";
		switch (spool_await_record(sp, rec)) {
		case 1:
			continue;	/* that writer failed: ours, then */
		case -1:
			goto fail;
		}
		step = "record sync";
		if (spool_record_durable(sp, rec) == -1)
			goto fail;
		(void)unlinkat(tmpfd, name, 0);
		close(rowfd);
		return SPOOL_DUPLICATE;
	}
	recorded = 1;
	step = "publish";
	if (renameat(tmpfd, name, newfd, name) == -1)
		goto fail;
	/*
	 * Barrier 2: the row's new/ entry (a group fsync).  Not the
	 * record: a row in new/ whose record a power loss took has it made
	 * again at the boot's first start, before any delivery is answered,
	 * and humanos-spool syncs a row's record before it moves the row on
	 * (spool.h).  Past the rename nothing is taken back: a failure here
	 * answers 503 and leaves a whole row and its record, so that the
	 * provider's retry is a duplicate.  Not tmp/ again: should the
	 * removal there be lost, the next start finds the row in both and
	 * drops the tmp/ name.
	 */
	step = "publish sync";
	if (spool_sync_new(sp, res) == -1)
		goto late;
	close(rowfd);		/* the lock a duplicate may wait on */
	return SPOOL_WRITTEN;
late:
	util_err(err, errlen, "%s/%s: %s: %s", sp->root,
	    event_resource_name(res), step, strerror(errno));
	close(rowfd);
	return SPOOL_FAILED;
fail:
	util_err(err, errlen, "%s/%s: %s: %s", sp->root,
	    event_resource_name(res), step, strerror(errno));
	if (rowfd == -1)
		return SPOOL_FAILED;
	/*
	 * Take the record back, durably, before the row: a record must
	 * never outlive its row.  Should that sync fail, the row stays in
	 * tmp/ for spool_recover(), which publishes it if the record
	 * survived and drops it if not.
	 */
	if (!recorded || (unlinkat(sp->idsfd, rec, 0) == 0 &&
	    spool_fsync_record(sp, rec) == 0))
		(void)unlinkat(tmpfd, name, 0);
	close(rowfd);		/* only now: a waiter then sees it gone */
	return SPOOL_FAILED;
}

/* Whether a tmp/ file may still be being written by a live process. */
static int
spool_in_flight(long pid, const struct stat *st)
{
	if (time(NULL) - st->st_mtime > SPOOL_ORPHAN_AGE)
		return 0;
	if (pid == (long)getpid())
		return 0;	/* we are starting: none of ours is open */
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/*
 * Whether the row name in dirfd (of res, stat st) has its record: a
 * record naming it, or (an older spool's) a hard link to it.  1/0.
 */
static int
spool_recorded(struct spool *sp, enum resource res, int dirfd,
    const char *name, const struct stat *st)
{
	char	rec[SF_RECORD_MAX], target[SF_TARGET_MAX];

	if (st->st_nlink > 1)
		return 1;
	if (sf_row_record(dirfd, name, res, rec) != 0)
		return 0;
	return sf_record_read(sp->idsfd, rec, target) == 1 &&
	    sf_record_names(target, res, name);
}

/* readdir() failed on d (errno): close it, keep errno, -1. */
static int
spool_readdir_failed(DIR *d)
{
	int	saved = errno;

	closedir(d);
	errno = saved;
	return -1;
}

/* Open dirfd for reading its entries. */
static DIR *
spool_opendir_read(int dirfd)
{
	DIR	*d;
	int	 fd;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/*
 * A directory of rows being written (tmp/ or one of its writers'
 * subdirectories) of res: publish the rows of dead writers that their
 * record names, drop the others (never recorded, so never acknowledged).
 */
static int
spool_recover_tmpdir(struct spool *sp, enum resource res, int dirfd,
    int *published)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	long		 pid;
	int		 newfd = sp->newfd[res];

	if ((d = spool_opendir_read(dirfd)) == NULL)
		return -1;
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (sf_name_parse(de->d_name, NULL, &pid) == -1 ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode) || spool_in_flight(pid, &st))
			continue;
		if (!spool_recorded(sp, res, dirfd, de->d_name, &st))
			(void)unlinkat(dirfd, de->d_name, 0);
		/* Recorded: publish it, unless that already happened. */
		else if (faccessat(newfd, de->d_name, F_OK,
		    AT_SYMLINK_NOFOLLOW) == 0)
			(void)unlinkat(dirfd, de->d_name, 0);
		else if (renameat(dirfd, de->d_name, newfd, de->d_name) == 0)
			(*published)++;
	}
	if (errno != 0)		/* not all read */
		return spool_readdir_failed(d);
	closedir(d);
	if (spool_fsync(sp, newfd) == -1 || spool_fsync(sp, dirfd) == -1)
		return -1;
	return 0;
}

/* tmp/ of res, and its writers' subdirectories. */
static int
spool_recover_tmp(struct spool *sp, enum resource res, int *published)
{
	char	sub[3];
	int	i, fd, rc = 0;

	for (i = 0; i < SF_TMP_SUBS && rc == 0; i++) {
		sf_tmp_sub(i, sub);
		if ((fd = openat(sp->tmpfd[res], sub, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW)) == -1) {
			if (errno != ENOENT)
				rc = -1;
			continue;
		}
		rc = spool_recover_tmpdir(sp, res, fd, published);
		close(fd);
	}
	/* Rows of 0.2.0, written in tmp/ itself. */
	if (rc == 0)
		rc = spool_recover_tmpdir(sp, res, sp->tmpfd[res], published);
	return rc;
}

/*
 * new/ of res: make the record of every row that lost it (a power loss
 * that kept the row's rename and not its record: spool.h).
 */
static int
spool_recover_new(struct spool *sp, enum resource res, int *made)
{
	struct dirent	*de;
	DIR		*d;
	char		 rec[SF_RECORD_MAX], target[SF_TARGET_MAX];
	int		 newfd = sp->newfd[res], rc = 0, saved = 0;

	if ((d = spool_opendir_read(newfd)) == NULL)
		return -1;
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (sf_name_parse(de->d_name, NULL, NULL) == -1 ||
		    sf_row_record(newfd, de->d_name, res, rec) != 0)
			continue;
		if (sf_record_read(sp->idsfd, rec, target) != -1 ||
		    errno != ENOENT)
			continue;
		if ((spool_make_record(sp, res, de->d_name, rec) == -1 &&
		    errno != EEXIST) || spool_fsync_record(sp, rec) == -1) {
			saved = errno;
			rc = -1;
		} else
			(*made)++;
	}
	if (errno != 0)		/* not all read: the boot is not done */
		return spool_readdir_failed(d);
	closedir(d);
	errno = saved;
	return rc;
}

/*
 * Whether the row name of res is anywhere a row can be: tmp/PP/, new/,
 * cur/, failed/, looked at in the order rows move, so that a row that
 * moves on while we look is still found.  1 (or cannot tell), 0: nowhere.
 */
static int
spool_row_somewhere(struct spool *sp, enum resource res, const char *name)
{
	static const char *const later[] = { SF_CUR, SF_FAILED };
	char	path[64 + SF_NAME_MAX], sub[3];
	long	pid;
	size_t	i;

	if (sf_name_parse(name, NULL, &pid) == -1)
		return 1;
	sf_tmp_sub(pid, sub);
	snprintf(path, sizeof(path), "%s/%s", sub, name);
	if (faccessat(sp->tmpfd[res], path, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT ||
	    faccessat(sp->newfd[res], name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		return 1;
	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s",
		    event_resource_name(res), later[i], name);
		if (faccessat(sp->rootfd, path, F_OK, AT_SYMLINK_NOFOLLOW) ==
		    0 || errno != ENOENT)
			return 1;
	}
	return 0;
}

/*
 * .ids/<sub>/ (open as fd): remove the pending records whose row is
 * nowhere, which only a power loss leaves (it kept the record and took
 * the row, whose barrier 2 had not ended: never acknowledged).  No writer
 * runs (spool_recover()); a consumer may, and settles a record before
 * its row can leave new/: read again before it goes, a record settled
 * meanwhile stays.  The removals are durable before any delivery is
 * answered, lest one come back beside the retry's record.
 */
static int
spool_sweep_sub(struct spool *sp, int fd, const char *sub, int *removed)
{
	char		 target[SF_TARGET_MAX], again[SF_TARGET_MAX];
	char		 name[SF_NAME_MAX];
	struct dirent	*de;
	enum resource	 res;
	DIR		*d;
	int		 n = 0, rc = 0, saved = 0;

	if ((d = spool_opendir_read(fd)) == NULL)
		return -1;
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (sf_record_kind(sub, de->d_name) != SF_RECORD ||
		    sf_record_read(fd, de->d_name, target) != 1 ||
		    sf_record_split(target, &res, name) != 1 ||
		    spool_row_somewhere(sp, res, name) ||
		    sf_record_read(fd, de->d_name, again) != 1 ||
		    strcmp(target, again) != 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0)
			n++;
		else if (errno != ENOENT) {
			saved = errno;
			rc = -1;
		}
	}
	if (errno != 0) {	/* not all read: the boot is not done */
		saved = errno;
		rc = -1;
	}
	closedir(d);
	if (n > 0 && spool_fsync(sp, fd) == -1) {
		saved = errno;
		rc = -1;
	}
	*removed += n;
	errno = saved;
	return rc;
}

static int
spool_sweep_ids(struct spool *sp, int *removed)
{
	char		sub[SF_SUB_LEN + 1];
	unsigned	i;
	int		fd, rc = 0;

	for (i = 0; i < SF_IDS_SUBS && rc == 0; i++) {
		sf_ids_sub(i, sub);
		if ((fd = openat(sp->idsfd, sub, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW)) == -1) {
			if (errno != ENOENT)
				rc = -1;
			continue;
		}
		rc = util_close(fd, spool_sweep_sub(sp, fd, sub, removed));
	}
	return rc;
}

/* Bytes of the regular files in dir below the quarantine; 0 or -1. */
static int
spool_quarantine_sum(int qfd, const char *dir, uint64_t *sum)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 fd;

	if ((fd = openat(qfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			*sum += (uint64_t)st.st_size;
	closedir(d);
	return 0;
}

static int
spool_quarantine_scan(struct spool *sp, uint64_t *used)
{
	static const char *const dirs[] = { SF_TMP, SF_NEW, SF_CUR };
	size_t	i;
	int	qfd, rc = 0;

	*used = 0;
	if ((qfd = openat(sp->rootfd, event_resource_name(RES_QUARANTINE),
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && rc == 0; i++)
		rc = spool_quarantine_sum(qfd, dirs[i], used);
	close(qfd);
	return rc;
}

int
spool_quarantine_room(struct spool *sp, unsigned long long max, size_t need)
{
	uint64_t	used;
	time_t		now;

	if (sp->seq == NULL)
		return 0;
	used = __atomic_load_n(&sp->seq[SPOOL_SEQ_QBYTES], __ATOMIC_RELAXED);
	if (used + need <= max)
		return 1;
	/*
	 * Full by the count, which only grows between starts: look again
	 * (once a minute at most), as someone may have cleaned up.
	 */
	now = time(NULL);
	if (now - sp->qscan < SPOOL_QSCAN_EVERY)
		return 0;
	sp->qscan = now;
	if (spool_quarantine_scan(sp, &used) == -1)
		return 0;
	__atomic_store_n(&sp->seq[SPOOL_SEQ_QBYTES], used, __ATOMIC_RELAXED);
	return used + need <= max;
}

void
spool_quarantine_add(struct spool *sp, size_t n)
{
	if (sp->seq != NULL)
		__atomic_add_fetch(&sp->seq[SPOOL_SEQ_QBYTES], (uint64_t)n,
		    __ATOMIC_RELAXED);
}

/* FNV-1a over the key of a counter: where its search starts. */
static uint32_t
spool_counter_hash(const char *profile, int status, const char *error)
{
	uint32_t	h = 2166136261u;
	const char	*s;

	for (s = profile; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ (uint32_t)status) * 16777619u;
	for (s = error; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
spool_counter_is(const struct spool_counter *c, const char *profile,
    int status, const char *error)
{
	return c->status == status &&
	    strncmp(c->profile, profile, SPOOL_COUNTER_NAME - 1) == 0 &&
	    strcmp(c->error, error) == 0;
}

void
spool_count(struct spool *sp, const char *profile, int status,
    const char *error)
{
	struct spool_counter	*c;
	uint32_t		 i, h, state, spins;

	if (sp->seq == NULL)
		return;
	if (error == NULL)
		error = "-";
	h = spool_counter_hash(profile, status, error);
	for (i = 0; i < SPOOL_COUNTERS; i++) {
		c = &((struct spool_shared *)sp->seq)->counter[(h + i) %
		    SPOOL_COUNTERS];
		state = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
		if (state == SPOOL_COUNTER_FREE) {
			uint32_t free_ = SPOOL_COUNTER_FREE;

			if (__atomic_compare_exchange_n(&c->state, &free_,
			    SPOOL_COUNTER_CLAIM, 0, __ATOMIC_ACQ_REL,
			    __ATOMIC_ACQUIRE)) {
				c->status = (uint16_t)status;
				snprintf(c->profile, sizeof(c->profile), "%s",
				    profile);
				snprintf(c->error, sizeof(c->error), "%s",
				    error);
				__atomic_store_n(&c->count, 1,
				    __ATOMIC_RELAXED);
				__atomic_store_n(&c->state,
				    SPOOL_COUNTER_READY, __ATOMIC_RELEASE);
				return;
			}
			state = free_;
		}
		/* Another process is filling this slot in: a moment. */
		for (spins = 0; state == SPOOL_COUNTER_CLAIM && spins < 1000;
		    spins++)
			state = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
		if (state == SPOOL_COUNTER_READY &&
		    spool_counter_is(c, profile, status, error)) {
			__atomic_add_fetch(&c->count, 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

int
spool_seen(struct spool *sp, const char *key)
{
	struct stat	st;
	char		rec[SPOOL_RECORD_MAX];

	if (sp->seq == NULL || !sf_key_valid(key))
		return -1;
	sf_record_path(key, rec);
	if (fstatat(sp->idsfd, rec, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode))
		return -1;
	/* As for a duplicate: standing, and durable before we say so. */
	switch (spool_await_record(sp, rec)) {
	case 1:
		return 0;
	case -1:
		return -1;
	}
	return spool_record_durable(sp, rec) == -1 ? -1 : 1;
}

/* This boot's id (/proc/sys/kernel/random/boot_id), 128 bits.  0/-1. */
static int
spool_boot_id(uint64_t boot[2])
{
	char	buf[64];
	ssize_t	n;
	int	fd, i, half = 0;

	boot[0] = boot[1] = 0;
	if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY |
	    O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	for (i = 0; i < n && buf[i] != '\n'; i++) {
		if (buf[i] == '-')
			continue;
		if (!((buf[i] >= '0' && buf[i] <= '9') ||
		    (buf[i] >= 'a' && buf[i] <= 'f')) || half == 32)
			return -1;
		boot[half / 16] = boot[half / 16] << 4 | (uint64_t)(buf[i] <=
		    '9' ? buf[i] - '0' : buf[i] - 'a' + 10);
		half++;
	}
	return half == 32 ? 0 : -1;
}

/* Whether the boot that last looked through the spool is this one. */
static int
spool_boot_done(const struct spool *sp)
{
	return sp->bootid &&
	    __atomic_load_n(&sp->seq[SPOOL_SEQ_BOOT], __ATOMIC_SEQ_CST) ==
	    sp->boot[0] &&
	    __atomic_load_n(&sp->seq[SPOOL_SEQ_BOOT + 1], __ATOMIC_SEQ_CST) ==
	    sp->boot[1];
}

int
spool_recover(struct spool *sp, char *err, size_t errlen)
{
	uint64_t	used;
	int		i, scan, lockfd = -1, published = 0, made = 0;
	int		removed = 0;

	/*
	 * What only a power loss leaves -- rows in new/ without their
	 * record, pending records without their row -- is looked for at
	 * the first start of each boot, before it answers any delivery.
	 * One start looks, holding the lock of the spool's root; the
	 * others wait for it, and then find its boot id in .seq.  So no
	 * writer of this boot runs while records are removed.
	 */
	if ((scan = !spool_boot_done(sp))) {
		if ((lockfd = openat(sp->rootfd, ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			goto fail;
		while (flock(lockfd, LOCK_EX) == -1)
			if (errno != EINTR)
				goto fail;
		scan = !spool_boot_done(sp);
	}
	for (i = 0; i < RES__COUNT; i++)
		if (spool_recover_tmp(sp, i, &published) == -1 ||
		    (scan && spool_recover_new(sp, i, &made) == -1)) {
			util_err(err, errlen, "spool %s/%s: %s", sp->root,
			    event_resource_name(i), strerror(errno));
			goto fail_err;
		}
	if (scan && sp->bootid) {
		if (spool_sweep_ids(sp, &removed) == -1) {
			util_err(err, errlen, "spool %s/%s: %s", sp->root,
			    SF_IDS, strerror(errno));
			goto fail_err;
		}
		__atomic_store_n(&sp->seq[SPOOL_SEQ_BOOT], sp->boot[0],
		    __ATOMIC_SEQ_CST);
		__atomic_store_n(&sp->seq[SPOOL_SEQ_BOOT + 1], sp->boot[1],
		    __ATOMIC_SEQ_CST);
	}
	if (lockfd != -1)
		close(lockfd);
	sp->recovered.published = published;
	sp->recovered.made = made;
	sp->recovered.removed = removed;
	/* The quarantine's size, counted afresh at every start. */
	if (spool_quarantine_scan(sp, &used) == 0)
		__atomic_store_n(&sp->seq[SPOOL_SEQ_QBYTES], used,
		    __ATOMIC_RELAXED);
	return published + made + removed;
fail:
	util_err(err, errlen, "spool %s: %s", sp->root, strerror(errno));
fail_err:
	if (lockfd != -1)
		close(lockfd);
	return -1;
}

int
spool_check(const char *root, mode_t file_mode, char *err, size_t errlen)
{
	struct spool	sp;
	char		name[SPOOL_NAME_MAX];
	int		fd;

	if (spool_open(&sp, root, file_mode, SYNC_FULL, err, errlen) == -1)
		return -1;
	/* Try a real write: access(2) does not see a read-only mount. */
	if (spool_next_name(&sp, name) == -1 ||
	    (fd = openat(sp.tmpfd[RES_OTHER], name, O_WRONLY | O_CREAT |
	    O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		util_err(err, errlen, "spool %s: cannot write: %s", root,
		    strerror(errno));
		spool_close(&sp);
		return -1;
	}
	close(fd);
	(void)unlinkat(sp.tmpfd[RES_OTHER], name, 0);
	spool_close(&sp);
	return 0;
}
