/* SPDX-License-Identifier: ISC */
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
#define OID_STR_LEN	(2 * OID_LEN)
#define UUID_STR_LEN	(2 * UUID_LEN + sizeof("----") - 1)
#define ISO_MS_LEN	sizeof("2025-09-12T14:27:51.571Z")
#define SAMPLE_DEPTH	16	/* the templates nest less than this */
#define SAMPLE_STR_MAX	256	/* bytes of a template string, tokens replaced */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The provider's unversioned samples (humanos-webhooks.md), serialised
 * compactly; kyc is the doc's sample less its trailing comma.  The ids
 * and times here are placeholders: sample_build() replaces every key
 * listed in the fresh_* tables below.
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
};

/*
 * The versioned format (SPEC section 3), one template per webhook
 * version of api_versions[].  Where the shapes come from:
 *   SPEC section 3 (the field table and the per-event lines), and the
 *   provider's API reference:
 *   https://docs.humanos.id/api-reference/2026-05-17/webhooks/credential-event
 *   https://docs.humanos.id/api-reference/2026-05-17/webhooks/identity-event
 *   https://docs.humanos.id/api-reference/2026-05-17/webhooks/otp-failed-event
 *   https://humanos.mintlify.app/api-reference/2026-04-14/webhooks/credential-event
 *   https://humanos.mintlify.app/webhooks/otp-failed (error codes, the older
 *   resendEndpoint; its payload is the older shape)
 *   https://humanos.mintlify.app/api-reference/2026-03-07/webhooks/identity-event
 *   (the fields of the identity object; 2026-05-17 leaves it open)
 *   https://humanos.mintlify.app/api-reference/2026-05-17/credentials/get-credential
 *   (credential status: DRAFT, ACTIVE, REJECTED, CANCELED, REVOKED, EXPIRED)
 * Key order follows the reference's examples.  Placeholder values (the
 * reference shows only "<string>" or an example there): the DIDs of the
 * issuer and the user, contact, every internalId, name, description,
 * tags, the w3cCredential's type, credentialSubject, evidence and proof
 * values, the 2026-04-14 credential's status (that version publishes no
 * list; ACTIVE is the 2026-05-17 word for an accepted credential) and
 * its proofs[] and data[] contents, decision.riskScore, message and
 * outcome (no list of outcomes is published), the identity data (the
 * person of the provider's kyc sample), and the otp error (one of the
 * provider's "common error codes").  SPEC section 3 lists no difference
 * for the identity decision in 2026-04-14, so it keeps all six fields
 * there too.
 *
 * Tokens in string values, replaced on every call (fresh_subst()):
 *   ${now}         the time of the call, ISO 8601 with milliseconds
 *   ${requestId}   one fresh ObjectId per call (the doc's requestIds are
 *                  ObjectIds), the same wherever it appears
 *   ${credential}  one fresh UUID per call, the same wherever it appears
 *   ${uuid}        a fresh UUID (v4) each time it appears
 *   ${oid}         a fresh ObjectId each time it appears
 */
static const char *const api_versions[] = {
	SAMPLE_API_DEFAULT,	/* "2026-05-17" */
	"2026-04-14"
};
#define NVERSIONS	NELEM(api_versions)

#define ISSUER_NEW	"did:web:humanos.tech:issuer:680a65a4da4a16c0ea64face"
#define ISSUER_OLD	"did:via:humanos:680a65a4da4a16c0ea64face"
#define USER_ID		"did:web:humanos.tech:user:" \
			    "013a0628-fd20-4f73-a7d0-785e9f6e79c1"
#define USER_DID	"did:via:humanos:user-013a0628-fd20-4f73-a7d0-" \
			    "785e9f6e79c1"
#define CONTACT		"+351912345678"
#define HEAD(type, issuer)						\
	"{\"eventType\":\"" type "\",\"requestId\":\"${requestId}\","	\
	"\"issuerDid\":\"" issuer "\","
#define USER_NEW							\
	"\"user\":{\"contact\":\"" CONTACT "\",\"id\":\"" USER_ID "\","	\
	"\"internalId\":\"user_98765\"},"
#define USER_OLD							\
	"\"user\":{\"contact\":\"" CONTACT "\",\"did\":\"" USER_DID "\","	\
	"\"internalId\":\"user_98765\"},"
#define API(v)		"\"api_version\":\"" v "\""
#define REQ_INTERNAL	"\"internalId\":\"req_internal_001\""
#define IDENTITY							\
	"\"identity\":{\"fullName\":\"Rodrigo Carvalheda Duarte da "	\
	"Fonseca Sarroeira\",\"gender\":\"M\","				\
	"\"birth\":\"2001-12-21T00:00:00.000Z\",\"docId\":\"14499760\","	\
	"\"fullDocId\":\"14499760 6ZWS\","				\
	"\"expiresAt\":\"2026-12-23T00:00:00.000Z\",\"issueDate\":null,"	\
	"\"placeOfBirth\":null,\"documentType\":\"ID_CARD\","		\
	"\"countryAlpha3\":\"PRT\"}"
#define ID_DECISION							\
	"\"decision\":{\"success\":true,\"isFraud\":false,"		\
	"\"date\":\"${now}\",\"riskScore\":12,"				\
	"\"message\":\"Identity verified\",\"outcome\":\"APPROVED\"}"
#define OTP(endpoint)							\
	"\"otp\":{\"resendEndpoint\":\"" endpoint "\","			\
	"\"error\":{\"code\":\"UNDELIVERABLE\","			\
	"\"message\":\"Message could not be delivered to the carrier\"}}"
#define PROOF_VALUE	"z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk"

static const struct vsample {
	const char	*name;
	const char	*json[NVERSIONS];	/* as api_versions[] */
} vsamples[] = {
	{ "credential", {
	    HEAD("credential", ISSUER_NEW) USER_NEW API("2026-05-17") ","
	    "\"credential\":{\"id\":\"urn:via:credential:${credential}\","
	    "\"resourceType\":\"DOCUMENT\",\"status\":\"ACTIVE\","
	    "\"w3cCredential\":{\"@context\":["
	    "\"https://www.w3.org/ns/credentials/v2\","
	    "\"https://via.humanos.dev/ns/v1\"],"
	    "\"id\":\"urn:via:credential:${credential}\","
	    "\"type\":[\"VerifiableCredential\",\"VIAMandate\"],"
	    "\"issuer\":\"" ISSUER_NEW "\",\"validFrom\":\"${now}\","
	    "\"validUntil\":null,\"credentialSubject\":{\"id\":\"" USER_ID
	    "\",\"mandate\":{\"grantor\":[\"" USER_ID "\"],"
	    "\"scope\":\"humanos.credential.request\","
	    "\"context\":{\"authorizedDIDs\":[\"" ISSUER_NEW "\"]}}},"
	    "\"evidences\":[{\"id\":\"urn:via:evidence:${credential}\","
	    "\"digestSRI\":\"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu"
	    "FU=\",\"location\":\"https://api.humanos.dev/evidences/"
	    "urn:via:evidence:${credential}\"}],"
	    "\"proofs\":[{\"type\":\"DataIntegrityProof\","
	    "\"cryptosuite\":\"eddsa-jcs-2022\","
	    "\"verificationMethod\":\"" ISSUER_NEW "#key-1\","
	    "\"created\":\"${now}\",\"proofPurpose\":\"assertionMethod\","
	    "\"proofValue\":\"" PROOF_VALUE "\"}]},"
	    "\"name\":\"Service Agreement\","
	    "\"description\":\"Document to be requested on onboarding\","
	    "\"internalId\":\"internal-12345\",\"tags\":[\"onboarding\"],"
	    "\"decisions\":[{\"id\":\"urn:via:decision:${uuid}\","
	    "\"contact\":\"" CONTACT "\",\"accepted\":true,"
	    "\"decidedAt\":\"${now}\"}]},"
	    "\"decision\":{\"action\":\"accept\",\"date\":\"${now}\"},"
	    REQ_INTERNAL "}",

	    HEAD("credential", ISSUER_OLD) USER_OLD
	    "\"decisionDate\":\"${now}\",\"action\":\"accept\","
	    "\"credential\":{\"id\":\"${oid}\",\"resourceType\":\"DOCUMENT\","
	    "\"status\":\"ACTIVE\",\"proofs\":[{\"type\":\"DataIntegrityProof\","
	    "\"cryptosuite\":\"eddsa-jcs-2022\","
	    "\"proofPurpose\":\"assertionMethod\","
	    "\"verificationMethod\":\"" ISSUER_OLD "#key-1\","
	    "\"proofValue\":\"" PROOF_VALUE "\",\"actionType\":\"ACCEPT\","
	    "\"actionProof\":\"0x47f18c9c0c8119fb96582105c9e06a973bc384f0bc84"
	    "2290cbe38cdba2ec669d\",\"createdAt\":\"${now}\"}],"
	    "\"data\":[{\"label\":\"Consent statement\",\"type\":\"string\","
	    "\"value\":\"I consent to the terms and conditions\","
	    "\"hidden\":false,\"fields\":[]}],"
	    "\"name\":\"Service Agreement\","
	    "\"internalId\":\"internal-12345\"},"
	    REQ_INTERNAL "," API("2026-04-14") "}" } },
	{ "identity", {
	    HEAD("identity", ISSUER_NEW) USER_NEW API("2026-05-17") ","
	    ID_DECISION "," REQ_INTERNAL "," IDENTITY "}",

	    HEAD("identity", ISSUER_OLD) USER_OLD
	    "\"decisionDate\":\"${now}\"," IDENTITY "," ID_DECISION ","
	    REQ_INTERNAL "," API("2026-04-14") "}" } },
	{ "otp-failed", {
	    HEAD("otp.failed", ISSUER_NEW) USER_NEW API("2026-05-17") ","
	    OTP("/request/resend/${requestId}") "," REQ_INTERNAL "}",

	    HEAD("otp.failed", ISSUER_OLD) USER_OLD
	    "\"decisionDate\":\"${now}\","
	    OTP("/v1/requests/${requestId}/resend") "," REQ_INTERNAL ","
	    API("2026-04-14") "}" } },
};

/* Keys of the unversioned samples given fresh values, wherever they are. */
static const char *const fresh_oid[] = {
	"processId", "itemId", "kycId", NULL
};
static const char *const fresh_iso[] = {
	"completedAt", "rejectedAt", "decisionDate", "verificationDate",
	NULL
};
static const char *const fresh_ms[] = { "timestamp", NULL };

/* What one call makes its fresh values from. */
struct fresh {
	long long	 now_ms;
	char		 iso[ISO_MS_LEN];
	unsigned char	 oid_rand[OID_RAND_LEN];
	unsigned long	 oid_count;	/* 24 bits, like MongoDB's */
	char		 request[OID_STR_LEN + 1];	/* ${requestId} */
	char		 credential[UUID_STR_LEN + 1];	/* ${credential} */
	int		 bykey;		/* replace the fresh_* keys too */
};

static int	 fresh_init(struct fresh *, long long, char *, size_t);
static int	 fresh_walk(struct json_object *, struct fresh *, int);
static int	 fresh_string(const char *, const char *, struct fresh *,
		    struct json_object **);
static int	 fresh_value(const char *, struct fresh *,
		    struct json_object **);
static int	 fresh_subst(const char *, struct fresh *,
		    struct json_object **);
static void	 oid_make(struct fresh *, char *);
static int	 uuid_make(char *);
static int	 in_list(const char *const *, const char *);
static void	 hex(const unsigned char *, size_t, char *);

const char *
sample_name(size_t i)
{
	if (i < NELEM(samples))
		return samples[i].name;
	i -= NELEM(samples);
	return i < NELEM(vsamples) ? vsamples[i].name : NULL;
}

const char *
sample_api_version(size_t i)
{
	return i < NVERSIONS ? api_versions[i] : NULL;
}

int
sample_versioned(const char *name)
{
	size_t	i;

	for (i = 0; i < NELEM(vsamples); i++)
		if (strcmp(vsamples[i].name, name) == 0)
			return 1;
	for (i = 0; i < NELEM(samples); i++)
		if (strcmp(samples[i].name, name) == 0)
			return 0;
	return -1;
}

/* The template of name for api_version, or NULL (err set). */
static const char *
sample_template(const char *name, const char *api_version, char *err,
    size_t errlen)
{
	size_t	i, v;

	for (i = 0; i < NELEM(samples); i++) {
		if (strcmp(samples[i].name, name) != 0)
			continue;
		if (api_version == NULL)
			return samples[i].json;
		snprintf(err, errlen, "sample %s is not in the versioned "
		    "format: it has no api_version", name);
		return NULL;
	}
	for (i = 0; i < NELEM(vsamples); i++) {
		if (strcmp(vsamples[i].name, name) != 0)
			continue;
		if (api_version == NULL)
			return vsamples[i].json[0];
		for (v = 0; v < NVERSIONS; v++)
			if (strcmp(api_versions[v], api_version) == 0)
				return vsamples[i].json[v];
		snprintf(err, errlen, "unknown webhook version '%s'",
		    api_version);
		return NULL;
	}
	snprintf(err, errlen, "unknown sample '%s'", name);
	return NULL;
}

int
sample_build(const char *name, const char *api_version, long long now_ms,
    char **out, size_t *outlen, char *err, size_t errlen)
{
	struct json_object	*obj = NULL;
	struct fresh		 fr;
	const char		*tmpl, *js;
	size_t			 len;

	*out = NULL;
	if ((tmpl = sample_template(name, api_version, err, errlen)) == NULL)
		return -1;
	if (fresh_init(&fr, now_ms, err, errlen) == -1)
		return -1;
	fr.bykey = sample_versioned(name) == 0;
	if ((obj = json_tokener_parse(tmpl)) == NULL) {
		snprintf(err, errlen, "sample %s: bad template", name);
		return -1;
	}
	if (fresh_walk(obj, &fr, 0) == -1) {
		snprintf(err, errlen, "sample %s: cannot make fresh values",
		    name);
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
	oid_make(fr, fr->request);
	if (uuid_make(fr->credential) == -1) {
		snprintf(err, errlen, "no random bytes");
		return -1;
	}
	return 0;
}

/*
 * *v = the fresh value of val (at key in an object; key NULL in an array,
 * where only strings change), or NULL to keep it: 0, or -1.  Nested
 * containers are walked.
 */
static int
fresh_member(struct json_object *val, const char *key, struct fresh *fr,
    int depth, struct json_object **v)
{
	*v = NULL;
	if (json_object_is_type(val, json_type_object) ||
	    json_object_is_type(val, json_type_array) ||
	    (key == NULL && !json_object_is_type(val, json_type_string)))
		return fresh_walk(val, fr, depth + 1);
	return fresh_string(key, json_object_is_type(val, json_type_string) ?
	    json_object_get_string(val) : NULL, fr, v);
}

/* Give obj and everything below it fresh values. */
static int
fresh_walk(struct json_object *obj, struct fresh *fr, int depth)
{
	struct json_object	*v;
	size_t			 i, n;
	int			 rc = 0;

	if (depth > SAMPLE_DEPTH)
		return -1;
	if (json_object_is_type(obj, json_type_array)) {
		n = json_object_array_length(obj);
		for (i = 0; i < n && rc == 0; i++) {
			if ((rc = fresh_member(json_object_array_get_idx(obj,
			    i), NULL, fr, depth, &v)) == 0 && v != NULL &&
			    (rc = json_object_array_put_idx(obj, i, v)) != 0)
				json_object_put(v);
		}
		return rc == 0 ? 0 : -1;
	}
	if (!json_object_is_type(obj, json_type_object))
		return 0;
	json_object_object_foreach(obj, key, val) {
		/* Replacing a key's value keeps the key's place. */
		if ((rc = fresh_member(val, key, fr, depth, &v)) == 0 &&
		    v != NULL && (rc = json_object_object_add(obj, key, v)) != 0)
			json_object_put(v);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/*
 * *v = the fresh value of a scalar (key NULL in an array; s its text when
 * it is a string, else NULL), or NULL when it keeps its template value.
 */
static int
fresh_string(const char *key, const char *s, struct fresh *fr,
    struct json_object **v)
{
	*v = NULL;
	if (s != NULL && strstr(s, "${") != NULL)
		return fresh_subst(s, fr, v);
	if (fr->bykey && key != NULL)
		return fresh_value(key, fr, v);
	return 0;
}

/* *v = s with its ${...} tokens replaced (see vsamples[]). */
static int
fresh_subst(const char *s, struct fresh *fr, struct json_object **v)
{
	char		 out[SAMPLE_STR_MAX], id[UUID_STR_LEN + 1];
	const char	*p = s, *val, *end;
	size_t		 n = 0, len;

	while (*p != '\0') {
		if (strncmp(p, "${", 2) != 0) {
			if (n + 1 >= sizeof(out))
				return -1;
			out[n++] = *p++;
			continue;
		}
		if ((end = strchr(p, '}')) == NULL)
			return -1;
		len = (size_t)(end - p) + 1;
		if (len == sizeof("${now}") - 1 && memcmp(p, "${now}", len) == 0)
			val = fr->iso;
		else if (len == sizeof("${requestId}") - 1 &&
		    memcmp(p, "${requestId}", len) == 0)
			val = fr->request;
		else if (len == sizeof("${credential}") - 1 &&
		    memcmp(p, "${credential}", len) == 0)
			val = fr->credential;
		else if (len == sizeof("${uuid}") - 1 &&
		    memcmp(p, "${uuid}", len) == 0) {
			if (uuid_make(id) == -1)
				return -1;
			val = id;
		} else if (len == sizeof("${oid}") - 1 &&
		    memcmp(p, "${oid}", len) == 0) {
			oid_make(fr, id);
			val = id;
		} else
			return -1;	/* a typo in a template */
		if (n + strlen(val) >= sizeof(out))
			return -1;
		memcpy(out + n, val, strlen(val));
		n += strlen(val);
		p += len;
	}
	out[n] = '\0';
	return (*v = json_object_new_string(out)) == NULL ? -1 : 0;
}

/*
 * *v = a new value for key, or NULL when key keeps its sample value.
 * Returns 0, or -1 when a value cannot be made.
 */
static int
fresh_value(const char *key, struct fresh *fr, struct json_object **v)
{
	char	s[OID_STR_LEN + 1];

	*v = NULL;
	if (in_list(fresh_iso, key))
		*v = json_object_new_string(fr->iso);
	else if (in_list(fresh_ms, key))
		*v = json_object_new_int64(fr->now_ms);
	else if (in_list(fresh_oid, key)) {
		oid_make(fr, s);
		*v = json_object_new_string(s);
	} else
		return 0;
	return *v == NULL ? -1 : 0;
}

/* A fresh ObjectId in s (OID_STR_LEN + 1 bytes): MongoDB's layout. */
static void
oid_make(struct fresh *fr, char *s)
{
	unsigned char	id[OID_LEN];
	unsigned long	secs = (unsigned long)(fr->now_ms / 1000);

	/* Seconds, the per-process random part, a counter. */
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
}

/* A fresh UUID (version 4) in s (UUID_STR_LEN + 1 bytes). */
static int
uuid_make(char *s)
{
	unsigned char	id[UUID_LEN];

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
	return 0;
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
