/* SPDX-License-Identifier: ISC */
/*
 * spoolfmt: the spool's on-disk format (SPEC sections 7 and 8), known
 * here alone.  The writer (spool.c) and humanos-spool (spooltool*.c) both
 * call it; neither spells a name, a length or a mode rule of its own.
 *
 *   SPOOL/<resource>/{new,cur,failed}/<row name>, tmp/<pp>/<row name>
 *   SPOOL/<resource>/.attempts/<row name>, SPOOL/<resource>/.backoff
 *   SPOOL/.ids/<xx>/<key>      exactly-once records, xx = the key's last
 *                              two characters: a symbolic link whose
 *                              target names the row it was made for,
 *                              pending or settled (below; never
 *                              followed; no event content), and
 *                              "<key>.<pid>" while humanos-spool
 *                              settles it.  Spools of 0.x also hold
 *                              records that are empty files, or hard
 *                              links to their rows, and "<key>.<pid>"
 *                              temporaries: all are read as records.
 *   SPOOL/.seq                 the shared counters (spool.h)
 *
 * A row name is "<16-digit microseconds>.<7-digit pid>.json": names sort
 * in arrival order.  A row is one line of JSON that begins
 * {"id":"<64 hex>" (row.c writes "id" first), so that its id can be read
 * from its first bytes.
 */
#ifndef HW_SPOOLFMT_H
#define HW_SPOOLFMT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "row.h"

/* The subdirectories of SPOOL/<resource>/, and what else lives there. */
#define SF_TMP		"tmp"		/* rows being written */
#define SF_NEW		"new"		/* rows waiting */
#define SF_CUR		"cur"		/* rows consumed */
#define SF_FAILED	"failed"	/* rows a command gave up on */
#define SF_ATTEMPTS	".attempts"	/* failed attempts, per row name */
#define SF_BACKOFF	".backoff"	/* run's backoff after exit 75 */
/* Below SPOOL/ itself. */
#define SF_IDS		".ids"		/* exactly-once records */
#define SF_SEQ		".seq"		/* the shared counters */

/* Row names. */
#define SF_NAME_USEC	16		/* digits: arrival, microseconds */
#define SF_NAME_PID	7		/* digits: the writer's pid */
#define SF_NAME_EXT	".json"
#define SF_NAME_LEN	(SF_NAME_USEC + 1 + SF_NAME_PID + \
			    sizeof(SF_NAME_EXT) - 1)
#define SF_NAME_MAX	64		/* a name buffer, with its NUL */

/*
 * Make the row name for arrival time usec (microseconds since the epoch)
 * and pid into name.  Returns 0, or -1 when it does not fit.
 */
int	sf_name_make(char name[SF_NAME_MAX], uint64_t usec, long pid);

/*
 * Whether s is a row name, exactly: 0 with its arrival time in *usec and
 * its pid in *pid (each unless NULL), or -1.
 */
int	sf_name_parse(const char *s, uint64_t *usec, long *pid);

/* The arrival time of name, which sf_name_parse() accepted. */
uint64_t sf_name_usec(const char *name);

/*
 * Rows being written: SPOOL/<resource>/tmp/<pp>/<row name>, pp = the
 * writer's pid modulo SF_TMP_SUBS in two hex digits, so that a writer's
 * fsync of its tmp directory meets no other writer's changes.  (0.2.0
 * wrote in tmp/ itself: still read.)
 */
#define SF_TMP_SUBS	64

/* The tmp/ subdirectory ("pp") of the writer pid. */
void	sf_tmp_sub(long pid, char sub[3]);

/* Exactly-once keys and their records below SPOOL/.ids/. */
#define SF_KEY_MIN	2		/* characters of a key, [a-z0-9] */
#define SF_KEY_MAX	80		/* a key buffer, with its NUL */
#define SF_SUB_LEN	2		/* .ids/<xx>/: a key's last two */
#define SF_RECORD_MAX	(SF_SUB_LEN + 1 + SF_KEY_MAX)	/* "<xx>/<key>" */
#define SF_IDS_SUBS	256		/* keys are hex: 00 to ff */
#define SF_QKEY_PREFIX	"q"		/* quarantine keys: "q" and the id */

/* The number of key characters ([a-z0-9]) s starts with. */
size_t	sf_key_span(const char *s);

/* Whether key is a key: SF_KEY_MIN to SF_KEY_MAX - 1 of [a-z0-9].  1/0. */
int	sf_key_valid(const char *key);

/*
 * The key of the row with id (lower-case hex) in resource res: the id,
 * or for the quarantine "q" and the id (a body and an event with the same
 * hash are different deliveries).  Returns 0, or -1 when it does not fit.
 */
int	sf_key_make(enum resource res, const char *id, char key[SF_KEY_MAX]);

/* The record of a valid key, below .ids/: "<xx>/<key>". */
void	sf_record_path(const char *key, char rec[SF_RECORD_MAX]);

/* The subdirectory ("xx") a record path rec is in. */
void	sf_record_sub(const char *rec, char sub[SF_SUB_LEN + 1]);

/* The i-th subdirectory of .ids/ (i < SF_IDS_SUBS): "00" to "ff". */
void	sf_ids_sub(unsigned i, char sub[SF_SUB_LEN + 1]);

/* Whether name could be a subdirectory of .ids/: two key characters. */
int	sf_ids_sub_valid(const char *name);

/*
 * The temporary name under which pid replaces the record rec:
 * "<rec>.<pid>".  Returns 0, or -1 when it does not fit in len bytes.
 */
int	sf_record_tmp(const char *rec, long pid, char *buf, size_t len);

/*
 * A record's target names the row it was made for, in one of two forms:
 *
 *   "<resource>/new/<row name>"  pending: made by the writer, whose row
 *                                may not be durable yet; a power loss
 *                                can leave it without its row, and the
 *                                boot's first start removes it then
 *                                (spool.h)
 *   "<resource>/<row name>"      settled: made durable by humanos-spool
 *                                before its row left new/ (and every
 *                                record of older spools); it stands
 *                                whatever became of its row
 */
#define SF_TARGET_MAX	(32 + SF_NAME_MAX)	/* with its NUL */
#define SF_PENDING	"new"		/* the pending form's middle */

/* Make the target of the row name of res, pending or settled: 0/-1. */
int	sf_record_target(char target[SF_TARGET_MAX], enum resource res,
	    const char *name, int settled);

/*
 * Make the record rec (below the directory idsfd) for the row name of
 * resource res, pending or settled: symlinkat(2), so EEXIST when the key
 * has one.  Returns 0, or -1 with errno.
 */
int	sf_record_make(int idsfd, const char *rec, enum resource res,
	    const char *name, int settled);

/*
 * Read the record rec below idsfd.  Returns 1 and its target (NUL
 * ended), 0 when it is a record of another kind (a regular file: an
 * older spool's), or -1 with errno (ENOENT: no record).
 */
int	sf_record_read(int idsfd, const char *rec, char target[SF_TARGET_MAX]);

/*
 * The row a target names: its resource in *res and its name in name.
 * Returns 1 (pending), 0 (settled), or -1 (not a target of ours).
 */
int	sf_record_split(const char *target, enum resource *res,
	    char name[SF_NAME_MAX]);

/* Whether target (either form) names the row name of res.  1/0. */
int	sf_record_names(const char *target, enum resource res,
	    const char *name);

/*
 * Settle the record rec for the row name of res, which is in new/ (open
 * as newfd) and about to leave it: new/ is fsynced first (the row's
 * writer may have died before its own fsync of new/), then a pending
 * record naming that row is replaced by the settled one (made as
 * "<rec>.<pid>", given to uid:gid as root, renamed over it), a missing
 * one is made settled (one made meanwhile is settled in turn), any other
 * is left as it is; then its directory is fsynced.  Returns 0, or -1
 * with errno.
 */
#define SF_SETTLE_TRIES	4	/* records made or replaced under us */
int	sf_record_settle(int idsfd, int newfd, const char *rec,
	    enum resource res, const char *name, uid_t uid, gid_t gid);

enum sf_record_kind {
	SF_NOT_RECORD,			/* anything else: leave it */
	SF_RECORD,			/* "<key>" */
	SF_RECORD_TMP			/* "<key>.<pid>", left by a crash */
};

/* What the entry name of .ids/<sub>/ is. */
enum sf_record_kind sf_record_kind(const char *sub, const char *name);

/* A row's first bytes: {"id":"<64 hex>". */
#define SF_ID_PREFIX	"{\"id\":\""
#define SF_ID_PEEK	(sizeof(SF_ID_PREFIX) - 1 + ROW_ID_HEX_LEN + 1)

/*
 * The id of the row whose first len bytes are buf.  Returns 0 and fills
 * id, or -1 when they do not begin {"id":"<64 lower-case hex>".
 */
int	sf_row_id(const char *buf, size_t len, char id[ROW_ID_HEX_LEN + 1]);

/*
 * The same, reading the first bytes of the open row fd (its offset is
 * not moved).  Returns 0; 1 when the row has no id there (too short, or
 * another start); -1 with errno when it cannot be read.
 */
int	sf_peek_id_fd(int fd, char id[ROW_ID_HEX_LEN + 1]);

/* The same for the row name in dirfd (opened O_NOFOLLOW, not a fifo's
   wait).  -1 with errno also when it cannot be opened. */
int	sf_peek_id(int dirfd, const char *name, char id[ROW_ID_HEX_LEN + 1]);

/*
 * The record path ("<xx>/<key>", below .ids/) of the open row fd of res,
 * from the id it begins with.  Returns 0; 1 when the row has no id there;
 * -1 with errno when it cannot be read.
 */
int	sf_row_record_fd(int fd, enum resource res, char rec[SF_RECORD_MAX]);

/* The same for the row name in dirfd (opened as sf_peek_id() does). */
int	sf_row_record(int dirfd, const char *name, enum resource res,
	    char rec[SF_RECORD_MAX]);

/*
 * Modes: directories get x wherever rows get r (so consumers can list
 * them); rows get a directory's bits less x.
 */
mode_t	sf_dir_mode(mode_t file_mode);
mode_t	sf_file_mode(mode_t dir_mode);

#endif
