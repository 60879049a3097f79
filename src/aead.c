/* SPDX-License-Identifier: ISC */
/* aead: AES-256-GCM, one key schedule per key, reused for every message. */
#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aead.h"

static EVP_CIPHER_CTX *
aead_ctx(const unsigned char *key, int enc)
{
	static EVP_CIPHER	*gcm;
	EVP_CIPHER_CTX		*c;

	if (gcm == NULL &&
	    (gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		return NULL;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(c, gcm, NULL, key, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

int
aead_key_init(struct aead_key *k, const unsigned char *key)
{
	k->dec = aead_ctx(key, 0);
	k->enc = aead_ctx(key, 1);
	if (k->dec == NULL || k->enc == NULL) {
		aead_key_free(k);
		return -1;
	}
	return 0;
}

void
aead_key_free(struct aead_key *k)
{
	EVP_CIPHER_CTX_free(k->dec);	/* wipes the key schedule */
	EVP_CIPHER_CTX_free(k->enc);
	k->dec = k->enc = NULL;
}

/* Set the IV (any length 1..AEAD_IV_MAX), keeping the key schedule. */
static int
aead_iv(EVP_CIPHER_CTX *c, const unsigned char *iv, size_t ivlen, int enc)
{
	if (ivlen == 0 || ivlen > AEAD_IV_MAX)
		return -1;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen,
	    NULL) != 1)
		return -1;
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, enc) != 1)
		return -1;
	return 0;
}

int
aead_decrypt(struct aead_key *k, const unsigned char *iv, size_t ivlen,
    const unsigned char *ct, size_t ctlen, const unsigned char *tag,
    unsigned char *pt)
{
	EVP_CIPHER_CTX	*c = k->dec;
	int		 n, fin;

	if (ctlen > INT_MAX || aead_iv(c, iv, ivlen, 0) == -1)
		return -1;
	n = 0;
	if (ctlen > 0 && EVP_DecryptUpdate(c, pt, &n, ct, (int)ctlen) != 1)
		goto fail;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, AEAD_TAG_LEN,
	    (void *)tag) != 1)
		goto fail;
	if (EVP_DecryptFinal_ex(c, pt + n, &fin) != 1)
		goto fail;
	return 0;
fail:
	OPENSSL_cleanse(pt, ctlen);
	return -1;
}

int
aead_encrypt(struct aead_key *k, const unsigned char *iv, size_t ivlen,
    const unsigned char *pt, size_t ptlen, unsigned char *ct,
    unsigned char *tag)
{
	EVP_CIPHER_CTX	*c = k->enc;
	int		 n, fin;

	if (ptlen > INT_MAX || aead_iv(c, iv, ivlen, 1) == -1)
		return -1;
	n = 0;
	if (ptlen > 0 && EVP_EncryptUpdate(c, ct, &n, pt, (int)ptlen) != 1)
		return -1;
	if (EVP_EncryptFinal_ex(c, ct + n, &fin) != 1)
		return -1;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, AEAD_TAG_LEN,
	    tag) != 1)
		return -1;
	return 0;
}
