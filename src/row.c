/* SPDX-License-Identifier: ISC */
/* row: build, serialise and read back spool rows with json-c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "b64.h"
#include "row.h"
#include "util.h"

_Static_assert(ROW_ID_HEX_LEN == 2 * SHA256_DIGEST_LENGTH,
    "a row id is the hex of a SHA-256");

/*
 * SHA256() looks the digest up in OpenSSL's providers on every call; a
 * process keeps the one it fetched and one context (each worker is one
 * thread).  Without them (out of memory), SHA256() all the same.
 */
void
row_id(const void *buf, size_t len, char id[ROW_ID_HEX_LEN + 1])
{
	static EVP_MD	*sha256;
	static EVP_MD_CTX *ctx;
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	unsigned int	 mdlen = 0;

	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (ctx == NULL)
		ctx = EVP_MD_CTX_new();
	if (sha256 == NULL || ctx == NULL ||
	    EVP_DigestInit_ex2(ctx, sha256, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, buf, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != sizeof(md))
		SHA256(buf, len, md);
	util_hex_encode(md, sizeof(md), id);
}

void
row_time(const struct timespec *ts, char out[ROW_TIME_LEN + 1])
{
	struct tm	tm;
	char		buf[64];

	gmtime_r(&ts->tv_sec, &tm);
	/* Years past 9999 do not fit ISO 8601's basic form: clamp. */
	if (tm.tm_year > 9999 - 1900 || tm.tm_year < -1900)
		tm.tm_year = 9999 - 1900;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ts->tv_nsec / 1000000));
	memcpy(out, buf, ROW_TIME_LEN);
	out[ROW_TIME_LEN] = '\0';
}

int
row_time_parse(const char *s, time_t *t)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return -1;
	*t = timegm(&tm);
	return 0;
}

void
row_location_encode(const char *uri, char *buf, size_t buflen)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			n = 0;
	unsigned char		c;

	for (; uri != NULL && (c = (unsigned char)*uri) != '\0' &&
	    c != '?'; uri++) {
		if (n + 4 > buflen)
			break;
		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[n++] = (char)c;
		else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
}

char *
row_location_decode(const char *s)
{
	char	*out, *o;
	int	 hi, lo;

	if ((out = o = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		if (*s == '%' && (hi = util_hex_value(s[1])) != -1 &&
		    (lo = util_hex_value(s[2])) != -1) {
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static struct json_object *
row_string(const char *s)
{
	return s == NULL ? NULL : json_object_new_string(s);
}

/*
 * The fields every row starts with, in the order consumers see them: "id"
 * first, as spoolfmt.h's readers take it from the row's first bytes.
 */
static struct json_object *
row_head(const char *id, const struct row_meta *m)
{
	struct json_object	*o;
	char			 when[ROW_TIME_LEN + 1];

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	row_time(&m->received, when);
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "received_at", json_object_new_string(when));
	return o;
}

static void
row_tail(struct json_object *o, const struct row_meta *m)
{
	json_object_object_add(o, "profile", row_string(m->profile));
	json_object_object_add(o, "location", row_string(m->location));
	json_object_object_add(o, "delivery_timestamp",
	    row_string(m->delivery_ts));
}

/*
 * Append s to buf (n bytes used of buflen) as a JSON string, escaped as
 * json-c's serialiser escapes it with JSON_C_TO_STRING_NOSLASHESCAPE (so
 * an event row reads as a quarantine row does), or null for NULL.
 * Returns the bytes used, or 0 when it does not fit.
 */
static size_t
row_put_string(char *buf, size_t buflen, size_t n, const char *s)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		c;

	if (n == 0)
		return 0;	/* what came before did not fit */
	if (s == NULL) {
		if (buflen - n < 4)
			return 0;
		memcpy(buf + n, "null", 4);
		return n + 4;
	}
	if (n == buflen)
		return 0;
	buf[n++] = '"';
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (buflen - n < 6)
			return 0;
		switch (c) {
		case '\b': buf[n++] = '\\'; buf[n++] = 'b'; break;
		case '\t': buf[n++] = '\\'; buf[n++] = 't'; break;
		case '\n': buf[n++] = '\\'; buf[n++] = 'n'; break;
		case '\f': buf[n++] = '\\'; buf[n++] = 'f'; break;
		case '\r': buf[n++] = '\\'; buf[n++] = 'r'; break;
		case '"': buf[n++] = '\\'; buf[n++] = '"'; break;
		case '\\': buf[n++] = '\\'; buf[n++] = '\\'; break;
		default:
			if (c < 0x20) {
				memcpy(buf + n, "\\u00", 4);
				buf[n + 4] = hex[c >> 4];
				buf[n + 5] = hex[c & 15];
				n += 6;
			} else
				buf[n++] = (char)c;
		}
	}
	if (n == buflen)
		return 0;
	buf[n++] = '"';
	return n;
}

/* Append the len bytes of s; 0 when they do not fit. */
static size_t
row_put(char *buf, size_t buflen, size_t n, const char *s, size_t len)
{
	if (n == 0 || buflen - n < len)
		return 0;
	memcpy(buf + n, s, len);
	return n + len;
}

#define ROW_PUT(s)	row_put(buf, buflen, n, s, sizeof(s) - 1)

/*
 * The event row: the fields of row_head() and row_tail() in their order,
 * written straight into buf (the bytes json-c's serialiser makes of them:
 * t/row.c compares), then the payload as it came.
 */
size_t
row_event_line(char *buf, size_t buflen, const char *id,
    const struct event_class *ec, const struct row_meta *m,
    const unsigned char *plain, size_t plainlen)
{
	char	when[ROW_TIME_LEN + 1];
	size_t	n, i;

	/* The payload, trimmed: the object's first '{' to its last '}'. */
	while (plainlen > 0 && strchr(" \t\r\n", plain[0]) != NULL) {
		plain++;
		plainlen--;
	}
	while (plainlen > 0 && strchr(" \t\r\n", plain[plainlen - 1]) != NULL)
		plainlen--;
	row_time(&m->received, when);
	if (buflen < 7)
		return 0;
	memcpy(buf, "{\"id\":", 6);
	n = row_put_string(buf, buflen, 6, id);
	n = ROW_PUT(",\"received_at\":");
	n = row_put_string(buf, buflen, n, when);
	n = ROW_PUT(",\"resource\":");
	n = row_put_string(buf, buflen, n, event_resource_name(ec->res));
	n = ROW_PUT(",\"event\":");
	n = row_put_string(buf, buflen, n, ec->name);
	n = ROW_PUT(",\"profile\":");
	n = row_put_string(buf, buflen, n, m->profile);
	n = ROW_PUT(",\"location\":");
	n = row_put_string(buf, buflen, n, m->location);
	n = ROW_PUT(",\"delivery_timestamp\":");
	n = row_put_string(buf, buflen, n, m->delivery_ts);
	n = ROW_PUT(",\"payload\":");
	/* The payload, line breaks as spaces (a row is one line), and '}'. */
	if (n == 0 || buflen - n < plainlen + 1)
		return 0;
	for (i = 0; i < plainlen; i++)
		buf[n + i] = plain[i] == '\n' || plain[i] == '\r' ? ' ' :
		    (char)plain[i];
	n += plainlen;
	buf[n++] = '}';
	return n;
}

struct json_object *
row_quarantine(const char *id, const char *reason, int status,
    const struct row_meta *m, const char *signature, const char *content_type,
    const void *body, size_t bodylen, int whole)
{
	struct json_object	*o, *h;
	char			*b;

	if ((o = row_head(id, m)) == NULL)
		return NULL;
	json_object_object_add(o, "resource",
	    json_object_new_string(event_resource_name(RES_QUARANTINE)));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "status", json_object_new_int(status));
	row_tail(o, m);
	h = json_object_new_object();
	json_object_object_add(h, "x-timestamp", row_string(m->delivery_ts));
	json_object_object_add(h, "x-signature", row_string(signature));
	json_object_object_add(h, "content-type", row_string(content_type));
	json_object_object_add(o, "headers", h);
	json_object_object_add(o, "body_bytes",
	    json_object_new_int64((int64_t)bodylen));
	if (!whole) {
		/* The id is the body's SHA-256: enough to recognise it. */
		json_object_object_add(o, "body_kept",
		    json_object_new_boolean(0));
		return o;
	}
	if ((b = malloc(B64_ENCODED_LEN(bodylen) + 1)) == NULL) {
		json_object_put(o);
		return NULL;
	}
	b64_encode(body, bodylen, b);
	json_object_object_add(o, "body_base64", json_object_new_string(b));
	free(b);
	return o;
}

const char *
row_line(struct json_object *obj, size_t *len)
{
	return json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

struct json_object *
row_parse(const char *buf, size_t len, int depth)
{
	struct json_tokener	*tok;
	struct json_object	*o;

	if ((tok = json_tokener_new_ex(depth)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* One line of JSON and its newline: nothing else. */
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The object member key of o, or NULL. */
static struct json_object *
row_object(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* The delivery's x-timestamp, as row_quarantine() stored it. */
static const char *
row_timestamp(struct json_object *row)
{
	const char	*ts;

	if ((ts = util_json_string(row_object(row, "headers"), "x-timestamp",
	    NULL)) == NULL)
		ts = util_json_string(row, "delivery_timestamp", NULL);
	return ts;
}

void
row_quarantine_info(struct json_object *row, struct row_qinfo *qi)
{
	qi->id = util_json_string(row, "id", NULL);
	qi->reason = util_json_string(row, "reason", NULL);
	qi->received_at = util_json_string(row, "received_at", NULL);
	qi->timestamp = row_timestamp(row);
}

void
row_delivery_free(struct row_delivery *d)
{
	free(d->body);
	free(d->location);
	memset(d, 0, sizeof(*d));
}

int
row_quarantine_read(struct json_object *row, struct row_delivery *d,
    const char **why)
{
	struct json_object	*h;
	const char		*b64, *loc;
	size_t			 blen;

	memset(d, 0, sizeof(*d));
	*why = "not a JSON object";
	if (row == NULL)
		return -1;
	*why = "no body_base64 or headers";
	if ((b64 = util_json_string(row, "body_base64", NULL)) == NULL ||
	    (h = row_object(row, "headers")) == NULL)
		return -1;
	*why = "bad body_base64";
	blen = strlen(b64);
	if ((d->body = malloc(B64_DECODED_MAX(blen) + 1)) == NULL ||
	    b64_decode(b64, blen, d->body, B64_DECODED_MAX(blen),
	    &d->bodylen) == -1)
		goto fail;
	*why = "out of memory";
	if ((loc = util_json_string(row, "location", NULL)) != NULL &&
	    (d->location = row_location_decode(loc)) == NULL)
		goto fail;
	d->content_type = util_json_string(h, "content-type", NULL);
	d->signature = util_json_string(h, "x-signature", NULL);
	d->timestamp = row_timestamp(row);
	d->profile = util_json_string(row, "profile", NULL);
	return 0;
fail:
	row_delivery_free(d);
	return -1;
}
