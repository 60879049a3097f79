/* SPDX-License-Identifier: ISC */
/* kdf: PBKDF2-HMAC-SHA256, as the provider derives its payload key. */
#include <limits.h>

#include <openssl/evp.h>

#include "kdf.h"

int
kdf_derive(const void *pass, size_t passlen, const void *salt,
    size_t saltlen, unsigned char key[KDF_KEY_LEN])
{
	static const char empty[1];

	if (passlen > INT_MAX || saltlen > INT_MAX)
		return -1;
	if (PKCS5_PBKDF2_HMAC(passlen ? pass : empty, (int)passlen,
	    saltlen ? salt : (const void *)empty, (int)saltlen,
	    KDF_ITERATIONS, EVP_sha256(), KDF_KEY_LEN, key) != 1)
		return -1;
	return 0;
}
