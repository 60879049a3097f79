/* SPDX-License-Identifier: ISC */
/* aead: AES-256-GCM with any IV length OpenSSL allows, 16-byte tags, no AAD. */
#ifndef HW_AEAD_H
#define HW_AEAD_H

#include <stddef.h>

#define AEAD_KEY_LEN	32
#define AEAD_TAG_LEN	16
#define AEAD_IV_MAX	128	/* OpenSSL's GCM IV limit, in bytes */

struct evp_cipher_ctx_st;

/* One key with its AES key schedule, ready for many messages. */
struct aead_key {
	struct evp_cipher_ctx_st	*dec;
	struct evp_cipher_ctx_st	*enc;
};

/* Set up k for key (AEAD_KEY_LEN bytes).  Returns 0 or -1. */
int	aead_key_init(struct aead_key *k, const unsigned char *key);
void	aead_key_free(struct aead_key *k);

/*
 * Decrypt ctlen bytes of ct into pt (room for ctlen bytes) and verify
 * the AEAD_TAG_LEN-byte tag.  ivlen must be 1..AEAD_IV_MAX.
 * Returns 0, or -1 when the tag does not verify (pt is then wiped).
 */
int	aead_decrypt(struct aead_key *k, const unsigned char *iv, size_t ivlen,
	    const unsigned char *ct, size_t ctlen, const unsigned char *tag,
	    unsigned char *pt);

/* Encrypt ptlen bytes into ct (same length) and tag.  Returns 0 or -1. */
int	aead_encrypt(struct aead_key *k, const unsigned char *iv, size_t ivlen,
	    const unsigned char *pt, size_t ptlen, unsigned char *ct,
	    unsigned char *tag);

#endif
