/* row: the JSON lines written to the spool. */
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

#endif
