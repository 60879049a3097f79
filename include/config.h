/* SPDX-License-Identifier: ISC */
/* config: the configuration file (SPEC section 5). */
#ifndef HW_CONFIG_H
#define HW_CONFIG_H

#include <sys/types.h>
#include <stddef.h>

#include "aead.h"
#include "sig.h"

#define CONFIG_MAX_SECRETS	4	/* rotation: at most this many of each */
#define CONFIG_MAX_PROFILES	64
#define CONFIG_MAX_LINE		4096
#define CONFIG_MAX_SECRET	1024	/* bytes of one secret or salt */
#define CONFIG_ERR_MAX		4096	/* bytes of the error report */
#define CONFIG_DEFAULT_PROFILE	"default"	/* the top level's name */

#define CONFIG_TOLERANCE_DEFAULT	300
#define CONFIG_MAX_BODY_DEFAULT		(1024 * 1024)
#define CONFIG_MAX_BODY_LIMIT		(64 * 1024 * 1024)
#define CONFIG_FILE_MODE_DEFAULT	0640
#define CONFIG_BODY_TIMEOUT_DEFAULT	30	/* seconds */
#define CONFIG_BODY_TIMEOUT_MAX		3600
#define CONFIG_QUARANTINE_DEFAULT	(256ULL * 1024 * 1024)
#define CONFIG_QUARANTINE_LIMIT		(1024ULL * 1024 * 1024 * 1024)

enum config_sync {
	SYNC_FULL,
	SYNC_NONE
};

struct secret {
	unsigned char	*buf;
	size_t		 len;
};

/* One encryption key as configured: secret (decoded) and salt. */
struct enc_secret {
	struct secret	 secret;
	struct secret	 salt;
};

struct profile {
	char		*name;
	char		*spool_dir;
	struct secret	 sig[CONFIG_MAX_SECRETS];
	size_t		 nsig;
	struct enc_secret enc[CONFIG_MAX_SECRETS];
	size_t		 nenc;
	long		 tolerance;	/* seconds; 0 = no check */
	size_t		 max_body;
	mode_t		 file_mode;
	enum config_sync sync;
	long		 body_timeout;	/* seconds for the whole body */
	unsigned long long quarantine_max; /* bytes in quarantine/ */

};

struct config {
	char		*path;
	struct profile	*profiles;	/* [0] is the top level */
	size_t		 nprofiles;
	int		 allow_group_readable;	/* secret files */
};

/*
 * Read the configuration at path into cfg.  Every problem found is
 * appended to err (one "path:line: message" per line); an incomplete
 * top level is only a problem when no [profile] section exists.
 * Returns 0, or -1 with cfg freed.
 */
int	config_load(const char *path, struct config *cfg, char *err,
	    size_t errlen);

/* The path used without -c: $HUMANOS_WEBHOOK_CONFIG, else the built-in one. */
const char *config_default_path(void);

/*
 * The profile called name (NULL or "" for the top level), or NULL when
 * there is none or it is incomplete.
 */
const struct profile *config_profile(const struct config *cfg,
	    const char *name);

/* Whether p has what a delivery needs: a spool and both kinds of secret. */
int	config_profile_usable(const struct profile *p);

/* Where p stands in cfg->profiles (0 is the top level). */
size_t	config_profile_index(const struct config *cfg,
	    const struct profile *p);

/*
 * The keys of one profile, derived from its secrets: its signature MACs
 * keyed, its encryption keys derived (PBKDF2).  Kept apart from the
 * configuration, which is only read once it is prepared.
 */
struct profile_keys {
	struct sig_key	 sig[CONFIG_MAX_SECRETS];
	size_t		 nsig;
	struct aead_key	 aead[CONFIG_MAX_SECRETS];
	size_t		 naead;
	int		 macs_ready;
	int		 aead_ready;
};

/*
 * Derive the keys of every usable profile (PBKDF2 once per secret and
 * salt, MACs keyed) into a new array, *keys[i] for cfg->profiles[i]
 * (free it with config_keys_free), then wipe the raw secrets: from then
 * on cfg is only read.  Returns 0, or -1 with err set.
 */
int	config_prepare(struct config *cfg, struct profile_keys **keys,
	    char *err, size_t errlen);

/*
 * An array of cfg->nprofiles empty struct profile_keys, for a program that
 * derives keys only when a request needs them (CGI): keys_macs() keys
 * p's MACs, keys_aead() derives its encryption keys, each once; cfg
 * keeps its raw secrets until config_free().  0, or -1 with err set.
 */
struct profile_keys *config_keys_new(const struct config *cfg);
int	keys_macs(struct profile_keys *k, const struct profile *p, char *err,
	    size_t errlen);
int	keys_aead(struct profile_keys *k, const struct profile *p, char *err,
	    size_t errlen);
void	config_keys_free(struct profile_keys *keys, size_t n);

/* Free cfg, wiping every secret. */
void	config_free(struct config *cfg);

/* Parse "256m", "1g", "0" up to max bytes.  Returns 0 or -1. */
int	config_parse_bytes(const char *s, unsigned long long max,
	    unsigned long long *out);

/* Parse "1m", "512k", "1048576".  Returns 0 or -1. */
int	config_parse_size(const char *s, size_t *out);

#endif
