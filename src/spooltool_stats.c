/* spooltool_stats: humanos-spool stats and gc (SPEC section 8). */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "hwlog.h"
#include "spool.h"
#include "spooltool.h"

enum st_state {
	ST_WAITING,
	ST_DONE,
	ST_FAILEDROWS,
	ST__STATES
};

static const char *const st_state_dirs[ST__STATES] = { ST_NEW, ST_CUR,
	ST_FAILED };
static const char *const st_state_names[ST__STATES] = { "waiting", "done",
	"failed" };

struct st_counts {
	size_t		 rows[RES__COUNT][ST__STATES];
	uint64_t	 oldest[RES__COUNT];	/* usec; 0: none waiting */
};

/*
 * The record keys ("q" + id for quarantine) of the rows that still exist:
 * their records are never removed.
 */
struct st_ids {
	char		(*v)[ROW_ID_HEX_LEN + 2];
	size_t		 n;
	size_t		 cap;
};

struct st_gc_tally {
	size_t		 rows, records, attempts;
	int		 errors;
	int		 unsure;	/* a row's id could not be read */
};

static int
st_count(const struct st_spool *sp, struct st_counts *c)
{
	struct st_names	names;
	int		r, s, fd;

	memset(c, 0, sizeof(*c));
	for (r = 0; r < RES__COUNT; r++)
		for (s = 0; s < ST__STATES; s++) {
			if ((fd = st_subdir(sp, r, st_state_dirs[s], 0)) ==
			    -1) {
				if (errno == ENOENT)
					continue;	/* none there yet */
				goto fail;
			}
			if (st_names_load(fd, &names) == -1) {
				close(fd);
				goto fail;
			}
			close(fd);
			c->rows[r][s] = names.n;
			if (s == ST_WAITING && names.n > 0)
				c->oldest[r] = st_name_usec(names.v[0]);
			st_names_free(&names);
		}
	return 0;
fail:
	hwlog("%s/%s/%s: %s", sp->root, event_resource_name(r),
	    st_state_dirs[s], strerror(errno));
	return -1;
}

static double
st_age(uint64_t oldest, uint64_t now)
{
	return oldest == 0 || oldest > now ? 0.0 :
	    (double)(now - oldest) / 1e6;
}

static void
st_stats_text(const struct st_spool *sp, const struct st_counts *c,
    uint64_t now, int several)
{
	int	r;

	if (several)
		printf("# spool %s\n", sp->root);
	printf("%-12s %9s %9s %9s %14s\n", "resource", "waiting", "done",
	    "failed", "oldest_age_s");
	for (r = 0; r < RES__COUNT; r++) {
		printf("%-12s %9zu %9zu %9zu ", event_resource_name(r),
		    c->rows[r][ST_WAITING], c->rows[r][ST_DONE],
		    c->rows[r][ST_FAILEDROWS]);
		if (c->oldest[r] == 0)
			printf("%14s\n", "-");
		else
			printf("%14.3f\n", st_age(c->oldest[r], now));
	}
}

/* A label value in the text exposition format. */
static void
st_prom_label(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
}

static void
st_prom_labels(const struct st_spool *sp, int several, int r,
    const char *state)
{
	printf("{resource=\"%s\"", event_resource_name(r));
	if (state != NULL)
		printf(",state=\"%s\"", state);
	if (several) {
		fputs(",spool=\"", stdout);
		st_prom_label(sp->root);
		putchar('"');
	}
	putchar('}');
}

static void
st_stats_prom(const struct st_spool *sps, const struct st_counts *c,
    size_t nsp, uint64_t now)
{
	size_t	i;
	int	r, s;

	printf("# HELP humanos_spool_rows Rows in the humanos-webhook spool "
	    "(waiting: new/, done: cur/, failed: failed/).\n"
	    "# TYPE humanos_spool_rows gauge\n");
	for (i = 0; i < nsp; i++)
		for (r = 0; r < RES__COUNT; r++)
			for (s = 0; s < ST__STATES; s++) {
				fputs("humanos_spool_rows", stdout);
				st_prom_labels(&sps[i], nsp > 1, r,
				    st_state_names[s]);
				printf(" %zu\n", c[i].rows[r][s]);
			}
	printf("# HELP humanos_spool_oldest_waiting_age_seconds Age of the "
	    "oldest waiting row, from its name (0 when none is waiting).\n"
	    "# TYPE humanos_spool_oldest_waiting_age_seconds gauge\n");
	for (i = 0; i < nsp; i++)
		for (r = 0; r < RES__COUNT; r++) {
			fputs("humanos_spool_oldest_waiting_age_seconds",
			    stdout);
			st_prom_labels(&sps[i], nsp > 1, r, NULL);
			printf(" %.3f\n", st_age(c[i].oldest[r], now));
		}
}

/* The responder's answers: a table, or humanos_webhook_requests_total. */
static void
st_requests_print(const struct st_spool *sp, const struct st_reqs *q,
    int prometheus, int several)
{
	size_t	i;

	if (!prometheus) {
		printf("\n%-24s %6s %-24s %12s\n", "profile", "status",
		    "error", "requests");
		for (i = 0; i < q->n; i++)
			printf("%-24s %6d %-24s %12llu\n", q->v[i].profile,
			    q->v[i].status, q->v[i].error,
			    (unsigned long long)q->v[i].count);
		return;
	}
	for (i = 0; i < q->n; i++) {
		fputs("humanos_webhook_requests_total{profile=\"", stdout);
		st_prom_label(q->v[i].profile);
		printf("\",status=\"%d\",error=\"", q->v[i].status);
		st_prom_label(strcmp(q->v[i].error, "-") == 0 ? "" :
		    q->v[i].error);
		putchar('"');
		if (several) {
			fputs(",spool=\"", stdout);
			st_prom_label(sp->root);
			putchar('"');
		}
		printf("} %llu\n", (unsigned long long)q->v[i].count);
	}
}

int
st_stats(struct st_spool *sps, size_t nsp, int prometheus)
{
	struct st_counts	*c;
	struct st_reqs		*q;
	uint64_t		 now;
	size_t			 i;
	int			 rc = 0;

	if ((c = calloc(nsp, sizeof(*c))) == NULL ||
	    (q = calloc(nsp, sizeof(*q))) == NULL) {
		free(c);
		return EX_OSERR;
	}
	for (i = 0; i < nsp; i++) {
		if (st_count(&sps[i], &c[i]) == -1) {
			rc = EX_TEMPFAIL;	/* no half-true figures */
			goto done;
		}
		if (st_requests_load(&sps[i], &q[i]) == -1) {
			char	v[HWLOG_VAL_MAX], e[HWLOG_VAL_MAX];

			hwlog("op=stats spool=%s file=%s result=error "
			    "error=%s", hwlog_val(sps[i].root, v, sizeof(v)),
			    SPOOL_SEQ_FILE, hwlog_val(strerror(errno), e,
			    sizeof(e)));
			rc = EX_TEMPFAIL;
			goto done;
		}
	}
	now = st_now_usec();
	if (prometheus) {
		st_stats_prom(sps, c, nsp, now);
		printf("# HELP humanos_webhook_requests_total Answers of the "
		    "responder, by profile, status and error code (kept "
		    "across restarts).\n"
		    "# TYPE humanos_webhook_requests_total counter\n");
	} else
		for (i = 0; i < nsp; i++)
			st_stats_text(&sps[i], &c[i], now, nsp > 1);
	for (i = 0; i < nsp; i++) {
		if (!prometheus && nsp > 1)
			printf("\n# requests, spool %s", sps[i].root);
		st_requests_print(&sps[i], &q[i], prometheus, nsp > 1);
	}
done:
	for (i = 0; i < nsp; i++)
		st_requests_free(&q[i]);
	free(q);
	free(c);
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = EX_IOERR;
	return rc;
}

/* gc */

/* One error line: op=gc path=... result=error error="...". */
static void
st_gc_error(struct st_gc_tally *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
st_gc_error(struct st_gc_tally *t, const char *fmt, ...)
{
	char	path[PATH_MAX], vp[HWLOG_VAL_MAX], ve[HWLOG_VAL_MAX];
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	hwlog("op=gc path=%s result=error error=%s",
	    hwlog_val(path, vp, sizeof(vp)),
	    hwlog_val(strerror(saved), ve, sizeof(ve)));
	t->errors++;
}

static int
st_ids_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Add the record key of the row name in dirfd (of resource r) to ids.
 * Returns 0 (added, or not a row: a tmp/ row being written has no id
 * yet, nor a record but its own link), or -1 (errno; ENOENT: it moved on).
 */
static int
st_ids_add(struct st_ids *ids, enum resource r, int dirfd,
    const char *name)
{
	char	 id[ROW_ID_HEX_LEN + 1], buf[ROW_ID_HEX_LEN + 16];
	void	*p;
	ssize_t	 n;
	int	 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	do {
		n = pread(fd, buf, sizeof(buf), 0);
	} while (n == -1 && errno == EINTR);
	close(fd);
	if (n == -1)
		return -1;
	if (st_row_id(buf, (size_t)n, id) == -1)
		return 0;
	if (ids->n == ids->cap) {
		if ((p = reallocarray(ids->v, ids->cap ? ids->cap * 2 : 256,
		    sizeof(*ids->v))) == NULL)
			return -1;
		ids->v = p;
		ids->cap = ids->cap ? ids->cap * 2 : 256;
	}
	snprintf(ids->v[ids->n++], sizeof(*ids->v), "%s%s",
	    r == RES_QUARANTINE ? "q" : "", id);
	return 0;
}

/*
 * Keep the records of every row in <r>/<sub>/.  A row whose id cannot be
 * read makes every record unsure: none is removed this pass.
 */
static void
st_keep_dir(const struct st_spool *sp, enum resource r, const char *sub,
    struct st_ids *ids, struct st_gc_tally *t)
{
	struct st_names	names;
	size_t		i;
	int		fd;

	if ((fd = st_subdir(sp, r, sub, 0)) == -1) {
		if (errno != ENOENT) {
			st_gc_error(t, "%s/%s/%s", sp->root,
			    event_resource_name(r), sub);
			t->unsure++;
		}
		return;
	}
	if (st_names_load(fd, &names) == -1) {
		st_gc_error(t, "%s/%s/%s", sp->root, event_resource_name(r),
		    sub);
		t->unsure++;
		close(fd);
		return;
	}
	for (i = 0; i < names.n; i++)
		if (st_ids_add(ids, r, fd, names.v[i]) == -1 &&
		    errno != ENOENT) {
			st_gc_error(t, "%s/%s/%s/%s", sp->root,
			    event_resource_name(r), sub, names.v[i]);
			t->unsure++;
		}
	st_names_free(&names);
	close(fd);
}

/*
 * cur/ rows last modified before cut go; the records of those that stay
 * are kept.
 */
static void
st_gc_rows(const struct st_spool *sp, enum resource r, time_t cut,
    struct st_ids *keep, struct st_gc_tally *t)
{
	struct st_names	names;
	struct stat	st;
	const char	*res = event_resource_name(r);
	size_t		i;
	int		fd;

	if ((fd = st_subdir(sp, r, ST_CUR, 0)) == -1) {
		if (errno != ENOENT) {
			st_gc_error(t, "%s/%s/cur", sp->root, res);
			t->unsure++;
		}
		return;
	}
	if (st_names_load(fd, &names) == -1) {
		st_gc_error(t, "%s/%s/cur", sp->root, res);
		t->unsure++;
		close(fd);
		return;
	}
	for (i = 0; i < names.n; i++) {
		if (fstatat(fd, names.v[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_mtime < cut) {
			if (unlinkat(fd, names.v[i], 0) == 0) {
				t->rows++;
				continue;
			}
			st_gc_error(t, "%s/%s/cur/%s", sp->root, res,
			    names.v[i]);
		}
		if (st_ids_add(keep, r, fd, names.v[i]) == -1 &&
		    errno != ENOENT) {
			st_gc_error(t, "%s/%s/cur/%s", sp->root, res,
			    names.v[i]);
			t->unsure++;
		}
	}
	if (names.n > 0 && fsync(fd) == -1)
		st_gc_error(t, "%s/%s/cur", sp->root, res);
	st_names_free(&names);
	close(fd);
}

/*
 * The keep list, built before any record is removed.  Rows only move on
 * (tmp/ -> new/ -> cur/ or failed/), and each directory is read after
 * the ones its rows come from, so a row moving meanwhile is seen in one
 * of them.  cur/ rows are read (and the old ones removed) last.
 */
static void
st_gc_keep(const struct st_spool *sp, time_t cut, struct st_ids *keep,
    struct st_gc_tally *t)
{
	static const char *const before_cur[] = { "tmp", ST_NEW, ST_FAILED };
	size_t	i;
	int	r;

	memset(keep, 0, sizeof(*keep));
	for (r = 0; r < RES__COUNT; r++) {
		for (i = 0; i < sizeof(before_cur) / sizeof(before_cur[0]);
		    i++)
			st_keep_dir(sp, r, before_cur[i], keep, t);
		st_gc_rows(sp, r, cut, keep, t);
	}
	if (keep->n > 1)
		qsort(keep->v, keep->n, sizeof(*keep->v), st_ids_cmp);
}

static int
st_ids_has(const struct st_ids *ids, const char *key)
{
	return ids->n > 0 && bsearch(key, ids->v, ids->n, sizeof(*ids->v),
	    st_ids_cmp) != NULL;
}

/* [a-z0-9], 2 to SPOOL_KEY_MAX - 1 characters, as spool_put takes them. */
static int
st_key_valid(const char *s, size_t *len)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'z')))
			break;
	*len = n;
	return n >= 2 && n < SPOOL_KEY_MAX;
}

/* What may be removed from .ids/xx/: 1 a record, 2 litter, 0 nothing. */
static int
st_record_kind(const char *sub, const char *name)
{
	size_t	n, i;

	if (!st_key_valid(name, &n) || memcmp(name + n - 2, sub, 2) != 0)
		return 0;
	if (name[n] == '\0')
		return 1;
	/* spool_empty_record()'s "<key>.<pid>", left by a crash. */
	if (name[n] != '.' || name[n + 1] == '\0')
		return 0;
	for (i = n + 1; name[i] != '\0'; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return 2;
}

static void
st_gc_records_in(const char *root, int subfd, const char *sub,
    const struct st_ids *keep, time_t rec_cut, time_t litter_cut,
    struct st_gc_tally *t)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 kind, fd;

	if ((fd = dup(subfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		st_gc_error(t, "%s/%s/%s", root, SPOOL_IDS_DIR, sub);
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if ((kind = st_record_kind(sub, de->d_name)) == 0 ||
		    fstatat(subfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode))
			continue;
		if (kind == 1 && (st.st_mtime >= rec_cut ||
		    st.st_nlink > 1 || st_ids_has(keep, de->d_name)))
			continue;	/* young, a row's link, or waiting */
		if (kind == 2 && st.st_mtime >= litter_cut)
			continue;
		if (unlinkat(subfd, de->d_name, 0) == -1)
			st_gc_error(t, "%s/%s/%s/%s", root, SPOOL_IDS_DIR, sub,
			    de->d_name);
		else if (kind == 1)
			t->records++;
	}
	closedir(d);
}

static void
st_gc_records(const struct st_spool *sp, const struct st_ids *keep,
    time_t rec_cut, struct st_gc_tally *t)
{
	struct dirent	*de;
	DIR		*d;
	int		 idsfd, subfd, fd;
	time_t		 litter_cut = time(NULL) - ST_LITTER_AGE;

	if ((idsfd = openat(sp->rootfd, SPOOL_IDS_DIR, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno != ENOENT)
			st_gc_error(t, "%s/%s", sp->root, SPOOL_IDS_DIR);
		return;
	}
	if ((fd = dup(idsfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		st_gc_error(t, "%s/%s", sp->root, SPOOL_IDS_DIR);
		if (fd != -1)
			close(fd);
		close(idsfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n;

		if (!st_key_valid(de->d_name, &n) || n != 2 ||
		    de->d_name[2] != '\0')
			continue;
		if ((subfd = openat(idsfd, de->d_name, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		st_gc_records_in(sp->root, subfd, de->d_name, keep, rec_cut,
		    litter_cut, t);
		close(subfd);
	}
	closedir(d);
	close(idsfd);
}

/* .attempts/ files whose row has left new/ (a run stopped in between). */
static void
st_gc_attempts(const struct st_spool *sp, enum resource r,
    struct st_gc_tally *t)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 resfd, attfd, newfd;
	time_t		 litter_cut = time(NULL) - ST_LITTER_AGE;

	if ((resfd = openat(sp->rootfd, event_resource_name(r), O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	attfd = openat(resfd, ST_ATTEMPTS_DIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW);
	newfd = openat(resfd, ST_NEW, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	close(resfd);
	if (attfd == -1 || newfd == -1 || (d = fdopendir(attfd)) == NULL) {
		if (attfd != -1)
			close(attfd);
		if (newfd != -1)
			close(newfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode))
			continue;
		if (st_name_valid(de->d_name)) {
			if (fstatat(newfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
				continue;	/* still waiting */
		} else if (de->d_name[0] != '.' || de->d_name[1] == '.' ||
		    de->d_name[1] == '\0' || st.st_mtime >= litter_cut)
			continue;	/* not our temporary, or too young */
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			t->attempts++;
	}
	closedir(d);
	close(newfd);
}

int
st_gc(const struct st_spool *sp, long long older_than)
{
	struct st_gc_tally	 t;
	struct st_ids		 keep;
	long long		 rec_age;
	time_t			 now = time(NULL);
	char			 v[HWLOG_VAL_MAX];
	int			 r;

	memset(&t, 0, sizeof(t));
	rec_age = older_than > ST_RECORD_KEEP ? older_than : ST_RECORD_KEEP;
	st_gc_keep(sp, (time_t)(now - older_than), &keep, &t);
	if (t.unsure == 0)
		st_gc_records(sp, &keep, (time_t)(now - rec_age), &t);
	else
		hwlog("op=gc spool=%s result=error records=kept error=\"%d "
		    "rows or directories could not be read: no record is "
		    "removed\"", hwlog_val(sp->root, v, sizeof(v)), t.unsure);
	free(keep.v);
	for (r = 0; r < RES__COUNT; r++)
		st_gc_attempts(sp, r, &t);
	printf("op=gc result=summary cur_rows=%zu records=%zu "
	    "attempt_files=%zu\n", t.rows, t.records, t.attempts);
	if (fflush(stdout) == EOF || ferror(stdout))
		return EX_IOERR;
	if (t.errors > 0) {
		hwlog("op=gc spool=%s result=error errors=%d",
		    hwlog_val(sp->root, v, sizeof(v)), t.errors);
		return EX_TEMPFAIL;
	}
	return 0;
}
