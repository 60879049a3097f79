/* SPDX-License-Identifier: ISC */
/*
 * jsonv_fuzz: libFuzzer harness over jsonv, against json-c.
 *
 * Invariants (abort on a break): jsonv_valid() returns 0 or 1 and reads
 * nothing outside its input (ASan); whatever it accepts as an object is
 * also parsed by json-c's strict mode, to its end, with the flags and the
 * depth request.c gives it (UTF-8 checked, REQ_DEPTH_MAX): the check in
 * front of json-c never turns away an event json-c would take, so it adds
 * refusals (NaN, 'quotes', raw control characters) and nothing else, and
 * request.c may take such an object without json-c.  What request.c reads
 * without json-c equals what it would read from json-c's object:
 * event_classify_text() as event_classify(), jsonv_strings() (the
 * envelope) as json-c's members with duplicates refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "jsonv.h"
#include "util.h"

#define JF_DEPTH	64	/* REQ_DEPTH_MAX in request.h */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct json_object *
jf_parse(const uint8_t *data, size_t size, int flags)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	size_t			 end;

	if ((tok = json_tokener_new_ex(JF_DEPTH)) == NULL)
		abort();
	json_tokener_set_flags(tok, flags);
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL)
		abort();	/* RFC 8259 JSON that json-c turns away */
	while (end < size && strchr(" \t\r\n", data[end]) != NULL)
		end++;
	if (end != size || !json_object_is_type(o, json_type_object))
		abort();
	return o;
}

/* The event's class from its text equals the one from json-c's object. */
static void
jf_classify(const uint8_t *data, size_t size, struct json_object *o)
{
	struct event_class	a, b;

	event_classify(o, &a);
	if (event_classify_text(data, size, &b) != 1)
		return;		/* request.c asks json-c */
	if (a.res != b.res || (a.name == NULL) != (b.name == NULL) ||
	    (a.name != NULL && strcmp(a.name, b.name) != 0))
		abort();
}

/* The envelope's strings read in place equal json-c's, duplicates refused. */
static void
jf_strings(const uint8_t *data, size_t size, struct json_object *o,
    size_t members)
{
	static const char *const keys[3] = { "iv", "data", "tag" };
	const char	*v[3], *s;
	size_t		 vl[3], l, i;
	int		 r, want = 1;

	r = jsonv_strings(data, size, keys, 3, 8, v, vl);
	if (r == 0)
		return;		/* request.c asks json-c */
	if ((size_t)json_object_object_length(o) != members)
		want = -1;	/* a key given twice */
	for (i = 0; want == 1 && i < 3; i++)
		if (util_json_string(o, keys[i], &l) == NULL)
			want = -1;
	if (r != want)
		abort();
	for (i = 0; r == 1 && i < 3; i++) {
		s = util_json_string(o, keys[i], &l);
		if (l != vl[i] || memcmp(s, v[i], l) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*o;
	size_t			 i, members;
	int			 v;

	v = jsonv_valid(data, size, JF_DEPTH);
	if (v != 0 && v != 1)
		abort();
	if (!v || size > INT32_MAX || memchr(data, '\0', size) != NULL)
		return 0;
	/* json-c wants more after a bare number: objects, as requests have. */
	for (i = 0; i < size && strchr(" \t\r\n", data[i]) != NULL; i++)
		;
	if (i == size || data[i] != '{') {
		struct event_class	c;

		if (event_classify_text(data, size, &c) != 0)
			abort();	/* no object: json-c decides */
		return 0;
	}
	if (!jsonv_members(data, size, JF_DEPTH, &members))
		abort();
	/* The envelope's flags, then the event's. */
	o = jf_parse(data, size, JSON_TOKENER_STRICT);
	jf_strings(data, size, o, members);
	json_object_put(o);
	o = jf_parse(data, size, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	jf_classify(data, size, o);
	json_object_put(o);
	return 0;
}
