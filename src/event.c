/* SPDX-License-Identifier: ISC */
/* event: the SPEC section 3 table. */
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "util.h"

static const char *const resource_names[RES__COUNT] = {
	[RES_KYC] = "kyc",
	[RES_SIGNATURES] = "signatures",
	[RES_CONSENTS] = "consents",
	[RES_FORMS] = "forms",
	[RES_CREDENTIALS] = "credentials",
	[RES_OTP] = "otp",
	[RES_OTHER] = "other",
	[RES_QUARANTINE] = "quarantine",
};

static const struct {
	const char	*name;
	enum resource	 res;
} event_table[] = {
	{ "process.kyc.completed",			RES_KYC },
	{ "process.signature.user.completed",		RES_SIGNATURES },
	{ "process.signature.professional.completed",	RES_SIGNATURES },
	{ "process.signature.completed",		RES_SIGNATURES },
	{ "process.consent.completed",			RES_CONSENTS },
	{ "process.form.filled",			RES_FORMS },
	{ "process.form.rejected",			RES_FORMS },
	{ "identity",					RES_KYC },
	{ "credential",					RES_CREDENTIALS },
	{ "otp.failed",					RES_OTP },
};

const char *
event_resource_name(enum resource res)
{
	if ((unsigned)res >= RES__COUNT)
		return "?";
	return resource_names[res];
}

int
event_resource_parse(const char *name, enum resource *res)
{
	int	i;

	for (i = 0; i < RES__EVENTS; i++)
		if (strcmp(name, resource_names[i]) == 0) {
			*res = (enum resource)i;
			return 0;
		}
	return -1;
}

/*
 * The string value of key in ev: 1 with *s set, 0 when there is none, -1
 * when it holds a NUL (C code would read only the part before it, which
 * the payload does not say: such a name is no name).
 */
static int
event_string(struct json_object *ev, const char *key, const char **s)
{
	const char	*v;
	size_t		 len;

	*s = NULL;
	if ((v = util_json_string(ev, key, &len)) == NULL)
		return 0;
	if (strlen(v) != len)
		return -1;
	*s = v;
	return 1;
}

/* out's resource from its name; professional: a non-null professionalId. */
static void
event_resolve(struct event_class *out, int professional)
{
	size_t	i;

	for (i = 0; i < sizeof(event_table) / sizeof(event_table[0]); i++) {
		if (strcmp(out->name, event_table[i].name) != 0)
			continue;
		out->res = event_table[i].res;
		break;
	}
	/* The provider's generic signature event: who signed decides. */
	if (strcmp(out->name, "process.signature.completed") == 0)
		out->name = professional ?
		    "process.signature.professional.completed" :
		    "process.signature.user.completed";
}

void
event_classify(struct json_object *ev, struct event_class *out)
{
	struct json_object	*pro;
	int			 r;

	out->res = RES_OTHER;
	if ((r = event_string(ev, "event", &out->name)) == 0)
		r = event_string(ev, "eventType", &out->name);
	if (r != 1)
		return;
	event_resolve(out, json_object_object_get_ex(ev, "professionalId",
	    &pro) && pro != NULL);
}

/*
 * Reading text jsonv_members() took: only the boundaries of values are
 * looked for, and end bounds every step all the same.
 */
static const unsigned char *
event_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	return p;
}

/* p at a string's '"': past its closing '"'; *esc if it holds a '\\'. */
static const unsigned char *
event_skip_string(const unsigned char *p, const unsigned char *end, int *esc)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\') {
			*esc = 1;
			p++;
		}
	return p < end ? p + 1 : end;
}

/* p at a value: past it. */
static const unsigned char *
event_skip_value(const unsigned char *p, const unsigned char *end, int *esc)
{
	size_t	depth = 0;
	int	ignored;

	if (p < end && *p == '"')
		return event_skip_string(p, end, esc);
	if (p < end && (*p == '{' || *p == '[')) {
		while (p < end) {
			if (*p == '"') {
				p = event_skip_string(p, end, &ignored);
				continue;
			}
			if (*p == '{' || *p == '[')
				depth++;
			else if ((*p == '}' || *p == ']') && --depth == 0)
				return p + 1;
			p++;
		}
		return end;
	}
	while (p < end && strchr(",}] \t\r\n", *p) == NULL)
		p++;	/* a number, true, false, null */
	return p;
}

int
event_classify_text(const unsigned char *buf, size_t len,
    struct event_class *out)
{
	static const char *const keys[3] = {
		"event", "eventType", "professionalId"
	};
	const unsigned char	*p, *end = buf + len, *k, *v;
	const unsigned char	*val[3] = { NULL, NULL, NULL };
	size_t			 vlen[3] = { 0, 0, 0 }, klen, i;
	int			 esc, vesc[3] = { 0, 0, 0 };

	out->res = RES_OTHER;
	out->name = NULL;
	p = event_ws(buf, end);
	if (p == end || *p++ != '{')
		return 0;
	for (;;) {
		p = event_ws(p, end);
		if (p < end && *p == ',')
			p = event_ws(p + 1, end);
		if (p == end || *p != '"')
			break;		/* its '}' */
		esc = 0;
		k = p + 1;
		p = event_skip_string(p, end, &esc);
		if (esc)
			return 0;	/* json-c decodes keys */
		klen = (size_t)(p - 1 - k);
		p = event_ws(p, end);
		if (p < end && *p == ':')
			p++;
		v = p = event_ws(p, end);
		esc = 0;
		p = event_skip_value(p, end, &esc);
		for (i = 0; i < 3; i++)
			if (klen == strlen(keys[i]) &&
			    memcmp(k, keys[i], klen) == 0) {
				val[i] = v;	/* the last one counts */
				vlen[i] = (size_t)(p - v);
				vesc[i] = esc;
			}
	}
	/* The name: "event" if a string, else "eventType" if a string. */
	for (i = 0; i < 2; i++) {
		if (val[i] == NULL || *val[i] != '"')
			continue;
		if (vesc[i] || vlen[i] < 2 || vlen[i] - 2 > EVENT_NAME_MAX)
			return 0;
		memcpy(out->namebuf, val[i] + 1, vlen[i] - 2);
		out->namebuf[vlen[i] - 2] = '\0';
		out->name = out->namebuf;
		break;
	}
	if (out->name != NULL)
		event_resolve(out, val[2] != NULL && *val[2] != 'n');
	return 1;
}
