/*
 * spooltool: the reader side of the spool, for humanos-spool (SPEC
 * section 8).  The writer's layout is described in spool.h; this module
 * adds, per resource:
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
 * names are exactly "<16 digits>.<7 digits>.json" are rows; anything else
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

#define ST_NAME_LEN	(16 + 1 + 7 + 5)	/* "<usec>.<pid>.json" */
#define ST_ROW_MAX	((size_t)CONFIG_MAX_BODY_LIMIT * 8)	/* bytes of
				   one row: base64 and JSON escapes grow
				   the largest body this much at most */
#define ST_JSON_DEPTH	(REQ_DEPTH_MAX + 2)	/* payload inside a row */
#define ST_ERR_MAX	512
#define ST_ATTEMPTS_DIR	".attempts"
#define ST_ATTEMPTS_MAX	1000000		/* --max-attempts */
#define ST_ATTEMPTS_DEFAULT 5
#define ST_TIMEOUT_MAX	(7 * 86400)	/* --timeout, seconds */
#define ST_KILL_GRACE_MS 2000		/* SIGTERM, then this, then SIGKILL */
#define ST_BACKOFF_FILE	".backoff"
#define ST_BACKOFF_FIRST 60		/* seconds after the first deferral */
#define ST_BACKOFF_DEFAULT 3600		/* --max-backoff */
#define ST_BACKOFF_SLACK 5		/* a backoff ends this early, so that a
					   cron tick one delay later runs */
#define ST_RECORD_KEEP	SPOOL_RECORD_KEEP	/* exactly-once records live at
					   least this long (SPEC section 7) */
#define ST_GC_DEFAULT	(30 * 86400)	/* gc --older-than */
#define ST_GC_MAX	(100LL * 366 * 86400)
#define ST_LITTER_AGE	3600		/* leftover temporary files */

/* The subdirectories of a resource. */
#define ST_NEW		"new"
#define ST_CUR		"cur"
#define ST_FAILED	"failed"

struct st_spool {
	char		*root;		/* as given, without trailing '/' */
	int		 rootfd;
	uid_t		 uid;		/* the spool's owner: its root's */
	gid_t		 gid;
	mode_t		 dir_mode;	/* the root's permissions */
	mode_t		 file_mode;	/* rows': dir_mode less x */
};

/* Row names of one directory, sorted: arrival order. */
struct st_names {
	char		(*v)[ST_NAME_LEN + 1];
	size_t		 n;
	size_t		 cap;
};

/* The resources a command acts on. */
struct st_resources {
	int		 on[RES__COUNT];
	int		 stdin_rows;	/* "-": rows from stdin too (cat) */
};

enum st_format {
	ST_JSONL,
	ST_TSV,
	ST_CSV
};

struct st_run_opts {
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
int	st_spool_open(struct st_spool *sp, const char *root, char *err,
	    size_t errlen);
void	st_spool_close(struct st_spool *sp);

/*
 * Give fd, a file (or with dir, a directory) we have just created in the
 * spool, to the spool's owner with the spool's modes (SPEC section 7,
 * "Ownership").  Never call it on something we found there.  0 or -1.
 */
int	st_adopt(const struct st_spool *sp, int fd, int dir);

/*
 * Open <resource>/<sub> below the spool.  With create, a missing
 * directory is made with the mode of <resource>/new.  Returns an fd, or
 * -1 with errno set.
 */
int	st_subdir(const struct st_spool *sp, enum resource res,
	    const char *sub, int create);

/* Whether s is a row name, exactly. */
int	st_name_valid(const char *s);

/* The arrival time of a row name, in microseconds since the epoch. */
uint64_t st_name_usec(const char *name);

/*
 * Read the row names of the directory dirfd (regular files only) into
 * names, sorted.  dirfd stays open and unmoved.  Returns 0 or -1 (errno).
 */
int	st_names_load(int dirfd, struct st_names *names);

/* The same with every entry that has a row name, whatever its type. */
int	st_names_load_all(int dirfd, struct st_names *names);
void	st_names_free(struct st_names *names);

/*
 * Read the whole row name in dirfd into a new buffer (NUL-terminated),
 * at most ST_ROW_MAX bytes.  Returns 0; 1 when the row is gone; -1 with
 * err set.
 */
int	st_read(int dirfd, const char *name, char **buf, size_t *len,
	    char *err, size_t errlen);

/*
 * The "id" of the row at the start of buf: rows begin {"id":"<64 hex>".
 * Returns 0 and fills id, or -1.
 */
int	st_row_id(const char *buf, size_t len, char id[ROW_ID_HEX_LEN + 1]);

/* The same, reading only the start of the row name in dirfd. */
int	st_peek_id(int dirfd, const char *name, char id[ROW_ID_HEX_LEN + 1]);

/*
 * Claim the row name in dirfd: open it, lock it (flock, not waiting) and
 * check that it is still that entry.  The lock dies with the process, so
 * a killed consumer leaves the row waiting.  Returns a locked fd, or -1
 * with errno: ENOENT (gone), EWOULDBLOCK (another process holds it),
 * EINVAL (not a regular file: never opened, nor a link followed), or
 * another error.
 */
int	st_claim(int dirfd, const char *name);

/*
 * Move the claimed row name from fromfd to tofd (or unlink it when tofd
 * is -1) and make that durable.  Returns 0 or -1 (errno).
 */
int	st_finish(int fromfd, int tofd, const char *name);

/*
 * Parse resource names.  quarantine: whether "quarantine" is allowed;
 * stdin_ok: whether "-" (rows from stdin) is.  With no names, every
 * event resource.  Returns 0, or -1 with err naming the bad argument.
 */
int	st_resources_parse(int argc, char **argv, int quarantine, int stdin_ok,
	    struct st_resources *out, char *err, size_t errlen);

/* Parse a decimal number up to max.  0 or -1. */
int	st_parse_number(const char *s, long long max, long long *v);

/* Parse "30d", "12h", "90m", "3600s", "3600" into seconds.  0 or -1. */
int	st_parse_duration(const char *s, long long *secs);

/* Parse "5", "0.5" (seconds, milliseconds at most) into ms.  0 or -1. */
int	st_parse_seconds(const char *s, long *ms);

/* Seconds since the epoch, with microseconds. */
uint64_t st_now_usec(void);

/* spooltool_requests.c: the responder's answers, counted in SPOOL/.seq. */
struct st_req {
	char		 profile[SPOOL_COUNTER_NAME];
	char		 error[SPOOL_COUNTER_NAME];	/* "-" on 200 */
	int		 status;
	uint64_t	 count;
};

struct st_reqs {
	struct st_req	*v;		/* sorted: profile, status, error */
	size_t		 n;
};

/*
 * Read the counts of the spool sp into reqs (to be freed).  No .seq yet
 * is no count.  Returns 0 or -1 (errno).
 */
int	st_requests_load(const struct st_spool *sp, struct st_reqs *reqs);
void	st_requests_free(struct st_reqs *reqs);

/* spooltool_cat.c */
int	st_ls(const struct st_spool *sp, const struct st_resources *rs);
int	st_cat(const struct st_spool *sp, const struct st_resources *rs,
	    enum st_format fmt, int items);

/* Write one field (len bytes of s) escaped for fmt to fp. */
void	st_put_field(FILE *fp, enum st_format fmt, const char *s,
	    size_t len);

/* spooltool_run.c */
int	st_run(const struct st_spool *sp, const struct st_run_opts *o);

/* spooltool_stats.c */
int	st_stats(struct st_spool *sps, size_t nsp, int prometheus);
int	st_gc(const struct st_spool *sp, long long older_than);

/* spooltool_replay.c: replay and discard. */

#define ST_ID_PREFIX_MIN 8	/* hex digits of an --id prefix */

/* Which quarantined deliveries: every option given must match. */
struct st_qopts {
	const char	*reason;	/* --reason; NULL: any */
	char		 id[ROW_ID_HEX_LEN + 1];	/* --id, a prefix of the
					   row's id, lower case; "": any */
	long long	 older_than;	/* --older-than, seconds; -1: any */
	int		 force;		/* replay: deliveries older than
					   ST_RECORD_KEEP too */
};

/* Whether s is a reason the responder quarantines for.  0 or -1. */
int	st_qopts_reason(const char *s);

/* Set o->id from s: ST_ID_PREFIX_MIN to 64 hex digits.  0 or -1. */
int	st_qopts_id(const char *s, struct st_qopts *o);

/*
 * Replay the chosen rows of every spool's quarantine/new/ with cfg.  The
 * age of a delivery is now less its x-timestamp (else its received_at,
 * else its row's arrival).  Returns 0; 1 when a row was left, refused or
 * unreadable; or a sysexits code (EX_NOINPUT: --id names no waiting
 * delivery; EX_USAGE: it names several).
 */
int	st_replay(struct config *cfg, struct st_spool *sps, size_t nsp,
	    const struct st_qopts *o);

/* Move the chosen rows to quarantine/cur/.  Returns as st_replay(). */
int	st_discard(struct st_spool *sps, size_t nsp, const struct st_qopts *o);

#endif
