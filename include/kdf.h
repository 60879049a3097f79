/* SPDX-License-Identifier: ISC */
/* kdf: the payload key, PBKDF2-HMAC-SHA256(secret, salt, 10000, 32). */
#ifndef HW_KDF_H
#define HW_KDF_H

#include <stddef.h>

#define KDF_KEY_LEN	32
#define KDF_ITERATIONS	10000

/*
 * Derive key from the decoded encryption secret (pass, passlen) and the
 * salt string's bytes.  Slow by design: call once per process and key.
 * Returns 0 or -1.
 */
int	kdf_derive(const void *pass, size_t passlen, const void *salt,
	    size_t saltlen, unsigned char key[KDF_KEY_LEN]);

#endif
