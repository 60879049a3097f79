/* SPDX-License-Identifier: ISC */
/*
 * spool-model: a power loss at every point of the writer's operations,
 * on the real spool code (sync = full).
 *
 * The file-system calls of the spool code reach the __wrap_ functions
 * below (ld --wrap, see t/unit.am).  While logging is on they append
 * every change made below the spool being recorded to a log: CREATE
 * (openat with O_CREAT), WRITE (write, writev), SYNC_FILE and SYNC_DIR
 * (fsync), LINK, SYMLINK, RENAME, UNLINK, MKNOD.  The log is a shared
 * mapping: a forked writer appends to it too.  A call the model cannot
 * replay (mkdirat, an rmdir, a write to a file it did not see made)
 * fails the test.
 *
 * The model of durability, the one the protocol's argument uses:
 *   - a file's data is durable once that file was fsynced after the
 *     write;
 *   - an entry made or removed in directory D (CREATE, LINK, SYMLINK,
 *     MKNOD, UNLINK) is durable once D was fsynced after it;
 *   - a RENAME is atomic (after a crash the name is in exactly one of
 *     its two places), and durable once its target directory was fsynced
 *     after it; an entry names its file (inode), so a rename that
 *     survived names the file it moved at its target even if the entry
 *     it moved from was never durable;
 *   - any operation that no later sync covers may be lost, whatever
 *     became of the others.
 * So a crash after operation c leaves operations 1..c less any subset
 * of the uncovered ones.  Each such state is rebuilt: the operations
 * replayed in order on a model of the spool (a LINK whose source is gone
 * is skipped; a lost write leaves its bytes out), the model written out
 * on an empty spool.  Then spool_recover() runs on it and must leave
 *   I1  no record in .ids/ without a row of its key;
 *   I2  never two rows of the key, nothing in kyc/tmp/;
 *   I3  exactly one row once a put had answered 200 (SPOOL_WRITTEN or
 *       SPOOL_DUPLICATE) before the crash;
 * and the provider's retry (spool_put again) must answer 200 -- and
 * SPOOL_DUPLICATE if a 200 was answered before -- leaving one row and
 * its record.  A row is in kyc/new/, or in kyc/cur/ once consumed; a
 * row its consumer deleted leaves its record, and no row.
 *
 * Scenarios: A, one put; B, a put killed before each of its operations,
 * then a second delivery of the event; C, a put whose m-th fsync fails
 * (EIO), or whose m-th renameat does; D, one put, then a consumer takes
 * the row, to cur/ or deleting it (a record must outlive its row's stay
 * in new/).  A's put must make two fsyncs: the row's and new/'s.
 *
 * E: the group fsync of barrier 2 (spool_gsync()), which the one-writer
 * histories above never share: two writers A and B on one directory,
 * steered through fsync and the wait for a leader (also wrapped; B in a
 * thread), must skip B's fsync exactly when an fsync whose ticket was
 * taken after B's change succeeded, and must not wait for ever on a
 * leader that died.
 *
 * F: a settle whose record is made by someone else between its look and
 * its own symlinkat() (also wrapped) must settle that record.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "tap.h"

#define M_OPS		96	/* operations in one log */
#define M_PATH		128	/* a path below the spool */
#define M_DATA		256	/* bytes of a file */
#define M_INOS		32	/* files made in one log */
#define M_LOST		14	/* uncovered operations at a crash */
#define M_FAILS		20	/* failures printed per scenario */
#define M_MODE		0640

enum op_kind {
	OP_CREATE, OP_WRITE, OP_SYNC_FILE, OP_SYNC_DIR, OP_LINK, OP_SYMLINK,
	OP_RENAME, OP_UNLINK, OP_MKNOD
};

static const char *const op_names[] = { "CREATE", "WRITE", "SYNC_FILE",
	"SYNC_DIR", "LINK", "SYMLINK", "RENAME", "UNLINK", "MKNOD" };

/*
 * ino: the file of CREATE, MKNOD, WRITE, SYNC_FILE, and the one RENAME
 * moved (-1: a symbolic link, its target in data, len bytes).  path: the
 * entry made or removed; SYNC_DIR: the directory.  arg: LINK, RENAME:
 * the source; SYMLINK: the target.  WRITE: len bytes of data at off.
 */
struct op {
	enum op_kind	kind;
	int		ino;
	char		path[M_PATH];
	char		arg[M_PATH];
	off_t		off;
	size_t		len;
	char		data[M_DATA];
};

/*
 * The log, and what steers the calls: a child dies before its operation
 * kill_at (counting in seen); fsync number fail_fsync, renameat number
 * fail_rename fail with EIO (counting from 1 in nfsync, nrename).  The
 * model's files are numbered: ino[] holds their inode numbers.
 */
struct oplog {
	int		on;
	int		kill_at, seen;
	int		fail_fsync, nfsync;
	int		fail_rename, nrename;
	int		unmodelled;	/* calls it cannot replay */
	int		nino;
	ino_t		ino[M_INOS];
	int		n;
	struct op	op[M_OPS];
};

/* The model of a spool: entries (path -> file or link) and files. */
struct entry {
	char		path[M_PATH];
	int		ino;		/* -1: a link to target */
	char		target[M_PATH];
};

struct model {
	int		n;
	struct entry	e[M_OPS];
	size_t		len[M_INOS];
	char		data[M_INOS][M_DATA];
};

/* A recorded history: its name, and the log length at its first 200. */
struct run {
	char		name[32];
	int		ack;		/* -1: no 200 was answered */
	int		deleted;	/* > 0: the operation (from 1) that
					   deleted the acknowledged row */
};

/* What a violation breaks: its message's first word. */
static const char *const kinds[] = { "I1", "I2", "I3", "retry" };
#define N_KINDS	(sizeof(kinds) / sizeof(kinds[0]))

struct tally {
	const char	*name;
	int		 runs, states, bad;
	int		 by[N_KINDS + 1];	/* per kind, then others */
};

int	__real_openat(int, const char *, int, ...);
ssize_t	__real_writev(int, const struct iovec *, int);
int	__real_fsync(int);
int	__real_linkat(int, const char *, int, const char *, int);
int	__real_symlinkat(const char *, int, const char *);
int	__real_renameat(int, const char *, int, const char *);
int	__real_unlinkat(int, const char *, int);
int	__real_mknodat(int, const char *, mode_t, dev_t);
int	__real_mkdirat(int, const char *, mode_t);
int	__real_util_futex_wait(uint32_t *, uint32_t, int);
int	__wrap_openat(int, const char *, int, ...);
ssize_t	__wrap_write(int, const void *, size_t);
ssize_t	__wrap_writev(int, const struct iovec *, int);
int	__wrap_fsync(int);
int	__wrap_linkat(int, const char *, int, const char *, int);
int	__wrap_symlinkat(const char *, int, const char *);
int	__wrap_renameat(int, const char *, int, const char *);
int	__wrap_unlinkat(int, const char *, int);
int	__wrap_mknodat(int, const char *, mode_t, dev_t);
int	__wrap_mkdirat(int, const char *, mode_t);
int	__wrap_util_futex_wait(uint32_t *, uint32_t, int);

static void	violation(struct tally *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static const char id[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static struct oplog	*lg;
static char		 top[] = "/tmp/hw-spool-model.XXXXXX";
/* The spool recorded (as /proc/self/fd names it), the crashed one. */
static char		 rec[PATH_MAX];
static char		 crash[sizeof(top) + 8];
static size_t		 reclen;
static char		 key[SPOOL_KEY_MAX], row[256], err[256];

/*
 * The path of name in dfd (of dfd itself when name is NULL) below
 * the recorded spool, into rel ("." for its root).  Returns 0, or -1
 * when it is elsewhere.  With AT_FDCWD, name as it is.
 */
static int
rel_path(int dfd, const char *name, char rel[M_PATH])
{
	char		 fdp[32], buf[PATH_MAX];
	const char	*p = name;
	ssize_t		 n;

	if (name == NULL || (name[0] != '/' && dfd != AT_FDCWD)) {
		snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", dfd);
		if ((n = readlink(fdp, buf, sizeof(buf) - 1)) == -1)
			return -1;
		buf[n] = '\0';
		if (name != NULL)
			snprintf(buf + n, sizeof(buf) - n, "/%s", name);
		p = buf;
	}
	if (strncmp(p, rec, reclen) != 0 ||
	    (p[reclen] != '/' && p[reclen] != '\0'))
		return -1;
	p += reclen;
	n = snprintf(rel, M_PATH, "%s", *p == '\0' ? "." : p + 1);
	return n < M_PATH ? 0 : -1;
}

/*
 * Whether a call on name in dfd (on dfd alone: name NULL) is one to
 * log: logging on, below the recorded spool (rel: its path there).  A
 * writer told to die before its kill_at-th operation dies here.
 */
static int
op_begin(int dfd, const char *name, char rel[M_PATH])
{
	if (!lg->on || rel_path(dfd, name, rel) == -1)
		return 0;
	if (lg->kill_at != 0 && ++lg->seen == lg->kill_at)
		_exit(0);
	return 1;
}

/* A new file of the model, for inode number ino; -1 when full. */
static int
ino_new(ino_t ino)
{
	if (lg->nino == M_INOS)
		return -1;
	lg->ino[lg->nino] = ino;
	return lg->nino++;
}

/* The model's file that is inode number ino now; -1 if none. */
static int
ino_find(ino_t ino)
{
	int	i;

	for (i = lg->nino - 1; i >= 0; i--)
		if (lg->ino[i] == ino)
			return i;
	return -1;
}

/* Append an operation; NULL (and counted unmodelled) if it cannot be. */
static struct op *
op_add(enum op_kind kind, int ino, const char *path, const char *arg)
{
	struct op	*o;

	if (lg->n == M_OPS || (ino == -1 && (kind == OP_CREATE ||
	    kind == OP_MKNOD || kind == OP_WRITE)) ||
	    strlen(path) >= M_PATH || (arg != NULL && strlen(arg) >= M_PATH)) {
		lg->unmodelled++;
		return NULL;
	}
	o = &lg->op[lg->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->ino = ino;
	snprintf(o->path, sizeof(o->path), "%s", path);
	snprintf(o->arg, sizeof(o->arg), "%s", arg != NULL ? arg : "");
	return o;
}

int
__wrap_openat(int dfd, const char *name, int flags, ...)
{
	struct stat	st;
	va_list		ap;
	mode_t		mode = 0;
	char		rel[M_PATH];
	int		fd;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!(flags & O_CREAT) || !op_begin(dfd, name, rel))
		return __real_openat(dfd, name, flags, mode);
	/* The writer creates with O_EXCL: a success is a new file. */
	if ((fd = __real_openat(dfd, name, flags, mode)) != -1 &&
	    fstat(fd, &st) == 0)
		op_add(OP_CREATE, ino_new(st.st_ino), rel, NULL);
	return fd;
}

/* Log the write of n bytes of iov, at off, to the file fd (at rel). */
static void
log_write(int fd, off_t off, const struct iovec *iov, size_t n,
    const char *rel)
{
	struct stat	 st;
	struct op	*o;
	size_t		 k, c;

	if (fstat(fd, &st) == -1 || off < 0 || off + n > M_DATA) {
		lg->unmodelled++;
		return;
	}
	if ((o = op_add(OP_WRITE, ino_find(st.st_ino), rel, NULL)) == NULL)
		return;
	o->off = off;
	o->len = n;
	for (k = 0; k < n; k += c, iov++) {
		c = iov->iov_len < n - k ? iov->iov_len : n - k;
		memcpy(o->data + k, iov->iov_base, c);
	}
}

ssize_t
__wrap_writev(int fd, const struct iovec *iov, int iovcnt)
{
	char	rel[M_PATH];
	off_t	off;
	ssize_t	n;

	if (!op_begin(fd, NULL, rel))
		return __real_writev(fd, iov, iovcnt);
	off = lseek(fd, 0, SEEK_CUR);
	if ((n = __real_writev(fd, iov, iovcnt)) > 0)
		log_write(fd, off, iov, (size_t)n, rel);
	return n;
}

ssize_t
__wrap_write(int fd, const void *buf, size_t len)
{
	struct iovec	iov;

	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	return __wrap_writev(fd, &iov, 1);
}

/*
 * Scenario E's steering: fsyncs of gs.fd[] are counted, and an fsync of
 * gs.fail_fd fails (EIO); an fsync runs gs.during first.  A wait for the
 * leader (util_futex_wait) says so in gs.waiting and returns only when
 * the test posts gs.go: as woken, or as timed out if gs.timeout.
 */
static struct {
	int		 on;
	int		 fd[2];
	int		 nfsync, nwait;
	int		 fail_fd;
	int		 timeout;
	int		 waiting;
	int		 stuck;		/* a wait nobody ended */
	sem_t		 go;
	void		(*during)(void);
} gs;
static struct spool_gsync gsv;

int
__wrap_util_futex_wait(uint32_t *w, uint32_t val, int ms)
{
	struct timespec	ts;

	if (!gs.on)
		return __real_util_futex_wait(w, val, ms);
	gs.nwait++;
	__atomic_store_n(&gs.waiting, 1, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	if (sem_timedwait(&gs.go, &ts) == -1) {
		/* A second wait, for a leader that will never end. */
		gs.stuck = 1;
		__atomic_store_n(&gsv.leader, 0, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (gs.timeout) {
		errno = ETIMEDOUT;
		return -1;
	}
	return 0;
}

int
__wrap_fsync(int fd)
{
	struct stat	st;
	char		rel[M_PATH];
	int		ino;
	void		(*f)(void) = gs.during;

	if (gs.on && (fd == gs.fd[0] || fd == gs.fd[1])) {
		gs.nfsync++;
		if (f != NULL) {
			gs.during = NULL;
			f();
		}
		if (fd == gs.fail_fd) {
			errno = EIO;
			return -1;
		}
		return __real_fsync(fd);
	}
	if (!op_begin(fd, NULL, rel))
		return __real_fsync(fd);
	if (++lg->nfsync == lg->fail_fsync) {
		errno = EIO;
		return -1;
	}
	if (__real_fsync(fd) == -1 || fstat(fd, &st) == -1)
		return -1;
	/* A file the log did not make: no data of the model to cover. */
	if (S_ISDIR(st.st_mode))
		op_add(OP_SYNC_DIR, -1, rel, NULL);
	else if ((ino = ino_find(st.st_ino)) != -1)
		op_add(OP_SYNC_FILE, ino, rel, NULL);
	return 0;
}

int
__wrap_linkat(int fromfd, const char *from, int tofd, const char *to,
    int flags)
{
	char	rel[M_PATH], src[M_PATH];

	if (!op_begin(tofd, to, rel))
		return __real_linkat(fromfd, from, tofd, to, flags);
	if (__real_linkat(fromfd, from, tofd, to, flags) == -1)
		return -1;
	if (rel_path(fromfd, from, src) == -1)
		lg->unmodelled++;
	else
		op_add(OP_LINK, -1, rel, src);
	return 0;
}

/* F: called once, just before the next symlinkat() of the spool code. */
static void	(*symlink_before)(void);

int
__wrap_symlinkat(const char *target, int dfd, const char *name)
{
	char	rel[M_PATH];
	void	(*f)(void) = symlink_before;

	if (f != NULL) {
		symlink_before = NULL;
		f();
	}
	if (!op_begin(dfd, name, rel))
		return __real_symlinkat(target, dfd, name);
	if (__real_symlinkat(target, dfd, name) == -1)
		return -1;
	op_add(OP_SYMLINK, -1, rel, target);
	return 0;
}

int
__wrap_renameat(int fromfd, const char *from, int tofd, const char *to)
{
	struct stat	 st;
	struct op	*o;
	char		 rel[M_PATH], src[M_PATH], link[M_DATA];
	ssize_t		 n = -1;
	int		 ino = -1;

	if (!op_begin(tofd, to, rel))
		return __real_renameat(fromfd, from, tofd, to);
	if (++lg->nrename == lg->fail_rename) {
		errno = EIO;
		return -1;
	}
	/* What it moves: a file of the model, or a symbolic link. */
	if (fstatat(fromfd, from, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			n = readlinkat(fromfd, from, link, sizeof(link));
		else
			ino = ino_find(st.st_ino);
	}
	if (__real_renameat(fromfd, from, tofd, to) == -1)
		return -1;
	if (rel_path(fromfd, from, src) == -1 || (ino == -1 && n <= 0) ||
	    (o = op_add(OP_RENAME, ino, rel, src)) == NULL)
		lg->unmodelled++;
	else if (ino == -1) {
		memcpy(o->data, link, (size_t)n);
		o->len = (size_t)n;
	}
	return 0;
}

int
__wrap_unlinkat(int dfd, const char *name, int flags)
{
	char	rel[M_PATH];

	if (!op_begin(dfd, name, rel))
		return __real_unlinkat(dfd, name, flags);
	if (__real_unlinkat(dfd, name, flags) == -1)
		return -1;
	if (flags & AT_REMOVEDIR)
		lg->unmodelled++;
	else
		op_add(OP_UNLINK, -1, rel, NULL);
	return 0;
}

int
__wrap_mknodat(int dfd, const char *name, mode_t mode, dev_t dev)
{
	struct stat	st;
	char		rel[M_PATH];

	if (!op_begin(dfd, name, rel))
		return __real_mknodat(dfd, name, mode, dev);
	if (__real_mknodat(dfd, name, mode, dev) == -1)
		return -1;
	if (!S_ISREG(mode) ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		lg->unmodelled++;
	else
		op_add(OP_MKNOD, ino_new(st.st_ino), rel, NULL);
	return 0;
}

/* The layout is the model's ground: a new directory is not modelled. */
int
__wrap_mkdirat(int dfd, const char *name, mode_t mode)
{
	char	rel[M_PATH];

	if (op_begin(dfd, name, rel))
		lg->unmodelled++;
	return __real_mkdirat(dfd, name, mode);
}

/* The directory of an entry's path: "." at the top. */
static void
dir_of(const char *path, char dir[M_PATH])
{
	const char	*s = strrchr(path, '/');

	if (s == NULL)
		snprintf(dir, M_PATH, ".");
	else
		snprintf(dir, M_PATH, "%.*s", (int)(s - path), path);
}

/*
 * The first operation after operation i that makes it durable: a sync
 * of its file, or of the directory of its entry; lg->n when none does.
 * A sync changes nothing that could be lost: i itself.
 */
static int
covered_by(int i)
{
	const struct op	*o = &lg->op[i], *s;
	char		 dir[M_PATH];
	int		 j;

	if (o->kind == OP_SYNC_FILE || o->kind == OP_SYNC_DIR)
		return i;
	dir_of(o->path, dir);
	for (j = i + 1; j < lg->n; j++) {
		s = &lg->op[j];
		if (o->kind == OP_WRITE ? s->kind == OP_SYNC_FILE &&
		    s->ino == o->ino : s->kind == OP_SYNC_DIR &&
		    strcmp(s->path, dir) == 0)
			return j;
	}
	return lg->n;
}

static struct entry *
entry_find(struct model *m, const char *path)
{
	int	i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->e[i].path, path) == 0)
			return &m->e[i];
	return NULL;
}

/* Make path name the file ino (-1: a symbolic link to target). */
static void
entry_set(struct model *m, const char *path, int ino, const char *target)
{
	struct entry	*e;

	if ((e = entry_find(m, path)) == NULL)
		e = &m->e[m->n++];
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->ino = ino;
	snprintf(e->target, sizeof(e->target), "%s", target);
}

static void
entry_del(struct model *m, const char *path)
{
	struct entry	*e;

	if ((e = entry_find(m, path)) != NULL)
		*e = m->e[--m->n];
}

static void
model_apply(struct model *m, const struct op *o)
{
	struct entry	*e, src;

	switch (o->kind) {
	case OP_CREATE:
	case OP_MKNOD:
		entry_set(m, o->path, o->ino, "");
		break;
	case OP_WRITE:
		memcpy(m->data[o->ino] + o->off, o->data, o->len);
		if (o->off + o->len > m->len[o->ino])
			m->len[o->ino] = o->off + o->len;
		break;
	case OP_LINK:
	case OP_RENAME:
		if ((e = entry_find(m, o->arg)) == NULL) {
			/*
			 * The source's entry was lost: a rename still
			 * names what it moved at its target (its file,
			 * with what survived of its data, or its link).
			 */
			if (o->kind == OP_RENAME && o->ino != -1)
				entry_set(m, o->path, o->ino, "");
			else if (o->kind == OP_RENAME) {
				snprintf(src.target, sizeof(src.target),
				    "%.*s", (int)o->len, o->data);
				entry_set(m, o->path, -1, src.target);
			}
			break;
		}
		src = *e;
		if (o->kind == OP_RENAME)
			entry_del(m, o->arg);
		entry_set(m, o->path, src.ino, src.target);
		break;
	case OP_SYMLINK:
		entry_set(m, o->path, -1, o->arg);
		break;
	case OP_UNLINK:
		entry_del(m, o->path);
		break;
	case OP_SYNC_FILE:
	case OP_SYNC_DIR:
		break;
	}
}

/*
 * Empty a spool to its directories.  Its .seq goes too: spool_open()
 * makes it anew, as it was before the logged operations (a power loss
 * is a new boot, and .seq is not modelled).
 */
static int
empty_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return type == FTW_D ? 0 : unlink(p);
}

static int
remove_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return remove(p);
}

static int
file_make(const char *p, const char *data, size_t len)
{
	int	fd;

	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    M_MODE)) == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Write the model out on the crashed spool, first emptied to its layout. */
static int
materialise(const struct model *m)
{
	const struct entry *e;
	char		 p[PATH_MAX], q[PATH_MAX];
	int		 i, j, rc;

	if (nftw(crash, empty_one, 16, FTW_PHYS) == -1)
		return -1;
	for (i = 0; i < m->n; i++) {
		e = &m->e[i];
		snprintf(p, sizeof(p), "%s/%s", crash, e->path);
		/* A file with another name already: a hard link to it. */
		for (j = 0; j < i && m->e[j].ino != e->ino; j++)
			;
		snprintf(q, sizeof(q), "%s/%s", crash, m->e[j].path);
		if (e->ino == -1)
			rc = symlink(e->target, p);
		else if (j < i)
			rc = link(q, p);
		else
			rc = file_make(p, m->data[e->ino], m->len[e->ino]);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static void
violation(struct tally *t, const char *where, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;
	size_t	k;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (k = 0; k < N_KINDS && strncmp(msg, kinds[k],
	    strlen(kinds[k])) != 0; k++)
		;
	t->by[k]++;
	if (++t->bad <= M_FAILS)
		ok(0, "%s: %s", where, msg);
}

/*
 * Entries in kyc/<sub>/ of the crashed spool, and in its subdirectories
 * (tmp/<pp>/): rows of id (NULL: any).
 */
static int
count_in(const char *sub, const char *want)
{
	struct dirent	*de;
	DIR		*d;
	char		 p[PATH_MAX], below[PATH_MAX], rid[ROW_ID_HEX_LEN + 1];
	int		 n = 0;

	snprintf(p, sizeof(p), "%s/%s/%s", crash,
	    event_resource_name(RES_KYC), sub);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_DIR) {
			snprintf(below, sizeof(below), "%s/%s", sub,
			    de->d_name);
			n += count_in(below, want);
		} else if (want == NULL ||
		    (sf_peek_id(dirfd(d), de->d_name, rid) == 0 &&
		    strcmp(rid, want) == 0))
			n++;
	}
	closedir(d);
	return n;
}

/* The rows of id in kyc/new/ and kyc/cur/. */
static int
rows_of(const char *want)
{
	return count_in(SF_NEW, want) + count_in(SF_CUR, want);
}

/*
 * I1: every record below .ids/ has a row of its key (its id); gone: but
 * the row that was deleted, whose record must stand.
 */
static void
check_records(struct tally *t, const char *where, int gone)
{
	struct dirent	*de;
	DIR		*d;
	char		 sub[SF_SUB_LEN + 1], p[PATH_MAX];
	unsigned	 i;

	for (i = 0; i < SF_IDS_SUBS; i++) {
		sf_ids_sub(i, sub);
		snprintf(p, sizeof(p), "%s/%s/%s", crash, SPOOL_IDS_DIR, sub);
		if ((d = opendir(p)) == NULL) {
			violation(t, where, "I1: %s unreadable", p);
			continue;
		}
		while ((de = readdir(d)) != NULL)
			if (sf_record_kind(sub, de->d_name) == SF_RECORD &&
			    rows_of(de->d_name) < 1 &&
			    !(gone && strcmp(de->d_name, key) == 0))
				violation(t, where, "I1: record %s/%s/%.8s... "
				    "without its row", SPOOL_IDS_DIR, sub,
				    de->d_name);
		closedir(d);
	}
}

/* After the retry: its answer, one row (none: gone), its record. */
static void
check_retry(struct tally *t, const char *where, int acked, int gone,
    enum spool_status st)
{
	struct stat	sb;
	char		p[PATH_MAX], recp[SPOOL_RECORD_MAX];
	int		n;

	if (st == SPOOL_FAILED)
		violation(t, where, "retry: SPOOL_FAILED: %s", err);
	else if (acked && st != SPOOL_DUPLICATE)
		violation(t, where, "retry: SPOOL_WRITTEN after a 200");
	if ((n = rows_of(id)) != !gone)
		violation(t, where, "retry: then %d rows", n);
	sf_record_path(key, recp);
	snprintf(p, sizeof(p), "%s/%s/%s", crash, SPOOL_IDS_DIR, recp);
	if (lstat(p, &sb) == -1)
		violation(t, where, "retry: then no record");
}

/*
 * Recover the crashed spool, check it, retry the delivery.  gone: the
 * acknowledged row was deleted by its consumer (and that survived).
 */
static void
check_state(struct tally *t, const char *where, int acked, int gone)
{
	struct spool	sp;
	char		name[SPOOL_NAME_MAX];
	int		n;

	if (spool_open(&sp, crash, M_MODE, SYNC_FULL, err,
	    sizeof(err)) == -1) {
		violation(t, where, "spool_open: %s", err);
		return;
	}
	if (spool_recover(&sp, err, sizeof(err)) == -1)
		violation(t, where, "spool_recover: %s", err);
	check_records(t, where, gone);
	if ((n = rows_of(id)) > 1)
		violation(t, where, "I2: %d rows", n);
	if (count_in(SF_TMP, NULL) != 0)
		violation(t, where, "I2: kyc/tmp/ not empty after recovery");
	if (acked && n != !gone)
		violation(t, where, "I3: 200 answered, then %d rows", n);
	check_retry(t, where, acked, gone, spool_put(&sp, RES_KYC, key, row,
	    strlen(row), name, err, sizeof(err)));
	spool_close(&sp);
}

/* The state after the first c operations, less those lost. */
static void
crash_one(struct tally *t, const struct run *r, int c, const char *lost)
{
	static struct model m;
	char		 where[512];
	size_t		 k;
	int		 i;

	memset(&m, 0, sizeof(m));
	k = (size_t)snprintf(where, sizeof(where), "%s, crash after op %d, "
	    "lost {", r->name, c);
	for (i = 0; i < c; i++) {
		if (!lost[i]) {
			model_apply(&m, &lg->op[i]);
			continue;
		}
		if (k < sizeof(where))
			k += (size_t)snprintf(where + k, sizeof(where) - k,
			    "%s%d %s", where[k - 1] == '{' ? "" : ", ",
			    i + 1, op_names[lg->op[i].kind]);
	}
	if (k < sizeof(where))
		snprintf(where + k, sizeof(where) - k, "}");
	t->states++;
	if (materialise(&m) == -1)
		violation(t, where, "cannot make the state: %s",
		    strerror(errno));
	else
		check_state(t, where, r->ack != -1 && c >= r->ack,
		    r->deleted > 0 && c >= r->deleted && !lost[r->deleted - 1]);
}

static void
log_print(const char *name)
{
	const struct op	*o;
	int		 i;

	printf("# the operations of %s:\n", name);
	for (i = 0; i < lg->n; i++) {
		o = &lg->op[i];
		printf("#  %2d %-9s %s", i + 1, op_names[o->kind], o->path);
		if (o->arg[0] != '\0')
			printf(o->kind == OP_SYMLINK ? " -> %s" : " (from %s)",
			    o->arg);
		if (o->kind == OP_WRITE)
			printf(", %zu bytes at %lld", o->len,
			    (long long)o->off);
		printf("\n");
	}
}

/* Every crash point of the log, every subset of what it may lose. */
static void
crash_all(struct tally *t, const struct run *r)
{
	char		lost[M_OPS];
	int		cover[M_OPS], un[M_OPS], nu, c, i, bad = t->bad;
	unsigned long	mask;

	t->runs++;
	if (lg->unmodelled != 0)
		violation(t, r->name, "%d calls the model cannot replay",
		    lg->unmodelled);
	for (i = 0; i < lg->n; i++)
		cover[i] = covered_by(i);
	for (c = 0; c <= lg->n; c++) {
		for (nu = i = 0; i < c; i++)
			if (cover[i] >= c)
				un[nu++] = i;
		if (nu > M_LOST) {
			violation(t, r->name, "crash after op %d: %d "
			    "operations to lose, too many", c, nu);
			continue;
		}
		for (mask = 0; mask < 1UL << nu; mask++) {
			memset(lost, 0, sizeof(lost));
			for (i = 0; i < nu; i++)
				lost[un[i]] = (mask >> i) & 1;
			crash_one(t, r, c, lost);
		}
	}
	if (t->bad > bad && bad < M_FAILS)
		log_print(r->name);
}

/* Start a recording: the recorded spool emptied, the log too. */
static int
record_begin(struct spool *sp)
{
	memset(lg, 0, sizeof(*lg));
	if (nftw(rec, empty_one, 16, FTW_PHYS) == -1)
		return -1;
	return spool_open(sp, rec, M_MODE, SYNC_FULL, err, sizeof(err));
}

static enum spool_status
record_put(struct spool *sp, char name[SPOOL_NAME_MAX])
{
	enum spool_status	st;

	lg->on = 1;
	st = spool_put(sp, RES_KYC, key, row, strlen(row), name, err,
	    sizeof(err));
	lg->on = 0;
	return st;
}

/* A: one put to its end.  Returns its operations (0: not recorded). */
static int
scenario_a(struct tally *t, int *nfsync, int *nrename)
{
	struct run		r = { "A", -1, 0 };
	struct spool		sp;
	enum spool_status	st;
	char			name[SPOOL_NAME_MAX];
	int			bootid;

	if (record_begin(&sp) == -1) {
		ok(0, "A: %s", err);
		return 0;
	}
	st = record_put(&sp, name);
	bootid = sp.bootid;
	spool_close(&sp);
	if (!ok(st == SPOOL_WRITTEN && lg->n > 0, "A: the put's calls are "
	    "intercepted (ld --wrap): %d operations", lg->n))
		return 0;
	/* Two barriers, as a durable file has: the row's, new/'s. */
	ok(bootid && lg->nfsync == 2, "A: two fsyncs a row (this boot's "
	    "id %s): %d", bootid ? "known" : "unknown", lg->nfsync);
	log_print(r.name);
	*nfsync = lg->nfsync;
	*nrename = lg->nrename;
	r.ack = lg->n;
	crash_all(t, &r);
	return r.ack;
}

/* B: a put killed before its operation k + 1, then a second delivery. */
static void
scenario_b(struct tally *t, int k)
{
	struct run	r = { "", -1, 0 };
	struct spool	sp;
	pid_t		pid;
	int		ws;
	char		name[SPOOL_NAME_MAX];

	snprintf(r.name, sizeof(r.name), "B k=%d", k);
	if (record_begin(&sp) == -1) {
		violation(t, r.name, "%s", err);
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == 0) {
		lg->kill_at = k + 1;
		_exit(10 + record_put(&sp, name));
	}
	if (pid == -1 || waitpid(pid, &ws, 0) == -1)
		ws = -1;
	lg->on = lg->kill_at = 0;
	if (WIFEXITED(ws) && (WEXITSTATUS(ws) == 10 + SPOOL_WRITTEN ||
	    WEXITSTATUS(ws) == 10 + SPOOL_DUPLICATE))
		r.ack = lg->n;
	if (record_put(&sp, name) == SPOOL_FAILED)
		violation(t, r.name, "second delivery: SPOOL_FAILED: %s", err);
	else if (r.ack == -1)
		r.ack = lg->n;
	spool_close(&sp);
	crash_all(t, &r);
}

/* C: a put whose fsync number fsync_m, or renameat rename_m, fails. */
static void
scenario_c(struct tally *t, int fsync_m, int rename_m)
{
	struct run		r = { "", -1, 0 };
	struct spool		sp;
	enum spool_status	st;
	char			name[SPOOL_NAME_MAX];

	snprintf(r.name, sizeof(r.name), "C %s %d fails", fsync_m != 0 ?
	    "fsync" : "rename", fsync_m != 0 ? fsync_m : rename_m);
	if (record_begin(&sp) == -1) {
		violation(t, r.name, "%s", err);
		return;
	}
	lg->fail_fsync = fsync_m;
	lg->fail_rename = rename_m;
	st = record_put(&sp, name);
	spool_close(&sp);
	if (fsync_m != 0 && st != SPOOL_FAILED)
		violation(t, r.name, "answered %d, not SPOOL_FAILED", st);
	if (st != SPOOL_FAILED)
		r.ack = lg->n;
	crash_all(t, &r);
}

/* The one row in kyc/new/ of the recorded spool, into name: 0/-1. */
static int
row_in_new(char name[SPOOL_NAME_MAX])
{
	struct dirent	*de;
	DIR		*d;
	char		 p[PATH_MAX + 16];
	int		 n = 0;

	snprintf(p, sizeof(p), "%s/%s/%s", rec, event_resource_name(RES_KYC),
	    SF_NEW);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && n++ == 0)
			snprintf(name, SPOOL_NAME_MAX, "%.*s",
			    SPOOL_NAME_MAX - 1, de->d_name);
	closedir(d);
	return n == 1 ? 0 : -1;
}

/*
 * D: one put, then a consumer takes its row as humanos-spool does: its
 * record settled first (sf_record_settle(), which hs_record_settle()
 * calls: new/ fsynced, the pending record replaced by the settled one,
 * .ids/xx fsynced), then hs_finish(): renamed to cur/, cur/ and new/
 * fsynced -- or, with delete (run --delete), unlinked from new/ and new/
 * fsynced.  A deleted row's record must stand: the retry is a duplicate,
 * and writes nothing.  killed: the put was killed before its last
 * operation (its fsync of new/: no 200), its row left in new/ for the
 * consumer all the same.
 */
static void
scenario_d(struct tally *t, int delete, int killed)
{
	struct run	r = { "D", -1, 0 };
	struct spool	sp;
	char		name[SPOOL_NAME_MAX], cur[32];
	char		rpath[SPOOL_RECORD_MAX];
	int		curfd = -1, newfd, rc, ws;
	pid_t		pid;

	snprintf(r.name, sizeof(r.name), "D%s%s", delete ? " --delete" : "",
	    killed ? " after a kill" : "");
	if (record_begin(&sp) == -1) {
		violation(t, r.name, "%s", err);
		return;
	}
	if (killed) {
		fflush(stdout);
		if ((pid = fork()) == 0) {
			lg->kill_at = killed;
			_exit(10 + record_put(&sp, name));
		}
		if (pid == -1 || waitpid(pid, &ws, 0) == -1 ||
		    !WIFEXITED(ws) || WEXITSTATUS(ws) != 0 ||
		    row_in_new(name) == -1) {
			violation(t, r.name, "the put was not killed after "
			    "its rename");
			spool_close(&sp);
			return;
		}
		lg->kill_at = 0;
	} else if (record_put(&sp, name) != SPOOL_WRITTEN) {
		violation(t, r.name, "put: %s", err);
		spool_close(&sp);
		return;
	} else
		r.ack = lg->n;
	newfd = sp.newfd[RES_KYC];
	snprintf(cur, sizeof(cur), "%s/%s", event_resource_name(RES_KYC),
	    SF_CUR);
	sf_record_path(key, rpath);
	lg->on = 1;
	rc = sf_record_settle(sp.idsfd, newfd, rpath, RES_KYC, name, getuid(),
	    getgid());
	if (rc == 0 && delete) {
		r.deleted = lg->n + 1;
		rc = unlinkat(newfd, name, 0) == -1 || fsync(newfd) == -1 ?
		    -1 : 0;
	} else if (rc == 0)
		rc = (curfd = openat(sp.rootfd, cur, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 || renameat(newfd, name, curfd,
		    name) == -1 || fsync(curfd) == -1 || fsync(newfd) == -1 ?
		    -1 : 0;
	if (rc == -1)
		violation(t, r.name, "consumer: %s", strerror(errno));
	lg->on = 0;
	if (curfd != -1)
		close(curfd);
	spool_close(&sp);
	crash_all(t, &r);
}

/*
 * F: a settle that finds no record, and meets one made meanwhile for the
 * same row (pending, as the recovery of another start makes it for a row
 * it finds in new/) when it makes its own: sf_record_settle() reads the
 * record again and settles it, rather than failing (EEXIST) or leaving
 * it pending.  f_made names the row of the record made meanwhile.
 */
static struct spool	*f_sp;
static const char	*f_rec, *f_made;

static void
f_make(void)
{
	char	target[SF_TARGET_MAX];

	if (sf_record_target(target, RES_KYC, f_made, 0) == 0)
		(void)__real_symlinkat(target, f_sp->idsfd, f_rec);
}

static void
scenario_f(void)
{
	struct spool	sp;
	char		name[SPOOL_NAME_MAX], rpath[SPOOL_RECORD_MAX];
	char		target[SF_TARGET_MAX], want[SF_TARGET_MAX];
	int		rc;

	err[0] = '\0';
	if (!ok(record_begin(&sp) == 0 && record_put(&sp, name) ==
	    SPOOL_WRITTEN, "F: a put%s%s", err[0] != '\0' ? ": " : "", err))
		return;
	sf_record_path(key, rpath);
	/* The record gone (as a crash may leave it), made again meanwhile. */
	f_sp = &sp;
	f_rec = rpath;
	f_made = name;
	rc = unlinkat(sp.idsfd, rpath, 0);
	symlink_before = f_make;
	if (rc == 0)
		rc = sf_record_settle(sp.idsfd, sp.newfd[RES_KYC], rpath,
		    RES_KYC, name, getuid(), getgid());
	ok(symlink_before == NULL, "F: the record was made meanwhile");
	symlink_before = NULL;
	ok(rc == 0, "F: the settle goes on past the record made meanwhile "
	    "(%s)", rc == 0 ? "0" : strerror(errno));
	ok(sf_record_read(sp.idsfd, rpath, target) == 1 &&
	    sf_record_target(want, RES_KYC, name, 1) == 0 &&
	    strcmp(target, want) == 0, "F: the record is settled, naming "
	    "its row");
	spool_close(&sp);
}

/* Scenario E: writer A's group fsync, and B's, on one directory. */
#define GS_OTHER	((uint32_t)1 << 30)	/* a leader not of this test */
static int	gs_ra, gs_rb;
static pthread_t gs_tid;
static int	gs_started;

static void *
gs_thread_b(void *arg)
{
	(void)arg;
	gs_rb = spool_gsync(&gsv, gs.fd[1], (uint32_t)getpid());
	return NULL;
}

/* B, in a thread, up to its wait for the leader. */
static void
gs_start_b(void)
{
	int	i;

	gs.during = NULL;
	if (pthread_create(&gs_tid, NULL, gs_thread_b, NULL) != 0)
		return;
	gs_started = 1;
	/* 2 s at most: a B that never waits fails its case (nwait). */
	for (i = 0; i < 2000 &&
	    !__atomic_load_n(&gs.waiting, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
}

enum gs_order {
	GS_B_FIRST,	/* B's change, then A's whole fsync while B waits */
	GS_A_FIRST,	/* A's ticket, then B's change during A's fsync */
	GS_DEAD		/* B waits for a leader that never ends */
};

/*
 * One case of E; then the answers, the fsyncs made, the waits and the
 * tickets must be as said (every case ends with its last fsync's
 * ticket done).
 */
static void
gs_case(const char *what, enum gs_order order, int a_fails, int want_ra,
    int want_fsyncs)
{
	memset(&gsv, 0, sizeof(gsv));
	gs.nfsync = gs.nwait = gs.stuck = gs.waiting = 0;
	gs.fail_fd = a_fails ? gs.fd[0] : -1;
	gs.timeout = order == GS_DEAD;
	gs.during = NULL;
	gs_ra = order == GS_DEAD ? 0 : 99;
	gs_rb = 99;
	gs_started = 0;
	gs.on = 1;
	if (order == GS_A_FIRST) {
		gs.during = gs_start_b;
		gs_ra = spool_gsync(&gsv, gs.fd[0], (uint32_t)getpid());
	} else {
		gsv.leader = GS_OTHER;
		gs_start_b();
		if (order == GS_B_FIRST) {
			gsv.leader = 0;		/* that leader ends */
			gs_ra = spool_gsync(&gsv, gs.fd[0], (uint32_t)getpid());
		}
	}
	sem_post(&gs.go);
	if (gs_started)
		pthread_join(gs_tid, NULL);
	gs.on = 0;
	while (sem_trywait(&gs.go) == 0)
		;
	ok(gs_started && !gs.stuck && gs.nwait == 1 && gs_ra == want_ra &&
	    gs_rb == 0 && gs.nfsync == want_fsyncs &&
	    gsv.begun == (uint64_t)want_fsyncs &&
	    gsv.done == (uint64_t)want_fsyncs && gsv.leader == 0,
	    "E: %s: A %d, B %d, %d fsyncs, %d waits; tickets: %llu begun, "
	    "%llu done", what, gs_ra, gs_rb, gs.nfsync, gs.nwait,
	    (unsigned long long)gsv.begun, (unsigned long long)gsv.done);
}

static void
scenario_e(void)
{
	if (!ok(sem_init(&gs.go, 0, 0) == 0 &&
	    (gs.fd[0] = open(top, O_RDONLY | O_DIRECTORY)) != -1 &&
	    (gs.fd[1] = open(top, O_RDONLY | O_DIRECTORY)) != -1,
	    "E: two descriptors of one directory"))
		return;
	gs_case("B's change before A's ticket: A's fsync covers B",
	    GS_B_FIRST, 0, 0, 1);
	gs_case("B's change after A's ticket: B fsyncs", GS_A_FIRST, 0, 0,
	    2);
	gs_case("A's fsync fails: it covers nothing, B fsyncs", GS_B_FIRST,
	    1, -1, 2);
	gs_case("a leader that never ends: B takes its place", GS_DEAD, 0,
	    0, 1);
	close(gs.fd[0]);
	close(gs.fd[1]);
}

static void
tally_done(const struct tally *t)
{
	if (t->runs == 0) {
		ok(1, "%s # SKIP the writer makes no such call", t->name);
		return;
	}
	if (t->bad > M_FAILS)
		printf("# %s: %d more failures not shown\n", t->name,
		    t->bad - M_FAILS);
	ok(t->bad == 0, "%s: %d crashed states checked, %d violations "
	    "(I1 %d, I2 %d, I3 %d, retry %d, other %d)", t->name, t->states,
	    t->bad, t->by[0], t->by[1], t->by[2], t->by[3], t->by[4]);
}

/* Every kyc/tmp/<pp>/ below the spool root. */
static int
mkdirs_tmp(const char *root)
{
	char	p[PATH_MAX], sub[3];
	int	i;

	for (i = 0; i < SF_TMP_SUBS; i++) {
		sf_tmp_sub(i, sub);
		snprintf(p, sizeof(p), "%s/%s/%s/%s", root,
		    event_resource_name(RES_KYC), SF_TMP, sub);
		if (mkdir(p, M_MODE | 0110) == -1 && errno != EEXIST)
			return -1;
	}
	return 0;
}

/* The recorded spool and the crashed one, made once; the row. */
static int
setup(void)
{
	struct spool	sp;
	char		p[PATH_MAX];

	if (mkdtemp(top) == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/rec", top);
	snprintf(crash, sizeof(crash), "%s/crash", top);
	if (spool_open(&sp, p, M_MODE, SYNC_FULL, err, sizeof(err)) == -1)
		return -1;
	spool_close(&sp);
	if (spool_open(&sp, crash, M_MODE, SYNC_FULL, err, sizeof(err)) ==
	    -1)
		return -1;
	spool_close(&sp);
	/* The writers' tmp/<pp>/ directories, made before any logging
	   (the model has no directories of its own). */
	if (mkdirs_tmp(p) == -1 || mkdirs_tmp(crash) == -1)
		return -1;
	/* As /proc/self/fd names it. */
	if (realpath(p, rec) == NULL)
		return -1;
	reclen = strlen(rec);
	snprintf(row, sizeof(row), "{\"id\":\"%s\",\"payload\":{\"n\":1}}",
	    id);
	return sf_key_make(RES_KYC, id, key);
}

int
main(void)
{
	struct tally	a = { .name = "A (one writer)" };
	struct tally	b = { .name = "B (a writer killed, then a retry)" };
	struct tally	cf = { .name = "C (an fsync fails)" };
	struct tally	cr = { .name = "C (a rename fails)" };
	struct tally	d = { .name = "D (the row consumed)" };
	struct tally	dd = { .name = "D (the row consumed, deleted)" };
	struct tally	dk = { .name = "D (a killed put's row consumed)" };
	struct tally	dkd = { .name = "D (a killed put's row deleted)" };
	int		n, nfsync = 0, nrename = 0, i;

	lg = mmap(NULL, sizeof(*lg), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ok(lg != MAP_FAILED && setup() == 0, "setup in %s", top))
		return tap_done();
	n = scenario_a(&a, &nfsync, &nrename);
	for (i = 0; n > 0 && i <= n; i++)
		scenario_b(&b, i);
	for (i = 1; i <= nfsync; i++)
		scenario_c(&cf, i, 0);
	for (i = 1; i <= nrename; i++)
		scenario_c(&cr, 0, i);
	if (n > 0) {
		scenario_d(&d, 0, 0);
		scenario_d(&dd, 1, 0);
		/* Killed before its last operation, new/'s fsync. */
		scenario_d(&dk, 0, n);
		scenario_d(&dkd, 1, n);
		scenario_e();
		scenario_f();
		tally_done(&a);
		tally_done(&b);
		tally_done(&cf);
		tally_done(&cr);
		tally_done(&d);
		tally_done(&dd);
		tally_done(&dk);
		tally_done(&dkd);
	}
	nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
