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

	/* Filled by config_prepare() (or the two steps it takes). */
	struct sig_key	 sig_keys[CONFIG_MAX_SECRETS];
	struct aead_key	 aead_keys[CONFIG_MAX_SECRETS];
	int		 macs_ready;	/* sig_keys keyed, raw secrets wiped */
	int		 keys_ready;	/* aead_keys derived, raw wiped */
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
struct profile *config_profile(struct config *cfg, const char *name);

/* Whether p has what a delivery needs: a spool and both kinds of secret. */
int	config_profile_usable(const struct profile *p);

/* Where p stands in cfg->profiles (0 is the top level). */
size_t	config_profile_index(const struct config *cfg,
	    const struct profile *p);

/*
 * Derive the keys of every complete profile (PBKDF2 once per secret and
 * salt) and key the signature MACs; then wipe the raw encryption
 * secrets.  Returns 0, or -1 with err set.
 */
int	config_prepare(struct config *cfg, char *err, size_t errlen);

/*
 * The two steps of config_prepare() for one complete profile, each done
 * once: key its signature MACs (cheap); derive its encryption keys
 * (PBKDF2, the costly part).  A CGI program takes them per request, only
 * for the profile the request names, the second only once its MAC has
 * verified.  Returns 0, or -1 with err set.
 */
int	config_prepare_macs(struct profile *p, char *err, size_t errlen);
int	config_prepare_keys(struct profile *p, char *err, size_t errlen);

/* Free cfg, wiping every secret. */
void	config_free(struct config *cfg);

/* Parse "256m", "1g", "0" up to max bytes.  Returns 0 or -1. */
int	config_parse_bytes(const char *s, unsigned long long max,
	    unsigned long long *out);

/* Parse "1m", "512k", "1048576".  Returns 0 or -1. */
int	config_parse_size(const char *s, size_t *out);

#endif
