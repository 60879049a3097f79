/* SPDX-License-Identifier: ISC */
/* b64: strict standard base64. */
#include <stdint.h>

#include "b64.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Each character's value, or -1 outside the alphabet. */
static const int8_t b64_values[256] = {
#define X -1
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
	X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X,
	X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

int
b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap,
    size_t *outlen)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 i, n = 0, pad = 0, rest;
	uint32_t		 v;
	int			 a, b, c, d;

	/* Padding, if any, completes the last quantum and nothing follows. */
	while (pad < 2 && inlen > 0 && in[inlen - 1] == '=') {
		inlen--;
		pad++;
	}
	/* Padding is required: the provider always pads, and one encoding
	   a value is what keeps parsers from disagreeing. */
	if ((inlen + pad) % 4 != 0)
		return -1;
	rest = inlen % 4;
	if (rest == 1)
		return -1;
	if (inlen / 4 * 3 + (rest ? rest - 1 : 0) > outcap)
		return -1;

	for (i = 0; i + 4 <= inlen; i += 4) {
		a = b64_values[s[i]];
		b = b64_values[s[i + 1]];
		c = b64_values[s[i + 2]];
		d = b64_values[s[i + 3]];
		if ((a | b | c | d) < 0)	/* one test for four characters */
			return -1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		    (uint32_t)d;
		out[n++] = (unsigned char)(v >> 16);
		out[n++] = (unsigned char)(v >> 8);
		out[n++] = (unsigned char)v;
	}
	if (rest > 0) {
		a = b64_values[s[i]];
		b = b64_values[s[i + 1]];
		c = rest == 3 ? b64_values[s[i + 2]] : 0;
		if ((a | b | c) < 0)
			return -1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
		/* Leftover bits must be zero (the canonical encoding). */
		if ((rest == 2 && (v & 0xffff)) || (rest == 3 && (v & 0xff)))
			return -1;
		out[n++] = (unsigned char)(v >> 16);
		if (rest == 3)
			out[n++] = (unsigned char)(v >> 8);
	}
	*outlen = n;
	return 0;
}

size_t
b64_encode(const unsigned char *in, size_t inlen, char *out)
{
	size_t	 i, n = 0;
	uint32_t v;

	for (i = 0; i + 2 < inlen; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[n++] = b64_alphabet[v >> 18];
		out[n++] = b64_alphabet[(v >> 12) & 63];
		out[n++] = b64_alphabet[(v >> 6) & 63];
		out[n++] = b64_alphabet[v & 63];
	}
	if (i < inlen) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < inlen)
			v |= (uint32_t)in[i + 1] << 8;
		out[n++] = b64_alphabet[v >> 18];
		out[n++] = b64_alphabet[(v >> 12) & 63];
		out[n++] = i + 1 < inlen ? b64_alphabet[(v >> 6) & 63] : '=';
		out[n++] = '=';
	}
	out[n] = '\0';
	return n;
}
