/* SPDX-License-Identifier: ISC */
/*
 * spool: the writer side of the spool (SPEC section 7).
 *
 *   SPOOL/<resource>/tmp/<pp>/  rows being written, pp = the writer's pid
 *                           modulo 64 (spoolfmt.h); tmp/ itself in 0.2.0
 *   SPOOL/<resource>/new/   complete rows, waiting (names sort in arrival order)
 *   SPOOL/<resource>/cur/   rows consumed (humanos-spool)
 *   SPOOL/.ids/<xx>/<key>   exactly-once records, xx = last two key characters
 *   SPOOL/.seq              the shared arrival counter
 *
 * The protocol: two durability barriers a row, as for any durable file
 * (create, write, fsync, rename, fsync the directory).
 *
 *   1  create tmp/PP/NAME, write the row, and hold an flock on it
 *   B1 fsync(row)                        the row's data durable
 *   2  symlinkat("<resource>/new/NAME", .ids/xx/KEY)  the record, pending
 *      (spoolfmt.h); EEXIST: a duplicate (below)
 *   3  rename tmp/PP/NAME -> new/NAME    the row published
 *   B2 fsync(new/), a group fsync: one fsync of new/ begun after the
 *      rename, by this process or any other (spool_gsync())
 *   4  drop the flock; answer 200
 *
 * Two fsyncs a row written, one of them shared (three where this boot's
 * id cannot be read, below; a duplicate's answer syncs what it relies
 * on); three directory operations (create, symlink, rename).  A record holds no event content:
 * it names its row, nothing else.  Neither tmp/PP/ nor the record's
 * directory is synced before the 200: what a power loss takes of records,
 * the next boot makes again from the rows, and what it leaves of records
 * without their row, the next boot removes (below).  A record is made
 * durable before anything relies on it without its row in new/: a
 * duplicate's answer, humanos-spool moving the row on, which also
 * settles it ("<resource>/NAME": it then stands whatever becomes of the
 * row).  Each writer process writes in its own tmp/PP/ (bench/README.md
 * has why: an fsync of a directory every worker creates files in keeps
 * finding another worker's change to commit); the duplicate's wait finds
 * a row's tmp/ entry from the pid in its name.
 *
 * What the argument assumes of the file system (and what the model test,
 * t/spool-model.c, replays): a file's data is durable once it was
 * fsynced; an entry made or removed in a directory is durable once that
 * directory was fsynced (by any process: an fsync begun after the change
 * covers it -- what the group fsync of B2 relies on); a rename is atomic
 * (after a crash the name is in one of its two places) and durable once
 * its target directory was fsynced, and an entry names its file, so the
 * renamed row is in new/ then even if its tmp/ entry never was durable.
 * Anything not yet covered may be lost, independently of the rest.  A
 * process killed (not the machine) loses nothing already done, and only
 * a reboot loses what was not synced: a spool whose storage can lose
 * unsynced writes while the machine runs on (a network file system's
 * server restarting, a snapshot rolled back) is outside this argument,
 * as it was for the records made again at a boot's first start.
 *
 * The boot's first start (spool_recover()) looks through the spool
 * before it answers any delivery: it publishes a tmp/ row its record
 * names, drops the other tmp/ rows, makes the record of a new/ row that
 * has none, and removes a pending record whose row is nowhere (not in
 * tmp/PP/, new/, cur/, failed/), durably.  One start does it, holding an
 * flock on the spool's root, the others of that boot wait for it: so no
 * writer of this boot runs meanwhile, and a pending record without its
 * row can only be a power loss's (a live writer's row is in tmp/ or new/
 * while its record is pending; a failing writer removes its record
 * first).  A boot is told from the last by its id
 * (/proc/sys/kernel/random/boot_id), kept in .seq; where it cannot be
 * read, B1 also fsyncs tmp/PP/ and no record is removed.
 *
 * A power loss, point by point (no 200 is given before B2 ends):
 *   before B1 ends: there is no record; a tmp/ row, whole or not, has no
 *      record naming it and is dropped; the retry writes.
 *   after B1, before B2 ends: the row's data survives; its tmp/ entry,
 *      the record (2) and the rename (3) each may or may not:
 *      - no record: a tmp/ row is dropped; a new/ row gets its record
 *        made again; the retry writes, or is a duplicate.
 *      - the record, and the row in tmp/: published; the retry is a
 *        duplicate.
 *      - the record, and the row in new/: as after B2.
 *      - the record, the row nowhere: the record is removed (the row was
 *        never acknowledged); the retry writes.
 *   after B2: the row is durable in new/ (the 200 is true); its record
 *      may not be, and if a power loss takes it the boot's first start
 *      makes it again, as above, before the retry.  Before a row leaves
 *      new/, humanos-spool settles its record (sf_record_settle()): it
 *      fsyncs new/ first -- the row's writer may have been killed before
 *      B2, its tmp/ entry never synced -- then makes the record settled,
 *      durably; so a row in cur/ or failed/, or deleted, always left a
 *      settled record behind, never removed for want of its row, and
 *      that row was durable before its record was settled.  Before a
 *      duplicate is answered, the record is made durable too, and the
 *      row it names first (below).
 * So a record never survives a boot's first start without its row,
 * unless settled; an acknowledged row is never lost, and a retry never
 * makes a second row.  A row removed from new/ by other means than
 * humanos-spool leaves a pending record, which the next boot's first
 * start removes: that event would be spooled again if delivered again.
 *
 * A failure (an errno, not a crash) takes back only what no one can
 * have been told about.  Before the rename it removes the record, syncs
 * .ids/xx, and only then removes the row (so the record's removal is
 * durable first; should that sync fail, the row stays in tmp/ for
 * spool_recover() to publish or drop by its record).  From the rename on
 * nothing is taken back: a failed B2 answers 503 and leaves a whole row
 * and its record, so that the provider's retry is a duplicate once they
 * are durable.
 *
 * A duplicate: the writer holds an flock on its row from its creation to
 * its end.  A delivery of the same event that meets the record (EEXIST)
 * may meet a writer in flight, which could yet fail and take its record
 * back -- until its row leaves tmp/.  So while the row the record names
 * is in tmp/, it waits for that lock (SPOOL_AWAIT_MS at most): the
 * record gone, it writes its own row; still locked, it fails (503: the
 * provider retries); the record standing, the row it names is made
 * durable where it is -- its writer may have been killed before B2, its
 * data durable (B1 came before the record), its entry in tmp/PP/ or new/
 * not: both are fsynced -- then .ids/xx, and the answer is duplicate.  A
 * row already in new/ is not waited for (a consumer may hold its lock
 * for long).  A stale delivery whose event was spooled (spool_seen())
 * waits and syncs the same way before it is answered duplicate.
 *
 * Records of older spools (empty files; hard links to their rows) are
 * still read as records; a tmp/ row with a second link is published.
 *
 * Ownership (SPEC section 7): the spool's owner is the uid:gid of its root.
 * Whatever the writer creates (rows, records, directories, .seq) is given
 * to it with file_mode (directories: file_mode plus x where it has r;
 * records, symbolic links, have no mode of their own), whoever we run
 * as.  What it finds is never given away: an existing .seq is opened
 * only when it is a regular file with one link, owned by the spool's
 * owner or by us.
 */
#ifndef HW_SPOOL_H
#define HW_SPOOL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "spoolfmt.h"

/* The names and their sizes are spoolfmt's (spoolfmt.h); these say so. */
#define SPOOL_KEY_MAX	SF_KEY_MAX	/* exactly-once key: [a-z0-9] only */
#define SPOOL_RECORD_MAX SF_RECORD_MAX	/* "<xx>/<key>" below .ids/ */
#define SPOOL_NAME_MAX	SF_NAME_MAX	/* row file name, with ".json" */
#define SPOOL_IDS_DIR	SF_IDS
#define SPOOL_SEQ_FILE	SF_SEQ
/*
 * SPOOL/.seq: what every process on the spool shares, mapped MAP_SHARED
 * and changed with atomic operations only (no lock; a futex to wait
 * on): the arrival sequence (row names), the bytes the quarantine holds
 * (counted at start, added to by every writer), the responder's answers
 * counted per profile, status and error (kept across restarts; read by
 * humanos-spool stats), and the group fsyncs of new/.  A .seq of an
 * older version (shorter) is extended with zeros.
 */
#define SPOOL_SEQ_ARRIVAL 0
#define SPOOL_SEQ_QBYTES 1
#define SPOOL_SEQ_BOOT	2		/* and 3: the boot whose start looked
					   through new/ (spool_recover()) */
#define SPOOL_COUNTERS	1024		/* slots: profiles x answers */
#define SPOOL_COUNTER_NAME 24		/* profile, error: bytes with NUL */
#define SPOOL_COUNTER_FREE  0
#define SPOOL_COUNTER_CLAIM 1		/* being filled in */
#define SPOOL_COUNTER_READY 2

struct spool_counter {
	uint32_t	state;		/* SPOOL_COUNTER_* */
	uint16_t	status;
	char		profile[SPOOL_COUNTER_NAME];
	char		error[SPOOL_COUNTER_NAME];	/* "-" on 200 */
	uint64_t	count;
};

/*
 * The group fsync of a resource's new/ (spool_gsync()): fsyncs of new/
 * begun, numbered from 1 (tickets); the highest ticket whose fsync
 * succeeded; the pid of the process that may fsync now (0: none); a
 * count moved on at each fsync's end (the futex the others wait on).
 */
struct spool_gsync {
	uint64_t	begun;
	uint64_t	done;
	uint32_t	leader;
	uint32_t	wake;
};
#define SPOOL_GSYNC_SLOTS 8		/* >= RES__COUNT */
#define SPOOL_GSYNC_WAIT_MS 100		/* a leader this slow may be dead */

struct spool_shared {
	uint64_t	word[8];	/* [SPOOL_SEQ_ARRIVAL], [..QBYTES],
					   [..BOOT] */
	struct spool_counter counter[SPOOL_COUNTERS];
	struct spool_gsync gsync[SPOOL_GSYNC_SLOTS];	/* by resource */
};
#define SPOOL_SEQ_SIZE	sizeof(struct spool_shared)
#define SPOOL_AWAIT_MS	2000	/* a duplicate waits this long at most for
				   the writer of its record to finish */
#define SPOOL_AWAIT_TRIES 3	/* records that vanish under us, in a row */
#define SPOOL_QSCAN_EVERY 60	/* seconds between recounts when full */
#define SPOOL_RECORD_KEEP (7 * 86400)	/* exactly-once records live at
					   least this long (SPEC section 7) */

struct spool {
	char		*root;
	int		 rootfd;
	int		 idsfd;
	int		 tmpfd[RES__COUNT];
	int		 newfd[RES__COUNT];
	int		 wtmpfd[RES__COUNT];	/* tmp/<pp>/ of wtmp_pid */
	pid_t		 wtmp_pid;
	uint64_t	*seq;		/* shared mapping of SPOOL/.seq:
					   a struct spool_shared */
	time_t		 qscan;		/* last recount of the quarantine */
	mode_t		 file_mode;
	int		 chmod;		/* the umask takes bits of file_mode */
	uid_t		 uid;		/* the spool's owner: its root's */
	gid_t		 gid;
	uid_t		 euid;		/* who we are, learnt at spool_open() */
	int		 adopt;		/* we are not uid:gid: give rows away */
	enum config_sync sync;
	int		 bootid;	/* this boot's id is known (boot): its
					   first start removes records a power
					   loss left without their row */
	uint64_t	 boot[2];	/* read at spool_open() */
	struct {
		int	 published, made, removed;
	}		 recovered;	/* by the last spool_recover() */
};

enum spool_status {
	SPOOL_WRITTEN,
	SPOOL_DUPLICATE,
	SPOOL_FAILED
};

/*
 * Open (creating what is missing) the spool at root.  Rows get file_mode
 * whatever the umask, and the owner of root whoever we run as.  Refuses a
 * .seq that is not a regular file with one link owned by root's owner or
 * by us.  Returns 0, or -1 with err set.
 */
int	spool_open(struct spool *sp, const char *root, mode_t file_mode,
	    enum config_sync sync, char *err, size_t errlen);
void	spool_close(struct spool *sp);

/*
 * Finish what a crash left: in every tmp/, publish the rows of dead
 * writers that their record names and remove the others; at the first
 * start of a boot (the others wait for it), make again the records that
 * rows in new/ lost, and remove the pending records whose row is
 * nowhere.  Returns the number of rows published, records made and
 * records removed (each also in sp->recovered), or -1 with err set.
 */
int	spool_recover(struct spool *sp, char *err, size_t errlen);

/*
 * Write row (rowlen bytes of one-line JSON; a '\n' is added) under res,
 * exactly once for key.  The row begins {"id":"<id>" (spoolfmt.h) and key
 * is sf_key_make(res, id): recovery reads a row's key from it; any other
 * row is refused (SPOOL_FAILED).  On SPOOL_WRITTEN name holds the new row's file
 * name.  SPOOL_FAILED leaves nothing behind and sets err (with errno's
 * text); the caller answers 503.
 */
enum spool_status spool_put(struct spool *sp, enum resource res,
	    const char *key, const char *row, size_t rowlen,
	    char name[SPOOL_NAME_MAX], char *err, size_t errlen);

/*
 * The next row name (sf_name_make(): arrival time and our pid), unique
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

/*
 * Whether the event key was spooled already: 1 (its record stands, and
 * it and its row are durable: as for a duplicate), 0 (never seen, or its
 * writer failed), -1 (cannot tell, or its writer is still in flight).
 */
int	spool_seen(struct spool *sp, const char *key);

/*
 * Whether the quarantine has room for need more bytes under max.  The
 * count is shared by every process on the spool, made at start, added to
 * by spool_quarantine_add() and made again (once a minute at most) when
 * it says full.  Returns 1 or 0.
 */
int	spool_quarantine_room(struct spool *sp, unsigned long long max,
	    size_t need);
void	spool_quarantine_add(struct spool *sp, size_t n);

/*
 * Count one answer: status and error (NULL on 200) for profile (names
 * are cut to SPOOL_COUNTER_NAME - 1 bytes).  Lock-free; a full table
 * drops the count.  Never fails the request.
 */
void	spool_count(struct spool *sp, const char *profile, int status,
	    const char *error);

/*
 * Group commit: make the directory fd durable for an entry changed in it
 * before this call, by an fsync whose ticket (in g, which every process
 * on the spool shares) was taken after the call began: another
 * process's, or ours (me: the caller's pid).  One process at a time
 * leads (g->leader = me) and fsyncs; the others wait for it to end (a
 * futex on g->wake) and mostly find their change covered then, or one of
 * them leads next.  A leader
 * slower than SPOOL_GSYNC_WAIT_MS (dead, perhaps) is replaced.  Safety
 * rests on the tickets alone (taken before the fsync, marked done after
 * it succeeded): two leaders at once only fsync twice.  0, or -1 (errno,
 * from an fsync of ours).
 */
int	spool_gsync(struct spool_gsync *g, int fd, uint32_t me);

/*
 * Whether root is a spool we can write, as the user we run as (for
 * --check-config and the start): spool_open() and a real write.
 */
int	spool_check(const char *root, mode_t file_mode, char *err,
	    size_t errlen);

#endif
