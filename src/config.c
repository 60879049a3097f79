/* SPDX-License-Identifier: ISC */
/* config: read the configuration file (SPEC section 5). */
#include <sys/stat.h>

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "b64.h"
#include "config.h"
#include "kdf.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONFIG_BUILTIN_PATH	SYSCONFDIR "/humanos-webhook.conf"
#define CONFIG_PROFILE_NAME_MAX	64
#define CONFIG_TOLERANCE_MAX	(10L * 365 * 24 * 3600)

/* What a profile section (or the top level) sets, before inheritance. */
struct section {
	struct profile	 p;
	struct secret	 salts[CONFIG_MAX_SECRETS];
	size_t		 nsalts;
	unsigned	 set;		/* SET_* bits */
	int		 line;		/* of the [profile] header */
};

enum {
	SET_SPOOL = 1 << 0,
	SET_TOLERANCE = 1 << 1,
	SET_MAX_BODY = 1 << 2,
	SET_FILE_MODE = 1 << 3,
	SET_SYNC = 1 << 4,
	SET_BODY_TIMEOUT = 1 << 6,
	SET_QUARANTINE = 1 << 7
};

struct parser {
	const char	*path;
	int		 line;
	char		*err;
	size_t		 errlen;
	int		 nerr;
	int		 allow_group;
	int		 inline_secret;	/* a secret written in the file */
};

static void	 perr(struct parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static char	*trim(char *);
static int	 read_secret_file(struct parser *, const char *,
		    struct secret *);
static int	 decode_secret(struct parser *, const char *, struct secret *);
static int	 add_secret(struct parser *, struct secret *, size_t *,
		    const char *, const char *, int, int);
static int	 section_finish(struct parser *, struct section *,
		    const struct section *, int);
static void	 secret_free(struct secret *);
static void	 profile_free(struct profile *);
static int	 secret_copy(struct secret *, const struct secret *);

static void
perr(struct parser *ps, const char *fmt, ...)
{
	size_t	used = strlen(ps->err);
	va_list	ap;
	int	n;

	ps->nerr++;
	if (used + 1 >= ps->errlen)
		return;
	if (ps->line > 0)
		n = snprintf(ps->err + used, ps->errlen - used, "%s:%d: ",
		    ps->path, ps->line);
	else
		n = snprintf(ps->err + used, ps->errlen - used, "%s: ",
		    ps->path);
	if (n < 0 || (size_t)n >= ps->errlen - used)
		return;
	used += n;
	va_start(ap, fmt);
	n = vsnprintf(ps->err + used, ps->errlen - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= ps->errlen - used - 1)
		return;
	used += n;
	ps->err[used++] = '\n';
	ps->err[used] = '\0';
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

const char *
config_default_path(void)
{
	const char	*p = getenv("HUMANOS_WEBHOOK_CONFIG");

	return p != NULL && *p != '\0' ? p : CONFIG_BUILTIN_PATH;
}

static void
secret_free(struct secret *s)
{
	if (s->buf != NULL) {
		OPENSSL_cleanse(s->buf, s->len);
		free(s->buf);
	}
	s->buf = NULL;
	s->len = 0;
}

static int
secret_set(struct secret *s, const void *buf, size_t len)
{
	/* One more byte, so a secret can be used as a C string too. */
	if ((s->buf = malloc(len + 1)) == NULL)
		return -1;
	if (len > 0)	/* buf may be NULL: an unset secret being copied */
		memcpy(s->buf, buf, len);
	s->buf[len] = '\0';
	s->len = len;
	return 0;
}

static int
secret_copy(struct secret *dst, const struct secret *src)
{
	return secret_set(dst, src->buf, src->len);
}

/*
 * Read a secret from a file: the whole file less one trailing newline.
 * The file must be a regular file readable by its owner alone (or by its
 * group too with allow_group_readable_secrets = yes).
 */
static int
read_secret_file(struct parser *ps, const char *file, struct secret *out)
{
	unsigned char	buf[CONFIG_MAX_SECRET + 2];
	struct stat	st;
	ssize_t		n;
	size_t		len = 0;
	int		fd;

	/* O_NONBLOCK: a FIFO planted there must not hang the start. */
	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		perr(ps, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		perr(ps, "%s: not a regular file", file);
		goto fail;
	}
	if ((st.st_mode & S_IRWXO) ||
	    ((st.st_mode & S_IRWXG) && !ps->allow_group)) {
		perr(ps, "%s: secret file is readable by %s (mode %04o): "
		    "chmod %s it%s", file, st.st_mode & S_IRWXO ? "others" :
		    "its group", (unsigned)(st.st_mode & 07777),
		    st.st_mode & S_IRWXO ? "o-rwx" : "g-rwx",
		    st.st_mode & S_IRWXO ? "" :
		    ", or set allow_group_readable_secrets = yes");
		goto fail;
	}
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			perr(ps, "%s: %s", file, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
		if (len == sizeof(buf)) {
			perr(ps, "%s: longer than %d bytes", file,
			    CONFIG_MAX_SECRET);
			goto fail;
		}
	}
	close(fd);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > CONFIG_MAX_SECRET) {
		perr(ps, "%s: longer than %d bytes", file, CONFIG_MAX_SECRET);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	n = secret_set(out, buf, len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return (int)n;
fail:
	close(fd);
	OPENSSL_cleanse(buf, sizeof(buf));
	return -1;
}

/* The encryption secret is base64: keep its decoded bytes. */
static int
decode_secret(struct parser *ps, const char *what, struct secret *s)
{
	unsigned char	*dec;
	size_t		 declen;

	if ((dec = malloc(B64_DECODED_MAX(s->len) + 1)) == NULL)
		return -1;
	if (b64_decode((char *)s->buf, s->len, dec, B64_DECODED_MAX(s->len),
	    &declen) == -1 || declen == 0) {
		perr(ps, "%s is not valid base64", what);
		OPENSSL_cleanse(dec, B64_DECODED_MAX(s->len));
		free(dec);
		return -1;
	}
	secret_free(s);
	s->buf = dec;
	s->len = declen;
	return 0;
}

/* Append one secret (inline value or _file) to list[*n]. */
static int
add_secret(struct parser *ps, struct secret *list, size_t *n,
    const char *key, const char *value, int is_file, int is_b64)
{
	struct secret	s = { NULL, 0 };

	if (*n == CONFIG_MAX_SECRETS) {
		perr(ps, "%s: given more than %d times", key,
		    CONFIG_MAX_SECRETS);
		return -1;
	}
	if (is_file) {
		if (read_secret_file(ps, value, &s) == -1)
			return -1;
	} else {
		if (strlen(value) > CONFIG_MAX_SECRET) {
			perr(ps, "%s: longer than %d bytes", key,
			    CONFIG_MAX_SECRET);
			return -1;
		}
		if (secret_set(&s, value, strlen(value)) == -1)
			return -1;
	}
	if (s.len == 0) {
		perr(ps, "%s is empty", key);
		secret_free(&s);
		return -1;
	}
	if (is_b64 && decode_secret(ps, key, &s) == -1) {
		secret_free(&s);
		return -1;
	}
	list[(*n)++] = s;
	return 0;
}

int
config_parse_bytes(const char *s, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	 v, mul = 1;
	char			*end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1024;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024;
	else if (*end == 'g' || *end == 'G')
		mul = 1024ULL * 1024 * 1024;
	if (mul > 1)
		end++;
	if (*end != '\0' || v > max / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int
config_parse_size(const char *s, size_t *out)
{
	unsigned long long	v;

	if (config_parse_bytes(s, CONFIG_MAX_BODY_LIMIT, &v) == -1 || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Mark a single-valued key as set; a second time is an error. */
static int
set_once(struct parser *ps, struct section *sec, unsigned bit,
    const char *key)
{
	if (sec->set & bit) {
		perr(ps, "%s: given twice", key);
		return -1;
	}
	sec->set |= bit;
	return 0;
}

/*
 * The handlers of the keys: val is never empty.  A handler returns 0, or
 * -1: the key's own message (config_keys[].bad) is then reported, or,
 * where it has none, the handler reported the problem itself.
 */
struct config_key;
typedef int (*key_fn)(struct parser *, struct section *,
    const struct config_key *, const char *);

/*
 * Every key there is.  once: the SET_* bit of a key given at most once
 * per section (0: may repeat).  secret: an inline secret (the file must
 * not be readable by others).  off, lo, hi: where a number goes in the
 * profile, and its bounds.
 */
struct config_key {
	const char	*name;
	key_fn		 fn;
	unsigned	 once;
	int		 secret;
	size_t		 off;
	long		 lo, hi;
	const char	*bad;
};

static int
key_spool_dir(struct parser *ps, struct section *sec,
    const struct config_key *k, const char *val)
{
	(void)ps;
	(void)k;
	if (*val != '/')
		return -1;
	return (sec->p.spool_dir = strdup(val)) == NULL ? -1 : 0;
}

/* "_file" at the end of the key: the value names the secret's file. */
static int
key_is_file(const struct config_key *k)
{
	size_t	n = strlen(k->name);

	return n > 5 && strcmp(k->name + n - 5, "_file") == 0;
}

static int
key_sig(struct parser *ps, struct section *sec, const struct config_key *k,
    const char *val)
{
	struct profile	*p = &sec->p;

	return add_secret(ps, p->sig, &p->nsig, k->name, val, key_is_file(k),
	    0);
}

static int
key_enc(struct parser *ps, struct section *sec, const struct config_key *k,
    const char *val)
{
	struct profile	*p = &sec->p;
	struct secret	 tmp[CONFIG_MAX_SECRETS];
	size_t		 n = p->nenc, i;

	for (i = 0; i < n; i++)
		tmp[i] = p->enc[i].secret;
	if (add_secret(ps, tmp, &n, k->name, val, key_is_file(k), 1) == -1)
		return -1;
	p->enc[p->nenc++].secret = tmp[n - 1];
	return 0;
}

static int
key_salt(struct parser *ps, struct section *sec, const struct config_key *k,
    const char *val)
{
	return add_secret(ps, sec->salts, &sec->nsalts, k->name, val,
	    key_is_file(k), 0);
}

/* val, all of it, as a number in base (digits only, no sign).  0 or -1. */
static int
parse_num(const char *val, int base, long *l)
{
	char	*end;

	errno = 0;
	*l = strtol(val, &end, base);
	return isdigit((unsigned char)*val) && *end == '\0' && errno == 0 ?
	    0 : -1;
}

/* A decimal number of seconds from k->lo to k->hi, into the profile. */
static int
key_seconds(struct parser *ps, struct section *sec,
    const struct config_key *k, const char *val)
{
	long	l;

	(void)ps;
	if (parse_num(val, 10, &l) == -1 || l < k->lo || l > k->hi)
		return -1;
	*(long *)(void *)((char *)&sec->p + k->off) = l;
	return 0;
}

static int
key_max_body(struct parser *ps, struct section *sec,
    const struct config_key *k, const char *val)
{
	(void)ps;
	(void)k;
	return config_parse_size(val, &sec->p.max_body);
}

static int
key_quarantine_max(struct parser *ps, struct section *sec,
    const struct config_key *k, const char *val)
{
	(void)ps;
	(void)k;
	return config_parse_bytes(val, CONFIG_QUARANTINE_LIMIT,
	    &sec->p.quarantine_max);
}

static int
key_file_mode(struct parser *ps, struct section *sec,
    const struct config_key *k, const char *val)
{
	long	l;

	(void)ps;
	(void)k;
	/* Not "l > 0666": 0601 or 0500 would make rows executable. */
	if (parse_num(val, 8, &l) == -1 || l < 0 || (l & ~0666) ||
	    !(l & 0400))
		return -1;
	sec->p.file_mode = (mode_t)l;
	return 0;
}

static int
key_sync(struct parser *ps, struct section *sec, const struct config_key *k,
    const char *val)
{
	(void)ps;
	(void)k;
	if (strcmp(val, "full") == 0)
		sec->p.sync = SYNC_FULL;
	else if (strcmp(val, "none") == 0)
		sec->p.sync = SYNC_NONE;
	else
		return -1;
	return 0;
}

#define P(field)	offsetof(struct profile, field)
static const struct config_key config_keys[] = {
	{ "spool_dir", key_spool_dir, SET_SPOOL, 0, 0, 0, 0,
	    "must be an absolute path" },
	{ "signature_secret", key_sig, 0, 1, 0, 0, 0, NULL },
	{ "signature_secret_file", key_sig, 0, 0, 0, 0, 0, NULL },
	{ "encryption_secret", key_enc, 0, 1, 0, 0, 0, NULL },
	{ "encryption_secret_file", key_enc, 0, 0, 0, 0, 0, NULL },
	{ "encryption_salt", key_salt, 0, 0, 0, 0, 0, NULL },
	{ "encryption_salt_file", key_salt, 0, 0, 0, 0, 0, NULL },
	{ "timestamp_tolerance", key_seconds, SET_TOLERANCE, 0, P(tolerance),
	    0, CONFIG_TOLERANCE_MAX, "not a number of seconds from 0 to "
	    "315360000 (10 years)" },
	{ "max_body", key_max_body, SET_MAX_BODY, 0, 0, 0, 0,
	    "not a size from 1 to 64m (bytes, or with a k or m suffix)" },
	{ "file_mode", key_file_mode, SET_FILE_MODE, 0, 0, 0, 0,
	    "not an octal mode from 0400 to 0666 (read and write bits only) "
	    "readable by its owner" },
	{ "sync", key_sync, SET_SYNC, 0, 0, 0, 0, "must be full or none" },
	{ "body_timeout", key_seconds, SET_BODY_TIMEOUT, 0, P(body_timeout),
	    1, CONFIG_BODY_TIMEOUT_MAX, "not a number of seconds from 1 to "
	    "3600" },
	{ "quarantine_max", key_quarantine_max, SET_QUARANTINE, 0, 0, 0, 0,
	    "not a size from 0 to 1024g (bytes, or with a k, m or g suffix)" },
	{ "allow_group_readable_secrets", NULL, 0, 0, 0, 0, 0,
	    "must be yes or no" },
};
#undef P

/* The table's entry for key, or NULL: an unknown key. */
static const struct config_key *
config_key(const char *key)
{
	size_t	i;

	for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
		if (strcmp(key, config_keys[i].name) == 0)
			return &config_keys[i];
	return NULL;
}

/* The single-valued keys a profile takes from the top level unless set. */
#define INHERIT(bit, field)	{ bit, offsetof(struct profile, field), \
	sizeof(((struct profile *)0)->field) }
static const struct {
	unsigned	bit;
	size_t		off, len;
} inherited[] = {
	INHERIT(SET_TOLERANCE, tolerance),
	INHERIT(SET_MAX_BODY, max_body),
	INHERIT(SET_FILE_MODE, file_mode),
	INHERIT(SET_SYNC, sync),
	INHERIT(SET_BODY_TIMEOUT, body_timeout),
	INHERIT(SET_QUARANTINE, quarantine_max),
};
#undef INHERIT

/*
 * Complete a section: pair its salts with its secrets, inherit what it
 * does not set from the top level (top == NULL for the top level itself)
 * and check that it is usable.  complain: report what is missing.
 */
static int
section_finish(struct parser *ps, struct section *sec,
    const struct section *top, int complain)
{
	struct profile	*p = &sec->p;
	size_t		 i;
	int		 bad = 0;

	if (p->nenc > 0 || sec->nsalts > 0) {
		if (sec->nsalts != 1 && sec->nsalts != p->nenc) {
			perr(ps, "profile %s: %zu encryption_secret but %zu "
			    "encryption_salt (give one salt, or one per "
			    "secret)", p->name, p->nenc, sec->nsalts);
			return -1;
		}
		for (i = 0; i < p->nenc; i++)
			if (secret_copy(&p->enc[i].salt,
			    &sec->salts[sec->nsalts == 1 ? 0 : i]) == -1)
				return -1;
	}
	if (top != NULL) {
		const struct profile *t = &top->p;

		if (!(sec->set & SET_SPOOL) && t->spool_dir != NULL &&
		    (p->spool_dir = strdup(t->spool_dir)) == NULL)
			return -1;
		if (p->nsig == 0)
			for (; p->nsig < t->nsig; p->nsig++)
				if (secret_copy(&p->sig[p->nsig],
				    &t->sig[p->nsig]) == -1)
					return -1;
		if (p->nenc == 0 && sec->nsalts == 0)
			for (; p->nenc < t->nenc; p->nenc++)
				if (secret_copy(&p->enc[p->nenc].secret,
				    &t->enc[p->nenc].secret) == -1 ||
				    secret_copy(&p->enc[p->nenc].salt,
				    &t->enc[p->nenc].salt) == -1)
					return -1;
		for (i = 0; i < sizeof(inherited) / sizeof(inherited[0]); i++)
			if (!(sec->set & inherited[i].bit))
				memcpy((char *)p + inherited[i].off,
				    (const char *)t + inherited[i].off,
				    inherited[i].len);
	}
	if (p->spool_dir == NULL)
		bad |= 1;
	if (p->nsig == 0)
		bad |= 2;
	if (p->nenc == 0)
		bad |= 4;
	if (bad && complain) {
		ps->line = sec->line;
		if (bad & 1)
			perr(ps, "profile %s: spool_dir is required", p->name);
		if (bad & 2)
			perr(ps, "profile %s: signature_secret (or "
			    "signature_secret_file) is required", p->name);
		if (bad & 4)
			perr(ps, "profile %s: encryption_secret and "
			    "encryption_salt are required", p->name);
	}
	return bad ? -1 : 0;
}

static int
section_init(struct section *sec, const char *name, int line)
{
	memset(sec, 0, sizeof(*sec));
	sec->line = line;
	sec->p.tolerance = CONFIG_TOLERANCE_DEFAULT;
	sec->p.max_body = CONFIG_MAX_BODY_DEFAULT;
	sec->p.file_mode = CONFIG_FILE_MODE_DEFAULT;
	sec->p.sync = SYNC_FULL;
	sec->p.body_timeout = CONFIG_BODY_TIMEOUT_DEFAULT;
	sec->p.quarantine_max = CONFIG_QUARANTINE_DEFAULT;
	return (sec->p.name = strdup(name)) == NULL ? -1 : 0;
}

static void
section_free(struct section *sec)
{
	size_t	i;

	for (i = 0; i < sec->nsalts; i++)
		secret_free(&sec->salts[i]);
	sec->nsalts = 0;
}

static int
valid_profile_name(const char *s)
{
	size_t	n = 0;

	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && !strchr("._-", s[n]))
			return 0;
	return n > 0 && n <= CONFIG_PROFILE_NAME_MAX;
}

/* "[profile NAME]": the name, or NULL (with the error reported). */
static char *
parse_header(struct parser *ps, char *s, struct section *secs, size_t nsecs)
{
	char	*name, *hash;
	size_t	 i, len;

	/* A comment may follow the header: no name holds a '#'. */
	if ((hash = strchr(s, '#')) != NULL) {
		*hash = '\0';
		s = trim(s);
	}
	len = strlen(s);
	if (len == 0 || s[len - 1] != ']' || strncmp(s, "[profile", 8) != 0 ||
	    !isspace((unsigned char)s[8])) {
		perr(ps, "expected [profile NAME]");
		return NULL;
	}
	s[len - 1] = '\0';
	name = trim(s + 8);
	if (!valid_profile_name(name)) {
		perr(ps, "bad profile name (letters, digits, '.', '_', '-')");
		return NULL;
	}
	if (strcmp(name, CONFIG_DEFAULT_PROFILE) == 0) {
		perr(ps, "profile name '%s' is the top level's",
		    CONFIG_DEFAULT_PROFILE);
		return NULL;
	}
	for (i = 0; i < nsecs; i++)
		if (strcmp(secs[i].p.name, name) == 0) {
			perr(ps, "profile %s defined twice", name);
			return NULL;
		}
	if (nsecs == CONFIG_MAX_PROFILES) {
		perr(ps, "more than %d profiles", CONFIG_MAX_PROFILES);
		return NULL;
	}
	return name;
}

/* One "key = value" line s of the section sec. */
static void
parse_kv(struct parser *ps, struct section *sec, int top, char *s,
    int *seen_file)
{
	const struct config_key	*k;
	char			*eq, *key, *val;

	if ((eq = strchr(s, '=')) == NULL) {
		perr(ps, "expected key = value");
		return;
	}
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	/* Never quote an unknown key: a secret may have been pasted there
	   (a base64 secret's '=' padding reads as "key = value"). */
	if ((k = config_key(key)) == NULL) {
		perr(ps, "unknown key (not shown: it may hold a secret)");
		return;
	}
	if (strlen(k->name) > 5 && strcmp(k->name + strlen(k->name) - 5,
	    "_file") == 0)
		*seen_file = 1;
	if (k->fn == NULL) {		/* allow_group_readable_secrets */
		if (!top || *seen_file) {
			perr(ps, "%s belongs at the top, before any *_file "
			    "key", k->name);
			return;
		}
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			perr(ps, "%s: %s", k->name, k->bad);
		ps->allow_group = strcmp(val, "yes") == 0;
		return;
	}
	if (*val == '\0') {
		perr(ps, "%s: empty value", k->name);
		return;
	}
	if (k->once != 0 && set_once(ps, sec, k->once, k->name) == -1)
		return;
	ps->inline_secret |= k->secret;
	if (k->fn(ps, sec, k, val) == -1 && k->bad != NULL)
		perr(ps, "%s: %s", k->name, k->bad);
}

static int
parse_lines(struct parser *ps, FILE *fp, struct section *secs, size_t *nsecs)
{
	char	 buf[CONFIG_MAX_LINE + 2], *s, *name;
	int	 seen_file = 0, skip = 0;
	size_t	 len;

	while (fgets(buf, sizeof(buf), fp) != NULL) {
		ps->line++;
		len = strlen(buf);
		if (len == sizeof(buf) - 1 && buf[len - 1] != '\n') {
			perr(ps, "line longer than %d bytes", CONFIG_MAX_LINE);
			OPENSSL_cleanse(buf, sizeof(buf));
			return -1;
		}
		s = trim(buf);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			if ((name = parse_header(ps, s, secs, *nsecs)) ==
			    NULL) {
				skip = 1;	/* its keys would mislead */
				continue;
			}
			skip = 0;
			if (section_init(&secs[*nsecs], name, ps->line) == -1)
				return -1;
			(*nsecs)++;
			continue;
		}
		if (!skip)
			parse_kv(ps, &secs[*nsecs - 1], *nsecs == 1, s,
			    &seen_file);
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (ferror(fp)) {
		ps->line = 0;
		perr(ps, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Inline secrets in a file others may read are refused: the file's
 * group may read it (the service's group), others may not.
 */
static void
check_file_mode(struct parser *ps, FILE *fp)
{
	struct stat	st;

	if (!ps->inline_secret || fstat(fileno(fp), &st) == -1 ||
	    !(st.st_mode & S_IRWXO))
		return;
	ps->line = 0;
	perr(ps, "holds secrets and is readable by others (mode %04o): "
	    "chmod o-rwx it, or move the secrets to *_file keys",
	    (unsigned)(st.st_mode & 07777));
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	struct parser	 ps = { path, 0, err, errlen, 0, 0, 0 };
	struct section	*secs;
	size_t		 nsecs = 0, i;
	FILE		*fp;

	memset(cfg, 0, sizeof(*cfg));
	if (errlen > 0)
		err[0] = '\0';
	if ((fp = fopen(path, "re")) == NULL) {
		perr(&ps, "%s", strerror(errno));
		return -1;
	}
	if ((secs = calloc(CONFIG_MAX_PROFILES + 1, sizeof(*secs))) == NULL ||
	    section_init(&secs[0], CONFIG_DEFAULT_PROFILE, 0) == -1) {
		perr(&ps, "out of memory");
		fclose(fp);
		free(secs);
		return -1;
	}
	nsecs = 1;
	if (parse_lines(&ps, fp, secs, &nsecs) == -1)
		ps.nerr++;
	check_file_mode(&ps, fp);
	fclose(fp);

	/* The top level must be complete unless profiles carry the keys. */
	ps.line = 0;
	cfg->allow_group_readable = ps.allow_group;
	if (section_finish(&ps, &secs[0], NULL, nsecs == 1) == -1 &&
	    nsecs == 1)
		ps.nerr++;
	for (i = 1; i < nsecs; i++)
		(void)section_finish(&ps, &secs[i], &secs[0], 1);

	cfg->path = strdup(path);
	cfg->profiles = calloc(nsecs, sizeof(*cfg->profiles));
	for (i = 0; i < nsecs; i++) {
		if (cfg->profiles != NULL)
			cfg->profiles[i] = secs[i].p;
		else
			profile_free(&secs[i].p);
		section_free(&secs[i]);
	}
	cfg->nprofiles = cfg->profiles != NULL ? nsecs : 0;
	OPENSSL_cleanse(secs, (CONFIG_MAX_PROFILES + 1) * sizeof(*secs));
	free(secs);
	if (cfg->path == NULL || cfg->profiles == NULL) {
		perr(&ps, "out of memory");
		config_free(cfg);
		return -1;
	}
	if (ps.nerr > 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

int
config_profile_usable(const struct profile *p)
{
	return p->spool_dir != NULL && p->nsig > 0 && p->nenc > 0;
}

size_t
config_profile_index(const struct config *cfg, const struct profile *p)
{
	return (size_t)(p - cfg->profiles);
}

const struct profile *
config_profile(const struct config *cfg, const char *name)
{
	size_t	i;

	if (name == NULL || *name == '\0')
		name = CONFIG_DEFAULT_PROFILE;
	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return config_profile_usable(&cfg->profiles[i]) ?
			    &cfg->profiles[i] : NULL;
	return NULL;
}

int
keys_macs(struct profile_keys *k, const struct profile *p, char *err, size_t errlen)
{
	size_t	j;

	if (k->macs_ready)
		return 0;
	for (j = 0; j < p->nsig; j++)
		if (sig_key_init(&k->sig[j], p->sig[j].buf, p->sig[j].len) ==
		    -1) {
			while (j-- > 0)
				sig_key_free(&k->sig[j]);
			snprintf(err, errlen, "profile %s: cannot set up its "
			    "signature keys", p->name);
			return -1;
		}
	k->nsig = p->nsig;
	k->macs_ready = 1;
	return 0;
}

int
keys_aead(struct profile_keys *k, const struct profile *p, char *err, size_t errlen)
{
	unsigned char	key[KDF_KEY_LEN];
	size_t		j;

	if (k->aead_ready)
		return 0;
	for (j = 0; j < p->nenc; j++) {
		if (kdf_derive(p->enc[j].secret.buf, p->enc[j].secret.len,
		    p->enc[j].salt.buf, p->enc[j].salt.len, key) == -1 ||
		    aead_key_init(&k->aead[j], key) == -1) {
			OPENSSL_cleanse(key, sizeof(key));
			while (j-- > 0)
				aead_key_free(&k->aead[j]);
			snprintf(err, errlen, "profile %s: cannot set up its "
			    "encryption keys", p->name);
			return -1;
		}
		OPENSSL_cleanse(key, sizeof(key));
	}
	k->naead = p->nenc;
	k->aead_ready = 1;
	return 0;
}

struct profile_keys *
config_keys_new(const struct config *cfg)
{
	return calloc(cfg->nprofiles > 0 ? cfg->nprofiles : 1,
	    sizeof(struct profile_keys));
}

void
config_keys_free(struct profile_keys *keys, size_t n)
{
	size_t	i, j;

	if (keys == NULL)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; keys[i].macs_ready && j < keys[i].nsig; j++)
			sig_key_free(&keys[i].sig[j]);
		for (j = 0; keys[i].aead_ready && j < keys[i].naead; j++)
			aead_key_free(&keys[i].aead[j]);
	}
	OPENSSL_cleanse(keys, n * sizeof(*keys));
	free(keys);
}

int
config_prepare(struct config *cfg, struct profile_keys **keysp, char *err,
    size_t errlen)
{
	struct profile	*p;
	struct profile_keys	*keys;
	size_t		 i, j;

	if ((keys = config_keys_new(cfg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < cfg->nprofiles; i++) {
		p = &cfg->profiles[i];
		if (!config_profile_usable(p))
			continue;
		if (keys_macs(&keys[i], p, err, errlen) == -1 ||
		    keys_aead(&keys[i], p, err, errlen) == -1) {
			config_keys_free(keys, cfg->nprofiles);
			return -1;
		}
	}
	/* OpenSSL holds its copies: the raw secrets are not needed now. */
	for (i = 0; i < cfg->nprofiles; i++) {
		p = &cfg->profiles[i];
		for (j = 0; j < CONFIG_MAX_SECRETS; j++) {
			secret_free(&p->sig[j]);
			secret_free(&p->enc[j].secret);
			secret_free(&p->enc[j].salt);
		}
	}
	*keysp = keys;
	return 0;
}

static void
profile_free(struct profile *p)
{
	size_t	i;

	for (i = 0; i < CONFIG_MAX_SECRETS; i++) {
		secret_free(&p->sig[i]);
		secret_free(&p->enc[i].secret);
		secret_free(&p->enc[i].salt);
	}
	free(p->name);
	free(p->spool_dir);
	memset(p, 0, sizeof(*p));
}

void
config_free(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nprofiles; i++)
		profile_free(&cfg->profiles[i]);
	free(cfg->profiles);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
