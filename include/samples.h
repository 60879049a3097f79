/* SPDX-License-Identifier: ISC */
/* samples: the provider's sample events, made fresh on every call. */
#ifndef HW_SAMPLES_H
#define HW_SAMPLES_H

#include <stddef.h>

#define SAMPLE_ERR_MAX	256	/* bytes of an error message */

/* The webhook version the versioned samples speak unless told otherwise. */
#define SAMPLE_API_DEFAULT	"2026-05-17"

/*
 * The name of the i-th sample (kyc, signature-user, ..., otp-failed),
 * or NULL past the last one.
 */
const char	*sample_name(size_t i);

/*
 * The i-th webhook version (api_version) the versioned samples can be
 * built in, SAMPLE_API_DEFAULT first, or NULL past the last one.
 */
const char	*sample_api_version(size_t i);

/*
 * 1 when the sample called name is in the provider's versioned format
 * (credential, identity, otp-failed: eventType and api_version, SPEC
 * section 3), 0 when it is one of the unversioned process.* samples, -1
 * when there is no such sample.
 */
int	sample_versioned(const char *name);

/*
 * Build the sample called name as compact JSON: the provider's sample
 * with fresh ids (ObjectIds, request ids, credential URNs) and times
 * (now), so that no two calls give the same event.  api_version picks
 * the webhook version of a versioned sample (one of
 * sample_api_version(); NULL: SAMPLE_API_DEFAULT); it must be NULL for
 * an unversioned one.  now_ms is the current time in milliseconds since
 * the epoch.  On success *out is a NUL-terminated string of *outlen bytes
 * owned by the caller (free it), and 0 is returned; else -1 with err set
 * (an unknown sample or version, no random bytes, no memory).
 */
int	sample_build(const char *name, const char *api_version,
	    long long now_ms, char **out, size_t *outlen, char *err,
	    size_t errlen);

#endif
