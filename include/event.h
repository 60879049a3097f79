/* SPDX-License-Identifier: ISC */
/* event: which resource an event belongs to (SPEC section 3). */
#ifndef HW_EVENT_H
#define HW_EVENT_H

struct json_object;

enum resource {
	RES_KYC,
	RES_SIGNATURES,
	RES_CONSENTS,
	RES_FORMS,
	RES_CREDENTIALS,
	RES_OTP,
	RES_OTHER,
	RES_QUARANTINE,		/* not an event resource: see spool.h */
	RES__COUNT
};
#define RES__EVENTS	RES_QUARANTINE	/* resources that hold events */

/* The longest name event_classify_text() reads itself. */
#define EVENT_NAME_MAX	128

struct event_class {
	enum resource	 res;
	const char	*name;	/* the row's "event": borrowed from the
				   object, namebuf or static; NULL when
				   absent */
	char		 namebuf[EVENT_NAME_MAX + 1];
};

/* The folder name of res ("kyc", ..., "quarantine"). */
const char	*event_resource_name(enum resource res);

/*
 * Parse a resource name.  Accepts the names of event_resource_name()
 * except "quarantine".  Returns 0 and sets *res, or -1.
 */
int	event_resource_parse(const char *name, enum resource *res);

/*
 * Classify the decrypted event object ev.  The name is ev's "event" key,
 * else "eventType"; a non-string name counts as absent.
 */
void	event_classify(struct json_object *ev, struct event_class *out);

/*
 * The same from the event's text, len bytes that jsonv_members() took as
 * one JSON value, without building an object.  Returns 1 with *out as
 * event_classify() would set it from json-c's object of that text (the
 * last of a key given twice, as json-c keeps); 0 when the text is no
 * object, or of a shape this does not read (a top-level key holding a
 * backslash, a name holding one or longer than EVENT_NAME_MAX): classify
 * json-c's object then.  *out must stay where it is while name is used.
 */
int	event_classify_text(const unsigned char *buf, size_t len,
	    struct event_class *out);

#endif
