/* SPDX-License-Identifier: ISC */
/* sig: the delivery signature, hex HMAC-SHA256(secret, timestamp "." body). */
#ifndef HW_SIG_H
#define HW_SIG_H

#include <stddef.h>

#define SIG_LEN		32			/* SHA-256 output */
#define SIG_HEX_LEN	(2 * SIG_LEN)

struct evp_mac_ctx_st;

/* One signature secret, keyed once (the HMAC key schedule is kept). */
struct sig_key {
	struct evp_mac_ctx_st	*ctx;
};

/*
 * Key k with len bytes of secret.  The secret bytes are not kept by us
 * (OpenSSL holds its own copy, freed and wiped by sig_key_free).
 * Returns 0 or -1.
 */
int	sig_key_init(struct sig_key *k, const void *secret, size_t len);
void	sig_key_free(struct sig_key *k);

/* mac = HMAC-SHA256(k, ts "." body).  Returns 0 or -1. */
int	sig_compute(struct sig_key *k, const char *ts, size_t tslen,
	    const void *body, size_t bodylen, unsigned char mac[SIG_LEN]);

/* Parse exactly SIG_HEX_LEN hex digits, either case.  Returns 0 or -1. */
int	sig_parse_hex(const char *hex, size_t len, unsigned char mac[SIG_LEN]);

/* Lower-case hex of mac, NUL-terminated. */
void	sig_to_hex(const unsigned char mac[SIG_LEN], char hex[SIG_HEX_LEN + 1]);

/*
 * Check the untrusted header value hex (hexlen bytes) against every key
 * in keys[0..nkeys), comparing whole MACs in constant time.
 * Returns the index of the matching key, or -1.
 */
int	sig_verify(struct sig_key *keys, size_t nkeys, const char *hex,
	    size_t hexlen, const char *ts, size_t tslen, const void *body,
	    size_t bodylen);

#endif
