/* SPDX-License-Identifier: ISC */
/* event: the SPEC section 3 table. */
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "jsonv.h"
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

int
event_classify_text(const unsigned char *buf, size_t len,
    struct event_class *out)
{
	static const char *const keys[3] = {
		"event", "eventType", "professionalId"
	};
	struct jsonv_member	 m, val[3];
	int			 has[3] = { 0, 0, 0 };
	size_t			 i, n;

	out->res = RES_OTHER;
	out->name = NULL;
	if (!jsonv_member_first(&m, buf, len))
		return 0;
	while (jsonv_member_next(&m)) {
		if (m.key_esc)
			return 0;	/* json-c decodes keys */
		for (i = 0; i < 3; i++)
			if (jsonv_member_is(&m, keys[i])) {
				val[i] = m;	/* the last one counts */
				has[i] = 1;
			}
	}
	/* The name: "event" if a string, else "eventType" if a string. */
	for (i = 0; i < 2; i++) {
		if (!has[i] || *val[i].val != '"')
			continue;
		n = val[i].vallen;
		if (val[i].val_esc || n < 2 || n - 2 > EVENT_NAME_MAX)
			return 0;
		memcpy(out->namebuf, val[i].val + 1, n - 2);
		out->namebuf[n - 2] = '\0';
		out->name = out->namebuf;
		break;
	}
	if (out->name != NULL)
		event_resolve(out, has[2] && *val[2].val != 'n');
	return 1;
}
