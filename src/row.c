/* row: build and serialise spool rows with json-c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/sha.h>

#include "b64.h"
#include "row.h"
#include "sig.h"

void
row_id(const void *buf, size_t len, char id[ROW_ID_HEX_LEN + 1])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256(buf, len, md);
	sig_to_hex(md, id);	/* same width: SIG_LEN == SHA256 length */
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

static struct json_object *
row_string(const char *s)
{
	return s == NULL ? NULL : json_object_new_string(s);
}

/* The fields every row starts with, in the order consumers see them. */
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

size_t
row_event_line(char *buf, size_t buflen, const char *id,
    const struct event_class *ec, const struct row_meta *m,
    const unsigned char *plain, size_t plainlen)
{
	static const char	 key[] = ",\"payload\":";
	struct json_object	*o;
	const char		*head;
	size_t			 headlen, n, i;

	/* The payload, trimmed: the object's first '{' to its last '}'. */
	while (plainlen > 0 && strchr(" \t\r\n", plain[0]) != NULL) {
		plain++;
		plainlen--;
	}
	while (plainlen > 0 && strchr(" \t\r\n", plain[plainlen - 1]) != NULL)
		plainlen--;
	if ((o = row_head(id, m)) == NULL)
		return 0;
	json_object_object_add(o, "resource",
	    json_object_new_string(event_resource_name(ec->res)));
	json_object_object_add(o, "event", row_string(ec->name));
	row_tail(o, m);
	head = row_line(o, &headlen);
	/* The head without its '}', the payload, then the '}'. */
	if (head == NULL || headlen < 2 ||
	    headlen - 1 + sizeof(key) - 1 + plainlen + 1 > buflen) {
		json_object_put(o);
		return 0;
	}
	n = headlen - 1;
	memcpy(buf, head, n);
	json_object_put(o);
	memcpy(buf + n, key, sizeof(key) - 1);
	n += sizeof(key) - 1;
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
