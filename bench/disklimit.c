/* SPDX-License-Identifier: ISC */
/*
 * disklimit: what the disk allows for durable one-file rows, the yardstick
 * for a spool with sync = full.  THREADS threads, for SECONDS seconds, each
 * doing what one durable row needs at the least:
 *
 *	create DIR/tmp/NAME (O_EXCL), write ROW_SIZE bytes, fsync, close,
 *	rename into DIR/new/, fsync DIR/new/
 *
 * With -m, the spool's own sequence instead (include/spool.h), and the
 * steps that led to it, to see what each choice costs on this disk,
 * without the rest of the responder:
 *	shared	create in DIR/tmp/, write, fsync it and DIR/tmp/, symlink
 *		DIR/ids/XX/KEY, rename into DIR/new/, fsync DIR/new/ (every
 *		thread's rows in one tmp/; each thread its own fsync of new/,
 *		where the responder's workers share theirs)
 *	own	the same, each thread writing in its own DIR/tmp/TT/ (as each
 *		writer process does in tmp/<pp>/)
 *	tmpsync	own, with the fsync of new/ shared by the threads as the
 *		responder's workers share it: its group fsync, spool_gsync()
 *		(one thread fsyncs for every rename made before its fsync
 *		began; the others wait on a futex); the spool's sequence
 *		where this boot's id cannot be read
 *	spool	tmpsync without the fsync of the thread's tmp directory: the
 *		spool's sequence (a record a power loss leaves without its
 *		row is removed at the boot's first start)
 *
 * And two sequences that are not durable row by row, to see what an
 * intent log could save:
 *	nosync	own's steps without any fsync (the file system writes them
 *		back when it likes; syncfs() at the end, inside the CPU
 *		figure)
 *	log	nosync, then the row written again into DIR/log (a ring of
 *		LOG_SIZE bytes written with zeros and fsynced before the clock
 *		starts, so that its blocks need no allocation) and a group
 *		fdatasync of it: one thread syncs for every row written
 *		before its fdatasync began, the others wait
 *
 * usage: disklimit [-m file|shared|own|tmpsync|spool|nosync|log]
 *		    [-t THREADS] [-d SECONDS] [-s BYTES] DIR
 *
 * Prints one line: "disklimit rows=N seconds=S rps=R p50_us=A p99_us=B
 * cpu_us=C" (N rows are then in DIR/new/; bench/run checks that; C: the
 * microseconds of CPU the whole machine spent a row, from the clock's
 * start to the end of a syncfs() after the last row).
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define THREADS_DEFAULT	32
#define THREADS_MAX	1024
#define SECONDS_DEFAULT	10
#define ROW_SIZE	2048
#define ROW_SIZE_MAX	(1 << 20)
#define NAME_MAX_LEN	64
#define LOG_SIZE	(64 << 20)	/* > ROW_SIZE_MAX */

enum mode { M_FILE, M_SHARED, M_OWN, M_TMPSYNC, M_SPOOL, M_NOSYNC, M_LOG,
	M__COUNT };
static const char *const mode_name[M__COUNT] = { "file", "shared", "own",
	"tmpsync", "spool", "nosync", "log" };

struct worker {
	pthread_t	 tid;
	int		 id;
	int		 tmpfd;		/* where its rows are written */
	uint32_t	*lat;		/* microseconds, one per row */
	size_t		 n, cap;
	int		 error;		/* errno of the first failure */
};

static int	 tmpfd, newfd, idsfd[256];
static enum mode mode = M_FILE;
static size_t	 rowsize = ROW_SIZE;
static char	*row;
static double	 deadline;

/*
 * A group sync: syncs begun (tickets) and the highest one ended well,
 * whether one is under way; one thread syncs, the others wait for a sync
 * begun after their change.
 */
struct group {
	uint64_t	 begun, done;
	int		 leader;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
};

static struct spool_gsync newgroup;	/* -m tmpsync, spool: the spool's */
/* -m log: the ring, the next slot, and its group fdatasync. */
static struct group	 loggroup = { 0, 0, 0, PTHREAD_MUTEX_INITIALIZER,
			    PTHREAD_COND_INITIALIZER };
static int		 logfd = -1;
static uint64_t		 logslot;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
durable(void)
{
	return mode != M_NOSYNC && mode != M_LOG;
}

/* fd fdatasynced after the caller's change: 0 or -1. */
static int
group_sync(struct group *g, int fd)
{
	uint64_t	seen, ticket;
	int		r;

	pthread_mutex_lock(&g->lock);
	seen = g->begun;
	while (g->done <= seen && g->leader)
		pthread_cond_wait(&g->cond, &g->lock);
	if (g->done > seen) {
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	g->leader = 1;
	ticket = ++g->begun;
	pthread_mutex_unlock(&g->lock);
	r = fdatasync(fd);
	pthread_mutex_lock(&g->lock);
	if (r == 0 && g->done < ticket)
		g->done = ticket;
	g->leader = 0;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	return r;
}

/* The spool's steps after the row's fsync (include/spool.h). */
static int
put_spool(int dirfd, const char *name, unsigned key)
{
	char	rec[NAME_MAX_LEN + 8], target[NAME_MAX_LEN + 8];
	int	ids = idsfd[key % 256];

	snprintf(rec, sizeof(rec), "%s.rec", name);
	snprintf(target, sizeof(target), "new/%s", name);
	if ((durable() && mode != M_SPOOL && fsync(dirfd) == -1) ||
	    symlinkat(target, ids, rec) == -1 ||
	    renameat(dirfd, name, newfd, name) == -1)
		return -1;
	if (mode == M_TMPSYNC || mode == M_SPOOL)
		return spool_gsync(&newgroup, newfd,
		    (uint32_t)syscall(SYS_gettid));
	return durable() ? fsync(newfd) : 0;
}

/*
 * -m log: the row into its slot of the ring, then durable there: an
 * fdatasync begun after the write, ours or another thread's.
 */
static int
put_log(void)
{
	uint64_t	slots = LOG_SIZE / rowsize;
	off_t		off;

	off = (off_t)(__atomic_fetch_add(&logslot, 1, __ATOMIC_SEQ_CST) %
	    slots * rowsize);
	if (pwrite(logfd, row, rowsize, off) != (ssize_t)rowsize)
		return -1;
	return group_sync(&loggroup, logfd);
}

/* -m log: the ring written with zeros, durable, before the clock. */
static int
open_log(const char *dir)
{
	static char	zero[1 << 16];
	char		path[4096];
	size_t		off;

	snprintf(path, sizeof(path), "%s/log", dir);
	if ((logfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1)
		goto fail;
	for (off = 0; off < LOG_SIZE; off += sizeof(zero))
		if (write(logfd, zero, sizeof(zero)) != (ssize_t)sizeof(zero))
			goto fail;
	if (fsync(logfd) == -1)
		goto fail;
	return 0;
fail:
	perror(path);
	return -1;
}

/* The machine's busy CPU time so far, in clock ticks (as bench/run). */
static long long
busy_ticks(void)
{
	FILE		*f;
	long long	 v[8];
	int		 n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return 0;
	n = fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	/* user, nice, system, irq, softirq, steal */
	return n == 8 ? v[0] + v[1] + v[2] + v[5] + v[6] + v[7] : 0;
}

/* One durable row.  Returns 0, or -1 with errno set. */
static int
put_row(int dirfd, const char *name, unsigned key)
{
	ssize_t	n;
	size_t	off = 0;
	int	fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640);
	if (fd == -1)
		return -1;
	while (off < rowsize) {
		if ((n = write(fd, row + off, rowsize - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (durable() && fsync(fd) == -1)
		goto fail;
	if (mode != M_FILE) {
		/* The writer keeps its row open (locked) to the end. */
		if (put_spool(dirfd, name, key) == -1)
			goto fail;
		if (close(fd) == -1)
			return -1;
		return mode == M_LOG ? put_log() : 0;
	}
	if (close(fd) == -1)
		return -1;
	if (renameat(dirfd, name, newfd, name) == -1 || fsync(newfd) == -1)
		return -1;
	return 0;
fail:
	close(fd);
	return -1;
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	char		 name[NAME_MAX_LEN];
	double		 t0, t1;
	uint32_t	*p;

	for (;;) {
		t0 = now();
		if (t0 >= deadline)
			break;
		snprintf(name, sizeof(name), "%03d.%09zu.json", w->id, w->n);
		if (put_row(w->tmpfd, name, (unsigned)(w->id * 7919 +
		    w->n * 104729)) == -1) {
			w->error = errno;
			break;
		}
		t1 = now();
		if (w->n == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 4096;
			if ((p = realloc(w->lat, w->cap * sizeof(*p))) == NULL) {
				w->error = ENOMEM;
				break;
			}
			w->lat = p;
		}
		w->lat[w->n++] = (uint32_t)((t1 - t0) * 1e6);
	}
	return NULL;
}

/* DIR/ids/00..ff, and with -m own DIR/tmp/TT for each thread. */
static int
open_spool_dirs(const char *dir, struct worker *w, int nthreads)
{
	char	path[4096];
	int	i;

	snprintf(path, sizeof(path), "%s/ids", dir);
	(void)mkdir(path, 0755);
	for (i = 0; i < 256; i++) {
		snprintf(path, sizeof(path), "%s/ids/%02x", dir, i);
		(void)mkdir(path, 0755);
		if ((idsfd[i] = open(path, O_RDONLY | O_DIRECTORY)) == -1)
			goto fail;
	}
	for (i = 0; mode != M_SHARED && i < nthreads; i++) {
		snprintf(path, sizeof(path), "%s/tmp/%03d", dir, i);
		(void)mkdir(path, 0755);
		if ((w[i].tmpfd = open(path, O_RDONLY | O_DIRECTORY)) == -1)
			goto fail;
	}
	return 0;
fail:
	perror(path);
	return -1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: disklimit "
	    "[-m file|shared|own|tmpsync|spool|nosync|log] [-t THREADS] "
	    "[-d SECONDS] [-s BYTES] DIR\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	struct worker	*w;
	uint32_t	*all;
	size_t		 total = 0, k;
	double		 start, secs;
	long long	 ticks;
	char		 path[4096];
	int		 ch, i, nthreads = THREADS_DEFAULT;
	int		 seconds = SECONDS_DEFAULT, failed = 0;

	while ((ch = getopt(argc, argv, "d:m:s:t:")) != -1) {
		switch (ch) {
		case 'd':
			seconds = atoi(optarg);
			break;
		case 'm':
			for (mode = 0; mode < M__COUNT &&
			    strcmp(optarg, mode_name[mode]) != 0; mode++)
				;
			if (mode == M__COUNT)
				usage();
			break;
		case 's':
			rowsize = (size_t)atol(optarg);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || nthreads < 1 || nthreads > THREADS_MAX ||
	    seconds < 1 || rowsize < 1 || rowsize > ROW_SIZE_MAX)
		usage();
	snprintf(path, sizeof(path), "%s/tmp", argv[optind]);
	(void)mkdir(argv[optind], 0755);
	(void)mkdir(path, 0755);
	if ((tmpfd = open(path, O_RDONLY | O_DIRECTORY)) == -1) {
		perror(path);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/new", argv[optind]);
	(void)mkdir(path, 0755);
	if ((newfd = open(path, O_RDONLY | O_DIRECTORY)) == -1) {
		perror(path);
		return 1;
	}
	/* A JSON-looking row: the content does not matter to the disk. */
	if ((row = malloc(rowsize)) == NULL ||
	    (w = calloc(nthreads, sizeof(*w))) == NULL) {
		perror("malloc");
		return 1;
	}
	memset(row, 'x', rowsize);
	row[0] = '{';
	row[rowsize - 1] = '\n';

	if (mode != M_FILE && open_spool_dirs(argv[optind], w, nthreads) ==
	    -1)
		return 1;
	if (mode == M_LOG && open_log(argv[optind]) == -1)
		return 1;
	sync();
	ticks = busy_ticks();
	start = now();
	deadline = start + seconds;
	for (i = 0; i < nthreads; i++) {
		w[i].id = i;
		if (mode == M_FILE || mode == M_SHARED)
			w[i].tmpfd = tmpfd;
		if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].n;
		if (w[i].error != 0 && !failed++)
			fprintf(stderr, "disklimit: %s\n",
			    strerror(w[i].error));
	}
	secs = now() - start;
	/* What was left to write back counts (nosync, log). */
	if (syncfs(newfd) == -1)
		perror("syncfs");
	ticks = busy_ticks() - ticks;
	if ((all = malloc((total ? total : 1) * sizeof(*all))) == NULL) {
		perror("malloc");
		return 1;
	}
	for (i = 0, k = 0; i < nthreads; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(*all));
		k += w[i].n;
		free(w[i].lat);
	}
	free(w);
	qsort(all, total, sizeof(*all), cmp_u32);
	printf("disklimit rows=%zu seconds=%.3f rps=%.1f p50_us=%u "
	    "p99_us=%u cpu_us=%.0f\n", total, secs, total / secs,
	    total ? all[total / 2] : 0,
	    total ? all[(size_t)(total * 0.99)] : 0,
	    total ? ticks * 1e6 / sysconf(_SC_CLK_TCK) / total : 0);
	free(all);
	free(row);
	return failed ? 1 : 0;
}
