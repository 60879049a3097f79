/* SPDX-License-Identifier: ISC */
/*
 * jsonv_fuzz: libFuzzer harness over jsonv_valid(), against json-c.
 *
 * Invariants (abort on a break): jsonv_valid() returns 0 or 1 and reads
 * nothing outside its input (ASan); whatever it accepts as an object is
 * also parsed by json-c's strict mode, to its end: the check in front of
 * json-c (request.c) never turns away an event json-c would take, so it
 * adds refusals (NaN, 'quotes', raw control characters) and nothing else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonv.h"

#define JF_DEPTH	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	size_t			 i, end;
	int			 v;

	v = jsonv_valid(data, size, JF_DEPTH);
	if (v != 0 && v != 1)
		abort();
	if (!v || size > INT32_MAX || memchr(data, '\0', size) != NULL)
		return 0;
	/* json-c wants more after a bare number: objects, as requests have. */
	for (i = 0; i < size && strchr(" \t\r\n", data[i]) != NULL; i++)
		;
	if (i == size || data[i] != '{')
		return 0;
	if ((tok = json_tokener_new_ex(JF_DEPTH + 1)) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL)
		abort();	/* RFC 8259 JSON that json-c turns away */
	json_object_put(o);
	while (end < size && strchr(" \t\r\n", data[end]) != NULL)
		end++;
	if (end != size)
		abort();
	return 0;
}
