/* SPDX-License-Identifier: ISC */
/*
 * request: one delivery, start to end (SPEC section 6):
 * method -> size -> signature -> timestamp -> envelope -> decrypt ->
 * event -> spool.  Nothing of the body is parsed before its signature
 * has been checked.
 */
#ifndef HW_REQUEST_H
#define HW_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "row.h"
#include "spool.h"

#define REQ_TS_MAX		20	/* digits of x-timestamp */
#define REQ_DEPTH_MAX		64	/* JSON nesting */
#define REQ_LOCATION_MAX	1024	/* bytes of URI path kept */
#define REQ_SECONDS_BELOW	100000000000LL	/* x-timestamp below: seconds */

/* What the web server told us; every string untrusted, NULL if absent. */
struct req_in {
	const char	*method;
	const char	*content_type;
	const char	*timestamp;	/* x-timestamp */
	const char	*signature;	/* x-signature */
	const char	*location;	/* URI path */
	const char	*profile;	/* HUMANOS_PROFILE */
	const char	*resource;	/* HUMANOS_RESOURCE */
	const unsigned char *body;
	size_t		 bodylen;
	int		 too_large;	/* the body went past max_body */
	int		 timed_out;	/* body_timeout passed while reading */
	int		 check_time;	/* 0 for replay: no window */
};

struct req_out {
	int		 status;
	const char	*error;		/* SPEC error code, NULL on 200 */
	int		 duplicate;
	char		 id[ROW_ID_HEX_LEN + 1];
	enum resource	 res;
	int		 has_res;
	int		 misrouted;	/* HUMANOS_RESOURCE named another */
	const struct profile *profile;	/* the request's, once found */
	char		 event[128];	/* the event name, made safe to log */
	char		 detail[256];	/* for the log: never secret, never content */
};

/* Per-process state: the configuration and one open spool per profile. */
struct req_ctx {
	const struct config *cfg;	/* only read */
	struct profile_keys	*keys;		/* [i] for cfg->profiles[i] */
	int		 own_keys;	/* made here, derived when needed */
	struct spool	*spools;	/* [i] for cfg->profiles[i] */
	unsigned char	*plain;		/* scratch, max body bytes */
	unsigned char	*raw;		/* scratch, max body bytes */
	size_t		 scratch;
	char		*row;		/* the row being written */
	size_t		 rowcap;
	int64_t		 (*now_ms)(void);	/* the clock (tests set it) */
	char		 spool_err[256];	/* why a spool is closed */
};

/*
 * Open the spools of every usable profile and run their recovery.
 * keys: the keys config_prepare() derived (borrowed), or NULL: each
 * request then derives its own profile's keys when it needs them, once
 * (a CGI program serves one request).  flags: 0, or REQ_SPOOL_LATE: leave a spool that cannot be opened
 * closed, to answer its deliveries 503 spool_unavailable once they are
 * authenticated (a CGI program has no start to fail at).  Returns 0, or
 * -1 with err set.
 */
#define REQ_SPOOL_LATE	0x1
int	req_ctx_open(struct req_ctx *ctx, const struct config *cfg,
	    struct profile_keys *keys, int flags, char *err, size_t errlen);
void	req_ctx_free(struct req_ctx *ctx);

/*
 * Count the answer out to in, in the spool of its profile (shared by
 * every process on the spool, kept across restarts): what humanos-spool
 * stats prints as humanos_webhook_requests_total.
 */
void	req_count(struct req_ctx *ctx, const struct req_in *in,
	    const struct req_out *out);

/*
 * The root directories of the spools ctx holds open, into fds (room for
 * max): what the sandbox leaves reachable.  Returns how many.
 */
size_t	req_ctx_dirs(const struct req_ctx *ctx, int *fds, size_t max);

/*
 * The max_body of profile (NULL: the top level), or, when there is no
 * such usable profile, the largest of any: how much a caller must read
 * before req_handle() decides.
 */
size_t	req_max_body(const struct req_ctx *ctx, const char *profile);

/* Why a spool of ctx is closed (REQ_SPOOL_LATE), or NULL. */
const char *req_ctx_error(const struct req_ctx *ctx);

/* The largest max_body of any profile: the body buffer needs one more. */
size_t	req_ctx_body_max(const struct req_ctx *ctx);

/* The body_timeout of profile (the top level's when it has none), s. */
long	req_body_timeout(const struct req_ctx *ctx, const char *profile);

/* Run one delivery through the pipeline and fill out. */
void	req_handle(struct req_ctx *ctx, const struct req_in *in,
	    struct req_out *out);

/*
 * The response body for out: {"ok":true,"id":"...","duplicate":false} or
 * {"ok":false,"error":"CODE"}.  Returns its length.
 */
size_t	req_response(const struct req_out *out, char *buf, size_t buflen);

/* The HTTP reason phrase of status. */
const char *req_status_text(int status);

/*
 * Parse x-timestamp: 1 to REQ_TS_MAX decimal digits, nothing else; a
 * value below REQ_SECONDS_BELOW is seconds.  Sets *ms.  Returns 0 or -1.
 */
int	req_parse_timestamp(const char *s, int64_t *ms);

#endif
