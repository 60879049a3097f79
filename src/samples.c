/* samples: the provider's sample events, with fresh ids and times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "samples.h"

#define OID_LEN		12	/* bytes of a (MongoDB) ObjectId */
#define OID_RAND_LEN	5	/* its per-process random part */
#define UUID_LEN	16
#define ISO_MS_LEN	sizeof("2025-09-12T14:27:51.571Z")
#define SAMPLE_DEPTH	16	/* the templates nest less than this */

/*
 * The provider's samples (humanos-webhooks.md), serialised compactly.
 * kyc is the doc's sample less its trailing comma; the versioned ones
 * (credential, identity, otp-failed) follow its newer format: event,
 * api_version, requestId, issuerDid, user, decisionDate.  The ids and
 * times here are placeholders: sample_build() replaces every key listed
 * in the fresh_* tables below.
 */
static const struct sample {
	const char	*name;
	const char	*json;
} samples[] = {
	{ "kyc",
	    "{\"event\":\"process.kyc.completed\","
	    "\"organizationId\":\"680a65a4da4a16c0ea64face\","
	    "\"processId\":\"689a037727b93cfe15f82230\","
	    "\"userId\":\"684ade7148a18e172af7cab1\","
	    "\"completedAt\":\"2025-08-11T14:52:43.613Z\","
	    "\"metadata\":{\"kycId\":\"689a028f8bec20beaa53f23e\","
	    "\"kycType\":\"PROFESSIONAL\","
	    "\"verificationStatus\":\"COMPLETED\","
	    "\"documentsVerified\":[\"IDENTITY_DOCUMENT\",\"LIVENESS_CHECK\","
	    "\"FACE_MATCH\"],"
	    "\"verificationDate\":\"2025-08-11T14:52:43.613Z\","
	    "\"identityData\":{\"fullName\":\"Rodrigo Carvalheda Duarte da "
	    "Fonseca Sarroeira\",\"gender\":\"M\",\"birth\":\"21-12-2001\","
	    "\"docId\":\"14499760\",\"countryAlpha3\":\"PRT\","
	    "\"expiresAt\":\"2026-12-23T00:00:00.000Z\",\"issueDate\":null,"
	    "\"taxNumber\":null,\"healthNumber\":null,"
	    "\"socialSecurityNumber\":null,\"photo\":null,\"height\":\"1,"
	    "79\",\"documentDiscriminator\":\"6ZWS\",\"placeOfBirth\":null,"
	    "\"mrzText\":null}},\"timestamp\":1754923963854}" },
	{ "signature-user",
	    "{\"eventType\":\"process.signature.completed\","
	    "\"organizationId\":\"680a65a4da4a16c0ea64face\","
	    "\"processId\":\"68c4292cfcf19b66d3d200b3\","
	    "\"userId\":\"684ade7148a18e172af7cab1\","
	    "\"completedAt\":\"2025-09-12T14:27:51.571Z\","
	    "\"metadata\":{\"items\":[{\"itemId\":\"68c4292cfcf19b66d3d200b5"
	    "\",\"internalId\":\"3nvf9fdnb3fk\","
	    "\"documentId\":\"683de6b22d2267803376acb1\","
	    "\"documentName\":\"Service Agreement\","
	    "\"hash\":\"0x47f18c9c0c8119fb96582105c9e06a973bc384f0bc842290cbe"
	    "38cdba2ec669d\","
	    "\"signature\":\"0x6cf9d8dbe1ed9c2eabe373b66c83495a684263065d2ad8"
	    "8acfe7b5ad95a4ec8f174a471e81f76e9c917d3e1f300f7d142f58a20bf91ddd"
	    "c42bc9276c6bde1c371b\","
	    "\"decisionDate\":\"2025-09-12T14:27:51.571Z\","
	    "\"rejected\":false},{\"itemId\":\"68c4292cfcf19b66d3d200b6\","
	    "\"internalId\":\"7hd83ksla92p\","
	    "\"documentId\":\"683de6b22d2267803376acb2\","
	    "\"documentName\":\"Contract Amendment\","
	    "\"hash\":\"0xa21f3e5c7b62f90e6c8e1e5d74d13a8f47f45bbf332e14db4b3"
	    "9a7a1c5e63f9a\","
	    "\"signature\":\"0xd9f8c8f0b0a6c1e5e94e7b42f9c50d1c43db7a441c5b0d"
	    "e8b3eaa4b8d6dbb7eecdf41d12a3b5c7d6f9a842e16a6f4c5bc64a890cd56b50"
	    "d4c43c61e94d2b3f1c2\","
	    "\"decisionDate\":\"2025-09-12T14:32:10.842Z\","
	    "\"rejected\":true},{\"itemId\":\"68c4292cfcf19b66d3d200b7\","
	    "\"internalId\":\"9plm4sdqk71r\","
	    "\"documentId\":\"683de6b22d2267803376acb3\","
	    "\"documentName\":\"Non-Disclosure Agreement\","
	    "\"hash\":\"0xc9f71a3e6b94e0a4f6ad982c1d9e3721d8472e67af5d456e91b"
	    "da63ac5d3cf17\","
	    "\"signature\":\"0xa8bfa7c3c2e5f6b471d01b0dbf73d6c9e0b5d1f8a6c84e"
	    "3a7f1e6c9b52b7c8d1a92e03db0e9c5f3b0a72d3a1c6e7f814c82b3d9f27b8e5"
	    "a0f3b4c5e6a7d8f9b2c\","
	    "\"decisionDate\":\"2025-09-12T14:35:22.197Z\","
	    "\"rejected\":false}]}}" },
	{ "signature-professional",
	    "{\"eventType\":\"process.signature.completed\","
	    "\"organizationId\":\"680a65a4da4a16c0ea64face\","
	    "\"processId\":\"68c3f4a9275a5464513815e5\","
	    "\"professionalId\":\"680a6d31a601995047471150\","
	    "\"professionalName\":\"Rodrigo Sarroeira\","
	    "\"professionalInternalId\":\"CA435\","
	    "\"completedAt\":\"2025-09-12T14:46:43.320Z\","
	    "\"metadata\":{\"items\":[{\"itemId\":\"68c3f4a9275a5464513815e7"
	    "\",\"documentId\":\"683de6b22d2267803376acb1\","
	    "\"documentName\":\"Service Agreement\","
	    "\"hash\":\"0x47f18c9c0c8119fb96582105c9e06a973bc384f0bc842290cbe"
	    "38cdba2ec669d\","
	    "\"signature\":\"0x3147a17ccd944eef40dc3ebe36bbff08e42d80b5cd9797"
	    "2f8e821deaa1cb12933053bd31399470846a86aa5b9f2c72b5109084fae2e8a5"
	    "7a93fb1687d84918bf1c\","
	    "\"decisionDate\":\"2025-09-12T14:46:43.320Z\","
	    "\"rejected\":false},{\"itemId\":\"68c3f4a9275a5464513815e8\","
	    "\"documentId\":\"683de6b22d2267803376acb2\","
	    "\"documentName\":\"Non-Disclosure Agreement\","
	    "\"hash\":\"0xb8d71e4a6f9b2c83e40f9d81d7d4e6a1c2f9b37a6d28e47e12c"
	    "4b5c3e7f0d918\","
	    "\"signature\":\"0xa17d6c9f1e3f92a5c8b7d41a2e9f04c5b6c1d8f3a2b7e4"
	    "f8c9a5d3e2b1f6a47c90e1f3a5d7c2b8e4f1a9d3e7f0c5b2a9d\","
	    "\"decisionDate\":\"2025-09-12T14:49:15.500Z\","
	    "\"rejected\":true}]}}" },
	{ "consent",
	    "{\"eventType\":\"process.consent.completed\","
	    "\"organizationId\":\"680a65a4da4a16c0ea64face\","
	    "\"processId\":\"68c42ec3e47c9a7f9241e0ba\","
	    "\"userId\":\"684ade7148a18e172af7cab1\","
	    "\"completedAt\":\"2025-09-12T14:37:31.236Z\","
	    "\"metadata\":{\"items\":[{\"itemId\":\"68c42ec4e47c9a7f9241e0bc"
	    "\",\"consentId\":\"68c2d5b3ad6376134938a601\","
	    "\"internalId\":\"7hd83ksla92p\","
	    "\"consentName\":\"Data Privacy Policy\",\"text\":\"By agreeing,"
	    " you confirm that you have read and understood our Data Privacy "
	    "Policy, which explains how your personal data will be collected,"
	    " stored, and used.\","
	    "\"link\":\"https://example.com/privacy-policy\","
	    "\"required\":true,\"decisionDate\":\"2025-09-12T14:37:31.236Z\","
	    "\"rejected\":false},{\"itemId\":\"68c42ec4e47c9a7f9241e0bd\","
	    "\"consentId\":\"6894b96e8aecc042e54184cc\",\"internalId\":null,"
	    "\"consentName\":\"Marketing Communications\","
	    "\"text\":\"I agree to receive promotional emails, newsletters,"
	    " and updates about new products and services. You can "
	    "unsubscribe at any time.\","
	    "\"link\":\"https://example.com/marketing-consent\","
	    "\"required\":false,"
	    "\"decisionDate\":\"2025-09-12T14:37:31.236Z\","
	    "\"rejected\":true},{\"itemId\":\"68c42ec4e47c9a7f9241e0be\","
	    "\"consentId\":\"68812c92f69fa320d3b3fd7c\",\"internalId\":null,"
	    "\"consentName\":\"Terms and Conditions\","
	    "\"text\":\"By continuing, you confirm that you have read,"
	    " understood,"
	    " and agree to the Terms and Conditions. Please review them "
	    "carefully as they outline your rights and obligations when using "
	    "our services.\","
	    "\"link\":\"https://example.com/terms-and-conditions\","
	    "\"required\":true,\"decisionDate\":\"2025-09-12T14:37:31.236Z\","
	    "\"rejected\":false}]}}" },
	{ "form-filled",
	    "{\"event\":\"process.form.filled\","
	    "\"processId\":\"68c88aaa6002536da855c049\","
	    "\"organizationId\":\"680a65a4da4a16c0ea64face\","
	    "\"userId\":\"684ade7148a18e172af7cab1\","
	    "\"completedAt\":\"2025-09-15T21:54:36.637Z\","
	    "\"metadata\":{\"items\":[{\"itemId\":\"68c88aaa6002536da855c04b"
	    "\",\"formId\":\"fo67jWVc\","
	    "\"submittedFields\":[{\"question\":\"What is your full name?\","
	    "\"answer\":{\"type\":\"text\",\"text\":\"John Doe\"}},"
	    "{\"question\":\"Select your gender\","
	    "\"answer\":{\"type\":\"choice\",\"text\":\"Male\"}},"
	    "{\"question\":\"Do you currently study?\","
	    "\"answer\":{\"type\":\"boolean\",\"text\":\"true\"}},"
	    "{\"question\":\"Which fruits do you like?\","
	    "\"answer\":{\"type\":\"choices\",\"text\":\"Apple, Banana,"
	    " Orange\"}},{\"question\":\"How old are you?\","
	    "\"answer\":{\"type\":\"number\",\"text\":\"29\"}},"
	    "{\"question\":\"What is your email?\","
	    "\"answer\":{\"type\":\"email\","
	    "\"text\":\"john.doe@example.com\"}},"
	    "{\"question\":\"What is your phone number?\","
	    "\"answer\":{\"type\":\"phone_number\","
	    "\"text\":\"+351912345678\"}}]}]}}" },
	{ "form-rejected",
	    "{\"event\":\"process.form.rejected\","
	    "\"processId\":\"68c88aaa6002536da855c049\","
	    "\"organizationId\":\"680a65a4da4a16c0ea64face\","
	    "\"userId\":\"684ade7148a18e172af7cab1\","
	    "\"rejectedAt\":\"2025-09-15T22:10:12.421Z\","
	    "\"metadata\":{\"items\":[{\"itemId\":\"68c88aaa6002536da855c04b"
	    "\",\"formId\":\"fo67jWVc\","
	    "\"reason\":\"User opted out of completing this form.\"}]}}" },
	{ "credential",
	    "{\"event\":\"credential\",\"api_version\":\"2025-10-01\","
	    "\"requestId\":\"5f0c6e1e-6f3b-4a4e-9a55-3c1b2f7d9e10\","
	    "\"issuerDid\":\"did:web:humanos.id:organizations:680a65a4da4a16c"
	    "0ea64face\",\"user\":{\"id\":\"684ade7148a18e172af7cab1\","
	    "\"did\":\"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2d"
	    "oK\"},\"decisionDate\":\"2025-10-01T10:15:00.000Z\","
	    "\"decision\":{\"status\":\"accepted\","
	    "\"date\":\"2025-10-01T10:15:00.000Z\"},"
	    "\"credential\":{\"credentialId\":\"68dcf0a1e47c9a7f9241e0c1\","
	    "\"type\":\"consent\",\"name\":\"Data Privacy Policy\","
	    "\"internalId\":\"7hd83ksla92p\"},"
	    "\"metadata\":{\"items\":[{\"itemId\":\"68dcf0a1e47c9a7f9241e0c2"
	    "\",\"consentId\":\"68c2d5b3ad6376134938a601\","
	    "\"internalId\":\"7hd83ksla92p\","
	    "\"consentName\":\"Data Privacy Policy\",\"text\":\"By agreeing,"
	    " you confirm that you have read and understood our Data Privacy "
	    "Policy, which explains how your personal data will be collected,"
	    " stored, and used.\","
	    "\"link\":\"https://example.com/privacy-policy\","
	    "\"required\":true,\"decisionDate\":\"2025-10-01T10:15:00.000Z\","
	    "\"rejected\":false}]}}" },
	{ "identity",
	    "{\"event\":\"identity\",\"api_version\":\"2025-10-01\","
	    "\"requestId\":\"0b7e4f7c-2d1a-4c35-8f0e-6a9d2c4b1e77\","
	    "\"issuerDid\":\"did:web:humanos.id:organizations:680a65a4da4a16c"
	    "0ea64face\",\"user\":{\"id\":\"684ade7148a18e172af7cab1\","
	    "\"did\":\"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2d"
	    "oK\"},\"decisionDate\":\"2025-10-01T10:20:00.000Z\","
	    "\"decision\":{\"status\":\"accepted\","
	    "\"date\":\"2025-10-01T10:20:00.000Z\"},"
	    "\"identity\":{\"kycId\":\"68dcf2b08bec20beaa53f240\","
	    "\"kycType\":\"PROFESSIONAL\","
	    "\"verificationStatus\":\"COMPLETED\","
	    "\"documentsVerified\":[\"IDENTITY_DOCUMENT\",\"LIVENESS_CHECK\","
	    "\"FACE_MATCH\"],"
	    "\"verificationDate\":\"2025-10-01T10:20:00.000Z\","
	    "\"identityData\":{\"fullName\":\"Rodrigo Carvalheda Duarte da "
	    "Fonseca Sarroeira\",\"gender\":\"M\",\"birth\":\"21-12-2001\","
	    "\"docId\":\"14499760\",\"countryAlpha3\":\"PRT\","
	    "\"expiresAt\":\"2026-12-23T00:00:00.000Z\",\"issueDate\":null,"
	    "\"taxNumber\":null,\"healthNumber\":null,"
	    "\"socialSecurityNumber\":null,\"photo\":null,\"height\":\"1,"
	    "79\",\"documentDiscriminator\":\"6ZWS\",\"placeOfBirth\":null,"
	    "\"mrzText\":null}}}" },
	{ "otp-failed",
	    "{\"event\":\"otp.failed\",\"api_version\":\"2025-10-01\","
	    "\"requestId\":\"9c2d7a51-3e8b-4f60-b1d4-7e5a0c3f8b22\","
	    "\"issuerDid\":\"did:web:humanos.id:organizations:680a65a4da4a16c"
	    "0ea64face\",\"user\":{\"id\":\"684ade7148a18e172af7cab1\","
	    "\"did\":\"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2d"
	    "oK\"},\"decisionDate\":\"2025-10-01T10:25:00.000Z\","
	    "\"channel\":\"sms\",\"destination\":\"+351*****678\","
	    "\"attempts\":3,\"maxAttempts\":3,"
	    "\"reason\":\"max_attempts_exceeded\"}" },
};

/* Keys given fresh values, wherever they appear in a sample. */
static const char *const fresh_oid[] = {
	"processId", "itemId", "kycId", "credentialId", NULL
};
static const char *const fresh_uuid[] = { "requestId", NULL };
static const char *const fresh_iso[] = {
	"completedAt", "rejectedAt", "decisionDate", "verificationDate",
	"date", NULL
};
static const char *const fresh_ms[] = { "timestamp", NULL };

/* What one call makes its fresh values from. */
struct fresh {
	long long	 now_ms;
	char		 iso[ISO_MS_LEN];
	unsigned char	 oid_rand[OID_RAND_LEN];
	unsigned long	 oid_count;	/* 24 bits, like MongoDB's */
};

static int	 fresh_init(struct fresh *, long long, char *, size_t);
static int	 fresh_walk(struct json_object *, struct fresh *, int);
static int	 fresh_value(const char *, struct fresh *,
		    struct json_object **);
static int	 in_list(const char *const *, const char *);
static void	 hex(const unsigned char *, size_t, char *);

const char *
sample_name(size_t i)
{
	return i < sizeof(samples) / sizeof(samples[0]) ?
	    samples[i].name : NULL;
}

int
sample_build(const char *name, long long now_ms, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	const struct sample	*s = NULL;
	struct json_object	*obj = NULL;
	struct fresh		 fr;
	const char		*js;
	size_t			 i, len;

	*out = NULL;
	for (i = 0; sample_name(i) != NULL; i++)
		if (strcmp(samples[i].name, name) == 0)
			s = &samples[i];
	if (s == NULL) {
		snprintf(err, errlen, "unknown sample '%s'", name);
		return -1;
	}
	if (fresh_init(&fr, now_ms, err, errlen) == -1)
		return -1;
	if ((obj = json_tokener_parse(s->json)) == NULL) {
		snprintf(err, errlen, "sample %s: bad template", name);
		return -1;
	}
	if (fresh_walk(obj, &fr, 0) == -1) {
		snprintf(err, errlen, "sample %s: out of memory", name);
		goto fail;
	}
	js = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (js == NULL || (*out = strdup(js)) == NULL) {
		snprintf(err, errlen, "sample %s: out of memory", name);
		goto fail;
	}
	*outlen = len;
	json_object_put(obj);
	return 0;
fail:
	json_object_put(obj);
	return -1;
}

static int
fresh_init(struct fresh *fr, long long now_ms, char *err, size_t errlen)
{
	unsigned char	c[3];
	struct tm	tm;
	time_t		t = (time_t)(now_ms / 1000);
	char		date[sizeof("2025-09-12T14:27:51")];

	fr->now_ms = now_ms;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    snprintf(fr->iso, sizeof(fr->iso), "%s.%03dZ", date,
	    (int)(now_ms % 1000)) != (int)sizeof(fr->iso) - 1) {
		snprintf(err, errlen, "cannot format the time %lld", now_ms);
		return -1;
	}
	if (RAND_bytes(fr->oid_rand, sizeof(fr->oid_rand)) != 1 ||
	    RAND_bytes(c, sizeof(c)) != 1) {
		snprintf(err, errlen, "no random bytes");
		return -1;
	}
	fr->oid_count = (unsigned long)c[0] << 16 | c[1] << 8 | c[2];
	return 0;
}

/* Replace the fresh_* keys of obj and everything below it. */
static int
fresh_walk(struct json_object *obj, struct fresh *fr, int depth)
{
	struct json_object	*v;
	size_t			 i, n;

	if (depth > SAMPLE_DEPTH)
		return -1;
	if (json_object_is_type(obj, json_type_array)) {
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			if (fresh_walk(json_object_array_get_idx(obj, i), fr,
			    depth + 1) == -1)
				return -1;
		return 0;
	}
	if (!json_object_is_type(obj, json_type_object))
		return 0;
	json_object_object_foreach(obj, key, val) {
		if (json_object_is_type(val, json_type_object) ||
		    json_object_is_type(val, json_type_array)) {
			if (fresh_walk(val, fr, depth + 1) == -1)
				return -1;
			continue;
		}
		if (fresh_value(key, fr, &v) == -1)
			return -1;
		if (v == NULL)
			continue;
		/* Replacing a key's value keeps the key's place. */
		if (json_object_object_add(obj, key, v) != 0) {
			json_object_put(v);
			return -1;
		}
	}
	return 0;
}

/*
 * *v = a new value for key, or NULL when key keeps its sample value.
 * Returns 0, or -1 when a value cannot be made.
 */
static int
fresh_value(const char *key, struct fresh *fr, struct json_object **v)
{
	unsigned char	id[UUID_LEN];
	char		s[2 * UUID_LEN + sizeof("----")];
	unsigned long	secs = (unsigned long)(fr->now_ms / 1000);

	*v = NULL;
	if (in_list(fresh_iso, key))
		*v = json_object_new_string(fr->iso);
	else if (in_list(fresh_ms, key))
		*v = json_object_new_int64(fr->now_ms);
	else if (in_list(fresh_oid, key)) {
		/* MongoDB's layout: seconds, random, a counter. */
		id[0] = secs >> 24 & 0xff;
		id[1] = secs >> 16 & 0xff;
		id[2] = secs >> 8 & 0xff;
		id[3] = secs & 0xff;
		memcpy(id + 4, fr->oid_rand, sizeof(fr->oid_rand));
		id[9] = fr->oid_count >> 16 & 0xff;
		id[10] = fr->oid_count >> 8 & 0xff;
		id[11] = fr->oid_count & 0xff;
		fr->oid_count = (fr->oid_count + 1) & 0xffffff;
		hex(id, OID_LEN, s);
		*v = json_object_new_string(s);
	} else if (in_list(fresh_uuid, key)) {
		if (RAND_bytes(id, sizeof(id)) != 1)
			return -1;
		id[6] = (id[6] & 0x0f) | 0x40;		/* version 4 */
		id[8] = (id[8] & 0x3f) | 0x80;		/* RFC 4122 variant */
		hex(id, 4, s);
		s[8] = '-';
		hex(id + 4, 2, s + 9);
		s[13] = '-';
		hex(id + 6, 2, s + 14);
		s[18] = '-';
		hex(id + 8, 2, s + 19);
		s[23] = '-';
		hex(id + 10, 6, s + 24);
		*v = json_object_new_string(s);
	} else
		return 0;
	return *v == NULL ? -1 : 0;
}

static int
in_list(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

/* Lower-case hex of n bytes into s (2n + 1 bytes), NUL-terminated. */
static void
hex(const unsigned char *b, size_t n, char *s)
{
	static const char digits[] = "0123456789abcdef";
	size_t	i;

	for (i = 0; i < n; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	s[2 * n] = '\0';
}
