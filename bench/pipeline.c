/* SPDX-License-Identifier: ISC */
/*
 * pipeline: what one delivery costs in-process, per core, next to the sum
 * of the primitives it is made of (all measured in the same run, on the
 * same deliveries, in CPU time of this one thread).
 *
 *   req_handle  the whole request path with a SYNC_NONE spool in DIR
 *               (put DIR on tmpfs: the spool's file system calls count)
 *   steps       the pieces called directly, no spool: sig_verify, envelope
 *               check and its strings in place + b64_decode, aead_decrypt,
 *               event check and its class from the text, row_id,
 *               row_event_line
 *   primitives  HMAC-SHA256, base64, AES-256-GCM, SHA-256, the RFC 8259
 *               check (jsonv, envelope and event), the envelope's strings,
 *               the event's class and the row, each alone; then, not in
 *               the sum, json-c parsing envelope and event (what it costs
 *               the shapes the path leaves to it)
 *
 * usage: pipeline [--smoke] [-n DELIVERIES] DIR
 *
 * Exit status 0 if every delivery was answered 200 and spooled once.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "aead.h"
#include "b64.h"
#include "config.h"
#include "event.h"
#include "jsonv.h"
#include "request.h"
#include "row.h"
#include "sig.h"

#define N_DEFAULT	20000
#define N_SMOKE		300
#define PLAIN_MAX	2048
#define IV_LEN		12
#define BODY_MAX	(B64_ENCODED_LEN(PLAIN_MAX) + 128)
#define TS_MAX		24

#define SIG_SECRET	"bench-signature-secret"
#define ENC_SECRET	"q83vEjRWeJ0zj9bTgVXN/UK+3pfQ1RYvnnJq8UtTx0E="
#define SALT		"bench-salt"

/* The provider's process.kyc.completed sample; %s: a unique id. */
static const char sample[] =
    "{\"event\":\"process.kyc.completed\",\"organizationId\":"
    "\"680a65a4da4a16c0ea64face\",\"processId\":\"%s\",\"userId\":"
    "\"684ade7148a18e172af7cab1\",\"completedAt\":\"2025-08-11T14:52:43.613Z\","
    "\"metadata\":{\"kycId\":\"%s\",\"kycType\":\"PROFESSIONAL\","
    "\"verificationStatus\":\"COMPLETED\",\"documentsVerified\":["
    "\"IDENTITY_DOCUMENT\",\"LIVENESS_CHECK\",\"FACE_MATCH\"],"
    "\"verificationDate\":\"2025-08-11T14:52:43.613Z\",\"identityData\":{"
    "\"fullName\":\"Rodrigo Carvalheda Duarte da Fonseca Sarroeira\","
    "\"gender\":\"M\",\"birth\":\"21-12-2001\",\"docId\":\"14499760\","
    "\"countryAlpha3\":\"PRT\",\"expiresAt\":\"2026-12-23T00:00:00.000Z\","
    "\"issueDate\":null,\"taxNumber\":null,\"healthNumber\":null,"
    "\"socialSecurityNumber\":null,\"photo\":null,\"height\":\"1,79\","
    "\"documentDiscriminator\":\"6ZWS\",\"placeOfBirth\":null,"
    "\"mrzText\":null}},\"timestamp\":1754923963854}";

struct delivery {
	char		 ts[TS_MAX];
	char		 sig[SIG_HEX_LEN + 1];
	char		*body;
	size_t		 bodylen;
	/* Decoded once, for the primitives measured on their own. */
	unsigned char	 iv[IV_LEN];
	unsigned char	 tag[AEAD_TAG_LEN];
	unsigned char	*ct;
	size_t		 ctlen;
	const char	*data;		/* the base64 of ct, inside body */
	size_t		 datalen;
};

static struct delivery	*dv;
static size_t		 nd;

static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
fatal(const char *what)
{
	fprintf(stderr, "pipeline: %s\n", what);
	exit(1);
}

/* Strict parse of a JSON object, as request.c does it. */
static struct json_object *
parse(const char *buf, size_t len, int utf8)
{
	struct json_tokener	*tok;
	struct json_object	*o;

	if ((tok = json_tokener_new_ex(REQ_DEPTH_MAX)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    (utf8 ? JSON_TOKENER_VALIDATE_UTF8 : 0));
	o = json_tokener_parse_ex(tok, buf, (int)len);
	json_tokener_free(tok);
	return o;
}

static void
make_deliveries(struct profile_keys *p)
{
	struct timespec	 now;
	unsigned char	 plain[PLAIN_MAX], mac[SIG_LEN], run[6];
	char		 id[32], *b64iv, *b64ct, *b64tag;
	size_t		 i, plen;

	clock_gettime(CLOCK_REALTIME, &now);
	if (RAND_bytes(run, sizeof(run)) != 1 ||
	    (dv = calloc(nd, sizeof(*dv))) == NULL)
		fatal("out of memory");
	for (i = 0; i < nd; i++) {
		struct delivery *d = &dv[i];

		snprintf(id, sizeof(id), "%02x%02x%02x%02x%02x%02x%012zx",
		    run[0], run[1], run[2], run[3], run[4], run[5], i);
		plen = (size_t)snprintf((char *)plain, sizeof(plain), sample,
		    id, id);
		if ((d->ct = malloc(plen)) == NULL ||
		    (d->body = malloc(BODY_MAX)) == NULL ||
		    RAND_bytes(d->iv, IV_LEN) != 1 ||
		    aead_encrypt(&p->aead[0], d->iv, IV_LEN, plain, plen,
		    d->ct, d->tag) == -1)
			fatal("cannot make a delivery");
		d->ctlen = plen;
		b64iv = malloc(B64_ENCODED_LEN(IV_LEN) + 1);
		b64ct = malloc(B64_ENCODED_LEN(plen) + 1);
		b64tag = malloc(B64_ENCODED_LEN(AEAD_TAG_LEN) + 1);
		if (b64iv == NULL || b64ct == NULL || b64tag == NULL)
			fatal("out of memory");
		b64_encode(d->iv, IV_LEN, b64iv);
		d->datalen = b64_encode(d->ct, plen, b64ct);
		b64_encode(d->tag, AEAD_TAG_LEN, b64tag);
		d->bodylen = (size_t)snprintf(d->body, BODY_MAX,
		    "{\"iv\":\"%s\",\"data\":\"%s\",\"tag\":\"%s\"}", b64iv,
		    b64ct, b64tag);
		d->data = strstr(d->body, b64ct);
		free(b64iv);
		free(b64ct);
		free(b64tag);
		snprintf(d->ts, sizeof(d->ts), "%lld",
		    (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		if (sig_compute(&p->sig[0], d->ts, strlen(d->ts),
		    d->body, d->bodylen, mac) == -1)
			fatal("sig_compute");
		sig_to_hex(mac, d->sig);
	}
}

/* The whole request path; returns the CPU seconds, checks every answer. */
static double
run_req_handle(struct req_ctx *ctx)
{
	struct req_in	 in;
	struct req_out	 out;
	double		 t0;
	size_t		 i;

	t0 = cpu_now();
	for (i = 0; i < nd; i++) {
		memset(&in, 0, sizeof(in));
		in.method = "POST";
		in.content_type = "application/json";
		in.timestamp = dv[i].ts;
		in.signature = dv[i].sig;
		in.location = "/webhook/kyc";
		in.resource = "kyc";
		in.body = (const unsigned char *)dv[i].body;
		in.bodylen = dv[i].bodylen;
		in.check_time = 1;
		req_handle(ctx, &in, &out);
		if (out.status != 200 || out.duplicate) {
			fprintf(stderr, "pipeline: delivery %zu: %d %s %s\n",
			    i, out.status, out.error ? out.error : "",
			    out.detail);
			exit(1);
		}
	}
	return cpu_now() - t0;
}

/*
 * The request counter (req_count), as the front ends call it after each
 * answer: every 8th a 401, so that it finds slots other than the first.
 */
static double
run_count(struct req_ctx *ctx)
{
	struct req_in	 in;
	struct req_out	 out;
	double		 t0;
	size_t		 i;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	t0 = cpu_now();
	for (i = 0; i < nd; i++) {
		out.status = i % 8 == 7 ? 401 : 200;
		out.error = i % 8 == 7 ? "invalid_signature" : NULL;
		req_count(ctx, &in, &out);
	}
	return cpu_now() - t0;
}

static const char *const env_keys[3] = { "iv", "data", "tag" };

/* The pieces of the pipeline called directly, without the spool. */
static double
run_steps(struct profile_keys *p, unsigned char *raw, unsigned char *plain)
{
	struct event_class	 ec;
	struct row_meta		 m = { .profile = "default",
				    .location = "/webhook/kyc" };
	const char		*v[3];
	unsigned char		 iv[AEAD_IV_MAX], tag[AEAD_TAG_LEN + 3];
	char			 id[ROW_ID_HEX_LEN + 1];
	char			 line[PLAIN_MAX + ROW_HEAD_MAX];
	size_t			 i, ivlen, taglen, ctlen, members, vl[3];
	double			 t0;

	t0 = cpu_now();
	for (i = 0; i < nd; i++) {
		struct delivery *d = &dv[i];

		if (sig_verify(p->sig, p->nsig, d->sig, SIG_HEX_LEN, d->ts,
		    strlen(d->ts), d->body, d->bodylen) < 0 ||
		    !jsonv_members((unsigned char *)d->body, d->bodylen,
		    REQ_DEPTH_MAX, &members) ||
		    jsonv_strings((unsigned char *)d->body, d->bodylen,
		    env_keys, 3, 8, v, vl) != 1)
			fatal("steps: signature or envelope");
		if (b64_decode(v[0], vl[0], iv, sizeof(iv), &ivlen) ||
		    b64_decode(v[2], vl[2], tag, sizeof(tag), &taglen) ||
		    b64_decode(v[1], vl[1], raw, PLAIN_MAX, &ctlen) ||
		    aead_decrypt(&p->aead[0], iv, ivlen, raw, ctlen, tag,
		    plain) == -1)
			fatal("steps: decrypt");
		if (!jsonv_members(plain, ctlen, REQ_DEPTH_MAX, &members) ||
		    event_classify_text(plain, ctlen, &ec) != 1)
			fatal("steps: event");
		row_id(plain, ctlen, id);
		m.delivery_ts = d->ts;
		clock_gettime(CLOCK_REALTIME, &m.received);
		if (row_event_line(line, sizeof(line), id, &ec, &m, plain,
		    ctlen) == 0)
			fatal("steps: row");
	}
	return cpu_now() - t0;
}

/*
 * The request path's primitives (summed), then, for comparison, json-c
 * reading what the path reads in place (not summed: json-c reads only
 * envelopes and events of other shapes).
 */
enum prim { P_HMAC, P_B64, P_GCM, P_SHA, P_VALID, P_ENV_STRINGS,
	P_EV_CLASS, P_SERIALISE, P_PATH, P_PARSE_ENV = P_PATH, P_PARSE_EV,
	P__COUNT };

static const char *const prim_names[P__COUNT] = {
	"HMAC-SHA256 (ts.body)", "base64 decode (data)",
	"AES-256-GCM decrypt", "SHA-256 (row id)", "RFC 8259 check (both)",
	"envelope strings in place", "event class from its text",
	"row written", "(json-c parse envelope)", "(json-c parse event)"
};

/*
 * What a primitive works on, made outside its time: the plaintext, and
 * for the row the event's class.  Returns the CPU seconds that took.
 */
static double
prim_input(enum prim which, struct profile_keys *p,
    const struct delivery *d, unsigned char *plain, struct event_class *ec)
{
	double	t;

	if (which != P_VALID && which != P_EV_CLASS && which != P_PARSE_EV &&
	    which != P_SERIALISE)
		return 0;
	t = cpu_now();
	if (aead_decrypt(&p->aead[0], d->iv, IV_LEN, d->ct, d->ctlen, d->tag,
	    plain) == -1)
		fatal("gcm");
	if (which == P_SERIALISE && event_classify_text(plain, d->ctlen, ec) !=
	    1)
		fatal("class");
	return cpu_now() - t;
}

static double
run_prim(enum prim which, struct profile_keys *p, unsigned char *raw,
    unsigned char *plain)
{
	struct event_class	 ec;
	const char		*v[3];
	size_t			 vl[3];
	struct row_meta		 m = { .profile = "default",
				    .location = "/webhook/kyc", .delivery_ts = "0" };
	unsigned char		 mac[SIG_LEN];
	char			 id[ROW_ID_HEX_LEN + 1];
	char			 line[PLAIN_MAX + ROW_HEAD_MAX];
	size_t			 i, len;
	double			 t0;

	/* The plaintexts, made once: only the primitive is timed. */
	t0 = cpu_now();
	for (i = 0; i < nd; i++) {
		struct delivery *d = &dv[i];

		t0 += prim_input(which, p, d, plain, &ec);
		switch (which) {
		case P_HMAC:
			sig_compute(&p->sig[0], d->ts, strlen(d->ts),
			    d->body, d->bodylen, mac);
			break;
		case P_B64:
			b64_decode(d->data, d->datalen, raw, PLAIN_MAX, &len);
			break;
		case P_GCM:
			if (aead_decrypt(&p->aead[0], d->iv, IV_LEN,
			    d->ct, d->ctlen, d->tag, plain) == -1)
				fatal("gcm");
			break;
		case P_SHA:
			row_id(d->ct, d->ctlen, id);
			break;
		case P_VALID:
			if (!jsonv_valid((unsigned char *)d->body, d->bodylen,
			    REQ_DEPTH_MAX) || !jsonv_valid(plain, d->ctlen,
			    REQ_DEPTH_MAX))
				fatal("jsonv");
			break;
		case P_ENV_STRINGS:
			if (jsonv_strings((unsigned char *)d->body,
			    d->bodylen, env_keys, 3, 8, v, vl) != 1)
				fatal("envelope");
			break;
		case P_EV_CLASS:
			if (event_classify_text(plain, d->ctlen, &ec) != 1)
				fatal("class");
			break;
		case P_PARSE_ENV:
			json_object_put(parse(d->body, d->bodylen, 0));
			break;
		case P_PARSE_EV:
			json_object_put(parse((char *)plain, d->ctlen, 1));
			break;
		case P_SERIALISE:
			clock_gettime(CLOCK_REALTIME, &m.received);
			if (row_event_line(line, sizeof(line), "0", &ec, &m,
			    plain, d->ctlen) == 0)
				fatal("row");
			break;
		default:
			break;
		}
	}
	return cpu_now() - t0;
}

static long
vmrss_kib(void)
{
	char	 line[256];
	long	 kib = -1;
	FILE	*fp;

	if ((fp = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(fp);
	return kib;
}

static int
count_rows(const char *path)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".json") != NULL)
			n++;
	closedir(d);
	return n;
}

static void
report(const char *what, double secs)
{
	printf("  %-28s %8.2f us %10.0f /s\n", what, secs * 1e6 / nd,
	    nd / secs);
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct req_ctx		 ctx;
	struct profile_keys	*p, *keys = NULL;
	unsigned char		*raw, *plain;
	const char		*dir;
	char			 conf[4096], err[CONFIG_ERR_MAX];
	double			 t_req, t_count, t_steps, t[P__COUNT], sum = 0;
	FILE			*fp;
	int			 k, rows_found = 0;

	nd = N_DEFAULT;
	for (k = 1; k < argc - 1; k++) {
		if (strcmp(argv[k], "--smoke") == 0)
			nd = N_SMOKE;
		else if (strcmp(argv[k], "-n") == 0 && k + 1 < argc - 1)
			nd = strtoul(argv[++k], NULL, 10);
		else
			break;
	}
	if (k != argc - 1 || nd == 0 || argv[k][0] == '-') {
		fprintf(stderr, "usage: pipeline [--smoke] [-n DELIVERIES] "
		    "DIR\n");
		return 64;
	}
	dir = argv[k];
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		fatal("cannot create DIR");
	snprintf(conf, sizeof(conf), "%s/pipeline.conf", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		fatal("cannot write the configuration");
	fprintf(fp, "spool_dir = %s/spool\nsignature_secret = %s\n"
	    "encryption_secret = %s\nencryption_salt = %s\n"
	    "timestamp_tolerance = 86400\nsync = none\n", dir, SIG_SECRET,
	    ENC_SECRET, SALT);
	if (fclose(fp) != 0 || chmod(conf, 0600) == -1)
		fatal("cannot write the configuration");
	if (config_load(conf, &cfg, err, sizeof(err)) == -1 ||
	    config_prepare(&cfg, &keys, err, sizeof(err)) == -1 ||
	    req_ctx_open(&ctx, &cfg, keys, 0, err, sizeof(err)) == -1)
		fatal(err);
	p = &keys[config_profile_index(&cfg, config_profile(&cfg, NULL))];
	make_deliveries(p);
	if ((raw = malloc(PLAIN_MAX)) == NULL ||
	    (plain = malloc(PLAIN_MAX)) == NULL)
		fatal("out of memory");

	t_req = run_req_handle(&ctx);
	t_count = run_count(&ctx);
	t_steps = run_steps(p, raw, plain);
	for (k = 0; k < P__COUNT; k++) {
		t[k] = run_prim(k, p, raw, plain);
		if (k < P_PATH)
			sum += t[k];
	}
	free(raw);
	free(plain);

	snprintf(conf, sizeof(conf), "%s/spool/kyc/new", dir);
	rows_found = count_rows(conf);

	printf("in-process pipeline (bench/pipeline): %zu distinct kyc "
	    "deliveries of %zu bytes, one core, CPU time\n", nd,
	    dv[0].bodylen);
	report("req_handle (SYNC_NONE spool)", t_req);
	report("req_count (shared counter, a mixed run)", t_count);
	report("steps without the spool", t_steps);
	for (k = 0; k < P_PATH; k++)
		report(prim_names[k], t[k]);
	report("sum of the primitives", sum);
	for (k = P_PATH; k < P__COUNT; k++)
		report(prim_names[k], t[k]);
	printf("  spool and glue (req_handle - sum) %6.2f us;  "
	    "steps - sum %6.2f us\n", (t_req - sum) * 1e6 / nd,
	    (t_steps - sum) * 1e6 / nd);
	printf("  rows written %d of %zu; VmRSS %ld KiB (with all deliveries in memory)\n",
	    rows_found, nd, vmrss_kib());

	req_ctx_free(&ctx);
	config_keys_free(keys, cfg.nprofiles);
	config_free(&cfg);
	return rows_found == (int)nd ? 0 : 1;
}
