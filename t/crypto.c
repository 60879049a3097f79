/* SPDX-License-Identifier: ISC */
/*
 * t/crypto.c: the crypto modules (b64, sig, kdf, aead) against the
 * fixtures t/helper/mkfixtures.js made with Node's crypto, the provider's way,
 * and against known answers and edge cases.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "aead.h"
#include "b64.h"
#include "kdf.h"
#include "sig.h"
#include "tap.h"

#define FIXTURE_MAX	(1024 * 1024)	/* bytes of one fixture file */
#define NAME_MAX_LEN	128
#define MIN_FIXTURES	28		/* what mkfixtures.js makes */

/* One case of t/fixtures/, as mkfixtures.js describes it. */
struct fixture {
	struct json_object	*obj;
	const char		*name, *sigsec, *encsec, *salt, *key;
	const char		*ts, *sig, *body, *plain, *expect;
	size_t			 bodylen, plainlen;
	int			 ivlen;
};

/* The parts of a body, decoded. */
struct envelope {
	unsigned char	*iv, *data, *tag;
	size_t		 ivlen, datalen, taglen;
	int		 ok;	/* every part is strict base64 */
};

static const char	*srcdir(void);
static char		*slurp(const char *, size_t *);
static int		 fixture_load(const char *, struct fixture *);
static const char	*field(struct json_object *, const char *, size_t *);
static int		 unhex(const char *, unsigned char *, size_t);
static int		 envelope_parse(const struct fixture *,
			    struct envelope *);
static void		 envelope_free(struct envelope *);
static void		 test_fixture(const struct fixture *);
static void		 test_b64(void);
static void		 test_b64_roundtrip(void);
static void		 test_sig(void);
static void		 test_rotation(const struct fixture *);
static void		 test_kdf(void);
static void		 test_aead(void);
static int		 test_fixtures(void);

static const char *
srcdir(void)
{
	const char	*d = getenv("top_srcdir");

	return d != NULL && *d != '\0' ? d : ".";
}

/* The whole file at path, NUL-terminated, or NULL. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf;
	size_t	 len;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(FIXTURE_MAX + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	len = fread(buf, 1, FIXTURE_MAX + 1, fp);
	if (ferror(fp) || len > FIXTURE_MAX) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static const char *
field(struct json_object *obj, const char *key, size_t *lenp)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	if (lenp != NULL)
		*lenp = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static int
fixture_load(const char *name, struct fixture *f)
{
	struct json_object	*v;
	char			 path[4096], *text;

	memset(f, 0, sizeof(*f));
	if ((size_t)snprintf(path, sizeof(path), "%s/t/fixtures/%s.json",
	    srcdir(), name) >= sizeof(path) ||
	    (text = slurp(path, NULL)) == NULL)
		return -1;
	f->obj = json_tokener_parse(text);
	free(text);
	if (f->obj == NULL)
		return -1;
	f->name = field(f->obj, "name", NULL);
	f->sigsec = field(f->obj, "signature_secret", NULL);
	f->encsec = field(f->obj, "encryption_secret", NULL);
	f->salt = field(f->obj, "salt", NULL);
	f->key = field(f->obj, "key", NULL);
	f->ts = field(f->obj, "timestamp", NULL);
	f->sig = field(f->obj, "signature", NULL);
	f->body = field(f->obj, "body", &f->bodylen);
	f->plain = field(f->obj, "plaintext", &f->plainlen);
	f->expect = field(f->obj, "expect", NULL);
	if (json_object_object_get_ex(f->obj, "iv_length", &v))
		f->ivlen = json_object_get_int(v);
	if (f->name == NULL || f->sigsec == NULL || f->encsec == NULL ||
	    f->salt == NULL || f->key == NULL || f->ts == NULL ||
	    f->sig == NULL || f->body == NULL || f->plain == NULL ||
	    f->expect == NULL || f->ivlen <= 0) {
		json_object_put(f->obj);
		return -1;
	}
	return 0;
}

/* Exactly 2 * len hex digits into out. */
static int
unhex(const char *s, unsigned char *out, size_t len)
{
	unsigned int	b;
	size_t		i;

	if (strlen(s) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

/* Decode one part; *ok is cleared when it is missing or not base64. */
static unsigned char *
part(struct json_object *env, const char *key, size_t *lenp, int *ok)
{
	unsigned char	*out;
	const char	*s;
	size_t		 len;

	*lenp = 0;
	if ((s = field(env, key, &len)) == NULL ||
	    (out = malloc(B64_DECODED_MAX(len) + 1)) == NULL) {
		*ok = 0;
		return NULL;
	}
	if (b64_decode(s, len, out, B64_DECODED_MAX(len), lenp) == -1) {
		*ok = 0;
		free(out);
		return NULL;
	}
	return out;
}

static int
envelope_parse(const struct fixture *f, struct envelope *e)
{
	struct json_object	*env;

	memset(e, 0, sizeof(*e));
	if ((env = json_tokener_parse(f->body)) == NULL)
		return -1;
	e->ok = 1;
	e->iv = part(env, "iv", &e->ivlen, &e->ok);
	e->data = part(env, "data", &e->datalen, &e->ok);
	e->tag = part(env, "tag", &e->taglen, &e->ok);
	json_object_put(env);
	return 0;
}

static void
envelope_free(struct envelope *e)
{
	free(e->iv);
	free(e->data);
	free(e->tag);
}

/* Everything one fixture promises, checked with our modules. */
static void
test_fixture(const struct fixture *f)
{
	unsigned char	 pass[256], want[KDF_KEY_LEN], key[KDF_KEY_LEN];
	unsigned char	 mac[SIG_LEN], tag[AEAD_TAG_LEN];
	unsigned char	*pt = NULL, *ct = NULL;
	struct sig_key	 sk;
	struct aead_key	 ak;
	struct envelope	 e;
	char		 hex[SIG_HEX_LEN + 1], lower[SIG_HEX_LEN + 1];
	size_t		 passlen, i;
	int		 sig_ok = strcmp(f->expect, "invalid_signature") != 0;
	int		 dec_ok = strcmp(f->expect, "ok") == 0 ||
			    strcmp(f->expect, "invalid_event") == 0;
	int		 r;

	/* The key. */
	ok(b64_decode(f->encsec, strlen(f->encsec), pass, sizeof(pass),
	    &passlen) == 0, "%s: the encryption secret decodes", f->name);
	ok(unhex(f->key, want, sizeof(want)) == 0 &&
	    kdf_derive(pass, passlen, f->salt, strlen(f->salt), key) == 0 &&
	    memcmp(key, want, sizeof(key)) == 0,
	    "%s: kdf_derive gives Node's key", f->name);

	/* The signature. */
	if (sig_key_init(&sk, f->sigsec, strlen(f->sigsec)) == -1) {
		ok(0, "%s: sig_key_init", f->name);
		return;
	}
	r = sig_verify(&sk, 1, f->sig, strlen(f->sig), f->ts, strlen(f->ts),
	    f->body, f->bodylen);
	is_int(r, sig_ok ? 0 : -1, "%s: sig_verify %s", f->name,
	    sig_ok ? "accepts" : "refuses");
	if (sig_ok) {
		for (i = 0; i < SIG_HEX_LEN; i++)
			lower[i] = (char)(f->sig[i] >= 'A' && f->sig[i] <= 'F' ?
			    f->sig[i] - 'A' + 'a' : f->sig[i]);
		lower[SIG_HEX_LEN] = '\0';
		ok(sig_compute(&sk, f->ts, strlen(f->ts), f->body, f->bodylen,
		    mac) == 0, "%s: sig_compute", f->name);
		sig_to_hex(mac, hex);
		is_str(hex, lower, "%s: sig_compute gives Node's signature",
		    f->name);
	}
	sig_key_free(&sk);
	if (!sig_ok)
		return;

	/* The envelope. */
	if (envelope_parse(f, &e) == -1) {
		ok(0, "%s: the body is JSON", f->name);
		return;
	}
	if (strcmp(f->expect, "malformed_body") == 0) {
		ok(!e.ok || e.ivlen == 0 || e.taglen != AEAD_TAG_LEN,
		    "%s: the envelope is refused (base64 %s, tag %zu bytes)",
		    f->name, e.ok ? "fine" : "bad", e.taglen);
		/* Each for its own reason. */
		if (strcmp(f->name, "tag-12") == 0)
			ok(e.ok && e.taglen == 12, "%s: base64 is fine, the "
			    "tag has 12 bytes, not %d", f->name, AEAD_TAG_LEN);
		else
			ok(!e.ok, "%s: b64_decode refuses a part", f->name);
		envelope_free(&e);
		return;
	}
	ok(e.ok && e.taglen == AEAD_TAG_LEN && e.datalen == f->plainlen,
	    "%s: b64_decode of iv, data and a %d-byte tag", f->name,
	    AEAD_TAG_LEN);
	is_int(e.ivlen, f->ivlen, "%s: the IV has %d bytes", f->name,
	    f->ivlen);
	if (!e.ok || e.taglen != AEAD_TAG_LEN ||
	    aead_key_init(&ak, key) == -1) {
		envelope_free(&e);
		return;
	}

	/* Decryption, and encryption giving Node's bytes back. */
	pt = calloc(1, e.datalen + 1);
	ct = calloc(1, e.datalen + 1);
	if (pt == NULL || ct == NULL)
		goto done;
	r = aead_decrypt(&ak, e.iv, e.ivlen, e.data, e.datalen, e.tag, pt);
	if (dec_ok) {
		is_int(r, 0, "%s: aead_decrypt verifies the tag", f->name);
		ok(memcmp(pt, f->plain, f->plainlen) == 0,
		    "%s: aead_decrypt gives exactly the plaintext", f->name);
		ok(aead_encrypt(&ak, e.iv, e.ivlen, (const unsigned char *)
		    f->plain, f->plainlen, ct, tag) == 0 &&
		    memcmp(ct, e.data, e.datalen) == 0 &&
		    memcmp(tag, e.tag, sizeof(tag)) == 0,
		    "%s: aead_encrypt gives Node's data and tag", f->name);
	} else {
		is_int(r, -1, "%s: aead_decrypt refuses", f->name);
		for (i = 0; i < e.datalen && pt[i] == 0; i++)
			;
		ok(i == e.datalen, "%s: a refused plaintext is wiped",
		    f->name);
	}
	if (strcmp(f->name, "sample-kyc") == 0)
		test_rotation(f);
done:
	free(pt);
	free(ct);
	aead_key_free(&ak);
	envelope_free(&e);
}

/* Several signature secrets: any one matches, its index is returned. */
static void
test_rotation(const struct fixture *f)
{
	static const char *const others[] = { "old-secret-1", "old-secret-2",
	    "old-secret-3" };
	struct sig_key	 keys[4];
	size_t		 i, n = 0;
	int		 ok_init = 1;

	for (i = 0; i < 4; i++) {
		const char *s = i == 1 ? f->sigsec : others[n++ % 3];

		if (sig_key_init(&keys[i], s, strlen(s)) == -1)
			ok_init = 0;
	}
	if (!ok(ok_init, "rotation: four keys"))
		return;
	is_int(sig_verify(keys, 4, f->sig, strlen(f->sig), f->ts,
	    strlen(f->ts), f->body, f->bodylen), 1,
	    "rotation: the right key in 2nd place matches, index 1");
	is_int(sig_verify(keys + 1, 3, f->sig, strlen(f->sig), f->ts,
	    strlen(f->ts), f->body, f->bodylen), 0,
	    "rotation: ... and in 1st place, index 0");
	is_int(sig_verify(keys, 1, f->sig, strlen(f->sig), f->ts,
	    strlen(f->ts), f->body, f->bodylen), -1,
	    "rotation: without it, no match");
	is_int(sig_verify(keys, 4, f->sig, strlen(f->sig), f->ts,
	    strlen(f->ts), f->body, f->bodylen - 1), -1,
	    "rotation: a shortened body matches no key");
	sig_key_free(&keys[3]);
	if (sig_key_init(&keys[3], f->sigsec, strlen(f->sigsec)) == 0)
		is_int(sig_verify(keys, 4, f->sig, strlen(f->sig), f->ts,
		    strlen(f->ts), f->body, f->bodylen), 1,
		    "rotation: the key given twice, the first index wins");
	for (i = 0; i < 4; i++)
		sig_key_free(&keys[i]);
}

static int
b64_is(const char *in, size_t inlen, const char *want, size_t wantlen)
{
	unsigned char	out[64];
	size_t		outlen = 999;

	if (b64_decode(in, inlen, out, sizeof(out), &outlen) == -1)
		return 0;
	return outlen == wantlen && memcmp(out, want, wantlen) == 0;
}

static int
b64_refused(const char *in, size_t inlen)
{
	unsigned char	out[64];
	size_t		outlen;

	return b64_decode(in, inlen, out, sizeof(out), &outlen) == -1;
}

#define B64_OK(in, want)	ok(b64_is(in, sizeof(in) - 1, want, \
				    sizeof(want) - 1), "b64: '%s' decodes", in)
#define B64_BAD(in, why)	ok(b64_refused(in, sizeof(in) - 1), \
				    "b64: refuses %s", why)

static void
test_b64(void)
{
	static const char *const rfc[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" }
	};
	unsigned char	out[4];
	char		enc[B64_ENCODED_LEN(6) + 1];
	size_t		i, outlen;

	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		b64_encode((const unsigned char *)rfc[i][0],
		    strlen(rfc[i][0]), enc);
		is_str(enc, rfc[i][1], "b64_encode RFC 4648 '%s'", rfc[i][0]);
		ok(b64_is(rfc[i][1], strlen(rfc[i][1]), rfc[i][0],
		    strlen(rfc[i][0])), "b64_decode RFC 4648 '%s'",
		    rfc[i][1]);
	}
	B64_BAD("Zg", "no padding (Zg== is the one encoding)");
	B64_BAD("Zm8", "no padding (Zm8=)");
	B64_BAD("Zm9vYg", "no padding (Zm9vYg==)");
	B64_OK("+/+/", "\xfb\xff\xbf");
	B64_BAD("Z", "one character");
	B64_BAD("Zm9vY", "5 characters");
	B64_BAD("A", "one character, even with zero bits");
	B64_BAD("Zm9vA", "5 characters, even with zero bits");
	B64_BAD("A===", "one character and three '='");
	B64_BAD("Zg=", "half padding");
	B64_BAD("Zg===", "three '='");
	B64_BAD("Z===", "a lone character padded");
	B64_BAD("Zm9v=", "padding after a full quantum");
	B64_BAD("Zm9v====", "a quantum of padding");
	B64_BAD("=Zg=", "leading padding");
	B64_BAD("Zg==Zg==", "padding in the middle");
	B64_BAD("Zm=v", "'=' inside a quantum");
	B64_BAD("Zm9v\n", "a trailing newline");
	B64_BAD(" Zm9v", "a leading space");
	B64_BAD("Zm 9v", "an inner space");
	B64_BAD("Zm9v\r\n", "CRLF");
	B64_BAD("-_-_", "the URL-safe alphabet ('-', '_')");
	B64_BAD("Zm9-", "one URL-safe '-'");
	B64_BAD("Zm9_", "one URL-safe '_'");
	B64_BAD("Zm9v!", "a '!'");
	B64_BAD("Zh==", "non-zero trailing bits (Zh== for Zg==)");
	B64_BAD("Zm9=", "non-zero trailing bits (Zm9= for Zm8=)");
	B64_BAD("Zh", "non-zero trailing bits without padding");
	ok(b64_refused("Zm\0v", 4), "b64: refuses an embedded NUL");
	ok(b64_refused("\xc3\xa9\xc3\xa9", 4), "b64: refuses non-ASCII bytes");
	ok(b64_decode("Zm9v", 4, out, 2, &outlen) == -1,
	    "b64: refuses when the output does not fit");
	ok(b64_decode("Zm9v", 4, out, 3, &outlen) == 0 && outlen == 3,
	    "b64: ... and fills an exact fit");
	ok(b64_decode("Zg==", 4, out, 1, &outlen) == 0 && outlen == 1,
	    "b64: a padded tail needs only its own bytes");
}

static void
test_b64_roundtrip(void)
{
	unsigned char	in[300], out[300];
	char		enc[B64_ENCODED_LEN(300) + 1];
	size_t		n, len, outlen;
	int		good = 1;

	for (n = 0; n <= sizeof(in); n++) {
		if (RAND_bytes(in, sizeof(in)) != 1)
			good = 0;
		len = b64_encode(in, n, enc);
		if (len != B64_ENCODED_LEN(n) || strlen(enc) != len ||
		    b64_decode(enc, len, out, sizeof(out), &outlen) == -1 ||
		    outlen != n || memcmp(in, out, n) != 0)
			good = 0;
		/* Without its padding it is refused. */
		if (len > 0 && enc[len - 1] == '=' &&
		    b64_decode(enc, len - 1, out, sizeof(out), &outlen) != -1)
			good = 0;
	}
	ok(good, "b64: 0..300 random bytes round-trip; never unpadded");
}

static void
test_sig(void)
{
	static const char	 lower[] =
	    "bddede8bdf8c9464983f5a1979aaa841c16e1ba831a62eec24dca3b085190ef2";
	static const char	 upper[] =
	    "BDDEDE8BDF8C9464983F5A1979AAA841C16E1BA831A62EEC24DCA3B085190EF2";
	static const char	 mixed[] =
	    "bddeDE8bdf8c9464983f5a1979aaa841c16e1ba831a62eec24dca3b085190EF2";
	static const char	 ts[] = "1764133376123", body[] = "{}";
	unsigned char		 a[SIG_LEN], b[SIG_LEN], mac[SIG_LEN];
	struct sig_key		 k, empty;
	char			 hex[SIG_HEX_LEN + 1], bad[SIG_HEX_LEN + 2];

	ok(sig_parse_hex(lower, strlen(lower), a) == 0 &&
	    sig_parse_hex(upper, strlen(upper), b) == 0 &&
	    memcmp(a, b, SIG_LEN) == 0, "sig_parse_hex: upper = lower case");
	ok(sig_parse_hex(mixed, strlen(mixed), b) == 0 &&
	    memcmp(a, b, SIG_LEN) == 0, "sig_parse_hex: mixed case");
	sig_to_hex(a, hex);
	is_str(hex, lower, "sig_to_hex: lower case");
	ok(sig_parse_hex(lower, SIG_HEX_LEN - 1, b) == -1,
	    "sig_parse_hex: refuses 63 digits");
	memcpy(bad, lower, SIG_HEX_LEN);
	bad[SIG_HEX_LEN] = '0';
	bad[SIG_HEX_LEN + 1] = '\0';
	ok(sig_parse_hex(bad, SIG_HEX_LEN + 1, b) == -1,
	    "sig_parse_hex: refuses 65 digits");
	ok(sig_parse_hex("", 0, b) == -1, "sig_parse_hex: refuses nothing");
	memcpy(bad, lower, SIG_HEX_LEN + 1);
	bad[SIG_HEX_LEN - 1] = 'g';
	ok(sig_parse_hex(bad, SIG_HEX_LEN, b) == -1,
	    "sig_parse_hex: refuses a 'g'");
	bad[SIG_HEX_LEN - 1] = ' ';
	ok(sig_parse_hex(bad, SIG_HEX_LEN, b) == -1,
	    "sig_parse_hex: refuses a space");
	memcpy(bad, "0x", 2);
	memcpy(bad + 2, lower, SIG_HEX_LEN - 2);
	ok(sig_parse_hex(bad, SIG_HEX_LEN, b) == -1,
	    "sig_parse_hex: refuses a 0x prefix");

	/* Known answers from Node: HMAC-SHA256(key, ts "." body). */
	if (!ok(sig_key_init(&k, "Jefe", 4) == 0, "sig_key_init"))
		return;
	ok(sig_compute(&k, ts, strlen(ts), body, strlen(body), mac) == 0 &&
	    memcmp(mac, a, SIG_LEN) == 0, "sig_compute: known answer");
	ok(sig_compute(&k, ts, strlen(ts), body, strlen(body), mac) == 0 &&
	    memcmp(mac, a, SIG_LEN) == 0, "sig_compute: the same again "
	    "(the key is kept)");
	is_int(sig_verify(&k, 1, upper, strlen(upper), ts, strlen(ts), body,
	    strlen(body)), 0, "sig_verify: accepts upper case");
	is_int(sig_verify(&k, 1, lower, strlen(lower) - 1, ts, strlen(ts),
	    body, strlen(body)), -1, "sig_verify: refuses a short signature");
	is_int(sig_verify(&k, 1, lower, strlen(lower), "1764133376124",
	    strlen(ts), body, strlen(body)), -1,
	    "sig_verify: refuses another timestamp");
	is_int(sig_verify(&k, 0, lower, strlen(lower), ts, strlen(ts), body,
	    strlen(body)), -1, "sig_verify: no keys, no match");
	sig_key_free(&k);

	ok(sig_key_init(&empty, "", 0) == 0 &&
	    sig_compute(&empty, "", 0, "", 0, mac) == 0, "an empty key works");
	sig_to_hex(mac, hex);
	is_str(hex,
	    "0d0ab78babcce47b6860946aad720dcc13630f70074364b65665c4caefb81ecf",
	    "sig_compute: empty key, message \".\"");
	sig_key_free(&empty);
}

static void
test_kdf(void)
{
	unsigned char	key[KDF_KEY_LEN], want[KDF_KEY_LEN];

	/* Known answers from Node's pbkdf2Sync(..., 10000, 32, "sha256"). */
	ok(kdf_derive("password", 8, "salt", 4, key) == 0 &&
	    unhex("5ec02b91a4b59c6f59dd5fbe4ca649ece4fa8568cdb8ba36cf41426e"
	    "8805522b", want, sizeof(want)) == 0 &&
	    memcmp(key, want, sizeof(key)) == 0, "kdf_derive: known answer");
	ok(kdf_derive("secret", 6, "", 0, key) == 0 &&
	    unhex("fec291a27f4fb8c70a4013df167b7dcab7fc9929066e7415515f4a50"
	    "06b3c43d", want, sizeof(want)) == 0 &&
	    memcmp(key, want, sizeof(key)) == 0, "kdf_derive: an empty salt");
}

static void
test_aead(void)
{
	unsigned char	key[AEAD_KEY_LEN], iv[AEAD_IV_MAX + 1];
	unsigned char	pt[64], ct[64], back[64], tag[AEAD_TAG_LEN];
	struct aead_key	k;
	size_t		i;
	int		good = 1;

	memset(key, 7, sizeof(key));
	memset(iv, 9, sizeof(iv));
	memset(pt, 'x', sizeof(pt));
	if (!ok(aead_key_init(&k, key) == 0, "aead_key_init"))
		return;
	ok(aead_encrypt(&k, iv, 0, pt, sizeof(pt), ct, tag) == -1,
	    "aead_encrypt: refuses an empty IV");
	ok(aead_encrypt(&k, iv, AEAD_IV_MAX + 1, pt, sizeof(pt), ct, tag) ==
	    -1, "aead_encrypt: refuses an IV over %d bytes", AEAD_IV_MAX);
	ok(aead_decrypt(&k, iv, 0, ct, sizeof(ct), tag, back) == -1,
	    "aead_decrypt: refuses an empty IV");
	for (i = 1; i <= AEAD_IV_MAX; i++)
		if (aead_encrypt(&k, iv, i, pt, sizeof(pt), ct, tag) == -1 ||
		    aead_decrypt(&k, iv, i, ct, sizeof(ct), tag, back) == -1 ||
		    memcmp(pt, back, sizeof(pt)) != 0)
			good = 0;
	ok(good, "aead: every IV length 1..%d round-trips", AEAD_IV_MAX);
	ok(aead_encrypt(&k, iv, 12, pt, 0, ct, tag) == 0 &&
	    aead_decrypt(&k, iv, 12, ct, 0, tag, back) == 0,
	    "aead: an empty plaintext round-trips");
	tag[0] ^= 1;
	ok(aead_decrypt(&k, iv, 12, ct, 0, tag, back) == -1,
	    "aead: ... and its tag is still checked");
	ok(aead_encrypt(&k, iv, 12, pt, sizeof(pt), ct, tag) == 0,
	    "aead_encrypt");
	ct[sizeof(ct) - 1] ^= 1;
	ok(aead_decrypt(&k, iv, 12, ct, sizeof(ct), tag, back) == -1,
	    "aead: refuses a changed last byte");
	ct[sizeof(ct) - 1] ^= 1;
	ok(aead_decrypt(&k, iv, 11, ct, sizeof(ct), tag, back) == -1,
	    "aead: refuses a shorter IV");
	ok(aead_decrypt(&k, iv, 12, ct, sizeof(ct), tag, back) == 0 &&
	    memcmp(pt, back, sizeof(pt)) == 0,
	    "aead: a failure leaves the key usable");
	aead_key_free(&k);
}

static int
test_fixtures(void)
{
	struct fixture	 f;
	char		 path[4096], *list, *name, *save = NULL;
	int		 n = 0, seen_malformed = 0, seen_decrypt = 0;

	snprintf(path, sizeof(path), "%s/t/fixtures/MANIFEST", srcdir());
	if ((list = slurp(path, NULL)) == NULL) {
		ok(0, "read %s: %s", path, strerror(errno));
		return -1;
	}
	for (name = strtok_r(list, "\n", &save); name != NULL;
	    name = strtok_r(NULL, "\n", &save)) {
		if (!ok(strlen(name) < NAME_MAX_LEN &&
		    fixture_load(name, &f) == 0, "fixture %s loads", name))
			continue;
		test_fixture(&f);
		seen_malformed += strcmp(f.expect, "malformed_body") == 0;
		seen_decrypt += strcmp(f.expect, "decrypt_failed") == 0;
		json_object_put(f.obj);
		n++;
	}
	free(list);
	ok(n >= MIN_FIXTURES && seen_malformed >= 2 && seen_decrypt >= 3,
	    "%d fixtures, refusals among them", n);
	return 0;
}

int
main(void)
{
	test_b64();
	test_b64_roundtrip();
	test_sig();
	test_kdf();
	test_aead();
	test_fixtures();
	return tap_done();
}
