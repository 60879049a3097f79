/* SPDX-License-Identifier: ISC */
/*
 * request_fuzz: libFuzzer harness over the whole request path, req_handle()
 * against a real configuration and spool in a temporary directory.
 *
 * Input layout:
 *
 *   byte 0   flags (FZ_*): how much of the delivery the harness makes valid
 *   byte 1   IV length for FZ_ENVELOPE (1..AEAD_IV_MAX)
 *   then     method \n content-type \n x-timestamp \n x-signature \n
 *            profile \n resource \n location \n body...
 *
 * An empty header field is an absent header.  With FZ_SIGN the harness
 * signs (timestamp, body) with a configured secret, so the fuzzer gets
 * past the signature; with FZ_ENVELOPE the body bytes are the plaintext
 * and the harness wraps them in a valid encrypted envelope, so the fuzzer
 * reaches the event parser, classification, rows and the spool.
 *
 * After every request the harness checks the invariants of SPEC sections
 * 6 and 7 and aborts (a finding) when one breaks:
 *   - the status is one of the SPEC set, with an error code of its own;
 *   - a request refused before authentication (405, 415, 413, 401 but
 *     stale_timestamp, unknown profile, 400) writes nothing anywhere;
 *   - 200 means exactly one new row under its resource whose id is the
 *     answer's id (the SHA-256 of the plaintext), created with file_mode,
 *     and an exactly-once record; a duplicate adds no row;
 *   - stale_timestamp, decrypt_failed and invalid_event leave one
 *     quarantine row (none for a duplicate) holding the raw body (or,
 *     over quarantine_max, its size and hash only) and nothing
 *     decrypted; a stale delivery older than the exactly-once retention
 *     leaves nothing; a stale one whose event was spooled is a 200
 *     duplicate;
 *   - tmp/ is left empty; the same delivery twice is a duplicate.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "aead.h"
#include "b64.h"
#include "config.h"
#include "kdf.h"
#include "request.h"
#include "row.h"
#include "sig.h"
#include "spool.h"

#define FZ_CANONICAL	0x01	/* POST, application/json, timestamp = now */
#define FZ_SIGN		0x02	/* a valid signature */
#define FZ_ENVELOPE	0x04	/* body = envelope of the fuzzed plaintext */
#define FZ_WRONG_KEY	0x08	/* ... encrypted with a key not configured */
#define FZ_TWICE	0x10	/* deliver it twice */
#define FZ_SECOND_SIG	0x20	/* sign with the second (rotation) secret */
#define FZ_SECOND_ENC	0x40	/* encrypt with the second key */
#define FZ_TOO_LARGE	0x80	/* the reader saw more than max_body */

#define FZ_NFIELDS	7
#define FZ_FIELD_MAX	512
#define FZ_NOW_MS	1754923963854LL	/* the fixed clock */
#define FZ_MAX_BODY	(64 * 1024)
#define FZ_ALT_MAX_BODY	2048
#define FZ_RECORDS_MAX	4096	/* wipe .ids/ past this many records */
#define FZ_FILE_MODE	0640
#define FZ_ALT_MODE	0600

static const char *const fz_sig_secret[] = {
	"fuzz-signature-secret-one", "fuzz-signature-secret-two"
};
static const char *const fz_enc_secret[] = {	/* base64 */
	"ZnV6ei1lbmNyeXB0aW9uLXNlY3JldC1vbmU=",
	"ZnV6ei1lbmNyeXB0aW9uLXNlY3JldC10d28="
};
static const char *const fz_salt[] = { "fuzz-salt-one", "fuzz-salt-two" };

static char		 fz_dir[64];
static char		 fz_spool[128];
static struct profile_keys *fz_pkeys;
static struct config	 fz_cfg;
static struct req_ctx	 fz_ctx;
static struct sig_key	 fz_sig[2];
static struct aead_key	 fz_enc[3];	/* [2]: a key nobody configured */
static unsigned char	*fz_body;	/* the envelope the harness makes */
static size_t		 fz_records;

static int64_t
fz_clock(void)
{
	return FZ_NOW_MS;
}

static void
fz_fail(const char *what, const struct req_out *out)
{
	fprintf(stderr, "request_fuzz: invariant broken: %s (status %d, "
	    "error %s, duplicate %d)\n", what, out->status,
	    out->error != NULL ? out->error : "-", out->duplicate);
	abort();
}

static int
fz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
fz_cleanup(void)
{
	req_ctx_free(&fz_ctx);
	config_keys_free(fz_pkeys, fz_cfg.nprofiles);
	config_free(&fz_cfg);
	if (fz_dir[0] != '\0')
		nftw(fz_dir, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fz_key(const char *b64, const char *salt, struct aead_key *k)
{
	unsigned char	pass[64], key[KDF_KEY_LEN];
	size_t		passlen;

	if (b64_decode(b64, strlen(b64), pass, sizeof(pass), &passlen) ==
	    -1 || kdf_derive(pass, passlen, salt, strlen(salt), key) == -1 ||
	    aead_key_init(k, key) == -1)
		abort();
}

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char		 conf[160], err[CONFIG_ERR_MAX];
	const char	*tmp = getenv("TMPDIR");
	FILE		*fp;

	(void)argc;
	(void)argv;
	/* Rows must get file_mode whatever the umask. */
	umask(077);
	snprintf(fz_dir, sizeof(fz_dir), "%s/hw-request-fuzz.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(fz_dir) == NULL) {
		perror(fz_dir);
		exit(1);
	}
	atexit(fz_cleanup);
	snprintf(fz_spool, sizeof(fz_spool), "%s/spool", fz_dir);
	snprintf(conf, sizeof(conf), "%s/webhook.conf", fz_dir);
	if ((fp = fopen(conf, "w")) == NULL)
		abort();
	fprintf(fp, "spool_dir = %s\nsync = none\nmax_body = %d\n"
	    "file_mode = %04o\n"
	    "signature_secret = %s\nsignature_secret = %s\n"
	    "encryption_secret = %s\nencryption_salt = %s\n"
	    "encryption_secret = %s\nencryption_salt = %s\n"
	    "[profile alt]\nmax_body = %d\ntimestamp_tolerance = 0\n"
	    "file_mode = %04o\n", fz_spool, FZ_MAX_BODY, FZ_FILE_MODE,
	    fz_sig_secret[0], fz_sig_secret[1], fz_enc_secret[0], fz_salt[0],
	    fz_enc_secret[1], fz_salt[1], FZ_ALT_MAX_BODY, FZ_ALT_MODE);
	if (fclose(fp) != 0 || chmod(conf, 0600) == -1)
		abort();
	if (config_load(conf, &fz_cfg, err, sizeof(err)) == -1 ||
	    config_prepare(&fz_cfg, &fz_pkeys, err, sizeof(err)) == -1 ||
	    req_ctx_open(&fz_ctx, &fz_cfg, fz_pkeys, 0, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "request_fuzz: %s\n", err);
		exit(1);
	}
	fz_ctx.now_ms = fz_clock;
	if (sig_key_init(&fz_sig[0], fz_sig_secret[0],
	    strlen(fz_sig_secret[0])) == -1 ||
	    sig_key_init(&fz_sig[1], fz_sig_secret[1],
	    strlen(fz_sig_secret[1])) == -1)
		abort();
	fz_key(fz_enc_secret[0], fz_salt[0], &fz_enc[0]);
	fz_key(fz_enc_secret[1], fz_salt[1], &fz_enc[1]);
	fz_key(fz_enc_secret[0], "not-the-salt", &fz_enc[2]);
	if ((fz_body = malloc(2 * FZ_MAX_BODY)) == NULL)
		abort();
	return 0;
}

/* The next header field: up to '\n'; empty means absent. */
static const char *
fz_field(const uint8_t **p, const uint8_t *end, char *buf)
{
	const uint8_t	*nl;
	size_t		 n;

	if (*p >= end)
		return NULL;
	if ((nl = memchr(*p, '\n', end - *p)) == NULL)
		nl = end;
	n = nl - *p;
	if (n >= FZ_FIELD_MAX)
		n = FZ_FIELD_MAX - 1;
	memcpy(buf, *p, n);
	buf[n] = '\0';	/* a NUL inside ends it, as in CGI */
	*p = nl < end ? nl + 1 : end;
	return buf[0] != '\0' ? buf : NULL;
}

/* {"iv":..,"data":..,"tag":..} of pt under k, into fz_body. */
static size_t
fz_envelope(struct aead_key *k, size_t ivlen, const uint8_t *pt, size_t len)
{
	unsigned char	iv[AEAD_IV_MAX], tag[AEAD_TAG_LEN], *ct;
	char		ivb[B64_ENCODED_LEN(AEAD_IV_MAX) + 1];
	char		tagb[B64_ENCODED_LEN(AEAD_TAG_LEN) + 1], *datab;
	size_t		i, n;

	for (i = 0; i < ivlen; i++)
		iv[i] = (unsigned char)(i * 7 + len);
	if ((ct = malloc(len + 1)) == NULL ||
	    (datab = malloc(B64_ENCODED_LEN(len) + 1)) == NULL)
		abort();
	if (aead_encrypt(k, iv, ivlen, pt, len, ct, tag) == -1)
		abort();
	b64_encode(iv, ivlen, ivb);
	b64_encode(tag, sizeof(tag), tagb);
	b64_encode(ct, len, datab);
	n = (size_t)snprintf((char *)fz_body, 2 * FZ_MAX_BODY,
	    "{\"iv\":\"%s\",\"data\":\"%s\",\"tag\":\"%s\"}", ivb, datab, tagb);
	free(ct);
	free(datab);
	return n;
}

/* Entries of dir (not "." or ".."); the last one's name in name. */
static int
fz_count(const char *res, const char *sub, char *name, size_t namelen)
{
	char		 path[256], below[300];
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", fz_spool, res, sub);
	if ((d = opendir(path)) == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		/* A writer's tmp/<pp>/: what is in it counts. */
		if (de->d_type == DT_DIR) {
			snprintf(below, sizeof(below), "%s/%s", sub,
			    de->d_name);
			n += fz_count(res, below, NULL, 0);
			continue;
		}
		n++;
		if (name != NULL)
			snprintf(name, namelen, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

/* nftw(): remove what is below the top, not the top (the spool holds
   it open). */
static int
fz_rm_below(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	return ftw->level == 0 ? 0 : fz_rm(path, st, flag, ftw);
}

static void
fz_wipe_records(void)
{
	char	path[160];

	snprintf(path, sizeof(path), "%s/%s", fz_spool, SPOOL_IDS_DIR);
	nftw(path, fz_rm_below, 16, FTW_DEPTH | FTW_PHYS);
	fz_records = 0;
}

/* The exactly-once record of key exists (a symbolic link naming its
   row: never followed). */
static int
fz_record(const char *key)
{
	struct stat	st;
	char		path[256];
	size_t		n = strlen(key);

	snprintf(path, sizeof(path), "%s/%s/%c%c/%s", fz_spool, SPOOL_IDS_DIR,
	    key[n - 2], key[n - 1], key);
	return lstat(path, &st) == 0;
}

/* Whether o has exactly the keys of the NULL-terminated list keys. */
static int
fz_keys(struct json_object *o, const char *const *keys)
{
	size_t	n;

	for (n = 0; keys[n] != NULL; n++)
		if (!json_object_object_get_ex(o, keys[n], NULL))
			return 0;
	return json_object_object_length(o) == (int)n;
}

/*
 * A quarantine row keeps the raw body, byte for byte, and nothing
 * decrypted: its only body-derived field is body_base64.
 */
static void
fz_check_quarantine(struct json_object *o, const struct req_in *in,
    const struct req_out *out)
{
	static const char *const keys[] = { "id", "received_at", "resource",
	    "reason", "status", "profile", "location", "delivery_timestamp",
	    "headers", "body_bytes", "body_base64", NULL };
	static const char *const cut[] = { "id", "received_at", "resource",
	    "reason", "status", "profile", "location", "delivery_timestamp",
	    "headers", "body_bytes", "body_kept", NULL };
	struct json_object	*b, *n;
	unsigned char		*raw;
	size_t			 len, rawlen;

	if (!json_object_object_get_ex(o, "body_bytes", &n) ||
	    json_object_get_int64(n) != (int64_t)in->bodylen)
		fz_fail("quarantine row without the body's size", out);
	/* Over quarantine_max: the size and the id (its hash) only. */
	if (fz_keys(o, cut)) {
		if (!json_object_object_get_ex(o, "body_kept", &b) ||
		    json_object_get_boolean(b))
			fz_fail("quarantine stub says it kept the body", out);
		return;
	}
	if (!fz_keys(o, keys) ||
	    !json_object_object_get_ex(o, "body_base64", &b))
		fz_fail("quarantine row has other fields", out);
	len = (size_t)json_object_get_string_len(b);
	if ((raw = malloc(B64_DECODED_MAX(len) + 1)) == NULL)
		abort();
	if (b64_decode(json_object_get_string(b), len, raw,
	    B64_DECODED_MAX(len), &rawlen) == -1 || rawlen != in->bodylen ||
	    memcmp(raw, in->body, rawlen) != 0)
		fz_fail("quarantine row does not hold the raw body", out);
	free(raw);
}

/* Check the one new row under res (none for a duplicate); remove it. */
static void
fz_check_row(const struct req_in *in, const struct req_out *out,
    const char *res, mode_t mode)
{
	static const char *const keys[] = { "id", "received_at", "resource",
	    "event", "profile", "location", "delivery_timestamp", "payload",
	    NULL };
	char		 name[SPOOL_NAME_MAX + 8], path[320], head[80];
	char		*buf;
	struct stat	 st;
	ssize_t		 n;
	int		 fd, rows;
	struct json_object *o;

	rows = fz_count(res, "new", name, sizeof(name));
	if (out->duplicate) {
		if (rows != 0)
			fz_fail("a duplicate wrote a row", out);
		return;
	}
	if (rows != 1)
		fz_fail("not exactly one new row", out);
	snprintf(path, sizeof(path), "%s/%s/new/%s", fz_spool, res, name);
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		abort();
	if ((st.st_mode & 07777) != mode)
		fz_fail("row not created with file_mode", out);
	if ((buf = malloc(st.st_size + 1)) == NULL)
		abort();
	if ((n = read(fd, buf, st.st_size)) != st.st_size)
		abort();
	buf[n] = '\0';
	close(fd);
	snprintf(head, sizeof(head), "{\"id\":\"%s\"", out->id);
	if (strncmp(buf, head, strlen(head)) != 0)
		fz_fail("row does not start with the answer's id", out);
	if (n < 2 || buf[n - 1] != '\n' || memchr(buf, '\n', n - 1) != NULL)
		fz_fail("row is not exactly one line", out);
	/* As deep as a payload may be, inside the row (json_tokener_parse()
	   would stop at 32 levels). */
	if ((o = row_parse(buf, (size_t)n, REQ_DEPTH_MAX + 2)) == NULL)
		fz_fail("row is not a JSON object", out);
	if (out->res == RES_QUARANTINE)
		fz_check_quarantine(o, in, out);
	else if (!fz_keys(o, keys))
		fz_fail("event row has other fields", out);
	json_object_put(o);
	free(buf);
	if (unlink(path) == -1)
		abort();
}

static void
fz_check_status(const struct req_out *out)
{
	static const struct {
		int		 status;
		const char	*error;
	} ok[] = {
		{ 200, NULL }, { 400, "malformed_body" },
		{ 401, "missing_signature" }, { 401, "invalid_signature" },
		{ 401, "missing_timestamp" }, { 401, "stale_timestamp" },
		{ 405, "method_not_allowed" }, { 408, "body_timeout" },
		{ 413, "payload_too_large" },
		{ 415, "unsupported_media_type" }, { 422, "invalid_event" },
		{ 500, "decrypt_failed" }, { 500, "unknown_profile" },
		{ 503, "spool_unavailable" }
	};
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		if (out->status == ok[i].status &&
		    (out->error == NULL ? ok[i].error == NULL :
		    ok[i].error != NULL && strcmp(out->error, ok[i].error) == 0))
			return;
	fz_fail("status or error code outside the SPEC set", out);
}

static void
fz_check_response(const struct req_out *out)
{
	struct json_object	*o;
	char			 buf[256];
	size_t			 len;

	len = req_response(out, buf, sizeof(buf));
	if (len == 0 || len >= sizeof(buf) - 1)
		fz_fail("response empty or truncated", out);
	if ((o = json_tokener_parse(buf)) == NULL)
		fz_fail("response is not JSON", out);
	json_object_put(o);
}

/* Whether in's timestamp is older than the exactly-once retention. */
static int
fz_too_old(const struct req_in *in)
{
	int64_t	when;

	return in->timestamp != NULL &&
	    req_parse_timestamp(in->timestamp, &when) == 0 &&
	    fz_ctx.now_ms() - when > (int64_t)SPOOL_RECORD_KEEP * 1000;
}

/* One delivery and every invariant about what it left behind. */
static void
fz_deliver(const struct req_in *in, const uint8_t *plain, size_t plainlen,
    int plain_known, struct req_out *out)
{
	uint64_t	 seq0 = *fz_ctx.spools[0].seq;
	const char	*e;
	char		 id[ROW_ID_HEX_LEN + 1], qkey[ROW_ID_HEX_LEN + 2];
	int		 i, alt, wrote;

	req_handle(&fz_ctx, in, out);
	fz_check_status(out);
	fz_check_response(out);
	e = out->error != NULL ? out->error : "";
	wrote = *fz_ctx.spools[0].seq != seq0;
	alt = in->profile != NULL && strcmp(in->profile, "alt") == 0;

	for (i = 0; i < RES__COUNT; i++)
		if (fz_count(event_resource_name(i), "tmp", NULL, 0) != 0)
			fz_fail("litter left in tmp/", out);

	if (out->status == 200) {
		if (!out->has_res || out->res == RES_QUARANTINE)
			fz_fail("200 without an event resource", out);
		if (!fz_record(out->id))
			fz_fail("200 without an exactly-once record", out);
		if (plain_known) {
			row_id(plain, plainlen, id);
			if (strcmp(id, out->id) != 0)
				fz_fail("id is not SHA-256 of plaintext", out);
		}
		fz_check_row(in, out, event_resource_name(out->res),
		    alt ? FZ_ALT_MODE : FZ_FILE_MODE);
		fz_records += !out->duplicate;
	} else if (strcmp(e, "stale_timestamp") == 0 && fz_too_old(in)) {
		/* Older than the exactly-once retention: never kept. */
		if (wrote || out->has_res)
			fz_fail("a delivery older than the retention was kept",
			    out);
	} else if (strcmp(e, "stale_timestamp") == 0 ||
	    strcmp(e, "decrypt_failed") == 0 ||
	    strcmp(e, "invalid_event") == 0) {
		if (!out->has_res || out->res != RES_QUARANTINE)
			fz_fail("authenticated failure not quarantined", out);
		qkey[0] = 'q';
		memcpy(qkey + 1, out->id, sizeof(out->id));
		row_id(in->body, in->bodylen, id);
		if (strcmp(id, out->id) != 0 || !fz_record(qkey))
			fz_fail("quarantine id or record wrong", out);
		fz_check_row(in, out, "quarantine",
		    alt ? FZ_ALT_MODE : FZ_FILE_MODE);
		fz_records += !out->duplicate;
	} else if (out->status != 503 && wrote)
		fz_fail("refused delivery wrote to the spool", out);

	/* Whatever happened, no row may be left waiting unchecked. */
	for (i = 0; i < RES__COUNT; i++)
		if (fz_count(event_resource_name(i), "new", NULL, 0) != 0)
			fz_fail("unexpected row in new/", out);
	if (fz_records > FZ_RECORDS_MAX)
		fz_wipe_records();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 f[FZ_NFIELDS][FZ_FIELD_MAX], ts[24], hex[SIG_HEX_LEN + 1];
	const char	*v[FZ_NFIELDS];
	const uint8_t	*p, *end = data + size, *plain = NULL;
	unsigned char	 mac[SIG_LEN];
	struct req_in	 in;
	struct req_out	 out, again;
	size_t		 plainlen = 0, ivlen;
	uint8_t		 flags;
	int		 i, known = 0;

	if (size < 2)
		return 0;
	flags = data[0];
	ivlen = data[1] % AEAD_IV_MAX + 1;
	p = data + 2;
	for (i = 0; i < FZ_NFIELDS; i++)
		v[i] = fz_field(&p, end, f[i]);

	memset(&in, 0, sizeof(in));
	in.method = v[0];
	in.content_type = v[1];
	in.timestamp = v[2];
	in.signature = v[3];
	in.profile = v[4];
	in.resource = v[5];
	in.location = v[6];
	in.body = p;
	in.bodylen = end - p;
	in.check_time = 1;
	if (flags & FZ_CANONICAL) {
		in.method = "POST";
		in.content_type = "application/json";
		if (in.timestamp == NULL) {
			snprintf(ts, sizeof(ts), "%lld", FZ_NOW_MS);
			in.timestamp = ts;
		}
	}
	if (flags & FZ_ENVELOPE) {
		plain = p;
		plainlen = end - p;
		if (plainlen > FZ_MAX_BODY / 2)
			return 0;
		in.bodylen = fz_envelope(&fz_enc[flags & FZ_WRONG_KEY ? 2 :
		    flags & FZ_SECOND_ENC ? 1 : 0], ivlen, plain, plainlen);
		in.body = fz_body;
		known = !(flags & FZ_WRONG_KEY);
	}
	if (flags & FZ_SIGN) {
		const char *t = in.timestamp != NULL ? in.timestamp : "";

		if (sig_compute(&fz_sig[flags & FZ_SECOND_SIG ? 1 : 0], t,
		    strlen(t), in.body, in.bodylen, mac) == -1)
			abort();
		sig_to_hex(mac, hex);
		in.signature = hex;
	}
	in.too_large = (flags & FZ_TOO_LARGE) && in.bodylen > FZ_ALT_MAX_BODY;

	fz_deliver(&in, plain, plainlen, known, &out);
	if (flags & FZ_TWICE) {
		fz_deliver(&in, plain, plainlen, known, &again);
		if (again.status != out.status ||
		    (out.status == 200 && (!again.duplicate ||
		    strcmp(again.id, out.id) != 0)))
			fz_fail("the same delivery twice was not a duplicate",
			    &again);
	}
	return 0;
}
