/* SPDX-License-Identifier: ISC */
/*
 * request: each status of SPEC section 6, in its order, with what it
 * leaves in the spool.  Deliveries are built here with our own primitives;
 * those are checked against independent fixtures in t/crypto.c.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "aead.h"
#include "b64.h"
#include "kdf.h"
#include "request.h"
#include "sig.h"
#include "tap.h"

#define SIG_SECRET	"sig-secret"
#define ENC_SECRET	"ZW5jcnlwdGlvbi1zZWNyZXQ="	/* "encryption-secret" */
#define SALT		"the-salt"
#define NOW_MS		1764133376123LL

static char	dir[] = "/tmp/hw-request.XXXXXX";
static char	spool[300];
static char	body[8192], ts[32], sigh[SIG_HEX_LEN + 1];

static int64_t
fixed_now(void)
{
	return NOW_MS;
}

/* Encrypt plain with (secret, salt), sign with sigsecret at time t. */
static void
deliver(const char *plain, const char *secret, const char *salt,
    const char *sigsecret, long long t, size_t ivlen, size_t taglen)
{
	unsigned char	key[KDF_KEY_LEN], dec[64], iv[32], tag[16], ct[4096];
	char		biv[64], bct[6000], btag[32];
	size_t		declen, n = strlen(plain);
	struct aead_key	ak;
	struct sig_key	sk;
	unsigned char	mac[SIG_LEN];

	b64_decode(secret, strlen(secret), dec, sizeof(dec), &declen);
	kdf_derive(dec, declen, salt, strlen(salt), key);
	aead_key_init(&ak, key);
	RAND_bytes(iv, (int)ivlen);
	aead_encrypt(&ak, iv, ivlen, (const unsigned char *)plain, n, ct, tag);
	aead_key_free(&ak);
	b64_encode(iv, ivlen, biv);
	b64_encode(ct, n, bct);
	b64_encode(tag, taglen, btag);
	snprintf(body, sizeof(body), "{\"iv\":\"%s\",\"data\":\"%s\","
	    "\"tag\":\"%s\"}", biv, bct, btag);
	snprintf(ts, sizeof(ts), "%lld", t);
	sig_key_init(&sk, sigsecret, strlen(sigsecret));
	sig_compute(&sk, ts, strlen(ts), body, strlen(body), mac);
	sig_key_free(&sk);
	sig_to_hex(mac, sigh);
}

/* The last delivery's signature, one hex digit changed. */
static void
flip_sig(void)
{
	size_t	n = strlen(sigh);

	sigh[n - 1] = sigh[n - 1] == '0' ? '1' : '0';
}

static void
good(const char *plain)
{
	deliver(plain, ENC_SECRET, SALT, SIG_SECRET, NOW_MS, 12, 16);
}

static void
req_init(struct req_in *in)
{
	memset(in, 0, sizeof(*in));
	in->method = "POST";
	in->content_type = "application/json";
	in->timestamp = ts;
	in->signature = sigh;
	in->location = "/webhook/kyc?x=1";
	in->body = (const unsigned char *)body;
	in->bodylen = strlen(body);
	in->check_time = 1;
}

/* Files under spool/sub (not dotfiles), and in its subdirectories (a
   writer's tmp/<pp>/). */
static int
files(const char *sub)
{
	char		 p[512], below[600];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(p, sizeof(p), "%s/%s", spool, sub);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR) {
			n++;
			continue;
		}
		snprintf(below, sizeof(below), "%s/%s", sub, de->d_name);
		n += files(below);
	}
	closedir(d);
	return n;
}

/* All rows in every new/: a fingerprint to see that nothing changed. */
static int
all_rows(void)
{
	static const char *const res[] = { "kyc", "signatures", "consents",
	    "forms", "credentials", "otp", "other", "quarantine" };
	char	sub[64];
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(res) / sizeof(*res); i++) {
		snprintf(sub, sizeof(sub), "%s/new", res[i]);
		n += files(sub);
		snprintf(sub, sizeof(sub), "%s/tmp", res[i]);
		n += 1000 * files(sub);
	}
	return n;
}

/* Run in, expect status and error, and that the spool grew by grow. */
static void
expect(struct req_ctx *ctx, struct req_in *in, int status,
    const char *error, int grow, const char *what)
{
	struct req_out	out;
	int		before = all_rows();

	req_handle(ctx, in, &out);
	is_int(out.status, status, "%s: status %d", what, status);
	is_str(out.error, error, "%s: error %s", what, error ? error : "none");
	is_int(all_rows() - before, grow, "%s: %d new row(s), none partial",
	    what, grow);
}

/* The only row of spool/sub/new, parsed. */
static struct json_object *
only_row(const char *sub)
{
	char		 p[1024], *s = NULL;
	DIR		*d;
	struct dirent	*de;
	FILE		*fp;
	size_t		 cap = 0;
	struct json_object *o = NULL;

	snprintf(p, sizeof(p), "%s/%s/new", spool, sub);
	if ((d = opendir(p)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s/new/%s", spool, sub,
			    de->d_name);
			break;
		}
	closedir(d);
	if ((fp = fopen(p, "r")) != NULL && getline(&s, &cap, fp) > 0 &&
	    fgetc(fp) == EOF)
		o = json_tokener_parse(s);
	if (fp != NULL)
		fclose(fp);
	free(s);
	return o;
}

static const char *
field(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return "(absent)";
	return v == NULL ? "(null)" : json_object_get_string(v);
}

static void
test_accept(struct req_ctx *ctx)
{
	struct req_in		 in;
	struct req_out		 out;
	struct json_object	*row;
	const char		*plain = "{\"event\":\"process.kyc.completed\","
	    "\"userId\":\"u1\",\"name\":\"Zo\xc3\xab\"}";

	good(plain);
	req_init(&in);
	in.profile = "";
	in.resource = "kyc";
	req_handle(ctx, &in, &out);
	is_int(out.status, 200, "good delivery: 200");
	ok(!out.duplicate && !out.misrouted, "not a duplicate, not misrouted");
	is_int(files("kyc/new"), 1, "one row in kyc/new");
	row = only_row("kyc");
	ok(row != NULL, "the row is one line of JSON and a newline");
	is_str(field(row, "id"), out.id, "row id is the response id");
	/* printf '%s' "$plain" | sha256sum */
	is_str(out.id, "7ed618d2c9a2d1c83ecd9435dfc38df5ecd094c9024cefb01ea43c44"
	    "577047df", "id is the SHA-256 of the plaintext");
	is_str(field(row, "resource"), "kyc", "row resource");
	is_str(field(row, "event"), "process.kyc.completed", "row event");
	is_str(field(row, "profile"), "default", "row profile");
	is_str(field(row, "location"), "/webhook/kyc", "row location is the "
	    "path without the query");
	is_str(field(row, "delivery_timestamp"), ts, "row delivery timestamp");
	ok(strlen(field(row, "received_at")) == 24 &&
	    field(row, "received_at")[23] == 'Z', "received_at is ISO 8601 "
	    "UTC with ms: %s", field(row, "received_at"));
	{
		struct json_object *pl;

		ok(json_object_object_get_ex(row, "payload", &pl) &&
		    strcmp(field(pl, "name"), "Zo\xc3\xab") == 0,
		    "payload kept, Unicode intact");
	}
	json_object_put(row);

	/* The provider retries: new IV, new timestamp, same plaintext. */
	deliver(plain, ENC_SECRET, SALT, SIG_SECRET, NOW_MS + 5000, 16, 16);
	req_init(&in);
	req_handle(ctx, &in, &out);
	ok(out.status == 200 && out.duplicate, "retry: 200 duplicate");
	is_int(files("kyc/new"), 1, "no second row");

	/* Misrouted: a form event on the kyc location is still spooled. */
	good("{\"event\":\"process.form.filled\"}");
	req_init(&in);
	in.resource = "kyc";
	req_handle(ctx, &in, &out);
	ok(out.status == 200 && out.misrouted && out.res == RES_FORMS,
	    "misrouted event spooled under its own resource");
	is_int(files("forms/new"), 1, "in forms/new");

	good("{\"event\":\"something.new\"}");
	req_init(&in);
	in.resource = "any";
	req_handle(ctx, &in, &out);
	ok(out.status == 200 && out.res == RES_OTHER && !out.misrouted,
	    "unknown event goes to other");

	/* The payload is kept as sent, line breaks between tokens aside. */
	good("{\n  \"event\": \"otp.failed\",\r\n  \"amount\": 1.50,\n"
	    "  \"note\": \"a\\nb\"\n}\n");
	req_init(&in);
	req_handle(ctx, &in, &out);
	ok(out.status == 200 && out.res == RES_OTP, "pretty-printed event "
	    "spooled");
	row = only_row("otp");
	ok(row != NULL, "its row is still one line");
	{
		struct json_object *pl;
		char	p[1024], line[1024];
		FILE	*fp;
		DIR	*d;
		struct dirent *de;

		ok(json_object_object_get_ex(row, "payload", &pl) &&
		    strcmp(field(pl, "note"), "a\nb") == 0,
		    "escaped newline inside a string kept");
		snprintf(p, sizeof(p), "%s/otp/new", spool);
		d = opendir(p);
		while ((de = readdir(d)) != NULL && de->d_name[0] == '.')
			;
		snprintf(p, sizeof(p), "%s/otp/new/%s", spool, de->d_name);
		closedir(d);
		fp = fopen(p, "r");
		ok(fgets(line, sizeof(line), fp) != NULL &&
		    strstr(line, "\"payload\":{   \"event\": \"otp.failed\",  "
		    "  \"amount\": 1.50,   \"note\": \"a\\nb\" }}\n") != NULL,
		    "payload bytes as sent, numbers untouched: %s", line);
		fclose(fp);
	}
	json_object_put(row);

	/* Timestamp in seconds, upper-case signature hex. */
	deliver("{\"n\":1}", ENC_SECRET, SALT, SIG_SECRET, NOW_MS / 1000, 12,
	    16);
	for (char *c = sigh; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c -= 32;
	req_init(&in);
	expect(ctx, &in, 200, NULL, 1, "seconds timestamp, upper-case hex");

	/* Secret rotation: the second secrets of profile "rot" work. */
	deliver("{\"n\":2}", "b2xkLXNlY3JldA==", "old-salt", "old-sig",
	    NOW_MS, 12, 16);
	req_init(&in);
	in.profile = "rot";
	expect(ctx, &in, 200, NULL, 1, "rotated-out secrets still accepted");
	in.profile = NULL;
	expect(ctx, &in, 401, "invalid_signature", 0, "but not by another "
	    "profile");
	in.profile = "nope";
	expect(ctx, &in, 500, "unknown_profile", 0, "unknown profile");
}

static void
test_refuse(struct req_ctx *ctx)
{
	struct req_in	in;
	char		big[2100];

	good("{\"event\":\"process.form.filled\",\"k\":1}");
	req_init(&in);
	in.method = "GET";
	in.signature = "bad";
	expect(ctx, &in, 405, "method_not_allowed", 0, "GET (before "
	    "signature)");
	req_init(&in);
	in.content_type = "text/plain";
	in.signature = "bad";
	expect(ctx, &in, 415, "unsupported_media_type", 0, "text/plain");
	req_init(&in);
	in.content_type = "Application/JSON; charset=utf-8";
	expect(ctx, &in, 200, NULL, 1, "application/json with parameters");
	good("{\"k\":2}");
	req_init(&in);
	in.content_type = NULL;
	expect(ctx, &in, 200, NULL, 1, "no content type");
	req_init(&in);
	in.content_type = "application/jsonx";
	expect(ctx, &in, 415, "unsupported_media_type", 0, "application/jsonx");

	memset(big, 'x', sizeof(big));
	req_init(&in);
	in.body = (unsigned char *)big;
	in.bodylen = sizeof(big);
	in.signature = NULL;
	expect(ctx, &in, 413, "payload_too_large", 0, "body over max_body "
	    "(2k), before signature");
	req_init(&in);
	in.too_large = 1;
	expect(ctx, &in, 413, "payload_too_large", 0, "reader stopped at max");

	good("{\"k\":3}");
	req_init(&in);
	in.signature = NULL;
	expect(ctx, &in, 401, "missing_signature", 0, "no x-signature");
	req_init(&in);
	in.signature = "";
	expect(ctx, &in, 401, "missing_signature", 0, "empty x-signature");
	req_init(&in);
	in.timestamp = NULL;
	expect(ctx, &in, 401, "missing_timestamp", 0, "no x-timestamp");
	req_init(&in);
	body[10] ^= 1;
	expect(ctx, &in, 401, "invalid_signature", 0, "tampered body");
	good("{\"k\":3}");
	req_init(&in);
	sigh[63] = sigh[63] == '0' ? '1' : '0';
	expect(ctx, &in, 401, "invalid_signature", 0, "tampered signature");
	req_init(&in);
	in.signature = "abc";
	expect(ctx, &in, 401, "invalid_signature", 0, "short signature");
	deliver("{\"k\":3}", ENC_SECRET, SALT, "other-secret", NOW_MS, 12, 16);
	req_init(&in);
	expect(ctx, &in, 401, "invalid_signature", 0, "wrong signature secret");
	good("{\"k\":3}");
	req_init(&in);
	snprintf(ts, sizeof(ts), "%lld", NOW_MS + 1);
	expect(ctx, &in, 401, "invalid_signature", 0, "timestamp not the "
	    "signed one");

	deliver("{\"k\":4}", ENC_SECRET, SALT, SIG_SECRET, NOW_MS - 301000,
	    12, 16);
	req_init(&in);
	expect(ctx, &in, 401, "stale_timestamp", 1, "301 s old: stale, "
	    "quarantined");
	expect(ctx, &in, 401, "stale_timestamp", 0, "the same body again: "
	    "quarantined once");
	deliver("{\"k\":4}", ENC_SECRET, SALT, SIG_SECRET, NOW_MS + 301000,
	    12, 16);
	req_init(&in);
	expect(ctx, &in, 401, "stale_timestamp", 1, "301 s ahead: stale");
	deliver("{\"k\":4}", ENC_SECRET, SALT, SIG_SECRET, NOW_MS - 299000,
	    12, 16);
	req_init(&in);
	expect(ctx, &in, 200, NULL, 1, "299 s old: inside the window");
	{
		struct req_out	out;
		char		first[ROW_ID_HEX_LEN + 1];

		/* The provider retrying with the first attempt's timestamp,
		   or a recording played again: the event is spooled, so a
		   duplicate, not a 401, and nothing quarantined. */
		req_handle(ctx, &in, &out);
		memcpy(first, out.id, sizeof(first));
		deliver("{\"k\":4}", ENC_SECRET, SALT, SIG_SECRET,
		    NOW_MS - 3600000, 12, 16);
		req_init(&in);
		expect(ctx, &in, 200, NULL, 0, "stale, its event spooled: "
		    "200 duplicate, nothing kept");
		req_handle(ctx, &in, &out);
		ok(out.duplicate && strcmp(out.id, first) == 0 &&
		    out.res == RES_OTHER, "... the first row's id, a duplicate");
		deliver("{\"k\":4}", ENC_SECRET, SALT, SIG_SECRET,
		    NOW_MS - 30LL * 86400000, 12, 16);
		req_init(&in);
		expect(ctx, &in, 200, NULL, 0, "30 days stale, its record "
		    "still there: 200 duplicate");
	}
	/* Older than the exactly-once retention and never seen: 401, and
	   not kept, so that replay cannot make it a new event. */
	deliver("{\"k\":41}", ENC_SECRET, SALT, SIG_SECRET,
	    NOW_MS - 8LL * 86400000, 12, 16);
	req_init(&in);
	expect(ctx, &in, 401, "stale_timestamp", 0, "8 days old, unseen: "
	    "401, not quarantined");
	deliver("{\"k\":42}", ENC_SECRET, SALT, SIG_SECRET,
	    NOW_MS - 6LL * 86400000, 12, 16);
	req_init(&in);
	expect(ctx, &in, 401, "stale_timestamp", 1, "6 days old, unseen: "
	    "401, quarantined");
	req_init(&in);
	in.check_time = 0;
	deliver("{\"k\":5}", ENC_SECRET, SALT, SIG_SECRET, 1000, 12, 16);
	req_init(&in);
	in.check_time = 0;
	expect(ctx, &in, 200, NULL, 1, "no window when replaying");

	/* Envelope problems, all signed. */
	deliver("{\"k\":6}", ENC_SECRET, SALT, SIG_SECRET, NOW_MS, 12, 12);
	req_init(&in);
	expect(ctx, &in, 400, "malformed_body", 0, "12-byte tag");
	{
		static const char *const bodies[] = {
			"not json", "[1,2]", "{\"iv\":\"AAAA\",\"data\":\"AAAA\"}",
			"{\"iv\":1,\"data\":\"AAAA\",\"tag\":\"AAAA\"}",
			"{\"iv\":\"!!!!\",\"data\":\"AAAA\","
			    "\"tag\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
			"{\"iv\":\"\",\"data\":\"AAAA\","
			    "\"tag\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
			"{\"iv\":\"AAAA\",\"data\":\"AAAA\","
			    "\"tag\":\"AAAAAAAAAAAAAAAAAAAAAA==\"} junk",
			"{'iv':'AAAA'}",
		};
		struct sig_key	sk;
		unsigned char	mac[SIG_LEN];
		size_t		i;

		sig_key_init(&sk, SIG_SECRET, strlen(SIG_SECRET));
		for (i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
			snprintf(body, sizeof(body), "%s", bodies[i]);
			snprintf(ts, sizeof(ts), "%lld", NOW_MS);
			sig_compute(&sk, ts, strlen(ts), body, strlen(body),
			    mac);
			sig_to_hex(mac, sigh);
			req_init(&in);
			expect(ctx, &in, 400, "malformed_body", 0, bodies[i]);
		}
		sig_key_free(&sk);
	}
	deliver("{\"k\":7}", "d3Jvbmc=", SALT, SIG_SECRET, NOW_MS, 12, 16);
	req_init(&in);
	expect(ctx, &in, 500, "decrypt_failed", 1, "wrong encryption secret: "
	    "quarantined");
	deliver("{\"k\":7}", ENC_SECRET, "wrong-salt", SIG_SECRET, NOW_MS, 12,
	    16);
	req_init(&in);
	expect(ctx, &in, 500, "decrypt_failed", 1, "wrong salt: quarantined");
	deliver("not json", ENC_SECRET, SALT, SIG_SECRET, NOW_MS, 12, 16);
	req_init(&in);
	expect(ctx, &in, 422, "invalid_event", 1, "plaintext not JSON");
	deliver("[1,2,3]", ENC_SECRET, SALT, SIG_SECRET, NOW_MS, 12, 16);
	req_init(&in);
	expect(ctx, &in, 422, "invalid_event", 1, "plaintext an array");
	deliver("{\"a\":1,}", ENC_SECRET, SALT, SIG_SECRET, NOW_MS, 12, 16);
	req_init(&in);
	expect(ctx, &in, 422, "invalid_event", 1, "trailing comma (strict)");
	{
		/* json-c's strict mode takes these; a row must stay JSON. */
		static const char *const lax[] = {
			"{\"a\":NaN}", "{\"a\":-Infinity}", "{'a':1}",
			"{\"a\":\"x\ty\"}", "{\"a\":1}/* c */",
		};
		size_t	i;

		for (i = 0; i < sizeof(lax) / sizeof(*lax); i++) {
			good(lax[i]);
			req_init(&in);
			expect(ctx, &in, 422, "invalid_event", 1, lax[i]);
		}
	}
	{
		/* The same inside the envelope: refused, nothing kept. */
		struct sig_key	sk;
		unsigned char	mac[SIG_LEN];
		size_t		n;

		good("{\"k\":9}");
		n = strlen(body);
		snprintf(body + n - 1, sizeof(body) - n + 1, ",\"x\":NaN}");
		sig_key_init(&sk, SIG_SECRET, strlen(SIG_SECRET));
		sig_compute(&sk, ts, strlen(ts), body, strlen(body), mac);
		sig_key_free(&sk);
		sig_to_hex(mac, sigh);
		req_init(&in);
		expect(ctx, &in, 400, "malformed_body", 0, "NaN in the envelope");
	}
	deliver("{\"a\":\"\xff\"}", ENC_SECRET, SALT, SIG_SECRET, NOW_MS, 12,
	    16);
	req_init(&in);
	expect(ctx, &in, 422, "invalid_event", 1, "invalid UTF-8");
	{
		/* RFC 3629, not just "bytes json-c takes". */
		static const char *const bad8[] = {
			"{\"a\":\"\xc0\xaf\"}",		/* overlong '/' */
			"{\"a\":\"\xe0\x80\xaf\"}",	/* overlong, 3 bytes */
			"{\"a\":\"\xed\xa0\x80\"}",	/* U+D800 encoded */
			"{\"a\":\"\xf4\x90\x80\x80\"}",	/* above U+10FFFF */
			"{\"a\":\"\xf5\x80\x80\x80\"}",
			"{\"a\":\"\xe2\x82\"}",		/* cut short */
		};
		size_t	i;

		for (i = 0; i < sizeof(bad8) / sizeof(*bad8); i++) {
			good(bad8[i]);
			req_init(&in);
			expect(ctx, &in, 422, "invalid_event", 1,
			    "strict UTF-8: refused");
		}
	}
	{
		/* A key given twice in the envelope: json-c keeps the last;
		   two parsers could read two envelopes.  The duplicate has
		   the same value, so only the rule refuses it. */
		struct sig_key	sk;
		unsigned char	mac[SIG_LEN];
		char		tag[64], *t;
		size_t		n;

		good("{\"k\":10}");
		t = strstr(body, "\"tag\":\"");
		snprintf(tag, sizeof(tag), "%s", t);
		n = strlen(body);
		snprintf(body + n - 1, sizeof(body) - n + 1, ",%s", tag);
		sig_key_init(&sk, SIG_SECRET, strlen(SIG_SECRET));
		sig_compute(&sk, ts, strlen(ts), body, strlen(body), mac);
		sig_key_free(&sk);
		sig_to_hex(mac, sigh);
		req_init(&in);
		expect(ctx, &in, 400, "malformed_body", 0,
		    "a key twice in the envelope");
	}
	{
		struct req_out	out;

		/* A name with a NUL is no name: not "kyc" by its prefix. */
		good("{\"event\":\"process.kyc.completed\\u0000.otp\"}");
		req_init(&in);
		req_handle(ctx, &in, &out);
		ok(out.status == 200 && out.res == RES_OTHER,
		    "event name with a NUL: other (got %d %s)", out.status,
		    event_resource_name(out.res));
		good("{\"event\":\"x\\u0000\",\"eventType\":\"identity\"}");
		req_init(&in);
		req_handle(ctx, &in, &out);
		ok(out.status == 200 && out.res == RES_OTHER,
		    "event with a NUL, eventType valid: still other (got %s)",
		    event_resource_name(out.res));
	}
	{
		char	deep[400];

		memset(deep, '[', 200);
		strcpy(deep, "{\"a\":");
		memset(deep + 5, '[', 100);
		memset(deep + 105, ']', 100);
		strcpy(deep + 205, "}");
		deliver(deep, ENC_SECRET, SALT, SIG_SECRET, NOW_MS, 12, 16);
		req_init(&in);
		expect(ctx, &in, 422, "invalid_event", 1, "nesting over the "
		    "depth bound");
	}
}

static void
test_quarantine_row(void)
{
	struct json_object	*row = NULL;
	char			 p[1024], *s = NULL;
	size_t			 cap = 0;
	FILE			*fp;
	DIR			*d;
	struct dirent		*de;
	int			 found = 0;

	snprintf(p, sizeof(p), "%s/quarantine/new", spool);
	d = opendir(p);
	while (d != NULL && (de = readdir(d)) != NULL && !found) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/quarantine/new/%s", spool,
		    de->d_name);
		if ((fp = fopen(p, "r")) == NULL || getline(&s, &cap, fp) <= 0)
			break;
		fclose(fp);
		row = json_tokener_parse(s);
		found = row != NULL && strcmp(field(row, "reason"),
		    "invalid_event") == 0;
		if (!found)
			json_object_put(row);
	}
	if (d != NULL)
		closedir(d);
	if (!ok(found, "a quarantine row for invalid_event"))
		return;
	is_str(field(row, "status"), "422", "quarantine row status");
	ok(strlen(field(row, "body_base64")) > 10, "keeps the raw body");
	ok(strstr(s, "not json") == NULL && strstr(s, "\"a\"") == NULL,
	    "never any decrypted content");
	json_object_put(row);
	free(s);
}

/* The quarantine of profile tiny (quarantine_max = 2k): bodies kept
   while they fit, then headers, reason and hash only. */
static void
test_quarantine_max(struct req_ctx *ctx)
{
	struct req_out	 out;
	struct req_in	 in;
	char		 p[600], plain[400], *s = NULL;
	size_t		 cap = 0, i, whole = 0, cut = 0;
	FILE		*fp;
	DIR		*d;
	struct dirent	*de;

	for (i = 0; i < 8; i++) {
		snprintf(plain, sizeof(plain), "[%zu,\"%0300d\"]", i, 0);
		good(plain);
		req_init(&in);
		in.profile = "tiny";
		req_handle(ctx, &in, &out);
		if (out.status != 422)
			break;
	}
	ok(i == 8, "tiny: 8 signed non-objects, each 422 (%d)", out.status);
	snprintf(p, sizeof(p), "%s/tiny/quarantine/new", dir);
	if ((d = opendir(p)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/tiny/quarantine/new/%s", dir,
		    de->d_name);
		if ((fp = fopen(p, "r")) == NULL)
			continue;
		if (getline(&s, &cap, fp) > 0) {
			if (strstr(s, "\"body_base64\"") != NULL)
				whole++;
			else if (strstr(s, "\"body_kept\":false") != NULL &&
			    strstr(s, "\"x-signature\"") != NULL &&
			    strstr(s, "\"reason\":\"invalid_event\"") != NULL)
				cut++;
		}
		fclose(fp);
	}
	closedir(d);
	free(s);
	ok(whole + cut == 8, "tiny: every delivery kept once (%zu)",
	    whole + cut);
	ok(whole >= 1 && whole <= 3, "tiny: bodies kept while under 2k (%zu)",
	    whole);
	ok(cut >= 5, "tiny: beyond it, headers, reason and hash only (%zu)",
	    cut);
}

/* What a CGI program does: keys per request, the used profile's only,
   the costly ones only after the MAC verified. */
static void
test_lazy_keys(const char *conf)
{
	struct config	 cfg;
	struct req_ctx	 ctx;
	struct req_in	 in;
	struct req_out	 out;
	struct profile_keys *top, *rot, *tiny;
	char		 err[CONFIG_ERR_MAX];

	if (!ok(config_load(conf, &cfg, err, sizeof(err)) == 0 &&
	    req_ctx_open(&ctx, &cfg, NULL, 0, err, sizeof(err)) == 0,
	    "lazy: set up without config_prepare")) {
		printf("# %s", err);
		return;
	}
	ctx.now_ms = fixed_now;
	top = &ctx.keys[config_profile_index(&cfg, config_profile(&cfg,
	    NULL))];
	rot = &ctx.keys[config_profile_index(&cfg, config_profile(&cfg,
	    "rot"))];
	tiny = &ctx.keys[config_profile_index(&cfg, config_profile(&cfg,
	    "tiny"))];
	good("{\"lazy\":1}");
	req_init(&in);
	in.method = "GET";
	req_handle(&ctx, &in, &out);
	ok(out.status == 405 && !top->macs_ready && !top->aead_ready,
	    "lazy: a GET keys nothing");
	req_init(&in);
	in.content_type = "text/plain";
	req_handle(&ctx, &in, &out);
	ok(out.status == 415 && !top->macs_ready, "lazy: a 415 keys nothing");
	req_init(&in);
	flip_sig();
	req_handle(&ctx, &in, &out);
	ok(out.status == 401 && top->macs_ready && !top->aead_ready,
	    "lazy: a forged POST keys the MACs, derives no key");
	good("{\"lazy\":2}");
	req_init(&in);
	req_handle(&ctx, &in, &out);
	ok(out.status == 200 && top->aead_ready, "lazy: a genuine one "
	    "derives its profile's keys (%d)", out.status);
	ok(!rot->macs_ready && !rot->aead_ready && !tiny->macs_ready &&
	    !tiny->aead_ready, "lazy: the other profiles untouched");
	req_ctx_free(&ctx);
	config_free(&cfg);
}

int
main(void)
{
	struct config		 cfg;
	struct req_ctx		 ctx;
	struct profile_keys	*keys = NULL;
	char			 conf[1024], err[CONFIG_ERR_MAX];
	FILE			*fp;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	snprintf(conf, sizeof(conf), "%s/hw.conf", dir);
	fp = fopen(conf, "w");
	fprintf(fp, "spool_dir = %s\nsignature_secret = %s\n"
	    "encryption_secret = %s\nencryption_salt = %s\nmax_body = 2k\n"
	    "sync = none\n[profile rot]\nsignature_secret = new-sig\n"
	    "signature_secret = old-sig\nencryption_secret = bmV3\n"
	    "encryption_salt = new-salt\nencryption_secret = b2xkLXNlY3JldA==\n"
	    "encryption_salt = old-salt\n[profile tiny]\nquarantine_max = 2k\n"
	    "spool_dir = %s/tiny\n", spool, SIG_SECRET, ENC_SECRET, SALT, dir);
	fclose(fp);
	chmod(conf, 0600);	/* inline secrets: not for others */
	if (!ok(config_load(conf, &cfg, err, sizeof(err)) == 0 &&
	    config_prepare(&cfg, &keys, err, sizeof(err)) == 0 &&
	    req_ctx_open(&ctx, &cfg, keys, 0, err, sizeof(err)) == 0,
	    "set up")) {
		printf("# %s", err);
		return tap_done();
	}
	ctx.now_ms = fixed_now;
	test_accept(&ctx);
	test_refuse(&ctx);
	test_quarantine_row();
	test_quarantine_max(&ctx);
	req_ctx_free(&ctx);
	config_keys_free(keys, cfg.nprofiles);
	config_free(&cfg);
	test_lazy_keys(conf);
	snprintf(conf, sizeof(conf), "rm -rf %s", dir);
	if (system(conf) != 0)
		return 99;
	return tap_done();
}
