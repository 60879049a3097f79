/* SPDX-License-Identifier: ISC */
/*
 * row: the JSON lines written to the spool, and read back from it: this
 * module owns the row's fields both ways.  Every row begins with its
 * "id" (spoolfmt.h, SF_ID_PREFIX: readers take it from the first bytes).
 */
#ifndef HW_ROW_H
#define HW_ROW_H

#include <stddef.h>
#include <time.h>

#include "event.h"

struct json_object;

#define ROW_ID_HEX_LEN	64		/* hex SHA-256 */
#define ROW_TIME_LEN	24		/* 2026-01-02T03:04:05.678Z */

struct row_meta {
	const char	*profile;
	const char	*location;	/* request URI path; may be NULL */
	const char	*delivery_ts;	/* x-timestamp as sent; may be NULL */
	struct timespec	 received;
};

/* id = lower-case hex SHA-256 of len bytes. */
void	row_id(const void *buf, size_t len, char id[ROW_ID_HEX_LEN + 1]);

/* UTC ISO 8601 with milliseconds. */
void	row_time(const struct timespec *ts, char out[ROW_TIME_LEN + 1]);

/*
 * Read a row_time() text (its milliseconds ignored) back into seconds
 * since the epoch.  Returns 0, or -1 when s does not start like one.
 */
int	row_time_parse(const char *s, time_t *t);

/*
 * The row's "location": the request URI's path (up to '?'), printable
 * bytes as they are and anything else (controls, space, '"', '\', bytes
 * over 0x7e) as %XX, cut to fit buflen (at least 1) with its NUL.  A NULL
 * uri gives "".
 */
void	row_location_encode(const char *uri, char *buf, size_t buflen);

/*
 * Undo row_location_encode(): every %XX (either case) becomes its byte,
 * anything else stays.  Returns a new string (to be freed), or NULL when
 * out of memory.
 */
char	*row_location_decode(const char *s);

#define ROW_HEAD_MAX	(4096 + 6 * 1024)	/* a row less its payload:
						   fields, escaped location */

/*
 * The event row: {"id","received_at","resource","event","profile",
 * "location","delivery_timestamp","payload"} as one line (no newline)
 * in buf.  The payload is the plaintext itself, which the caller has
 * checked is a JSON object: its bytes are kept as sent, except that line
 * breaks between tokens become spaces (JSON strings cannot hold raw ones).
 * Returns the length, or 0 when buflen is too small.
 */
size_t	row_event_line(char *buf, size_t buflen, const char *id,
	    const struct event_class *ec, const struct row_meta *m,
	    const unsigned char *plain, size_t plainlen);

/*
 * The quarantine row for a delivery whose signature verified but which
 * could not be spooled as an event: the reason (an error code), the
 * headers that were signed, the body's size ("body_bytes") and, when
 * whole, the raw body in base64 ("body_base64"); else "body_kept":false
 * (over quarantine_max: the id, the body's SHA-256, still names it).
 * Never any decrypted content.
 */
struct json_object *row_quarantine(const char *id, const char *reason,
	    int status, const struct row_meta *m, const char *signature,
	    const char *content_type, const void *body, size_t bodylen,
	    int whole);

/*
 * Serialise obj as one line of JSON (no newline: spool_put adds it).
 * Returns a pointer valid until obj is freed, or NULL.
 */
const char *row_line(struct json_object *obj, size_t *len);

/*
 * Parse the row in buf (len bytes: one line of JSON, its newline allowed)
 * strictly, nesting at most depth.  Returns the object (to be put), or
 * NULL when it is not exactly one JSON object.
 */
struct json_object *row_parse(const char *buf, size_t len, int depth);

/*
 * What identifies a quarantine row, read back from row (NULL allowed:
 * every field NULL).  The strings belong to row; each is NULL when absent
 * or not a string.
 */
struct row_qinfo {
	const char	*id;
	const char	*reason;
	const char	*received_at;
	const char	*timestamp;	/* the headers' x-timestamp, else
					   "delivery_timestamp" */
};
void	row_quarantine_info(struct json_object *row, struct row_qinfo *qi);

/* The delivery a quarantine row keeps, rebuilt to be replayed. */
struct row_delivery {
	unsigned char	*body;		/* body_base64 decoded (owned) */
	size_t		 bodylen;
	char		*location;	/* decoded (owned); NULL: none */
	const char	*content_type;	/* these belong to the row */
	const char	*signature;
	const char	*timestamp;	/* as in struct row_qinfo */
	const char	*profile;
};

/*
 * Read the delivery back from the quarantine row (NULL: not a JSON
 * object).  Returns 0, or -1 with *why set (a static text): no body kept,
 * no headers, bad base64, out of memory.  Free d with row_delivery_free().
 */
int	row_quarantine_read(struct json_object *row, struct row_delivery *d,
	    const char **why);
void	row_delivery_free(struct row_delivery *d);

#endif
