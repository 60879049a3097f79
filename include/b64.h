/* SPDX-License-Identifier: ISC */
/* b64: standard base64 (RFC 4648 section 4), strict. */
#ifndef HW_B64_H
#define HW_B64_H

#include <stddef.h>

/* Bytes needed to hold the decoding of n base64 characters. */
#define B64_DECODED_MAX(n)	((((n) + 3) / 4) * 3)
/* Characters (without the NUL) of the encoding of n bytes. */
#define B64_ENCODED_LEN(n)	((((n) + 2) / 3) * 4)

/*
 * Decode inlen characters of in into out (room for outcap bytes).
 * Accepts the standard alphabet with its '=' padding, the one canonical
 * encoding of each value; rejects missing or misplaced padding,
 * whitespace, the URL-safe alphabet and non-zero trailing bits.
 * Returns 0 and sets *outlen, or -1.
 */
int	b64_decode(const char *in, size_t inlen, unsigned char *out,
	    size_t outcap, size_t *outlen);

/*
 * Encode inlen bytes into out, which must hold B64_ENCODED_LEN(inlen) + 1
 * characters; out is NUL-terminated.  Returns the length written.
 */
size_t	b64_encode(const unsigned char *in, size_t inlen, char *out);

#endif
