/* SPDX-License-Identifier: ISC */
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
#include "spoolfmt.h"
#include "spooltool.h"
#include "util.h"

enum hs_state {
	HS_WAITING,
	HS_DONE,
	HS_FAILEDROWS,
	HS__STATES
};

static const char *const hs_state_dirs[HS__STATES] = { SF_NEW, SF_CUR,
	SF_FAILED };
static const char *const hs_state_names[HS__STATES] = { "waiting", "done",
	"failed" };

struct hs_counts {
	size_t		 rows[RES__COUNT][HS__STATES];
	uint64_t	 oldest[RES__COUNT];	/* usec; 0: none waiting */
};

/*
 * The record keys (sf_key_make()) of the rows that still exist:
 * their records are never removed.
 */
struct hs_ids {
	char		(*v)[SF_KEY_MAX];
	size_t		 n;
	size_t		 cap;
};

struct hs_gc_tally {
	size_t		 rows, records, attempts;
	int		 errors;
	int		 unsure;	/* a row's id could not be read */
};

static int
hs_count(const struct hs_spool *sp, struct hs_counts *c)
{
	struct hs_names	names;
	int		r, s, got;

	memset(c, 0, sizeof(*c));
	for (r = 0; r < RES__COUNT; r++)
		for (s = 0; s < HS__STATES; s++) {
			got = hs_names_of(sp, r, hs_state_dirs[s], &names);
			if (got == 1)
				continue;	/* none there yet */
			if (got == -1)
				goto fail;
			c->rows[r][s] = names.n;
			if (s == HS_WAITING && names.n > 0)
				c->oldest[r] = sf_name_usec(names.v[0]);
			hs_names_free(&names);
		}
	return 0;
fail:
	hwlog("%s/%s/%s: %s", sp->root, event_resource_name(r),
	    hs_state_dirs[s], strerror(errno));
	return -1;
}

static double
hs_age(uint64_t oldest, uint64_t now)
{
	return oldest == 0 || oldest > now ? 0.0 :
	    (double)(now - oldest) / 1e6;
}

static void
hs_stats_text(const struct hs_spool *sp, const struct hs_counts *c,
    uint64_t now, int several)
{
	int	r;

	if (several)
		printf("# spool %s\n", sp->root);
	printf("%-12s %9s %9s %9s %14s\n", "resource", "waiting", "done",
	    "failed", "oldest_age_s");
	for (r = 0; r < RES__COUNT; r++) {
		printf("%-12s %9zu %9zu %9zu ", event_resource_name(r),
		    c->rows[r][HS_WAITING], c->rows[r][HS_DONE],
		    c->rows[r][HS_FAILEDROWS]);
		if (c->oldest[r] == 0)
			printf("%14s\n", "-");
		else
			printf("%14.3f\n", hs_age(c->oldest[r], now));
	}
}

/* A label value in the text exposition format. */
static void
hs_prom_label(const char *s)
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
hs_prom_labels(const struct hs_spool *sp, int several, int r,
    const char *state)
{
	printf("{resource=\"%s\"", event_resource_name(r));
	if (state != NULL)
		printf(",state=\"%s\"", state);
	if (several) {
		fputs(",spool=\"", stdout);
		hs_prom_label(sp->root);
		putchar('"');
	}
	putchar('}');
}

static void
hs_stats_prom(const struct hs_spool *sps, const struct hs_counts *c,
    size_t nsp, uint64_t now)
{
	size_t	i;
	int	r, s;

	printf("# HELP humanos_spool_rows Rows in the humanos-webhook spool "
	    "(waiting: new/, done: cur/, failed: failed/).\n"
	    "# TYPE humanos_spool_rows gauge\n");
	for (i = 0; i < nsp; i++)
		for (r = 0; r < RES__COUNT; r++)
			for (s = 0; s < HS__STATES; s++) {
				fputs("humanos_spool_rows", stdout);
				hs_prom_labels(&sps[i], nsp > 1, r,
				    hs_state_names[s]);
				printf(" %zu\n", c[i].rows[r][s]);
			}
	printf("# HELP humanos_spool_oldest_waiting_age_seconds Age of the "
	    "oldest waiting row, from its name (0 when none is waiting).\n"
	    "# TYPE humanos_spool_oldest_waiting_age_seconds gauge\n");
	for (i = 0; i < nsp; i++)
		for (r = 0; r < RES__COUNT; r++) {
			fputs("humanos_spool_oldest_waiting_age_seconds",
			    stdout);
			hs_prom_labels(&sps[i], nsp > 1, r, NULL);
			printf(" %.3f\n", hs_age(c[i].oldest[r], now));
		}
}

/* The responder's answers: a table, or humanos_webhook_requests_total. */
static void
hs_requests_print(const struct hs_spool *sp, const struct hs_reqs *q,
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
		hs_prom_label(q->v[i].profile);
		printf("\",status=\"%d\",error=\"", q->v[i].status);
		hs_prom_label(strcmp(q->v[i].error, "-") == 0 ? "" :
		    q->v[i].error);
		putchar('"');
		if (several) {
			fputs(",spool=\"", stdout);
			hs_prom_label(sp->root);
			putchar('"');
		}
		printf("} %llu\n", (unsigned long long)q->v[i].count);
	}
}

int
hs_stats(struct hs_spool *sps, size_t nsp, int prometheus)
{
	struct hs_counts	*c;
	struct hs_reqs		*q;
	uint64_t		 now;
	size_t			 i;
	int			 rc = 0;

	if ((c = calloc(nsp, sizeof(*c))) == NULL ||
	    (q = calloc(nsp, sizeof(*q))) == NULL) {
		free(c);
		return EX_OSERR;
	}
	for (i = 0; i < nsp; i++) {
		if (hs_count(&sps[i], &c[i]) == -1) {
			rc = EX_TEMPFAIL;	/* no half-true figures */
			goto done;
		}
		if (hs_requests_load(&sps[i], &q[i]) == -1) {
			char	v[HWLOG_VAL_MAX], e[HWLOG_VAL_MAX];

			hwlog("op=stats spool=%s file=%s result=error "
			    "error=%s", hwlog_val(sps[i].root, v, sizeof(v)),
			    SF_SEQ, hwlog_val(strerror(errno), e,
			    sizeof(e)));
			rc = EX_TEMPFAIL;
			goto done;
		}
	}
	now = util_now_usec();
	if (prometheus) {
		hs_stats_prom(sps, c, nsp, now);
		printf("# HELP humanos_webhook_requests_total Answers of the "
		    "responder, by profile, status and error code (kept "
		    "across restarts).\n"
		    "# TYPE humanos_webhook_requests_total counter\n");
	} else
		for (i = 0; i < nsp; i++)
			hs_stats_text(&sps[i], &c[i], now, nsp > 1);
	for (i = 0; i < nsp; i++) {
		if (!prometheus && nsp > 1)
			printf("\n# requests, spool %s", sps[i].root);
		hs_requests_print(&sps[i], &q[i], prometheus, nsp > 1);
	}
done:
	for (i = 0; i < nsp; i++)
		hs_requests_free(&q[i]);
	free(q);
	free(c);
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = EX_IOERR;
	return rc;
}

/* gc */

/* One error line: op=gc path=... result=error error="...". */
static void
hs_gc_error(struct hs_gc_tally *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
hs_gc_error(struct hs_gc_tally *t, const char *fmt, ...)
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
hs_ids_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Add the record key of the row name in dirfd (of resource r) to ids.
 * Returns 0 (added, or not a row: a tmp/ row being written has no id
 * yet, nor a record but its own link), or -1 (errno; ENOENT: it moved on).
 */
static int
hs_ids_add(struct hs_ids *ids, enum resource res, int dirfd,
    const char *name)
{
	char	 id[ROW_ID_HEX_LEN + 1], key[SF_KEY_MAX];
	void	*p;
	int	 r;

	if ((r = sf_peek_id(dirfd, name, id)) != 0)
		return r == 1 ? 0 : -1;
	if (sf_key_make(res, id, key) == -1)
		return 0;
	if (ids->n == ids->cap) {
		if ((p = reallocarray(ids->v, ids->cap ? ids->cap * 2 : 256,
		    sizeof(*ids->v))) == NULL)
			return -1;
		ids->v = p;
		ids->cap = ids->cap ? ids->cap * 2 : 256;
	}
	memcpy(ids->v[ids->n++], key, sizeof(key));
	return 0;
}

/*
 * Keep the records of every row in <r>/<sub>/.  A row whose id cannot be
 * read makes every record unsure: none is removed this pass.
 */
static void
hs_keep_dir(const struct hs_spool *sp, enum resource r, const char *sub,
    struct hs_ids *ids, struct hs_gc_tally *t)
{
	struct hs_names	names;
	size_t		i;
	int		fd;

	if ((fd = hs_subdir(sp, r, sub, 0)) == -1) {
		if (errno != ENOENT) {
			hs_gc_error(t, "%s/%s/%s", sp->root,
			    event_resource_name(r), sub);
			t->unsure++;
		}
		return;
	}
	if (hs_names_load(fd, &names) == -1) {
		hs_gc_error(t, "%s/%s/%s", sp->root, event_resource_name(r),
		    sub);
		t->unsure++;
		close(fd);
		return;
	}
	for (i = 0; i < names.n; i++)
		if (hs_ids_add(ids, r, fd, names.v[i]) == -1 &&
		    errno != ENOENT) {
			hs_gc_error(t, "%s/%s/%s/%s", sp->root,
			    event_resource_name(r), sub, names.v[i]);
			t->unsure++;
		}
	hs_names_free(&names);
	close(fd);
}

/*
 * cur/ rows last modified before cut go; the records of those that stay
 * are kept.
 */
static void
hs_gc_rows(const struct hs_spool *sp, enum resource r, time_t cut,
    struct hs_ids *keep, struct hs_gc_tally *t)
{
	struct hs_names	names;
	struct stat	st;
	const char	*res = event_resource_name(r);
	size_t		i;
	int		fd;

	if ((fd = hs_subdir(sp, r, SF_CUR, 0)) == -1) {
		if (errno != ENOENT) {
			hs_gc_error(t, "%s/%s/" SF_CUR, sp->root, res);
			t->unsure++;
		}
		return;
	}
	if (hs_names_load(fd, &names) == -1) {
		hs_gc_error(t, "%s/%s/" SF_CUR, sp->root, res);
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
			hs_gc_error(t, "%s/%s/" SF_CUR "/%s", sp->root, res,
			    names.v[i]);
		}
		if (hs_ids_add(keep, r, fd, names.v[i]) == -1 &&
		    errno != ENOENT) {
			hs_gc_error(t, "%s/%s/" SF_CUR "/%s", sp->root, res,
			    names.v[i]);
			t->unsure++;
		}
	}
	if (names.n > 0 && fsync(fd) == -1)
		hs_gc_error(t, "%s/%s/" SF_CUR, sp->root, res);
	hs_names_free(&names);
	close(fd);
}

/*
 * The keep list, built before any record is removed.  Rows only move on
 * (tmp/ -> new/ -> cur/ or failed/), and each directory is read after
 * the ones its rows come from, so a row moving meanwhile is seen in one
 * of them.  cur/ rows are read (and the old ones removed) last.
 */
static void
hs_gc_keep(const struct hs_spool *sp, time_t cut, struct hs_ids *keep,
    struct hs_gc_tally *t)
{
	static const char *const before_cur[] = { SF_TMP, SF_NEW, SF_FAILED };
	char	sub[sizeof(SF_TMP) + 3];
	size_t	i;
	int	r;

	memset(keep, 0, sizeof(*keep));
	for (r = 0; r < RES__COUNT; r++) {
		/* Rows being written: in tmp/<pp>/ (and tmp/ of 0.2.0). */
		for (i = 0; i < SF_TMP_SUBS; i++) {
			memcpy(sub, SF_TMP "/", sizeof(SF_TMP));
			sf_tmp_sub((long)i, sub + sizeof(SF_TMP));
			hs_keep_dir(sp, r, sub, keep, t);
		}
		for (i = 0; i < sizeof(before_cur) / sizeof(before_cur[0]);
		    i++)
			hs_keep_dir(sp, r, before_cur[i], keep, t);
		hs_gc_rows(sp, r, cut, keep, t);
	}
	if (keep->n > 1)
		qsort(keep->v, keep->n, sizeof(*keep->v), hs_ids_cmp);
}

static int
hs_ids_has(const struct hs_ids *ids, const char *key)
{
	return ids->n > 0 && bsearch(key, ids->v, ids->n, sizeof(*ids->v),
	    hs_ids_cmp) != NULL;
}

static void
hs_gc_records_in(const char *root, int subfd, const char *sub,
    const struct hs_ids *keep, time_t rec_cut, time_t litter_cut,
    struct hs_gc_tally *t)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	enum sf_record_kind kind;
	int		 fd;

	if ((fd = dup(subfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		hs_gc_error(t, "%s/%s/%s", root, SF_IDS, sub);
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		/* Records: links naming their row (never followed) or,
		   from older spools, files; litter: files, and links a
		   settle that was cut short left. */
		if ((kind = sf_record_kind(sub, de->d_name)) == SF_NOT_RECORD ||
		    fstatat(subfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
			continue;
		if (kind == SF_RECORD && (st.st_mtime >= rec_cut ||
		    st.st_nlink > 1 || hs_ids_has(keep, de->d_name)))
			continue;	/* young, a row's link, or waiting */
		if (kind == SF_RECORD_TMP && st.st_mtime >= litter_cut)
			continue;
		if (unlinkat(subfd, de->d_name, 0) == -1)
			hs_gc_error(t, "%s/%s/%s/%s", root, SF_IDS, sub,
			    de->d_name);
		else if (kind == SF_RECORD)
			t->records++;
	}
	closedir(d);
}

static void
hs_gc_records(const struct hs_spool *sp, const struct hs_ids *keep,
    time_t rec_cut, struct hs_gc_tally *t)
{
	struct dirent	*de;
	DIR		*d;
	int		 idsfd, subfd, fd;
	time_t		 litter_cut = time(NULL) - HS_LITTER_AGE;

	if ((idsfd = openat(sp->rootfd, SF_IDS, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno != ENOENT)
			hs_gc_error(t, "%s/%s", sp->root, SF_IDS);
		return;
	}
	if ((fd = dup(idsfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		hs_gc_error(t, "%s/%s", sp->root, SF_IDS);
		if (fd != -1)
			close(fd);
		close(idsfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!sf_ids_sub_valid(de->d_name))
			continue;
		if ((subfd = openat(idsfd, de->d_name, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		hs_gc_records_in(sp->root, subfd, de->d_name, keep, rec_cut,
		    litter_cut, t);
		close(subfd);
	}
	closedir(d);
	close(idsfd);
}

/* .attempts/ files whose row has left new/ (a run stopped in between). */
static void
hs_gc_attempts(const struct hs_spool *sp, enum resource r,
    struct hs_gc_tally *t)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 resfd, attfd, newfd;
	time_t		 litter_cut = time(NULL) - HS_LITTER_AGE;

	if ((resfd = openat(sp->rootfd, event_resource_name(r), O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	attfd = openat(resfd, SF_ATTEMPTS, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW);
	newfd = openat(resfd, SF_NEW, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
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
		if (sf_name_parse(de->d_name, NULL, NULL) == 0) {
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
hs_gc(const struct hs_spool *sp, long long older_than)
{
	struct hs_gc_tally	 t;
	struct hs_ids		 keep;
	long long		 rec_age;
	time_t			 now = time(NULL);
	char			 v[HWLOG_VAL_MAX];
	int			 r;

	memset(&t, 0, sizeof(t));
	rec_age = older_than > HS_RECORD_KEEP ? older_than : HS_RECORD_KEEP;
	hs_gc_keep(sp, (time_t)(now - older_than), &keep, &t);
	if (t.unsure == 0)
		hs_gc_records(sp, &keep, (time_t)(now - rec_age), &t);
	else
		hwlog("op=gc spool=%s result=error records=kept error=\"%d "
		    "rows or directories could not be read: no record is "
		    "removed\"", hwlog_val(sp->root, v, sizeof(v)), t.unsure);
	free(keep.v);
	for (r = 0; r < RES__COUNT; r++)
		hs_gc_attempts(sp, r, &t);
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
