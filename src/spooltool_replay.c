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
 * Both claim each row (st_claim) before acting on it, so overlapping runs
 * never act on one row twice, and walk the rows through one path
 * (st_qwalk_spool) that differs only in what is done with a chosen row.
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

#include "b64.h"
#include "hwlog.h"
#include "spooltool.h"

/* Why req_handle() quarantines a delivery (request.c): the row's reason. */
static const char *const st_reasons[] = { "stale_timestamp",
	"decrypt_failed", "invalid_event" };

/* A quarantine row, as read from quarantine/new/. */
struct st_qrow {
	const char		*name;
	struct json_object	*row;		/* NULL: not a JSON object */
	const char		*id;		/* NULL when it has none */
	const char		*reason;	/* NULL when it has none */
	long long		 age;		/* seconds since the delivery */
};

/* A quarantined delivery, as rebuilt from its row. */
struct st_delivery {
	struct req_in		 in;
	unsigned char		*body;
	char			*location;
};

struct st_qtally {
	size_t		 done, left, refused, bad, chosen;
};

struct st_qwalk;
typedef int (*st_qfn)(struct st_qwalk *, const struct st_spool *, int,
    int *, struct st_qrow *);

/* One replay or discard, over every spool. */
struct st_qwalk {
	const char		*op;		/* "replay", "discard" */
	const struct st_qopts	*o;		/* --id resolved to a full id */
	struct req_ctx		*ctx;		/* replay only */
	int			 several;	/* spools: print spool= */
	st_qfn			 fn;		/* what to do with a chosen row */
	struct st_qtally	 t;
};

int
st_qopts_reason(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(st_reasons) / sizeof(st_reasons[0]); i++)
		if (strcmp(s, st_reasons[i]) == 0)
			return 0;
	return -1;
}

int
st_qopts_id(const char *s, struct st_qopts *o)
{
	size_t	n = strlen(s), i;

	if (n < ST_ID_PREFIX_MIN || n > ROW_ID_HEX_LEN)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'F')
			o->id[i] = (char)(s[i] - 'A' + 'a');
		else if ((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'))
			o->id[i] = s[i];
		else
			return -1;
	}
	o->id[n] = '\0';
	return 0;
}

/* The string at key in o, or NULL. */
static const char *
st_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *
st_obj(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* The delivery's x-timestamp, as the responder stored it. */
static const char *
st_timestamp(struct json_object *row)
{
	const char	*ts;

	if ((ts = st_str(st_obj(row, "headers"), "x-timestamp")) == NULL)
		ts = st_str(row, "delivery_timestamp");
	return ts;
}

/*
 * When the delivery was made, in seconds since the epoch: its x-timestamp;
 * else received_at (ISO 8601, UTC); else the row's arrival, from its name.
 */
static long long
st_qrow_when(struct json_object *row, const char *name)
{
	const char	*s;
	struct tm	 tm;
	int64_t		 ms;

	if ((s = st_timestamp(row)) != NULL &&
	    req_parse_timestamp(s, &ms) == 0)
		return (long long)(ms / 1000);
	memset(&tm, 0, sizeof(tm));
	if ((s = st_str(row, "received_at")) != NULL &&
	    strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
		return (long long)timegm(&tm);
	return (long long)(st_name_usec(name) / 1000000);
}

/*
 * Read the row name of newfd into q.  A row that is not a JSON object is
 * still a row: q->row is NULL.  Returns 0; 1 when it is gone; -1 with err.
 */
static int
st_qrow_load(int newfd, const char *name, struct st_qrow *q, char *err,
    size_t errlen)
{
	struct json_tokener	*tok;
	char			*buf;
	size_t			 len;
	int			 r;

	memset(q, 0, sizeof(*q));
	q->name = name;
	if ((r = st_read(newfd, name, &buf, &len, err, errlen)) != 0)
		return r;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if ((tok = json_tokener_new_ex(ST_JSON_DEPTH)) != NULL) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		q->row = json_tokener_parse_ex(tok, buf, (int)len);
		if (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != len ||
		    !json_object_is_type(q->row, json_type_object)) {
			json_object_put(q->row);
			q->row = NULL;
		}
		json_tokener_free(tok);
	}
	free(buf);
	q->id = st_str(q->row, "id");
	q->reason = st_str(q->row, "reason");
	q->age = (long long)time(NULL) - st_qrow_when(q->row, name);
	return 0;
}

/* Whether q is one the options choose: every option given must match. */
static int
st_qmatch(const struct st_qopts *o, const struct st_qrow *q)
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
st_qline(const struct st_qwalk *w, const struct st_spool *sp,
    const struct st_qrow *q, const char *result, const char *fmt, ...)
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
st_qcur(const struct st_spool *sp, int *curfd)
{
	if (*curfd == -1)
		*curfd = st_subdir(sp, RES_QUARANTINE, ST_CUR, 1);
	return *curfd == -1 ? -1 : 0;
}

static int
st_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undo the responder's percent-encoding of the location it stored. */
static char *
st_unpercent(const char *s)
{
	char	*out, *o;
	int	 hi, lo;

	if ((out = o = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		if (*s == '%' && (hi = st_hexval(s[1])) != -1 &&
		    (lo = st_hexval(s[2])) != -1) {
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static void
st_delivery_free(struct st_delivery *dv)
{
	free(dv->body);
	free(dv->location);
	memset(dv, 0, sizeof(*dv));
}

/*
 * Rebuild the request from the quarantine row (which keeps owning the
 * strings).  Returns 0 or -1 (why).
 */
static int
st_delivery(struct json_object *row, struct st_delivery *dv,
    const char **why)
{
	struct json_object	*h;
	const char		*b64, *loc;
	size_t			 blen;

	memset(dv, 0, sizeof(*dv));
	*why = "not a JSON object";
	if (row == NULL)
		return -1;
	*why = "no body_base64 or headers";
	if ((b64 = st_str(row, "body_base64")) == NULL ||
	    (h = st_obj(row, "headers")) == NULL)
		return -1;
	*why = "bad body_base64";
	blen = strlen(b64);
	if ((dv->body = malloc(B64_DECODED_MAX(blen) + 1)) == NULL ||
	    b64_decode(b64, blen, dv->body, B64_DECODED_MAX(blen),
	    &dv->in.bodylen) == -1)
		goto fail;
	*why = "out of memory";
	if ((loc = st_str(row, "location")) != NULL &&
	    (dv->location = st_unpercent(loc)) == NULL)
		goto fail;
	dv->in.method = "POST";
	dv->in.content_type = st_str(h, "content-type");
	dv->in.timestamp = st_timestamp(row);
	dv->in.signature = st_str(h, "x-signature");
	dv->in.location = dv->location;
	dv->in.profile = st_str(row, "profile");
	dv->in.body = dv->body;
	dv->in.check_time = 0;
	return 0;
fail:
	st_delivery_free(dv);
	return -1;
}

/* replay, one chosen row.  Returns 0 to go on, or the code to stop with. */
static int
st_replay_one(struct st_qwalk *w, const struct st_spool *sp, int newfd,
    int *curfd, struct st_qrow *q)
{
	struct st_delivery	 dv;
	struct req_out		 out;
	const char		*why;
	char			 v[HWLOG_VAL_MAX];

	if (st_delivery(q->row, &dv, &why) == -1) {
		st_qline(w, sp, q, "skipped", " error=%s",
		    hwlog_val(why, v, sizeof(v)));
		w->t.bad++;
		return 0;
	}
	if (!w->o->force && q->age > ST_RECORD_KEEP) {
		st_delivery_free(&dv);
		st_qline(w, sp, q, "too_old", " limit=%llds",
		    (long long)ST_RECORD_KEEP);
		w->t.refused++;
		return 0;
	}
	req_handle(w->ctx, &dv.in, &out);
	st_delivery_free(&dv);
	if (out.status != 200 || out.res == RES_QUARANTINE) {
		st_qline(w, sp, q, "left", " status=%d error=%s detail=%s",
		    out.status, out.error != NULL ? out.error : "-",
		    hwlog_val(out.detail[0] != '\0' ? out.detail : NULL, v,
		    sizeof(v)));
		w->t.left++;
		return 0;
	}
	if (st_qcur(sp, curfd) == -1 ||
	    st_finish(newfd, *curfd, q->name) == -1) {
		st_qline(w, sp, q, "error", " status=200 event_id=%s "
		    "error=%s", out.id, hwlog_val(strerror(errno), v,
		    sizeof(v)));
		return EX_TEMPFAIL;	/* spooled, but still waiting */
	}
	st_qline(w, sp, q, out.duplicate ? "duplicate" : "replayed",
	    " status=200 resource=%s event=%s event_id=%s",
	    event_resource_name(out.res), out.event, out.id);
	w->t.done++;
	return 0;
}

/* discard, one chosen row. */
static int
st_discard_one(struct st_qwalk *w, const struct st_spool *sp, int newfd,
    int *curfd, struct st_qrow *q)
{
	char	v[HWLOG_VAL_MAX];

	if (st_qcur(sp, curfd) == -1 ||
	    st_finish(newfd, *curfd, q->name) == -1) {
		st_qline(w, sp, q, "error", " error=%s",
		    hwlog_val(strerror(errno), v, sizeof(v)));
		return EX_TEMPFAIL;
	}
	st_qline(w, sp, q, "discarded", "%s", "");
	w->t.done++;
	return 0;
}

/* One row of quarantine/new/.  Returns 0 to go on, or the code to stop. */
static int
st_qwalk_row(struct st_qwalk *w, const struct st_spool *sp, int newfd,
    int *curfd, const char *name)
{
	struct st_qrow	 q;
	char		 err[ST_ERR_MAX], v[HWLOG_VAL_MAX];
	int		 fd, r;

	if ((fd = st_claim(newfd, name)) == -1) {
		if (errno == ENOENT || errno == EWOULDBLOCK)
			return 0;	/* gone, or another run has it */
		snprintf(err, sizeof(err), "%s", strerror(errno));
		r = -1;
	} else if ((r = st_qrow_load(newfd, name, &q, err, sizeof(err))) ==
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
	if (st_qmatch(w->o, &q)) {
		w->t.chosen++;
		r = w->fn(w, sp, newfd, curfd, &q);
	}
	json_object_put(q.row);
	close(fd);
	return r;
}

static int
st_qwalk_spool(struct st_qwalk *w, const struct st_spool *sp)
{
	struct st_names	names;
	char		v[HWLOG_VAL_MAX];
	size_t		i;
	int		newfd, curfd = -1, rc = 0;

	if ((newfd = st_subdir(sp, RES_QUARANTINE, ST_NEW, 0)) == -1 &&
	    errno == ENOENT)
		return 0;	/* nothing was ever quarantined */
	if (newfd == -1 || st_names_load(newfd, &names) == -1) {
		hwlog("op=%s path=%s/quarantine/new result=error error=%s",
		    w->op, sp->root, hwlog_val(strerror(errno), v,
		    sizeof(v)));
		if (newfd != -1)
			close(newfd);
		return EX_TEMPFAIL;
	}
	for (i = 0; i < names.n && rc == 0; i++)
		rc = st_qwalk_row(w, sp, newfd, &curfd, names.v[i]);
	st_names_free(&names);
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
st_qresolve(const char *op, const struct st_spool *sps, size_t nsp,
    const char *prefix, char id[ROW_ID_HEX_LEN + 1])
{
	struct st_names	 names;
	char		 got[ROW_ID_HEX_LEN + 1];
	size_t		 i, j;
	int		 fd;

	id[0] = '\0';
	for (i = 0; i < nsp; i++) {
		if ((fd = st_subdir(&sps[i], RES_QUARANTINE, ST_NEW, 0)) ==
		    -1 || st_names_load(fd, &names) == -1) {
			if (fd != -1)
				close(fd);
			continue;	/* st_qwalk_spool() will say why */
		}
		for (j = 0; j < names.n; j++)
			if (st_peek_id(fd, names.v[j], got) == 0 &&
			    strncmp(got, prefix, strlen(prefix)) == 0) {
				if (id[0] != '\0' && strcmp(id, got) != 0) {
					hwlog("op=%s id=%s result=error "
					    "error=\"ambiguous: give more of "
					    "the id\"", op, prefix);
					st_names_free(&names);
					close(fd);
					return EX_USAGE;
				}
				memcpy(id, got, sizeof(got));
			}
		st_names_free(&names);
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
st_qwalk(struct st_qwalk *w, struct st_spool *sps, size_t nsp)
{
	struct st_qopts	o = *w->o;
	size_t		i;
	int		rc = 0;

	if (o.id[0] != '\0' &&
	    (rc = st_qresolve(w->op, sps, nsp, w->o->id, o.id)) != 0)
		return rc;
	w->o = &o;
	w->several = nsp > 1;
	for (i = 0; i < nsp && rc == 0; i++)
		rc = st_qwalk_spool(w, &sps[i]);
	w->o = NULL;
	return rc;
}

int
st_replay(struct config *cfg, struct st_spool *sps, size_t nsp,
    const struct st_qopts *o)
{
	struct st_qwalk	 w;
	struct req_ctx	 ctx;
	char		 err[CONFIG_ERR_MAX], v[HWLOG_VAL_MAX];
	int		 rc;

	if (config_prepare(cfg, err, sizeof(err)) == -1 ||
	    req_ctx_init(&ctx, cfg, err, sizeof(err)) == -1) {
		hwlog("op=replay result=error error=%s",
		    hwlog_val(err, v, sizeof(v)));
		return EX_CONFIG;
	}
	memset(&w, 0, sizeof(w));
	w.op = "replay";
	w.o = o;
	w.ctx = &ctx;
	w.fn = st_replay_one;
	rc = st_qwalk(&w, sps, nsp);
	req_ctx_free(&ctx);
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
st_discard(struct st_spool *sps, size_t nsp, const struct st_qopts *o)
{
	struct st_qwalk	 w;
	int		 rc;

	memset(&w, 0, sizeof(w));
	w.op = "discard";
	w.o = o;
	w.fn = st_discard_one;
	rc = st_qwalk(&w, sps, nsp);
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
