/* samples: the provider's sample events, made fresh on every call. */
#ifndef HW_SAMPLES_H
#define HW_SAMPLES_H

#include <stddef.h>

#define SAMPLE_ERR_MAX	256	/* bytes of an error message */

/*
 * The name of the i-th sample (kyc, signature-user, ..., otp-failed),
 * or NULL past the last one.
 */
const char	*sample_name(size_t i);

/*
 * Build the sample called name as compact JSON: the provider's sample
 * with fresh ids (ObjectIds, request ids) and times (now), so that no
 * two calls give the same event.  now_ms is the current time in
 * milliseconds since the epoch.  On success *out is a NUL-terminated
 * string of *outlen bytes owned by the caller (free it), and 0 is
 * returned; else -1 with err set.
 */
int	sample_build(const char *name, long long now_ms, char **out,
	    size_t *outlen, char *err, size_t errlen);

#endif
