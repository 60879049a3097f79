/* SPDX-License-Identifier: ISC */
/*
 * disklimit: what the disk allows for durable one-file rows, the yardstick
 * for a spool with sync = full.  THREADS threads, for SECONDS seconds, each
 * doing what one durable row needs at the least:
 *
 *	create DIR/tmp/NAME (O_EXCL), write ROW_SIZE bytes, fsync, close,
 *	rename into DIR/new/, fsync DIR/new/
 *
 * With -m, the spool's own sequence instead (include/spool.h), to see
 * what each of its choices costs on this disk, without the rest of the
 * responder:
 *	shared	create in DIR/tmp/, write, fsync it and DIR/tmp/, symlink
 *		DIR/ids/XX/KEY, rename into DIR/new/, fsync DIR/new/ (every
 *		thread's rows in one tmp/; each thread its own fsync of new/,
 *		where the responder's workers share theirs)
 *	own	the same, each thread writing in its own DIR/tmp/TT/ (as each
 *		writer process does in tmp/<pp>/)
 *
 * usage: disklimit [-m file|shared|own] [-t THREADS] [-d SECONDS]
 *		    [-s BYTES] DIR
 *
 * Prints one line: "disklimit rows=N seconds=S rps=R p50_us=A p99_us=B"
 * (N rows are then in DIR/new/; bench/run checks that).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS_DEFAULT	32
#define THREADS_MAX	1024
#define SECONDS_DEFAULT	10
#define ROW_SIZE	2048
#define ROW_SIZE_MAX	(1 << 20)
#define NAME_MAX_LEN	64

enum mode { M_FILE, M_SHARED, M_OWN };

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

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The spool's steps after the row's fsync (include/spool.h). */
static int
put_spool(int dirfd, const char *name, unsigned key)
{
	char	rec[NAME_MAX_LEN + 8], target[NAME_MAX_LEN + 8];
	int	ids = idsfd[key % 256];

	snprintf(rec, sizeof(rec), "%s.rec", name);
	snprintf(target, sizeof(target), "new/%s", name);
	if (fsync(dirfd) == -1 || symlinkat(target, ids, rec) == -1 ||
	    renameat(dirfd, name, newfd, name) == -1 || fsync(newfd) == -1)
		return -1;
	return 0;
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
	if (fsync(fd) == -1)
		goto fail;
	if (mode != M_FILE) {
		/* The writer keeps its row open (locked) to the end. */
		if (put_spool(dirfd, name, key) == -1)
			goto fail;
		return close(fd);
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
	for (i = 0; mode == M_OWN && i < nthreads; i++) {
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
	fprintf(stderr, "usage: disklimit [-m file|shared|own] [-t THREADS] "
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
	char		 path[4096];
	int		 ch, i, nthreads = THREADS_DEFAULT;
	int		 seconds = SECONDS_DEFAULT, failed = 0;

	while ((ch = getopt(argc, argv, "d:m:s:t:")) != -1) {
		switch (ch) {
		case 'd':
			seconds = atoi(optarg);
			break;
		case 'm':
			if (strcmp(optarg, "file") == 0)
				mode = M_FILE;
			else if (strcmp(optarg, "shared") == 0)
				mode = M_SHARED;
			else if (strcmp(optarg, "own") == 0)
				mode = M_OWN;
			else
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
	start = now();
	deadline = start + seconds;
	for (i = 0; i < nthreads; i++) {
		w[i].id = i;
		if (mode != M_OWN)
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
	if ((all = malloc((total ? total : 1) * sizeof(*all))) == NULL) {
		perror("malloc");
		return 1;
	}
	for (i = 0, k = 0; i < nthreads; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(*all));
		k += w[i].n;
	}
	qsort(all, total, sizeof(*all), cmp_u32);
	printf("disklimit rows=%zu seconds=%.3f rps=%.1f p50_us=%u "
	    "p99_us=%u\n", total, secs, total / secs,
	    total ? all[total / 2] : 0,
	    total ? all[(size_t)(total * 0.99)] : 0);
	return failed ? 1 : 0;
}
