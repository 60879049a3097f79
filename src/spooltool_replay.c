/*
 * spooltool_replay: humanos-spool replay (SPEC section 8).  Each waiting
 * quarantine row is run through the responder's own pipeline again, with
 * the current configuration and no timestamp window.  A row whose
 * delivery now succeeds (spooled, or already spooled) moves to
 * quarantine/cur/; any other stays, and is reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <json-c/json.h>

#include "b64.h"
#include "hwlog.h"
#include "spooltool.h"

/* A quarantined delivery, as rebuilt from its row. */
struct st_delivery {
	struct json_object	*row;
	struct req_in		 in;
	unsigned char		*body;
	char			*location;
};

struct st_replay_tally {
	size_t		 ok, left, bad;
};

/* The string at key in o, or NULL. */
static const char *
st_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
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
	json_object_put(dv->row);
	free(dv->body);
	free(dv->location);
	memset(dv, 0, sizeof(*dv));
}

/* Rebuild the request from a quarantine row.  Returns 0 or -1 (why). */
static int
st_delivery(const char *buf, size_t len, struct st_delivery *dv,
    const char **why)
{
	struct json_tokener	*tok;
	struct json_object	*h = NULL;
	const char		*b64, *loc;
	size_t			 blen;

	memset(dv, 0, sizeof(*dv));
	*why = "not a JSON object";
	if ((tok = json_tokener_new_ex(ST_JSON_DEPTH)) == NULL)
		return -1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	dv->row = json_tokener_parse_ex(tok, buf, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len)
		goto fail;
	json_tokener_free(tok);
	tok = NULL;
	if (!json_object_is_type(dv->row, json_type_object))
		goto fail;
	*why = "no body_base64 or headers";
	if ((b64 = st_str(dv->row, "body_base64")) == NULL ||
	    !json_object_object_get_ex(dv->row, "headers", &h) ||
	    !json_object_is_type(h, json_type_object))
		goto fail;
	*why = "bad body_base64";
	blen = strlen(b64);
	if ((dv->body = malloc(B64_DECODED_MAX(blen) + 1)) == NULL ||
	    b64_decode(b64, blen, dv->body, B64_DECODED_MAX(blen),
	    &dv->in.bodylen) == -1)
		goto fail;
	if ((loc = st_str(dv->row, "location")) != NULL &&
	    (dv->location = st_unpercent(loc)) == NULL)
		goto fail;
	dv->in.method = "POST";
	dv->in.content_type = st_str(h, "content-type");
	dv->in.timestamp = st_str(h, "x-timestamp");
	if (dv->in.timestamp == NULL)
		dv->in.timestamp = st_str(dv->row, "delivery_timestamp");
	dv->in.signature = st_str(h, "x-signature");
	dv->in.location = dv->location;
	dv->in.profile = st_str(dv->row, "profile");
	dv->in.body = dv->body;
	dv->in.check_time = 0;
	return 0;
fail:
	if (tok != NULL)
		json_tokener_free(tok);
	st_delivery_free(dv);
	return -1;
}

/* One quarantine row.  Returns 0 to go on, or the code to stop with. */
static int
st_replay_row(struct req_ctx *ctx, const struct st_spool *sp, int newfd,
    int curfd, const char *name, struct st_replay_tally *t)
{
	struct st_delivery	 dv;
	struct req_out		 out;
	const char		*why;
	char			 err[ST_ERR_MAX], *buf;
	size_t			 len;
	int			 fd, r;

	if ((fd = st_claim(newfd, name)) == -1)
		return errno == ENOENT || errno == EWOULDBLOCK ? 0 :
		    EX_TEMPFAIL;
	if ((r = st_read(newfd, name, &buf, &len, err, sizeof(err))) != 0) {
		close(fd);
		if (r == 1)
			return 0;
		hwlog("replay %s/quarantine/new/%s", sp->root, err);
		return EX_TEMPFAIL;
	}
	r = st_delivery(buf, len, &dv, &why);
	free(buf);
	if (r == -1) {
		printf("%s\tskipped\t-\t%s\n", name, why);
		t->bad++;
		close(fd);
		return 0;
	}
	req_handle(ctx, &dv.in, &out);
	st_delivery_free(&dv);
	if (out.status == 200 && out.res != RES_QUARANTINE) {
		if (st_finish(newfd, curfd, name) == -1) {
			hwlog("replay %s: spooled, but cannot move to "
			    "quarantine/cur/: %s", name, strerror(errno));
			close(fd);
			return EX_TEMPFAIL;
		}
		printf("%s\treplayed\t%s\t%s %s%s\n", name, out.id,
		    event_resource_name(out.res), out.event,
		    out.duplicate ? " (duplicate)" : "");
		t->ok++;
	} else {
		printf("%s\tleft\t%d\t%s%s%s\n", name, out.status,
		    out.error != NULL ? out.error : "-",
		    out.detail[0] != '\0' ? ": " : "", out.detail);
		t->left++;
	}
	close(fd);
	return 0;
}

static int
st_replay_spool(struct req_ctx *ctx, const struct st_spool *sp,
    struct st_replay_tally *t)
{
	struct st_names	names;
	size_t		i;
	int		newfd, curfd, rc = 0;

	if ((newfd = st_subdir(sp, RES_QUARANTINE, ST_NEW, 0)) == -1)
		return errno == ENOENT ? 0 : EX_TEMPFAIL;
	if ((curfd = st_subdir(sp, RES_QUARANTINE, ST_CUR, 1)) == -1 ||
	    st_names_load(newfd, &names) == -1) {
		hwlog("%s/quarantine: %s", sp->root, strerror(errno));
		if (curfd != -1)
			close(curfd);
		close(newfd);
		return EX_TEMPFAIL;
	}
	for (i = 0; i < names.n && rc == 0; i++)
		rc = st_replay_row(ctx, sp, newfd, curfd, names.v[i], t);
	st_names_free(&names);
	close(curfd);
	close(newfd);
	return rc;
}

int
st_replay(struct config *cfg, struct st_spool *sps, size_t nsp)
{
	struct st_replay_tally	 t = { 0, 0, 0 };
	struct req_ctx		 ctx;
	char			 err[CONFIG_ERR_MAX];
	size_t			 i;
	int			 rc = 0;

	if (config_prepare(cfg, err, sizeof(err)) == -1 ||
	    req_ctx_init(&ctx, cfg, err, sizeof(err)) == -1) {
		hwlog("%s", err);
		return EX_CONFIG;
	}
	for (i = 0; i < nsp && rc == 0; i++)
		rc = st_replay_spool(&ctx, &sps[i], &t);
	req_ctx_free(&ctx);
	printf("replayed %zu, left %zu, unreadable %zu\n", t.ok, t.left,
	    t.bad);
	if (fflush(stdout) == EOF || ferror(stdout))
		return EX_IOERR;
	if (rc == 0 && (t.left > 0 || t.bad > 0))
		rc = 1;
	return rc;
}
