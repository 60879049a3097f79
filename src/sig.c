/* SPDX-License-Identifier: ISC */
/* sig: hex HMAC-SHA256 over timestamp "." body, compared in constant time. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sig.h"
#include "util.h"

int
sig_key_init(struct sig_key *k, const void *secret, size_t len)
{
	static EVP_MAC	*mac;
	OSSL_PARAM	 params[2];
	static const unsigned char empty[1];

	k->ctx = NULL;
	if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	if ((k->ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	/* HMAC takes an empty key; OpenSSL wants a non-NULL pointer for it. */
	if (EVP_MAC_init(k->ctx, len ? secret : empty, len, params) != 1) {
		sig_key_free(k);
		return -1;
	}
	return 0;
}

void
sig_key_free(struct sig_key *k)
{
	EVP_MAC_CTX_free(k->ctx);	/* wipes the key it holds */
	k->ctx = NULL;
}

int
sig_compute(struct sig_key *k, const char *ts, size_t tslen,
    const void *body, size_t bodylen, unsigned char mac[SIG_LEN])
{
	size_t	outlen;

	/* A NULL key re-initialises with the key already set. */
	if (EVP_MAC_init(k->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(k->ctx, (const unsigned char *)ts, tslen) != 1 ||
	    EVP_MAC_update(k->ctx, (const unsigned char *)".", 1) != 1 ||
	    EVP_MAC_update(k->ctx, body, bodylen) != 1 ||
	    EVP_MAC_final(k->ctx, mac, &outlen, SIG_LEN) != 1 ||
	    outlen != SIG_LEN)
		return -1;
	return 0;
}

int
sig_parse_hex(const char *hex, size_t len, unsigned char mac[SIG_LEN])
{
	size_t	i;
	int	hi, lo;

	if (len != SIG_HEX_LEN)
		return -1;
	for (i = 0; i < SIG_LEN; i++) {
		hi = util_hex_value((unsigned char)hex[2 * i]);
		lo = util_hex_value((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void
sig_to_hex(const unsigned char mac[SIG_LEN], char hex[SIG_HEX_LEN + 1])
{
	util_hex_encode(mac, SIG_LEN, hex);
}

int
sig_verify(struct sig_key *keys, size_t nkeys, const char *hex,
    size_t hexlen, const char *ts, size_t tslen, const void *body,
    size_t bodylen)
{
	unsigned char	given[SIG_LEN], want[SIG_LEN];
	size_t		i;
	int		match = -1;

	if (sig_parse_hex(hex, hexlen, given) == -1)
		return -1;
	/* Try every key, so the time taken does not tell which matched. */
	for (i = 0; i < nkeys; i++) {
		if (sig_compute(&keys[i], ts, tslen, body, bodylen, want) == -1)
			continue;
		if (CRYPTO_memcmp(given, want, SIG_LEN) == 0 && match == -1)
			match = (int)i;
	}
	OPENSSL_cleanse(want, sizeof(want));
	return match;
}
