/* SPDX-License-Identifier: ISC */
/*
 * spooltool.h: humanos-spool's private header (src/humanos-spool.c and
 * src/spooltool*.c, the program's modules; not the library's, whose
 * headers are in include/).  The reader side of the spool (SPEC section
 * 8).  Every name, length and mode of the spool is spoolfmt's
 * (spoolfmt.h); the writer's protocol is in spool.h.  What humanos-spool
 * alone writes, per resource:
 *
 *   SPOOL/<resource>/failed/          rows a command gave up on
 *   SPOOL/<resource>/.attempts/<name> failed attempts of a waiting row
 *                                     (decimal, one line)
 *   SPOOL/<resource>/.backoff         run's backoff after a command's exit
 *                                     75: the delay in seconds (decimal,
 *                                     one line); it starts at the file's
 *                                     mtime, the start of the run that
 *                                     deferred.  Written to .backoff.<pid>,
 *                                     fsynced, renamed; removed by the
 *                                     next success.  A missing, unreadable
 *                                     or malformed file (or, as root, one
 *                                     the spool's owner does not own)
 *                                     means no backoff.
 *
 * Everything read from the spool is distrusted: only regular files whose
 * names are exactly row names (sf_name_parse()) are rows; anything else
 * (dotfiles, partial names, symlinks, directories) is ignored, except that
 * run reports an entry of new/ with a row's name that is not a regular
 * file, or that it cannot or must not read, and goes on.
 *
 * Each command returns a sysexits(3) code; only main() exits.
 */
#ifndef HW_SPOOLTOOL_H
#define HW_SPOOLTOOL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "request.h"
#include "row.h"
#include "spool.h"
#include "spoolfmt.h"

#define HS_ROW_MAX	((size_t)CONFIG_MAX_BODY_LIMIT * 8)	/* bytes of
				   one row: base64 and JSON escapes grow
				   the largest body this much at most */
#define HS_JSON_DEPTH	(REQ_DEPTH_MAX + 2)	/* payload inside a row */
#define HS_ERR_MAX	512
#define HS_ATTEMPTS_MAX	1000000		/* --max-attempts */
#define HS_ATTEMPTS_DEFAULT 5
#define HS_TIMEOUT_MAX	(7 * 86400)	/* --timeout, seconds */
#define HS_KILL_GRACE_MS 2000		/* SIGTERM, then this, then SIGKILL */
#define HS_BACKOFF_FIRST 60		/* seconds after the first deferral */
#define HS_BACKOFF_DEFAULT 3600		/* --max-backoff */
#define HS_BACKOFF_SLACK 5		/* a backoff ends this early, so that a
					   cron tick one delay later runs */
#define HS_RECORD_KEEP	SPOOL_RECORD_KEEP	/* exactly-once records live at
					   least this long (SPEC section 7) */
#define HS_GC_DEFAULT	(30 * 86400)	/* gc --older-than */
#define HS_GC_MAX	(100LL * 366 * 86400)
#define HS_LITTER_AGE	3600		/* leftover temporary files */

struct hs_spool {
	char		*root;		/* as given, without trailing '/' */
	int		 rootfd;
	uid_t		 uid;		/* the spool's owner: its root's */
	gid_t		 gid;
	mode_t		 dir_mode;	/* the root's permissions */
	mode_t		 file_mode;	/* rows': dir_mode less x */
};

/* Row names of one directory, sorted: arrival order. */
struct hs_names {
	char		(*v)[SF_NAME_LEN + 1];
	size_t		 n;
	size_t		 cap;
};

/* The resources a command acts on. */
struct hs_resources {
	int		 on[RES__COUNT];
	int		 stdin_rows;	/* "-": rows from stdin too (cat) */
};

enum hs_format {
	HS_JSONL,
	HS_TSV,
	HS_CSV
};

struct hs_run_opts {
	enum resource	 res;
	int		 delete;
	long		 max_attempts;	/* 0: unlimited */
	long		 timeout_ms;	/* 0: none */
	long long	 max_backoff;	/* seconds; 0: no backoff */
	char		**argv;		/* the command, NULL-terminated */
};

/* spooltool.c: shared helpers. */

/*
 * Open the spool at root for reading.  Returns 0, or a sysexits code
 * with err set: EX_NOINPUT when root is not a directory holding a spool.
 */
int	hs_spool_open(struct hs_spool *sp, const char *root, char *err,
	    size_t errlen);
void	hs_spool_close(struct hs_spool *sp);

/*
 * Give fd, a file (or with dir, a directory) we have just created in the
 * spool, to the spool's owner with the spool's modes (SPEC section 7,
 * "Ownership").  Never call it on something we found there.  0 or -1.
 */
int	hs_adopt(const struct hs_spool *sp, int fd, int dir);

/*
 * Before the claimed row fd (name, of res, in new/, open as newfd) moves
 * on: settle its exactly-once record (sf_record_settle(): new/ synced,
 * the record made settled if a power loss took it, a pending one made
 * settled, durable; include/spool.h), so that it stands whatever
 * becomes of the row.  A row without an id has no record.  Returns 0;
 * 1 when the row cannot be read (errno: it stays in new/, its record
 * pending); or -1 with errno (ours to retry, not the row's fault).
 */
int	hs_record_settle(const struct hs_spool *sp, enum resource res,
	    int newfd, int fd, const char *name);

/*
 * Open <resource>/<sub> below the spool.  With create, a missing
 * directory is made with the mode of <resource>/new.  Returns an fd, or
 * -1 with errno set.
 */
int	hs_subdir(const struct hs_spool *sp, enum resource res,
	    const char *sub, int create);

/*
 * Read the row names (sf_name_parse()) of the directory dirfd (regular
 * files only) into names, sorted.  dirfd stays open and unmoved.
 * Returns 0 or -1 (errno).
 */
int	hs_names_load(int dirfd, struct hs_names *names);

/* The same with every entry that has a row name, whatever its type. */
int	hs_names_load_all(int dirfd, struct hs_names *names);

/*
 * hs_names_load() of <resource>/<sub> below the spool.  Returns 0; 1 when
 * there is no such directory (yet); -1 (errno).
 */
int	hs_names_of(const struct hs_spool *sp, enum resource res,
	    const char *sub, struct hs_names *names);
void	hs_names_free(struct hs_names *names);

/*
 * Read the whole row name in dirfd into a new buffer (NUL-terminated),
 * at most HS_ROW_MAX bytes.  Returns 0; 1 when the row is gone; -1 with
 * err set.
 */
int	hs_read(int dirfd, const char *name, char **buf, size_t *len,
	    char *err, size_t errlen);

/*
 * Claim the row name in dirfd: open it, lock it (flock, not waiting) and
 * check that it is still that entry.  The lock dies with the process, so
 * a killed consumer leaves the row waiting.  Returns a locked fd, or -1
 * with errno: ENOENT (gone), EWOULDBLOCK (another process holds it),
 * EINVAL (not a regular file: never opened, nor a link followed), or
 * another error.
 */
int	hs_claim(int dirfd, const char *name);

/*
 * Move the claimed row name from fromfd to tofd (or unlink it when tofd
 * is -1) and make that durable.  Returns 0 or -1 (errno).
 */
int	hs_finish(int fromfd, int tofd, const char *name);

/*
 * Parse resource names.  quarantine: whether "quarantine" is allowed;
 * stdin_ok: whether "-" (rows from stdin) is.  With no names, every
 * event resource.  Returns 0, or -1 with err naming the bad argument.
 */
int	hs_resources_parse(int argc, char **argv, int quarantine, int stdin_ok,
	    struct hs_resources *out, char *err, size_t errlen);

/* Parse a decimal number up to max.  0 or -1. */
int	hs_parse_number(const char *s, long long max, long long *v);

/* Parse "30d", "12h", "90m", "3600s", "3600" into seconds.  0 or -1. */
int	hs_parse_duration(const char *s, long long *secs);

/* Parse "5", "0.5" (seconds, milliseconds at most) into ms.  0 or -1. */
int	hs_parse_seconds(const char *s, long *ms);

/* spooltool_requests.c: the responder's answers, counted in SPOOL/.seq. */
struct hs_req {
	char		 profile[SPOOL_COUNTER_NAME];
	char		 error[SPOOL_COUNTER_NAME];	/* "-" on 200 */
	int		 status;
	uint64_t	 count;
};

struct hs_reqs {
	struct hs_req	*v;		/* sorted: profile, status, error */
	size_t		 n;
};

/*
 * Read the counts of the spool sp into reqs (to be freed).  No .seq yet
 * is no count.  Returns 0 or -1 (errno).
 */
int	hs_requests_load(const struct hs_spool *sp, struct hs_reqs *reqs);
void	hs_requests_free(struct hs_reqs *reqs);

/* spooltool_cat.c */
int	hs_ls(const struct hs_spool *sp, const struct hs_resources *rs);
int	hs_cat(const struct hs_spool *sp, const struct hs_resources *rs,
	    enum hs_format fmt, int items);

/* Write one field (len bytes of s) escaped for fmt to fp. */
void	hs_put_field(FILE *fp, enum hs_format fmt, const char *s,
	    size_t len);

/* spooltool_run.c */
int	hs_run(const struct hs_spool *sp, const struct hs_run_opts *o);

/* spooltool_stats.c */
int	hs_stats(struct hs_spool *sps, size_t nsp, int prometheus);
int	hs_gc(const struct hs_spool *sp, long long older_than);

/* spooltool_replay.c: replay and discard. */

#define HS_ID_PREFIX_MIN 8	/* hex digits of an --id prefix */

/* Which quarantined deliveries: every option given must match. */
struct hs_qopts {
	const char	*reason;	/* --reason; NULL: any */
	char		 id[ROW_ID_HEX_LEN + 1];	/* --id, a prefix of the
					   row's id, lower case; "": any */
	long long	 older_than;	/* --older-than, seconds; -1: any */
	int		 force;		/* replay: deliveries older than
					   HS_RECORD_KEEP too */
};

/* Whether s is a reason the responder quarantines for.  0 or -1. */
int	hs_qopts_reason(const char *s);

/* Set o->id from s: HS_ID_PREFIX_MIN to 64 hex digits.  0 or -1. */
int	hs_qopts_id(const char *s, struct hs_qopts *o);

/*
 * Replay the chosen rows of every spool's quarantine/new/ with cfg.  The
 * age of a delivery is now less its x-timestamp (else its received_at,
 * else its row's arrival).  Returns 0; 1 when a row was left, refused or
 * unreadable; or a sysexits code (EX_NOINPUT: --id names no waiting
 * delivery; EX_USAGE: it names several).
 */
int	hs_replay(struct config *cfg, struct hs_spool *sps, size_t nsp,
	    const struct hs_qopts *o);

/* Move the chosen rows to quarantine/cur/.  Returns as hs_replay(). */
int	hs_discard(struct hs_spool *sps, size_t nsp, const struct hs_qopts *o);

#endif
