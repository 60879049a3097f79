/* SPDX-License-Identifier: ISC */
/*
 * spooltool_replay: humanos-spool replay and discard (SPEC section 8),
 * the two ways out of quarantine/new/.
 *
 * replay runs each chosen row through the responder's own pipeline again,
 * with the current configuration and no timestamp window.  A row whose
 * delivery now succeeds (spooled, or already spooled) moves to
 * quarantine/cur/; any other stays, and is reported.  A delivery older
 * than the exactly-once retention stays unless forced: its event may have
 * been spooled and its record removed since, so it could become a second
 * event.
 *
 * discard moves the chosen rows to quarantine/cur/ as they are.
 *
 * Both claim each row (hs_claim) before acting on it, so overlapping runs
 * never act on one row twice, and walk the rows through one path
 * (hs_qwalk_spool) that differs only in what is done with a chosen row.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hwlog.h"
#include "row.h"
#include "spoolfmt.h"
#include "spooltool.h"
#include "util.h"

/* Why req_handle() quarantines a delivery (request.c): the row's reason. */
static const char *const hs_reasons[] = { "stale_timestamp",
	"decrypt_failed", "invalid_event" };

/* A quarantine row, as read from quarantine/new/. */
struct hs_qrow {
	const char		*name;
	struct json_object	*row;		/* NULL: not a JSON object */
	const char		*id;		/* NULL when it has none */
	const char		*reason;	/* NULL when it has none */
	long long		 age;		/* seconds since the delivery */
};

struct hs_qtally {
	size_t		 done, left, refused, bad, chosen;
};

struct hs_qwalk;
typedef int (*hs_qfn)(struct hs_qwalk *, const struct hs_spool *, int,
    int *, struct hs_qrow *);

/* One replay or discard, over every spool. */
struct hs_qwalk {
	const char		*op;		/* "replay", "discard" */
	const struct hs_qopts	*o;		/* --id resolved to a full id */
	struct req_ctx		*ctx;		/* replay only */
	int			 several;	/* spools: print spool= */
	hs_qfn			 fn;		/* done with a chosen row */
	struct hs_qtally	 t;
};

int
hs_qopts_reason(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(hs_reasons) / sizeof(hs_reasons[0]); i++)
		if (strcmp(s, hs_reasons[i]) == 0)
			return 0;
	return -1;
}

int
hs_qopts_id(const char *s, struct hs_qopts *o)
{
	size_t	n = strlen(s), i;
	int	v;

	if (n < HS_ID_PREFIX_MIN || n > ROW_ID_HEX_LEN)
		return -1;
	/* Ids are lower-case hex: either case is taken. */
	for (i = 0; i < n; i++) {
		if ((v = util_hex_value((unsigned char)s[i])) == -1)
			return -1;
		o->id[i] = "0123456789abcdef"[v];
	}
	o->id[n] = '\0';
	return 0;
}

/*
 * When the delivery was made, in seconds since the epoch: its x-timestamp;
 * else received_at (ISO 8601, UTC); else the row's arrival, from its name.
 */
static long long
hs_qrow_when(const struct row_qinfo *qi, const char *name)
{
	int64_t		 ms;
	time_t		 t;

	if (qi->timestamp != NULL &&
	    req_parse_timestamp(qi->timestamp, &ms) == 0)
		return (long long)(ms / 1000);
	if (qi->received_at != NULL && row_time_parse(qi->received_at,
	    &t) == 0)
		return (long long)t;
	return (long long)(sf_name_usec(name) / 1000000);
}

/*
 * Read the row name of newfd into q.  A row that is not a JSON object is
 * still a row: q->row is NULL.  Returns 0; 1 when it is gone; -1 with err.
 */
static int
hs_qrow_load(int newfd, const char *name, struct hs_qrow *q, char *err,
    size_t errlen)
{
	struct row_qinfo	 qi;
	char			*buf;
	size_t			 len;
	int			 r;

	memset(q, 0, sizeof(*q));
	q->name = name;
	if ((r = hs_read(newfd, name, &buf, &len, err, errlen)) != 0)
		return r;
	q->row = row_parse(buf, len, HS_JSON_DEPTH);
	free(buf);
	row_quarantine_info(q->row, &qi);
	q->id = qi.id;
	q->reason = qi.reason;
	q->age = (long long)time(NULL) - hs_qrow_when(&qi, name);
	return 0;
}

/* Whether q is one the options choose: every option given must match. */
static int
hs_qmatch(const struct hs_qopts *o, const struct hs_qrow *q)
{
	if (o->reason != NULL && (q->reason == NULL ||
	    strcmp(q->reason, o->reason) != 0))
		return 0;
	if (o->id[0] != '\0' && (q->id == NULL ||
	    strncmp(q->id, o->id, strlen(o->id)) != 0))
		return 0;
	if (o->older_than >= 0 && q->age <= o->older_than)
		return 0;
	return 1;
}

/* One line about row q: op=... row=... result=... id reason age, more. */
static void __attribute__((format(printf, 5, 6)))
hs_qline(const struct hs_qwalk *w, const struct hs_spool *sp,
    const struct hs_qrow *q, const char *result, const char *fmt, ...)
{
	char	vs[HWLOG_VAL_MAX], vi[HWLOG_VAL_MAX], vr[HWLOG_VAL_MAX];
	va_list	ap;

	printf("op=%s", w->op);
	if (w->several)
		printf(" spool=%s", hwlog_val(sp->root, vs, sizeof(vs)));
	printf(" row=%s result=%s id=%s reason=%s age=%llds", q->name, result,
	    hwlog_val(q->id, vi, sizeof(vi)),
	    hwlog_val(q->reason, vr, sizeof(vr)), q->age);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* quarantine/cur/, made when first needed.  0 or -1 (errno). */
static int
hs_qcur(const struct hs_spool *sp, int *curfd)
{
	if (*curfd == -1)
		*curfd = hs_subdir(sp, RES_QUARANTINE, SF_CUR, 1);
	return *curfd == -1 ? -1 : 0;
}

/*
 * Rebuild the request from the quarantine row, into in and d (which owns
 * the body and the location; the row, the other strings).  0 or -1 (why).
 */
static int
hs_delivery(struct json_object *row, struct req_in *in,
    struct row_delivery *d, const char **why)
{
	if (row_quarantine_read(row, d, why) == -1)
		return -1;
	memset(in, 0, sizeof(*in));
	in->method = "POST";
	in->content_type = d->content_type;
	in->timestamp = d->timestamp;
	in->signature = d->signature;
	in->location = d->location;
	in->profile = d->profile;
	in->body = d->body;
	in->bodylen = d->bodylen;
	in->check_time = 0;
	return 0;
}

/* replay, one chosen row.  Returns 0 to go on, or the code to stop with. */
static int
hs_replay_one(struct hs_qwalk *w, const struct hs_spool *sp, int newfd,
    int *curfd, struct hs_qrow *q)
{
	struct row_delivery	 dv;
	struct req_in		 in;
	struct req_out		 out;
	const char		*why;
	char			 v[HWLOG_VAL_MAX];

	if (hs_delivery(q->row, &in, &dv, &why) == -1) {
		hs_qline(w, sp, q, "skipped", " error=%s",
		    hwlog_val(why, v, sizeof(v)));
		w->t.bad++;
		return 0;
	}
	if (!w->o->force && q->age > HS_RECORD_KEEP) {
		row_delivery_free(&dv);
		hs_qline(w, sp, q, "too_old", " limit=%llds",
		    (long long)HS_RECORD_KEEP);
		w->t.refused++;
		return 0;
	}
	req_handle(w->ctx, &in, &out);
	row_delivery_free(&dv);
	if (out.status != 200 || out.res == RES_QUARANTINE) {
		hs_qline(w, sp, q, "left", " status=%d error=%s detail=%s",
		    out.status, out.error != NULL ? out.error : "-",
		    hwlog_val(out.detail[0] != '\0' ? out.detail : NULL, v,
		    sizeof(v)));
		w->t.left++;
		return 0;
	}
	if (hs_qcur(sp, curfd) == -1 ||
	    hs_finish(newfd, *curfd, q->name) == -1) {
		hs_qline(w, sp, q, "error", " status=200 event_id=%s "
		    "error=%s", out.id, hwlog_val(strerror(errno), v,
		    sizeof(v)));
		return EX_TEMPFAIL;	/* spooled, but still waiting */
	}
	hs_qline(w, sp, q, out.duplicate ? "duplicate" : "replayed",
	    " status=200 resource=%s event=%s event_id=%s",
	    event_resource_name(out.res), out.event, out.id);
	w->t.done++;
	return 0;
}

/* discard, one chosen row. */
static int
hs_discard_one(struct hs_qwalk *w, const struct hs_spool *sp, int newfd,
    int *curfd, struct hs_qrow *q)
{
	char	v[HWLOG_VAL_MAX];

	if (hs_qcur(sp, curfd) == -1 ||
	    hs_finish(newfd, *curfd, q->name) == -1) {
		hs_qline(w, sp, q, "error", " error=%s",
		    hwlog_val(strerror(errno), v, sizeof(v)));
		return EX_TEMPFAIL;
	}
	hs_qline(w, sp, q, "discarded", "%s", "");
	w->t.done++;
	return 0;
}

/* One row of quarantine/new/.  Returns 0 to go on, or the code to stop. */
static int
hs_qwalk_row(struct hs_qwalk *w, const struct hs_spool *sp, int newfd,
    int *curfd, const char *name)
{
	struct hs_qrow	 q;
	char		 err[HS_ERR_MAX], v[HWLOG_VAL_MAX];
	int		 fd, r;

	if ((fd = hs_claim(newfd, name)) == -1) {
		if (errno == ENOENT || errno == EWOULDBLOCK)
			return 0;	/* gone, or another run has it */
		snprintf(err, sizeof(err), "%s", strerror(errno));
		r = -1;
	} else if ((r = hs_qrow_load(newfd, name, &q, err, sizeof(err))) ==
	    1) {
		close(fd);
		return 0;
	}
	if (r == -1) {
		/* Cannot be read: it could be any delivery, so say so. */
		hwlog("op=%s row=%s result=unreadable error=%s", w->op, name,
		    hwlog_val(err, v, sizeof(v)));
		if (fd != -1)
			close(fd);
		w->t.bad++;
		return 0;
	}
	r = 0;
	if (hs_qmatch(w->o, &q)) {
		w->t.chosen++;
		switch (hs_record_settle(sp, RES_QUARANTINE, newfd, fd,
		    name)) {
		case 0:
			r = w->fn(w, sp, newfd, curfd, &q);
			break;
		case 1:
			hwlog("op=%s row=%s result=unreadable error=%s",
			    w->op, name,
			    hwlog_val(strerror(errno), v, sizeof(v)));
			w->t.bad++;
			break;
		default:
			hwlog("op=%s row=%s result=error step=record "
			    "error=%s", w->op, name,
			    hwlog_val(strerror(errno), v, sizeof(v)));
			r = EX_TEMPFAIL;	/* ours, not the row's */
		}
	}
	json_object_put(q.row);
	close(fd);
	return r;
}

static int
hs_qwalk_spool(struct hs_qwalk *w, const struct hs_spool *sp)
{
	struct hs_names	names;
	char		v[HWLOG_VAL_MAX];
	size_t		i;
	int		newfd, curfd = -1, rc = 0;

	if ((newfd = hs_subdir(sp, RES_QUARANTINE, SF_NEW, 0)) == -1 &&
	    errno == ENOENT)
		return 0;	/* nothing was ever quarantined */
	if (newfd == -1 || hs_names_load(newfd, &names) == -1) {
		hwlog("op=%s path=%s/%s/" SF_NEW " result=error error=%s",
		    w->op, sp->root, event_resource_name(RES_QUARANTINE),
		    hwlog_val(strerror(errno), v, sizeof(v)));
		if (newfd != -1)
			close(newfd);
		return EX_TEMPFAIL;
	}
	for (i = 0; i < names.n && rc == 0; i++)
		rc = hs_qwalk_row(w, sp, newfd, &curfd, names.v[i]);
	hs_names_free(&names);
	if (curfd != -1)
		close(curfd);
	close(newfd);
	return rc;
}

/*
 * The full id an --id prefix stands for, across every spool's
 * quarantine/new/.  Returns 0 with id filled, or a sysexits code: none
 * waits with it (EX_NOINPUT), or it names several (EX_USAGE).
 */
static int
hs_qresolve(const char *op, const struct hs_spool *sps, size_t nsp,
    const char *prefix, char id[ROW_ID_HEX_LEN + 1])
{
	struct hs_names	 names;
	char		 got[ROW_ID_HEX_LEN + 1];
	size_t		 i, j;
	int		 fd;

	id[0] = '\0';
	for (i = 0; i < nsp; i++) {
		if ((fd = hs_subdir(&sps[i], RES_QUARANTINE, SF_NEW, 0)) ==
		    -1 || hs_names_load(fd, &names) == -1) {
			if (fd != -1)
				close(fd);
			continue;	/* hs_qwalk_spool() will say why */
		}
		for (j = 0; j < names.n; j++)
			if (sf_peek_id(fd, names.v[j], got) == 0 &&
			    strncmp(got, prefix, strlen(prefix)) == 0) {
				if (id[0] != '\0' && strcmp(id, got) != 0) {
					hwlog("op=%s id=%s result=error "
					    "error=\"ambiguous: give more of "
					    "the id\"", op, prefix);
					hs_names_free(&names);
					close(fd);
					return EX_USAGE;
				}
				memcpy(id, got, sizeof(got));
			}
		hs_names_free(&names);
		close(fd);
	}
	if (id[0] == '\0') {
		hwlog("op=%s id=%s result=error error=\"no delivery waits in "
		    "quarantine/new/ with this id\"", op, prefix);
		return EX_NOINPUT;
	}
	return 0;
}

/* Walk every spool.  Returns 0 or the sysexits code that stopped it. */
static int
hs_qwalk(struct hs_qwalk *w, struct hs_spool *sps, size_t nsp)
{
	struct hs_qopts	o = *w->o;
	size_t		i;
	int		rc = 0;

	if (o.id[0] != '\0' &&
	    (rc = hs_qresolve(w->op, sps, nsp, w->o->id, o.id)) != 0)
		return rc;
	w->o = &o;
	w->several = nsp > 1;
	for (i = 0; i < nsp && rc == 0; i++)
		rc = hs_qwalk_spool(w, &sps[i]);
	w->o = NULL;
	return rc;
}

int
hs_replay(struct config *cfg, struct hs_spool *sps, size_t nsp,
    const struct hs_qopts *o)
{
	struct hs_qwalk	 w;
	struct req_ctx	 ctx;
	struct profile_keys	*keys = NULL;
	char		 err[CONFIG_ERR_MAX], v[HWLOG_VAL_MAX];
	int		 rc;

	if (config_prepare(cfg, &keys, err, sizeof(err)) == -1 ||
	    req_ctx_open(&ctx, cfg, keys, 0, err, sizeof(err)) == -1) {
		hwlog("op=replay result=error error=%s",
		    hwlog_val(err, v, sizeof(v)));
		config_keys_free(keys, cfg->nprofiles);
		return EX_CONFIG;
	}
	memset(&w, 0, sizeof(w));
	w.op = "replay";
	w.o = o;
	w.ctx = &ctx;
	w.fn = hs_replay_one;
	rc = hs_qwalk(&w, sps, nsp);
	req_ctx_free(&ctx);
	config_keys_free(keys, cfg->nprofiles);
	if (rc == EX_NOINPUT || rc == EX_USAGE)
		return rc;	/* --id: nothing was done */
	printf("op=replay result=summary replayed=%zu left=%zu refused=%zu "
	    "unreadable=%zu\n", w.t.done, w.t.left, w.t.refused, w.t.bad);
	if (fflush(stdout) == EOF || ferror(stdout))
		return EX_IOERR;
	if (rc == 0 && (w.t.left > 0 || w.t.refused > 0 || w.t.bad > 0))
		rc = 1;
	return rc;
}

int
hs_discard(struct hs_spool *sps, size_t nsp, const struct hs_qopts *o)
{
	struct hs_qwalk	 w;
	int		 rc;

	memset(&w, 0, sizeof(w));
	w.op = "discard";
	w.o = o;
	w.fn = hs_discard_one;
	rc = hs_qwalk(&w, sps, nsp);
	if (rc == EX_NOINPUT || rc == EX_USAGE)
		return rc;
	printf("op=discard result=summary discarded=%zu unreadable=%zu\n",
	    w.t.done, w.t.bad);
	if (fflush(stdout) == EOF || ferror(stdout))
		return EX_IOERR;
	if (rc == 0 && w.t.bad > 0)
		rc = 1;
	return rc;
}
