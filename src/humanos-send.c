/* SPDX-License-Identifier: ISC */
/*
 * humanos-send: build signed, encrypted test deliveries exactly as the
 * provider does (SPEC section 9), then print them or POST them.
 */
#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#ifdef HAVE_CURL
#include <curl/curl.h>
#endif

#include "aead.h"
#include "b64.h"
#include "config.h"
#include "kdf.h"
#include "samples.h"
#include "util.h"
#include "sig.h"

#define SEND_MAX_EVENT		(64 * 1024 * 1024)	/* EVENT.json bytes */
#define SEND_IV_DEFAULT		12	/* what the provider uses */
#define SEND_TS_MAX		19	/* digits of a timestamp */
#define SEND_MAX_RESPONSE	(1024 * 1024)	/* bytes of a reply shown */
#define SEND_CONNECT_TIMEOUT	10	/* seconds */
#define SEND_TIMEOUT		60	/* seconds for the whole POST */
#define SEND_TARGET		"/webhook"	/* request-target of --print */
#define SEND_HOST		"localhost"	/* its Host header */
#define SEND_ERR_MAX		CONFIG_ERR_MAX
#define ENVELOPE_FMT		"{\"iv\":\"%s\",\"data\":\"%s\",\"tag\":\"%s\"}"

/* What one delivery is made with. */
struct keys {
	struct sig_key	 sig;
	struct aead_key	 aead;
	int		 ready;
};

/* One delivery: the plaintext in, the request out. */
struct delivery {
	char		*plain;		/* the event JSON (a secret) */
	size_t		 plainlen;
	char		 ts[SEND_TS_MAX + 1];
	char		*body;		/* {"iv":…,"data":…,"tag":…} */
	size_t		 bodylen;
	char		 sig[SIG_HEX_LEN + 1];
};

enum output {
	OUT_PRINT,
	OUT_CURL,
	OUT_URL
};

enum {
	OPT_PROFILE = 256,
	OPT_SIG_SECRET,
	OPT_ENC_SECRET,
	OPT_SALT,
	OPT_TIMESTAMP,
	OPT_IV_LENGTH,
	OPT_SAMPLE,
	OPT_API_VERSION,
	OPT_PRINT,
	OPT_URL,
	OPT_CURL,
	OPT_LIST,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "config",		required_argument,	NULL, 'c' },
	{ "profile",		required_argument,	NULL, OPT_PROFILE },
	{ "signature-secret",	required_argument,	NULL, OPT_SIG_SECRET },
	{ "encryption-secret",	required_argument,	NULL, OPT_ENC_SECRET },
	{ "salt",		required_argument,	NULL, OPT_SALT },
	{ "timestamp",		required_argument,	NULL, OPT_TIMESTAMP },
	{ "iv-length",		required_argument,	NULL, OPT_IV_LENGTH },
	{ "sample",		required_argument,	NULL, OPT_SAMPLE },
	{ "api-version",	required_argument,	NULL, OPT_API_VERSION },
	{ "print",		no_argument,		NULL, OPT_PRINT },
	{ "url",		required_argument,	NULL, OPT_URL },
	{ "curl",		required_argument,	NULL, OPT_CURL },
	{ "list-samples",	no_argument,		NULL, OPT_LIST },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL,			0,			NULL, 0 }
};

static void	 usage(FILE *, int) __attribute__((noreturn));
static void	 fatal(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));
static int	 keys_init(struct keys *, const void *, size_t,
		    const void *, size_t, const void *, size_t, char *,
		    size_t);
static void	 keys_free(struct keys *);
static int	 keys_from_args(struct keys *, char *, char *, char *,
		    char *, size_t, int *);
static int	 keys_from_config(struct keys *, const char *, const char *,
		    char *, size_t, int *);
static int	 read_event(const char *, char **, size_t *, char *, size_t,
		    int *);
static int	 parse_timestamp(const char *, char *);
static const char *parse_api_version(const char *);
static const char *api_version_refused(const char *, const char *);
static int	 deliver_build(struct delivery *, struct keys *, size_t,
		    char *, size_t);
static void	 delivery_free(struct delivery *);
static int	 print_request(const struct delivery *);
static int	 print_curl(const struct delivery *, const char *);
static int	 post(const struct delivery *, const char *, char *, size_t,
		    int *);

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: humanos-send [-c CONFIG [--profile NAME] |\n"
"                     --signature-secret S --encryption-secret B64 --salt S]\n"
"                    [--timestamp MS] [--iv-length N]\n"
"                    (--sample NAME [--api-version V] | EVENT.json | -)\n"
"                    [--print | --url URL | --curl URL]\n"
"       humanos-send --list-samples | --version | --help\n"
"\n"
"Build a Humanos webhook delivery (AES-256-GCM, HMAC-SHA256 signature)\n"
"exactly as the provider does, then print it or POST it.\n"
"\n"
"  -c, --config FILE          take the secrets from FILE (default:\n"
"                             $HUMANOS_WEBHOOK_CONFIG or %s)\n"
"      --profile NAME         ... from its [profile NAME] section\n"
"      --signature-secret S   the signature secret\n"
"      --encryption-secret B  the encryption secret (base64)\n"
"      --salt S               the encryption salt\n"
"      --timestamp MS         x-timestamp, verbatim (default: now, in ms)\n"
"      --iv-length N          IV bytes, 1..%d (default %d)\n"
"      --sample NAME          a fresh sample event; --list-samples names them\n"
"      --api-version V        webhook version of the credential, identity and\n"
"                             otp-failed samples: %s (default) or %s\n"
"      EVENT.json, -          send this file's (or stdin's) bytes as they are\n"
"      --print                write the HTTP request to stdout (default)\n"
"      --url URL              POST it; print \"HTTP <status>\" and the reply;\n"
"                             exit 0 on 2xx, 1 otherwise, 75 if unreachable\n"
"      --curl URL             write a curl command that POSTs it to URL\n",
	    config_default_path(), AEAD_IV_MAX, SEND_IV_DEFAULT,
	    sample_api_version(0), sample_api_version(1));
	exit(status);
}

static void
fatal(int status, const char *fmt, ...)
{
	va_list	ap;

	fputs("humanos-send: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* What the command line asked for. */
struct send_opts {
	const char	*config, *profile, *sample, *url, *event, *api;
	char		*sigs, *encs, *salt;
	char		 ts[SEND_TS_MAX + 1];	/* --timestamp, or "" */
	long		 ivlen;
	enum output	 out;
	int		 nout;
};

/* One option of getopt_long's; exits on a bad one (or --help...). */
static void
parse_option(int ch, struct send_opts *o)
{
	char	*end;
	size_t	 i;

	switch (ch) {
	case 'c':		o->config = optarg; break;
	case OPT_PROFILE:	o->profile = optarg; break;
	case OPT_SIG_SECRET:	o->sigs = optarg; break;
	case OPT_ENC_SECRET:	o->encs = optarg; break;
	case OPT_SALT:		o->salt = optarg; break;
	case OPT_SAMPLE:	o->sample = optarg; break;
	case OPT_TIMESTAMP:
		if (parse_timestamp(optarg, o->ts) == -1)
			fatal(EX_USAGE, "--timestamp: expected 1 to %d decimal "
			    "digits (milliseconds since the epoch)",
			    SEND_TS_MAX);
		break;
	case OPT_IV_LENGTH:
		errno = 0;
		o->ivlen = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || errno != 0 ||
		    o->ivlen < 1 || o->ivlen > AEAD_IV_MAX)
			fatal(EX_USAGE, "--iv-length: expected a number of "
			    "bytes from 1 to %d", AEAD_IV_MAX);
		break;
	case OPT_API_VERSION:
		if ((o->api = parse_api_version(optarg)) == NULL)
			fatal(EX_USAGE, "--api-version: expected %s or %s",
			    sample_api_version(0), sample_api_version(1));
		break;
	case OPT_PRINT:
	case OPT_URL:
	case OPT_CURL:
		o->out = ch == OPT_PRINT ? OUT_PRINT : ch == OPT_URL ?
		    OUT_URL : OUT_CURL;
		o->url = ch == OPT_PRINT ? NULL : optarg;
		o->nout++;
		break;
	case OPT_LIST:
		for (i = 0; sample_name(i) != NULL; i++)
			printf("%s\n", sample_name(i));
		exit(0);
	case OPT_VERSION:
		printf("humanos-send %s\n", PACKAGE_VERSION);
		exit(0);
	case 'h':
		usage(stdout, 0);
	default:
		usage(stderr, EX_USAGE);
	}
}

/* The options, checked against each other; exits on a conflict. */
static void
parse_args(int argc, char *argv[], struct send_opts *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	o->ivlen = SEND_IV_DEFAULT;
	o->out = OUT_PRINT;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1)
		parse_option(ch, o);
	argc -= optind;
	argv += optind;
	if (o->nout > 1)
		fatal(EX_USAGE, "give one of --print, --url and --curl");
	if ((o->sample != NULL) + argc != 1)
		fatal(EX_USAGE, "give exactly one of --sample NAME and "
		    "EVENT.json (try --help)");
	o->event = argc == 1 ? argv[0] : NULL;
	if (api_version_refused(o->api, o->sample) != NULL)
		fatal(EX_USAGE, "--api-version: %s",
		    api_version_refused(o->api, o->sample));
	if ((o->sigs != NULL || o->encs != NULL || o->salt != NULL) &&
	    (o->config != NULL || o->profile != NULL))
		fatal(EX_USAGE, "give either -c CONFIG [--profile NAME] or the "
		    "three secrets, not both");
#ifndef HAVE_CURL
	if (o->out == OUT_URL)
		fatal(EX_UNAVAILABLE, "--url: humanos-send was built without "
		    "libcurl (use --print or --curl)");
#endif
}

/* The event: a fresh sample, or EVENT.json.  Exits on a problem. */
static void
load_event(const struct send_opts *o, struct delivery *d)
{
	char	err[SEND_ERR_MAX];
	size_t	i;
	int	status = 0;

	if (o->sample == NULL) {
		if (read_event(o->event, &d->plain, &d->plainlen, err,
		    sizeof(err), &status) == -1)
			fatal(status, "%s", err);
		return;
	}
	for (i = 0; sample_name(i) != NULL; i++)
		if (strcmp(sample_name(i), o->sample) == 0)
			break;
	if (sample_name(i) == NULL)
		fatal(EX_USAGE, "unknown sample '%s' (try --list-samples)",
		    o->sample);
	if (sample_build(o->sample, o->api, (long long)util_now_ms(),
	    &d->plain, &d->plainlen, err, sizeof(err)) == -1)
		fatal(EX_SOFTWARE, "%s", err);
}

/* The keys: from the three secrets, or the configuration.  Exits. */
static void
load_keys(const struct send_opts *o, struct keys *keys)
{
	char	err[SEND_ERR_MAX];
	int	status = 0;

	if (o->sigs != NULL || o->encs != NULL || o->salt != NULL) {
		if (keys_from_args(keys, o->sigs, o->encs, o->salt, err,
		    sizeof(err), &status) == -1)
			fatal(status, "%s", err);
		return;
	}
	if (keys_from_config(keys, o->config != NULL ? o->config :
	    config_default_path(), o->profile, err, sizeof(err),
	    &status) == -1) {
		fputs(err, stderr);
		if (o->config == NULL)
			fprintf(stderr, "humanos-send: give -c CONFIG, or "
			    "--signature-secret, --encryption-secret and "
			    "--salt\n");
		exit(status);
	}
}

int
main(int argc, char *argv[])
{
	struct send_opts o;
	struct keys	 keys = { .ready = 0 };
	struct delivery	 d;
	char		 err[SEND_ERR_MAX];
	int		 status = 0, rc = 0;

	memset(&d, 0, sizeof(d));
	parse_args(argc, argv, &o);
	/* The event first: a typo there should not cost a key derivation. */
	load_event(&o, &d);
	load_keys(&o, &keys);
	snprintf(d.ts, sizeof(d.ts), "%s", o.ts);
	if (d.ts[0] == '\0')
		snprintf(d.ts, sizeof(d.ts), "%lld", (long long)util_now_ms());
	rc = deliver_build(&d, &keys, (size_t)o.ivlen, err, sizeof(err));
	keys_free(&keys);
	if (rc == -1) {
		delivery_free(&d);
		fatal(EX_SOFTWARE, "%s", err);
	}
	if (o.out == OUT_PRINT)
		rc = print_request(&d);
	else if (o.out == OUT_CURL)
		rc = print_curl(&d, o.url);
	else if ((rc = post(&d, o.url, err, sizeof(err), &status)) == -1) {
		fprintf(stderr, "humanos-send: %s\n", err);
		rc = 0;		/* reported; status says how it ended */
	}
	delivery_free(&d);
	if (rc == -1)
		fatal(EX_IOERR, "stdout: %s", strerror(errno));
	return status;
}

/* Set k up from the raw secrets: sig (its bytes), enc (decoded), salt. */
static int
keys_init(struct keys *k, const void *sig, size_t siglen, const void *enc,
    size_t enclen, const void *salt, size_t saltlen, char *err,
    size_t errlen)
{
	unsigned char	key[KDF_KEY_LEN];

	if (kdf_derive(enc, enclen, salt, saltlen, key) == -1) {
		snprintf(err, errlen, "cannot derive the encryption key");
		return -1;
	}
	if (aead_key_init(&k->aead, key) == -1) {
		OPENSSL_cleanse(key, sizeof(key));
		snprintf(err, errlen, "cannot set up AES-256-GCM");
		return -1;
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (sig_key_init(&k->sig, sig, siglen) == -1) {
		aead_key_free(&k->aead);
		snprintf(err, errlen, "cannot set up HMAC-SHA256");
		return -1;
	}
	k->ready = 1;
	return 0;
}

static void
keys_free(struct keys *k)
{
	if (!k->ready)
		return;
	sig_key_free(&k->sig);
	aead_key_free(&k->aead);
	k->ready = 0;
}

/*
 * The three secrets from the command line.  They are wiped from argv
 * once used, so that they linger in fewer places (ps shows them while
 * we start all the same: prefer -c CONFIG).
 */
static int
keys_from_args(struct keys *k, char *sigs, char *encs, char *salt,
    char *err, size_t errlen, int *status)
{
	unsigned char	*enc = NULL;
	size_t		 enclen = 0, cap;
	int		 rc = -1;

	*status = EX_USAGE;
	if (sigs == NULL || encs == NULL || salt == NULL) {
		snprintf(err, errlen, "give all of --signature-secret, "
		    "--encryption-secret and --salt (or -c CONFIG)");
		return -1;
	}
	if (*sigs == '\0' || *encs == '\0' || *salt == '\0') {
		snprintf(err, errlen, "a secret or the salt is empty");
		goto done;
	}
	cap = B64_DECODED_MAX(strlen(encs));
	if ((enc = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		*status = EX_OSERR;
		goto done;
	}
	if (b64_decode(encs, strlen(encs), enc, cap, &enclen) == -1 ||
	    enclen == 0) {
		snprintf(err, errlen, "--encryption-secret is not valid "
		    "base64 (standard alphabet, e.g. c2VjcmV0)");
		goto done;
	}
	*status = EX_SOFTWARE;
	rc = keys_init(k, sigs, strlen(sigs), enc, enclen, salt,
	    strlen(salt), err, errlen);
done:
	if (enc != NULL) {
		OPENSSL_cleanse(enc, cap);
		free(enc);
	}
	OPENSSL_cleanse(sigs, strlen(sigs));
	OPENSSL_cleanse(encs, strlen(encs));
	OPENSSL_cleanse(salt, strlen(salt));
	return rc;
}

/*
 * The first signature secret and the first encryption secret and salt
 * of a profile of the configuration file.  On failure err holds one
 * line or more, each ending in a newline.
 */
static int
keys_from_config(struct keys *k, const char *path, const char *name,
    char *err, size_t errlen, int *status)
{
	struct config	 cfg;
	const struct profile *p;
	size_t		 n;
	int		 rc;

	*status = EX_CONFIG;
	if (config_load(path, &cfg, err, errlen) == -1)
		return -1;
	if ((p = config_profile(&cfg, name)) == NULL) {
		if (name != NULL)
			snprintf(err, errlen, "%s: no complete profile '%s' "
			    "(with spool_dir and secrets)\n", path, name);
		else
			snprintf(err, errlen, "%s: the top level is incomplete "
			    "(no spool_dir or secrets): give --profile NAME\n",
			    path);
		config_free(&cfg);
		return -1;
	}
	/* The raw secrets: config_prepare() would derive every profile. */
	rc = keys_init(k, p->sig[0].buf, p->sig[0].len, p->enc[0].secret.buf,
	    p->enc[0].secret.len, p->enc[0].salt.buf, p->enc[0].salt.len,
	    err, errlen);
	config_free(&cfg);
	if (rc == -1) {
		*status = EX_SOFTWARE;
		n = strlen(err);
		if (n + 1 < errlen) {
			err[n] = '\n';
			err[n + 1] = '\0';
		}
	}
	return rc;
}

/* EVENT.json, or stdin for "-": its bytes, as they are. */
static int
read_event(const char *path, char **out, size_t *outlen, char *err,
    size_t errlen, int *status)
{
	FILE	*fp;
	char	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0, n;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		*status = EX_NOINPUT;
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 64 * 1024 : cap * 2;
			if (cap > SEND_MAX_EVENT + 1)
				cap = SEND_MAX_EVENT + 1;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				*status = EX_OSERR;
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (len > SEND_MAX_EVENT) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    SEND_MAX_EVENT);
			*status = EX_DATAERR;
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		*status = EX_IOERR;
		goto fail;
	}
	if (fp != stdin)
		fclose(fp);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	if (fp != stdin)
		fclose(fp);
	free(buf);
	return -1;
}

static int
parse_timestamp(const char *s, char *ts)
{
	size_t	len = strlen(s);

	if (len == 0 || len > SEND_TS_MAX || strspn(s, "0123456789") != len)
		return -1;
	memcpy(ts, s, len + 1);
	return 0;
}

/* One of the webhook versions the samples speak, or NULL. */
static const char *
parse_api_version(const char *s)
{
	size_t	i;

	for (i = 0; sample_api_version(i) != NULL; i++)
		if (strcmp(sample_api_version(i), s) == 0)
			return sample_api_version(i);
	return NULL;
}

/*
 * Why --api-version (api, or NULL when not given) cannot go with sample
 * (NULL for EVENT.json), or NULL when it can.  It picks the shape of a
 * versioned sample; the process.* samples and EVENT.json have no version
 * to pick, so it is refused there rather than ignored (a user asking for
 * it expects it to matter).
 */
static const char *
api_version_refused(const char *api, const char *sample)
{
	if (api == NULL)
		return NULL;
	if (sample == NULL)
		return "only with --sample (EVENT.json is sent as it is)";
	if (sample_versioned(sample) == 0)
		return "only the samples credential, identity and otp-failed "
		    "are in the versioned format";
	return NULL;
}

/* Encrypt d->plain with a fresh IV, wrap it and sign it. */
static int
deliver_build(struct delivery *d, struct keys *k, size_t ivlen, char *err,
    size_t errlen)
{
	unsigned char	 iv[AEAD_IV_MAX], tag[AEAD_TAG_LEN], mac[SIG_LEN];
	unsigned char	*ct = NULL;
	char		*iv64 = NULL, *ct64 = NULL, *tag64 = NULL;
	size_t		 cap;
	int		 n, rc = -1;

	if ((ct = malloc(d->plainlen + 1)) == NULL ||
	    (iv64 = malloc(B64_ENCODED_LEN(ivlen) + 1)) == NULL ||
	    (ct64 = malloc(B64_ENCODED_LEN(d->plainlen) + 1)) == NULL ||
	    (tag64 = malloc(B64_ENCODED_LEN(sizeof(tag)) + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (RAND_bytes(iv, (int)ivlen) != 1) {
		snprintf(err, errlen, "no random bytes for the IV");
		goto fail;
	}
	if (aead_encrypt(&k->aead, iv, ivlen, (unsigned char *)d->plain,
	    d->plainlen, ct, tag) == -1) {
		snprintf(err, errlen, "AES-256-GCM encryption failed");
		goto fail;
	}
	b64_encode(iv, ivlen, iv64);
	b64_encode(ct, d->plainlen, ct64);
	b64_encode(tag, sizeof(tag), tag64);

	cap = sizeof(ENVELOPE_FMT) + strlen(iv64) + strlen(ct64) +
	    strlen(tag64);
	if ((d->body = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	n = snprintf(d->body, cap, ENVELOPE_FMT, iv64, ct64, tag64);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, errlen, "envelope too large");
		goto fail;
	}
	d->bodylen = (size_t)n;
	if (sig_compute(&k->sig, d->ts, strlen(d->ts), d->body, d->bodylen,
	    mac) == -1) {
		snprintf(err, errlen, "HMAC-SHA256 failed");
		goto fail;
	}
	sig_to_hex(mac, d->sig);
	rc = 0;
fail:
	free(ct);
	free(iv64);
	free(ct64);
	free(tag64);
	return rc;
}

static void
delivery_free(struct delivery *d)
{
	if (d->plain != NULL) {
		OPENSSL_cleanse(d->plain, d->plainlen);
		free(d->plain);
	}
	free(d->body);
	memset(d, 0, sizeof(*d));
}

/* The request as HTTP/1.1 would carry it (one newline after the body). */
static int
print_request(const struct delivery *d)
{
	/* On the wire as it is: CRLF, a Host, the body and nothing after. */
	printf("POST %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Content-Type: application/json\r\n"
	    "x-timestamp: %s\r\n"
	    "x-signature: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n", SEND_TARGET, SEND_HOST, d->ts, d->sig, d->bodylen);
	fwrite(d->body, 1, d->bodylen, stdout);
	return fflush(stdout) == EOF || ferror(stdout) ? -1 : 0;
}

/* A shell command; the URL is quoted, the rest needs no quoting. */
static int
print_curl(const struct delivery *d, const char *url)
{
	const char	*p;

	printf("curl -sS -X POST -H 'Content-Type: application/json' "
	    "-H 'x-timestamp: %s' -H 'x-signature: %s' --data-binary '%s' '",
	    d->ts, d->sig, d->body);
	for (p = url; *p != '\0'; p++)
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	printf("'\n");
	return fflush(stdout) == EOF || ferror(stdout) ? -1 : 0;
}

#ifdef HAVE_CURL
/* The reply, kept up to SEND_MAX_RESPONSE bytes. */
struct reply {
	char	buf[SEND_MAX_RESPONSE];
	size_t	len;
};

static size_t
reply_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct reply	*r = arg;
	size_t		 n = size * nmemb, room = sizeof(r->buf) - r->len;

	memcpy(r->buf + r->len, data, n < room ? n : room);
	r->len += n < room ? n : room;
	return n;
}

/*
 * POST the delivery to url and print "HTTP <status>" and the reply.
 * *status: 0 on 2xx, 1 on another status, EX_TEMPFAIL when there was
 * no answer.  Returns -1 (err set) when there was no answer.
 */
/* Set c up to POST d to url with headers hdr, the reply into r. */
static int
post_setup(CURL *c, const struct delivery *d, const char *url,
    struct curl_slist *hdr, struct reply *r)
{
	return curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
#else
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)d->bodylen) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reply_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, r) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)SEND_CONNECT_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)SEND_TIMEOUT) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ? -1 : 0;
}

/* The request's headers, as a curl list (NULL: out of memory). */
static struct curl_slist *
post_headers(const struct delivery *d)
{
	char			 ts[sizeof("x-timestamp: ") + SEND_TS_MAX];
	char			 sig[sizeof("x-signature: ") + SIG_HEX_LEN];
	const char		*hv[4];
	struct curl_slist	*hdr = NULL, *h;
	size_t			 i;

	snprintf(ts, sizeof(ts), "x-timestamp: %s", d->ts);
	snprintf(sig, sizeof(sig), "x-signature: %s", d->sig);
	hv[0] = "Content-Type: application/json";
	hv[1] = ts;
	hv[2] = sig;
	hv[3] = "Expect:";	/* else curl waits for "100 Continue" */
	for (i = 0; i < sizeof(hv) / sizeof(hv[0]); i++) {
		if ((h = curl_slist_append(hdr, hv[i])) == NULL) {
			curl_slist_free_all(hdr);
			return NULL;
		}
		hdr = h;
	}
	return hdr;
}

static int
post(const struct delivery *d, const char *url, char *err, size_t errlen,
    int *status)
{
	struct curl_slist	*hdr = NULL;
	struct reply		*r = NULL;
	CURL			*c = NULL;
	CURLcode		 cc;
	long			 code = 0;
	int			 rc = -1;

	*status = EX_SOFTWARE;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (r = calloc(1, sizeof(*r))) == NULL ||
	    (c = curl_easy_init()) == NULL ||
	    (hdr = post_headers(d)) == NULL) {
		snprintf(err, errlen, "cannot set up libcurl");
		goto done;
	}
	if (post_setup(c, d, url, hdr, r) == -1) {
		snprintf(err, errlen, "%s: cannot set up the request", url);
		*status = EX_USAGE;
		goto done;
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(cc));
		*status = cc == CURLE_UNSUPPORTED_PROTOCOL ||
		    cc == CURLE_URL_MALFORMAT ? EX_USAGE : EX_TEMPFAIL;
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	printf("HTTP %ld\n", code);
	fwrite(r->buf, 1, r->len, stdout);
	if (r->len > 0 && r->buf[r->len - 1] != '\n')
		putchar('\n');
	if (fflush(stdout) == EOF) {
		snprintf(err, errlen, "stdout: %s", strerror(errno));
		*status = EX_IOERR;
		goto done;
	}
	*status = code >= 200 && code <= 299 ? 0 : 1;
	rc = 0;
done:
	curl_slist_free_all(hdr);
	if (c != NULL)
		curl_easy_cleanup(c);
	free(r);
	curl_global_cleanup();
	return rc;
}
#else
static int
post(const struct delivery *d, const char *url, char *err, size_t errlen,
    int *status)
{
	snprintf(err, errlen, "--url: built without libcurl");
	*status = EX_UNAVAILABLE;
	return -1;
}
#endif
