/*
 * spool: the writer side of the spool (SPEC section 7).
 *
 *   SPOOL/<resource>/tmp/   rows being written
 *   SPOOL/<resource>/new/   complete rows, waiting (names sort in arrival order)
 *   SPOOL/<resource>/cur/   rows consumed (humanos-spool)
 *   SPOOL/.ids/<xx>/<key>   exactly-once records, xx = last two key characters
 *   SPOOL/.seq              the shared arrival counter
 *
 * A row is written to tmp/ and fsynced; its record is then made as a hard
 * link to it (link(2) fails if the key was seen: a duplicate); then it is
 * renamed into new/, and the directories are fsynced.  A crash before the
 * link leaves a tmp/ file with one link, which spool_recover() removes; a
 * crash after it leaves one with two links, which spool_recover() publishes.
 * So a record never exists without its row.  Once published, the record is
 * replaced by an empty file, so that no event content stays in .ids/ after
 * the row is consumed.
 */
#ifndef HW_SPOOL_H
#define HW_SPOOL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"

#define SPOOL_KEY_MAX	80	/* exactly-once key: [a-z0-9] only */
#define SPOOL_RECORD_MAX (3 + SPOOL_KEY_MAX)	/* "<xx>/<key>" below .ids/ */
#define SPOOL_NAME_MAX	64	/* row file name, with ".json" */
#define SPOOL_IDS_DIR	".ids"
#define SPOOL_SEQ_FILE	".seq"

struct spool {
	char		*root;
	int		 rootfd;
	int		 idsfd;
	int		 tmpfd[RES__COUNT];
	int		 newfd[RES__COUNT];
	uint64_t	*seq;		/* shared mapping of SPOOL/.seq */
	mode_t		 file_mode;
	int		 chmod;		/* the umask takes bits of file_mode */
	enum config_sync sync;
};

enum spool_status {
	SPOOL_WRITTEN,
	SPOOL_DUPLICATE,
	SPOOL_FAILED
};

/*
 * Open (creating what is missing) the spool at root.  Rows get file_mode
 * whatever the umask.  Returns 0, or -1 with err set.
 */
int	spool_open(struct spool *sp, const char *root, mode_t file_mode,
	    enum config_sync sync, char *err, size_t errlen);
void	spool_close(struct spool *sp);

/*
 * Finish what a crash left in every tmp/: publish rows that have a
 * record, remove the others.  Returns the number of rows published, or
 * -1 with err set.
 */
int	spool_recover(struct spool *sp, char *err, size_t errlen);

/*
 * Write row (rowlen bytes of one-line JSON; a '\n' is added) under res,
 * exactly once for key.  On SPOOL_WRITTEN name holds the new row's file
 * name.  SPOOL_FAILED leaves nothing behind and sets err (with errno's
 * text); the caller answers 503.
 */
enum spool_status spool_put(struct spool *sp, enum resource res,
	    const char *key, const char *row, size_t rowlen,
	    char name[SPOOL_NAME_MAX], char *err, size_t errlen);

/*
 * The next row name: "<16-digit microseconds>.<7-digit pid>.json", unique
 * and increasing across every process that shares the spool.
 */
int	spool_next_name(struct spool *sp, char name[SPOOL_NAME_MAX]);

/*
 * Give fd, a file or directory we have just created in a spool (never one
 * we found there), to the spool's owner uid:gid with mode.  As root this
 * is a chown; as another user only the group can change (when we are in
 * it).  Returns 0, or -1 (errno) when root could not give it away.
 */
int	spool_adopt(int fd, uid_t uid, gid_t gid, mode_t mode);

/* Whether root is a spool we can write (for --check-config). */
int	spool_check(const char *root, mode_t file_mode, char *err,
	    size_t errlen);

#endif
