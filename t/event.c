/* SPDX-License-Identifier: ISC */
/* event: every row of the SPEC section 3 table. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "tap.h"

/* From json-c's object, and from the text (event_classify_text). */
static void
check(const char *json, const char *want_res, const char *want_event)
{
	struct json_object	*o = json_tokener_parse(json);
	struct event_class	 ec;

	if (!ok(o != NULL, "parse %s", json))
		return;
	event_classify(o, &ec);
	is_str(event_resource_name(ec.res), want_res, "%s -> resource %s",
	    json, want_res);
	is_str(ec.name, want_event, "%s -> event %s", json,
	    want_event ? want_event : "null");
	json_object_put(o);

	memset(&ec, 0, sizeof(ec));
	if (!ok(event_classify_text((const unsigned char *)json, strlen(json),
	    &ec) == 1, "text: %s is read", json))
		return;
	is_str(event_resource_name(ec.res), want_res,
	    "text: %s -> resource %s", json, want_res);
	is_str(ec.name, want_event, "text: %s -> event %s", json,
	    want_event ? want_event : "null");
}

/* Texts event_classify_text() leaves to json-c. */
static void
check_json_c(const char *json, const char *why)
{
	struct event_class	ec;

	ok(event_classify_text((const unsigned char *)json, strlen(json),
	    &ec) == 0, "text: json-c decides (%s)", why);
}

int
main(void)
{
	struct event_class	ec;
	enum resource		r;

	check("{\"event\":\"process.kyc.completed\"}", "kyc",
	    "process.kyc.completed");
	check("{\"eventType\":\"process.kyc.completed\"}", "kyc",
	    "process.kyc.completed");
	check("{\"event\":\"process.signature.user.completed\"}",
	    "signatures", "process.signature.user.completed");
	check("{\"event\":\"process.signature.professional.completed\"}",
	    "signatures", "process.signature.professional.completed");
	check("{\"eventType\":\"process.signature.completed\","
	    "\"userId\":\"u\"}", "signatures",
	    "process.signature.user.completed");
	check("{\"eventType\":\"process.signature.completed\","
	    "\"professionalId\":\"p\"}", "signatures",
	    "process.signature.professional.completed");
	check("{\"event\":\"process.signature.completed\","
	    "\"professionalId\":null}", "signatures",
	    "process.signature.user.completed");
	check("{\"eventType\":\"process.consent.completed\"}", "consents",
	    "process.consent.completed");
	check("{\"event\":\"process.consent.completed\"}", "consents",
	    "process.consent.completed");
	check("{\"event\":\"process.form.filled\"}", "forms",
	    "process.form.filled");
	check("{\"eventType\":\"process.form.rejected\"}", "forms",
	    "process.form.rejected");
	check("{\"event\":\"identity\",\"api_version\":\"2025-10-01\"}",
	    "kyc", "identity");
	check("{\"event\":\"credential\",\"api_version\":\"2025-10-01\"}",
	    "credentials", "credential");
	check("{\"event\":\"otp.failed\",\"api_version\":\"2025-10-01\"}",
	    "otp", "otp.failed");
	check("{\"event\":\"process.unknown.thing\"}", "other",
	    "process.unknown.thing");
	check("{\"hello\":\"world\"}", "other", NULL);
	check("{\"event\":42}", "other", NULL);
	check("{\"event\":null,\"eventType\":\"process.form.filled\"}",
	    "forms", "process.form.filled");
	/* "event" wins over "eventType" when both are there. */
	check("{\"event\":\"otp.failed\",\"eventType\":\"process.form.filled\"}",
	    "otp", "otp.failed");
	check("{\"event\":\"PROCESS.KYC.COMPLETED\"}", "other",
	    "PROCESS.KYC.COMPLETED");
	/* A key given twice: json-c keeps the last. */
	check("{\"event\":\"otp.failed\",\"event\":\"identity\"}", "kyc",
	    "identity");
	check("{\"event\":\"process.signature.completed\","
	    "\"professionalId\":\"p\",\"professionalId\":null}",
	    "signatures", "process.signature.user.completed");
	check("{\"event\":\"process.signature.completed\","
	    "\"professionalId\":[null]}", "signatures",
	    "process.signature.professional.completed");
	/* Only the top level counts; strings may hold anything. */
	check(" {\"data\":{\"event\":\"identity\",\"s\":\"}]\\\"{[\"},"
	    "\"list\":[{\"event\":\"otp.failed\"},1,-2.5e3,true,false,null],"
	    "\"event\" : \"credential\" } ", "credentials", "credential");
	check("{\"a\":\"x\\\\\",\"event\":\"otp.failed\"}", "otp",
	    "otp.failed");
	check("{}", "other", NULL);
	check_json_c("{\"ev\\u0065nt\":\"identity\"}", "a key escaped");
	check_json_c("{\"event\":\"ident\\u0069ty\"}", "a name escaped");
	check_json_c("[1]", "not an object");
	{
		char	long_name[EVENT_NAME_MAX + 32];

		snprintf(long_name, sizeof(long_name), "{\"event\":\"%0*d\"}",
		    EVENT_NAME_MAX + 1, 7);
		check_json_c(long_name, "a name too long to copy");
		snprintf(long_name, sizeof(long_name), "{\"event\":\"%0*d\"}",
		    EVENT_NAME_MAX, 7);
		ok(event_classify_text((const unsigned char *)long_name,
		    strlen(long_name), &ec) == 1 && ec.name != NULL &&
		    strlen(ec.name) == EVENT_NAME_MAX,
		    "text: a name of EVENT_NAME_MAX bytes is read whole");
	}

	ok(event_resource_parse("kyc", &r) == 0 && r == RES_KYC,
	    "parse resource kyc");
	ok(event_resource_parse("otp", &r) == 0 && r == RES_OTP,
	    "parse resource otp");
	ok(event_resource_parse("quarantine", &r) == -1,
	    "quarantine is not an event resource");
	ok(event_resource_parse("any", &r) == -1, "any is not a resource");
	ok(event_resource_parse("KYC", &r) == -1, "names are exact");
	return tap_done();
}
