/* SPDX-License-Identifier: ISC */
/* event: every row of the SPEC section 3 table. */
#include <json-c/json.h>

#include "event.h"
#include "tap.h"

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
}

int
main(void)
{
	enum resource	r;

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
