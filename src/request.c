/* SPDX-License-Identifier: ISC */
/* request: one delivery through the pipeline of SPEC section 6. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "aead.h"
#include "b64.h"
#include "hwlog.h"
#include "jsonv.h"
#include "request.h"
#include "sig.h"
#include "spoolfmt.h"
#include "util.h"

/* The most members an envelope is read without json-c (jsonv_strings). */
#define REQ_PLAIN_MEMBERS	8

static const char *const envelope_keys[3] = { "iv", "data", "tag" };

/* The envelope's iv, data and tag, decoded. */
struct envelope {
	unsigned char	 iv[AEAD_IV_MAX];
	size_t		 ivlen;
	unsigned char	 tag[AEAD_TAG_LEN];
	unsigned char	*ct;		/* ctx->raw */
	size_t		 ctlen;
};

static int	 req_fail(struct req_out *, int, const char *);
static int	 req_check_method(const struct req_in *);
static int	 req_check_type(const char *);
static int	 req_check_time(const struct req_ctx *, const struct profile *,
		    const char *);
static int	 req_json_ok(const unsigned char *, size_t, size_t *);
static struct json_object *req_parse_checked(const unsigned char *, size_t,
		    int, int, size_t);
static void	 req_log_event(const char *, char *, size_t);
static int	 req_envelope(struct req_ctx *, const struct req_in *,
		    struct envelope *);
static int	 req_decrypt(struct profile_keys *, const struct envelope *,
		    unsigned char *);
static void	 req_quarantine(struct spool *, const struct profile *,
		    const struct req_in *, struct req_out *);
static int	 req_event(const unsigned char *, size_t, struct event_class *,
		    struct json_object **);
static void	 req_spool(struct req_ctx *, struct spool *,
		    const struct profile *, const struct req_in *,
		    const struct event_class *, const unsigned char *, size_t,
		    struct req_out *);

/*
 * What a start's recovery of sp did, when it did anything: one line.
 * records_removed after a reboot: a power loss took rows that were never
 * acknowledged (their deliveries are retried); records_made: it took
 * records of rows that were (include/spool.h).
 */
static void
req_log_recovered(const struct spool *sp)
{
	char	v[HWLOG_VAL_MAX];

	if (sp->recovered.published == 0 && sp->recovered.made == 0 &&
	    sp->recovered.removed == 0)
		return;
	hwlog("event=recover spool=%s rows_published=%d records_made=%d "
	    "records_removed=%d", hwlog_val(sp->root, v, sizeof(v)),
	    sp->recovered.published, sp->recovered.made,
	    sp->recovered.removed);
}

int
req_ctx_open(struct req_ctx *ctx, const struct config *cfg,
    struct profile_keys *keys, int flags, char *err, size_t errlen)
{
	size_t	i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->now_ms = util_now_ms;
	ctx->keys = keys;
	if (keys == NULL) {
		if ((ctx->keys = config_keys_new(cfg)) == NULL)
			goto nomem;
		ctx->own_keys = 1;	/* derived when a request needs them */
	}
	if ((ctx->spools = calloc(cfg->nprofiles, sizeof(*ctx->spools))) ==
	    NULL)
		goto nomem;
	for (i = 0; i < cfg->nprofiles; i++)
		ctx->spools[i].rootfd = -1;	/* not open */
	for (i = 0; i < cfg->nprofiles; i++) {
		const struct profile *p = &cfg->profiles[i];

		if (!config_profile_usable(p))
			continue;
		if (p->max_body > ctx->scratch)
			ctx->scratch = p->max_body;
		if (spool_open(&ctx->spools[i], p->spool_dir, p->file_mode,
		    p->sync, err, errlen) == 0 &&
		    spool_recover(&ctx->spools[i], err, errlen) != -1) {
			req_log_recovered(&ctx->spools[i]);
			continue;
		}
		if (!(flags & REQ_SPOOL_LATE))
			goto fail;
		/* Left closed: spool_put() refuses it, so its deliveries
		   get 503; the reason is kept for the log. */
		if (ctx->spools[i].rootfd != -1)
			spool_close(&ctx->spools[i]);
		if (ctx->spool_err[0] == '\0')
			snprintf(ctx->spool_err, sizeof(ctx->spool_err), "%s",
			    err);
	}
	/*
	 * Decoded data and plaintext are never longer than the body; a row
	 * holds the plaintext, and the event name and location again.
	 */
	ctx->rowcap = 2 * ctx->scratch + ROW_HEAD_MAX;
	if ((ctx->raw = malloc(ctx->scratch + 1)) == NULL ||
	    (ctx->plain = malloc(ctx->scratch + 1)) == NULL ||
	    (ctx->row = malloc(ctx->rowcap)) == NULL)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	req_ctx_free(ctx);
	return -1;
}

void
req_ctx_free(struct req_ctx *ctx)
{
	size_t	i;

	if (ctx->spools != NULL && ctx->cfg != NULL)
		for (i = 0; i < ctx->cfg->nprofiles; i++)
			if (ctx->spools[i].rootfd != -1)
				spool_close(&ctx->spools[i]);
	free(ctx->spools);
	if (ctx->plain != NULL) {
		OPENSSL_cleanse(ctx->plain, ctx->scratch + 1);
		free(ctx->plain);
	}
	if (ctx->row != NULL) {
		OPENSSL_cleanse(ctx->row, ctx->rowcap);
		free(ctx->row);
	}
	free(ctx->raw);
	if (ctx->own_keys && ctx->cfg != NULL)
		config_keys_free(ctx->keys, ctx->cfg->nprofiles);
	memset(ctx, 0, sizeof(*ctx));
}

void
req_count(struct req_ctx *ctx, const struct req_in *in,
    const struct req_out *out)
{
	const struct profile	*p = out->profile;	/* req_admit's */
	struct spool		*sp;
	const char		*name;
	size_t			 i, n;

	/* Refused before req_admit looked (405, 408): look now. */
	if (p == NULL)
		p = config_profile(ctx->cfg, in->profile);
	if (p != NULL) {
		sp = &ctx->spools[config_profile_index(ctx->cfg, p)];
		if (sp->seq != NULL) {
			spool_count(sp, p->name, out->status, out->error);
			return;
		}
	}
	/* No usable profile (or its spool is closed): the first spool
	   open counts it, under the name the location gave, if plain. */
	name = in->profile != NULL && *in->profile != '\0' ? in->profile :
	    CONFIG_DEFAULT_PROFILE;
	for (n = 0; name[n] != '\0'; n++)
		if (!isalnum((unsigned char)name[n]) &&
		    strchr("._-", name[n]) == NULL)
			break;
	if (name[n] != '\0')
		name = "?";
	for (i = 0; i < ctx->cfg->nprofiles; i++)
		if (ctx->spools[i].seq != NULL) {
			spool_count(&ctx->spools[i], name, out->status,
			    out->error);
			return;
		}
}

size_t
req_ctx_dirs(const struct req_ctx *ctx, int *fds, size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < ctx->cfg->nprofiles && n < max; i++)
		if (ctx->spools[i].rootfd != -1)
			fds[n++] = ctx->spools[i].rootfd;
	return n;
}

const char *
req_ctx_error(const struct req_ctx *ctx)
{
	return ctx->spool_err[0] != '\0' ? ctx->spool_err : NULL;
}

size_t
req_ctx_body_max(const struct req_ctx *ctx)
{
	return ctx->scratch;
}

long
req_body_timeout(const struct req_ctx *ctx, const char *profile)
{
	const struct profile	*p = config_profile(ctx->cfg, profile);

	if (p == NULL)
		p = &ctx->cfg->profiles[0];
	return p->body_timeout > 0 ? p->body_timeout :
	    CONFIG_BODY_TIMEOUT_DEFAULT;
}

size_t
req_max_body(const struct req_ctx *ctx, const char *profile)
{
	const struct profile	*p = config_profile(ctx->cfg, profile);

	return p != NULL ? p->max_body : ctx->scratch;
}

static int
req_fail(struct req_out *out, int status, const char *error)
{
	out->status = status;
	out->error = error;
	return -1;
}

static int
req_check_method(const struct req_in *in)
{
	return in->method != NULL && strcmp(in->method, "POST") == 0 ? 0 : -1;
}

/* application/json, any case, parameters allowed; no type at all is fine. */
static int
req_check_type(const char *ct)
{
	static const char	json[] = "application/json";
	size_t			n = sizeof(json) - 1;

	if (ct == NULL || *ct == '\0')
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, json, n) != 0)
		return -1;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';' ? 0 : -1;
}

int
req_parse_timestamp(const char *s, int64_t *ms)
{
	int64_t	v = 0;
	size_t	n;

	for (n = 0; s[n] != '\0'; n++) {
		if (n == REQ_TS_MAX || s[n] < '0' || s[n] > '9')
			return -1;
		if (v > (INT64_MAX - (s[n] - '0')) / 10)
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0)
		return -1;
	if (v < REQ_SECONDS_BELOW)
		v *= 1000;	/* cannot overflow: v < 10^11 */
	*ms = v;
	return 0;
}

/* 0 inside the window (or no window), -1 outside. */
static int
req_check_time(const struct req_ctx *ctx, const struct profile *p,
    const char *ts)
{
	int64_t	when, now, diff;

	if (req_parse_timestamp(ts, &when) == -1)
		return -1;
	if (p->tolerance == 0)
		return 0;
	now = ctx->now_ms();
	diff = now > when ? now - when : when - now;
	return diff > (int64_t)p->tolerance * 1000 ? -1 : 0;
}

/*
 * Whether len bytes could be a JSON text we parse: not empty, no NUL, one
 * RFC 8259 value (json-c's strict mode still takes NaN, 'x' and raw
 * tabs).  *members as jsonv_members() has it.
 */
static int
req_json_ok(const unsigned char *buf, size_t len, size_t *members)
{
	return len > 0 && len <= INT32_MAX && memchr(buf, '\0', len) == NULL &&
	    jsonv_members(buf, len, REQ_DEPTH_MAX, members);
}

/*
 * Parse len bytes of JSON, which req_json_ok() took (with its member
 * count), strictly, with bounded depth; only an object (and trailing white
 * space) is accepted.  With unique, an object with a key given twice is
 * refused too (json-c would keep the last one: a parser differential).
 */
static struct json_object *
req_parse_checked(const unsigned char *buf, size_t len, int utf8, int unique,
    size_t members)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	size_t			 end;
	int			 flags = JSON_TOKENER_STRICT;

	if ((tok = json_tokener_new_ex(REQ_DEPTH_MAX)) == NULL)
		return NULL;
	if (utf8)
		flags |= JSON_TOKENER_VALIDATE_UTF8;
	json_tokener_set_flags(tok, flags);
	obj = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (obj == NULL)
		return NULL;
	while (end < len && strchr(" \t\r\n", buf[end]) != NULL)
		end++;
	if (end != len || !json_object_is_type(obj, json_type_object) ||
	    (unique && (size_t)json_object_object_length(obj) != members)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static int
req_envelope(struct req_ctx *ctx, const struct req_in *in,
    struct envelope *env)
{
	struct json_object	*o = NULL;
	const char		*v[3], *iv, *data, *tag;
	size_t			 vl[3], ivl, datal, tagl, taglen, members;
	unsigned char		 tagbuf[B64_DECODED_MAX(64)];
	int			 rc = -1;

	if (!req_json_ok(in->body, in->bodylen, &members))
		return -1;
	/* Plain strings as the provider sends them: no json-c needed. */
	switch (jsonv_strings(in->body, in->bodylen, envelope_keys, 3,
	    REQ_PLAIN_MEMBERS, v, vl)) {
	case 1:
		iv = v[0], ivl = vl[0];
		data = v[1], datal = vl[1];
		tag = v[2], tagl = vl[2];
		break;
	case 0:
		if ((o = req_parse_checked(in->body, in->bodylen, 0, 1,
		    members)) == NULL)
			return -1;
		if ((iv = util_json_string(o, "iv", &ivl)) == NULL ||
		    (data = util_json_string(o, "data", &datal)) == NULL ||
		    (tag = util_json_string(o, "tag", &tagl)) == NULL)
			goto done;
		break;
	default:
		return -1;
	}
	if (ivl > B64_ENCODED_LEN(AEAD_IV_MAX) || tagl > 64 ||
	    datal > B64_ENCODED_LEN(ctx->scratch))
		goto done;
	/* A short tag would have OpenSSL check only its prefix. */
	if (b64_decode(iv, ivl, env->iv, sizeof(env->iv), &env->ivlen) == -1 ||
	    env->ivlen == 0 ||
	    b64_decode(tag, tagl, tagbuf, sizeof(tagbuf), &taglen) == -1 ||
	    taglen != AEAD_TAG_LEN ||
	    b64_decode(data, datal, ctx->raw, ctx->scratch, &env->ctlen) == -1)
		goto done;
	memcpy(env->tag, tagbuf, AEAD_TAG_LEN);
	env->ct = ctx->raw;
	rc = 0;
done:
	json_object_put(o);
	return rc;
}

/* Try every key of k (rotation).  Returns 0 with pt filled, or -1. */
static int
req_decrypt(struct profile_keys *k, const struct envelope *env,
    unsigned char *pt)
{
	size_t	i;

	for (i = 0; i < k->naead; i++)
		if (aead_decrypt(&k->aead[i], env->iv, env->ivlen,
		    env->ct, env->ctlen, env->tag, pt) == 0)
			return 0;
	return -1;
}

static void
req_meta(const struct profile *p, const struct req_in *in, char *loc,
    size_t loclen, struct row_meta *m)
{
	row_location_encode(in->location, loc, loclen);
	m->profile = p->name;
	m->location = in->location != NULL ? loc : NULL;
	m->delivery_ts = in->timestamp;
	clock_gettime(CLOCK_REALTIME, &m->received);
}

/* The event name, kept only if it is short and plain enough to log. */
static void
req_log_event(const char *name, char *buf, size_t buflen)
{
	size_t	n;

	if (name == NULL) {
		snprintf(buf, buflen, "-");
		return;
	}
	for (n = 0; name[n] != '\0'; n++)
		if (n + 1 >= buflen || !(isalnum((unsigned char)name[n]) ||
		    strchr("._-", name[n]) != NULL)) {
			snprintf(buf, buflen, "?");
			return;
		}
	memcpy(buf, name, n + 1);
}

/*
 * Keep a delivery whose signature verified but which cannot be spooled
 * as an event, once per distinct body.  If even that fails, the provider
 * must retry: the answer becomes 503.
 */
static void
req_quarantine(struct spool *sp, const struct profile *p,
    const struct req_in *in, struct req_out *out)
{
	struct json_object	*row;
	struct row_meta		 m;
	const char		*line;
	char			 loc[REQ_LOCATION_MAX], key[SF_KEY_MAX];
	char			 id[ROW_ID_HEX_LEN + 1];
	char			 name[SPOOL_NAME_MAX];
	size_t			 len;
	enum spool_status	 st = SPOOL_FAILED;
	int			 whole = 1;

	req_meta(p, in, loc, sizeof(loc), &m);
	row_id(in->body, in->bodylen, id);
	if (sf_key_make(RES_QUARANTINE, id, key) == -1) {
		req_fail(out, 503, "spool_unavailable");
		return;
	}
	row = row_quarantine(id, out->error, out->status, &m,
	    in->signature, in->content_type, in->body, in->bodylen, 1);
	line = row != NULL ? row_line(row, &len) : NULL;
	/* Beyond quarantine_max, what was sent is kept, not the body. */
	if (line != NULL && !(whole = spool_quarantine_room(sp,
	    p->quarantine_max, len + 1))) {
		json_object_put(row);
		row = row_quarantine(id, out->error, out->status, &m,
		    in->signature, in->content_type, in->body, in->bodylen, 0);
		line = row != NULL ? row_line(row, &len) : NULL;
	}
	if (line != NULL)
		st = spool_put(sp, RES_QUARANTINE, key, line, len, name,
		    out->detail, sizeof(out->detail));
	if (st == SPOOL_WRITTEN)
		spool_quarantine_add(sp, len + 1);
	if (!whole && st != SPOOL_FAILED)
		snprintf(out->detail, sizeof(out->detail), "quarantine over "
		    "quarantine_max: body not kept (headers, reason and body "
		    "hash only)");
	json_object_put(row);
	if (st == SPOOL_FAILED) {
		if (out->detail[0] == '\0')
			snprintf(out->detail, sizeof(out->detail),
			    "quarantine: out of memory");
		req_fail(out, 503, "spool_unavailable");
		return;
	}
	memcpy(out->id, id, sizeof(out->id));
	out->res = RES_QUARANTINE;
	out->has_res = 1;
	out->duplicate = st == SPOOL_DUPLICATE;
}

/*
 * The decrypted event's class, if it is a JSON object we take: 0, with
 * *ev the object json-c made of it (NULL when its text sufficed) to be
 * put once ec is no longer used; or -1.
 */
static int
req_event(const unsigned char *plain, size_t len, struct event_class *ec,
    struct json_object **ev)
{
	size_t	members;

	*ev = NULL;
	if (!req_json_ok(plain, len, &members))
		return -1;
	/* jsonv's objects json-c takes (fuzz/jsonv_fuzz.c checks it). */
	if (event_classify_text(plain, len, ec) == 1)
		return 0;
	if ((*ev = req_parse_checked(plain, len, 1, 0, members)) == NULL)
		return -1;
	event_classify(*ev, ec);
	return 0;
}

static void
req_spool(struct req_ctx *ctx, struct spool *sp, const struct profile *p,
    const struct req_in *in, const struct event_class *ec,
    const unsigned char *plain, size_t plainlen, struct req_out *out)
{
	struct row_meta		 m;
	enum resource		 want;
	char			 loc[REQ_LOCATION_MAX], name[SPOOL_NAME_MAX];
	size_t			 len;
	enum spool_status	 st = SPOOL_FAILED;

	out->res = ec->res;
	out->has_res = 1;
	req_log_event(ec->name, out->event, sizeof(out->event));
	if (in->resource != NULL && *in->resource != '\0' &&
	    strcmp(in->resource, "any") != 0 &&
	    (event_resource_parse(in->resource, &want) == -1 ||
	    want != ec->res))
		out->misrouted = 1;	/* spooled all the same: logged */

	row_id(plain, plainlen, out->id);
	req_meta(p, in, loc, sizeof(loc), &m);
	if ((len = row_event_line(ctx->row, ctx->rowcap, out->id, ec, &m,
	    plain, plainlen)) > 0)
		st = spool_put(sp, ec->res, out->id, ctx->row, len, name,
		    out->detail, sizeof(out->detail));
	OPENSSL_cleanse(ctx->row, len);
	switch (st) {
	case SPOOL_WRITTEN:
		out->status = 200;
		break;
	case SPOOL_DUPLICATE:
		out->status = 200;
		out->duplicate = 1;
		break;
	case SPOOL_FAILED:
		if (out->detail[0] == '\0')
			snprintf(out->detail, sizeof(out->detail),
			    "out of memory");
		req_fail(out, 503, "spool_unavailable");
		break;
	}
}

/*
 * Whether the delivery's event was spooled already: it decrypts to an
 * object whose record exists (made durable before we say so).  Fills
 * out's id, resource and event when it was.
 */
static int
req_seen(struct req_ctx *ctx, struct spool *sp, struct profile_keys *k,
    const struct req_in *in, struct req_out *out)
{
	struct envelope		 env;
	struct event_class	 ec;
	struct json_object	*ev;
	char			 id[ROW_ID_HEX_LEN + 1];
	int			 seen = 0;

	if (req_envelope(ctx, in, &env) == -1 ||
	    req_decrypt(k, &env, ctx->plain) == -1)
		return 0;
	if (req_event(ctx->plain, env.ctlen, &ec, &ev) == 0) {
		row_id(ctx->plain, env.ctlen, id);
		if (spool_seen(sp, id) == 1) {
			seen = 1;
			memcpy(out->id, id, sizeof(out->id));
			out->res = ec.res;
			out->has_res = 1;
			req_log_event(ec.name, out->event, sizeof(out->event));
		}
		json_object_put(ev);
	}
	OPENSSL_cleanse(ctx->plain, env.ctlen);
	return seen;
}

/*
 * A delivery outside the timestamp window (SPEC section 7).  Its event
 * spooled already: a duplicate, 200 (the provider retrying with its first
 * attempt's timestamp stops; a replayed recording gains nothing).  Else
 * 401, kept in quarantine for replay -- unless it is older than the
 * exactly-once retention: its retry could no longer be recognised as a
 * duplicate, so it must never become an event again.
 */
static void
req_stale(struct req_ctx *ctx, struct spool *sp, const struct profile *p,
    struct profile_keys *k, const struct req_in *in, int64_t when,
    struct req_out *out)
{
	if (req_seen(ctx, sp, k, in, out)) {
		out->status = 200;
		out->duplicate = 1;
		return;
	}
	req_fail(out, 401, "stale_timestamp");
	if (ctx->now_ms() - when > (int64_t)SPOOL_RECORD_KEEP * 1000) {
		snprintf(out->detail, sizeof(out->detail), "older than the "
		    "exactly-once retention: not kept");
		return;
	}
	req_quarantine(sp, p, in, out);
}

/*
 * The checks before authentication: method, a whole body, a usable
 * profile, content type, size.  Returns the profile, or NULL with out
 * set.
 */
static const struct profile *
req_admit(struct req_ctx *ctx, const struct req_in *in, struct req_out *out)
{
	const struct profile	*p;

	if (req_check_method(in) == -1) {
		req_fail(out, 405, "method_not_allowed");
		return NULL;
	}
	/* Half a body is no delivery; the provider sends it again. */
	if (in->timed_out) {
		req_fail(out, 408, "body_timeout");
		return NULL;
	}
	if ((p = config_profile(ctx->cfg, in->profile)) == NULL) {
		snprintf(out->detail, sizeof(out->detail), "no usable profile "
		    "'%.64s' in the configuration", in->profile != NULL &&
		    *in->profile != '\0' ? in->profile : "default");
		req_fail(out, 500, "unknown_profile");
		return NULL;
	}
	out->profile = p;
	if (req_check_type(in->content_type) == -1) {
		req_fail(out, 415, "unsupported_media_type");
		return NULL;
	}
	if (in->too_large || in->bodylen > p->max_body) {
		req_fail(out, 413, "payload_too_large");
		return NULL;
	}
	return p;
}

/*
 * The signature over the timestamp and the raw body, nothing parsed
 * before it.  A CGI program keys only this profile, and only now: its
 * MACs before the check, its PBKDF2 keys after it.  0, or -1 (out set).
 */
static int
req_authenticate(const struct profile *p, struct profile_keys *k,
    const struct req_in *in, struct req_out *out)
{
	if (in->signature == NULL || *in->signature == '\0')
		return req_fail(out, 401, "missing_signature");
	if (in->timestamp == NULL || *in->timestamp == '\0')
		return req_fail(out, 401, "missing_timestamp");
	if (keys_macs(k, p, out->detail, sizeof(out->detail)) == -1)
		return req_fail(out, 503, "spool_unavailable");
	if (sig_verify(k->sig, k->nsig, in->signature,
	    strlen(in->signature), in->timestamp, strlen(in->timestamp),
	    in->body, in->bodylen) < 0)
		return req_fail(out, 401, "invalid_signature");
	if (keys_aead(k, p, out->detail, sizeof(out->detail)) == -1)
		return req_fail(out, 503, "spool_unavailable");
	return 0;
}

void
req_handle(struct req_ctx *ctx, const struct req_in *in,
    struct req_out *out)
{
	struct envelope		 env;
	struct event_class	 ec;
	const struct profile	*p;
	struct profile_keys		*k;
	struct spool		*sp;
	struct json_object	*ev;
	int64_t			 when;

	memset(out, 0, sizeof(*out));
	snprintf(out->event, sizeof(out->event), "-");

	if ((p = req_admit(ctx, in, out)) == NULL)
		return;
	k = &ctx->keys[config_profile_index(ctx->cfg, p)];
	sp = &ctx->spools[config_profile_index(ctx->cfg, p)];
	if (req_authenticate(p, k, in, out) == -1)
		return;
	/* Authenticated from here on: failures are kept in quarantine. */
	if (req_parse_timestamp(in->timestamp, &when) == -1) {
		req_fail(out, 401, "missing_timestamp");
		return;
	}
	if (in->check_time && req_check_time(ctx, p, in->timestamp) == -1) {
		req_stale(ctx, sp, p, k, in, when, out);
		return;
	}
	if (req_envelope(ctx, in, &env) == -1) {
		req_fail(out, 400, "malformed_body");
		return;
	}
	if (req_decrypt(k, &env, ctx->plain) == -1) {
		req_fail(out, 500, "decrypt_failed");
		req_quarantine(sp, p, in, out);
		return;
	}
	if (req_event(ctx->plain, env.ctlen, &ec, &ev) == -1) {
		OPENSSL_cleanse(ctx->plain, env.ctlen);
		req_fail(out, 422, "invalid_event");
		req_quarantine(sp, p, in, out);
		return;
	}
	req_spool(ctx, sp, p, in, &ec, ctx->plain, env.ctlen, out);
	json_object_put(ev);
	OPENSSL_cleanse(ec.namebuf, sizeof(ec.namebuf));
	OPENSSL_cleanse(ctx->plain, env.ctlen);
}

size_t
req_response(const struct req_out *out, char *buf, size_t buflen)
{
	int	n;

	if (out->status == 200)
		n = snprintf(buf, buflen, "{\"ok\":true,\"id\":\"%s\","
		    "\"duplicate\":%s}", out->id,
		    out->duplicate ? "true" : "false");
	else
		n = snprintf(buf, buflen, "{\"ok\":false,\"error\":\"%s\"}",
		    out->error != NULL ? out->error : "internal_error");
	if (n < 0)
		return 0;
	return (size_t)n < buflen ? (size_t)n : buflen - 1;
}

const char *
req_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}
