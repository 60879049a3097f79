/* SPDX-License-Identifier: ISC */
/*
 * spooltool_run: humanos-spool run (SPEC section 8).
 *
 * Each waiting row is claimed with hs_claim() (an flock on the row that
 * dies with us), handed to the command on stdin, and then, still under
 * the lock, moved to cur/ (exit 0), or counted and left in new/, or moved
 * to failed/ once the attempts run out.  A run killed at any instant
 * leaves every row in new/ or done; the command is at-least-once.
 *
 * Exit 75 from the command defers: the row stays, uncounted, the run
 * stops, and RESOURCE/.backoff (see spooltool.h) keeps the next runs
 * away for a delay that doubles at each deferral.  A row we cannot or
 * must not open (another owner, a hard link, not a regular file) is
 * reported and skipped, never followed, and never stops the run.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "hwlog.h"
#include "spool.h"
#include "spoolfmt.h"
#include "spooltool.h"

#define HS_ATTEMPTS_LEN	24	/* bytes of a sidecar: digits, newline */
#define HS_TEMPFAIL_EXIT 75	/* the command's "try later" (EX_TEMPFAIL) */

/* The directories of one resource, open for the whole run. */
struct hs_dirs {
	int		 resfd;
	int		 newfd;
	int		 curfd;
	int		 failedfd;
	int		 attfd;		/* .attempts/, made on first use */
	time_t		 start;		/* when the run started */
	int		 cleared;	/* .backoff removed by this run */
};

/* How the command ended. */
struct hs_outcome {
	int		 exec_errno;	/* could not be run at all */
	int		 status;	/* waitpid status */
	int		 timed_out;
	int		 interrupted;	/* the signal we got, or 0 */
	double		 secs;
};

struct hs_tally {
	size_t		 done, kept, failed, deferred, busy, unreadable;
};

/* The row being run: the run's state, the row, and how its command did. */
struct hs_job {
	const struct hs_spool	 *sp;
	const struct hs_run_opts *o;
	struct hs_dirs		 *d;
	struct hs_tally		 *t;
	const char		 *res;		/* the resource's name */
	const char		 *name;		/* the row's */
	long			  n;		/* this attempt, from 1 */
	struct hs_outcome	  oc;
};

static int	 hs_dirs_open(const struct hs_spool *, enum resource,
		    struct hs_dirs *);
static void	 hs_dirs_close(struct hs_dirs *);
static int	 hs_run_row(const struct hs_spool *, const struct hs_run_opts *,
		    struct hs_dirs *, const char *, struct hs_tally *);
static void	 hs_spawn(const struct hs_spool *, const struct hs_run_opts *,
		    int, const char *, long, struct hs_outcome *);
static long	 hs_attempts_get(struct hs_dirs *, const char *);
static int	 hs_attempts_set(const struct hs_spool *, struct hs_dirs *,
		    const char *, long);
static void	 hs_attempts_clear(struct hs_dirs *, const char *);
static int	 hs_backoff_active(const struct hs_spool *,
		    const struct hs_run_opts *, const struct hs_dirs *,
		    long long *, long long *);
static long long hs_backoff_defer(const struct hs_spool *,
		    const struct hs_run_opts *, const struct hs_dirs *);
static void	 hs_backoff_clear(struct hs_dirs *);

static void
hs_sigchld(int sig)
{
	(void)sig;	/* only to make SIGCHLD pending for sigtimedwait */
}

/* Block the signals hs_wait() waits for; the old mask in old. */
static void
hs_signals_block(sigset_t *old)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hs_sigchld;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Open the resource; 0, or the code to exit with (logged). */
static int
hs_run_open(const struct hs_spool *sp, const struct hs_run_opts *o,
    struct hs_dirs *d, struct hs_names *names)
{
	const char	*res = event_resource_name(o->res);
	char		 v1[HWLOG_VAL_MAX], v2[HWLOG_VAL_MAX];
	long long	 delay, left;
	int		 e;

	if (hs_dirs_open(sp, o->res, d) == -1) {
		e = errno;
		hwlog("op=run resource=%s result=error step=open spool=%s "
		    "error=%s", res, hwlog_val(sp->root, v1, sizeof(v1)),
		    hwlog_val(strerror(e), v2, sizeof(v2)));
		return e == ENOENT ? EX_NOINPUT : EX_TEMPFAIL;
	}
	d->start = time(NULL);
	if (hs_backoff_active(sp, o, d, &delay, &left)) {
		hwlog("op=run resource=%s result=backoff backoff=%lld "
		    "left=%lld", res, delay, left);
		hs_dirs_close(d);
		return EX_TEMPFAIL;
	}
	if (hs_names_load_all(d->newfd, names) == -1) {
		hwlog("op=run resource=%s result=error step=list error=%s", res,
		    hwlog_val(strerror(errno), v1, sizeof(v1)));
		hs_dirs_close(d);
		return EX_TEMPFAIL;
	}
	return 0;
}

int
hs_run(const struct hs_spool *sp, const struct hs_run_opts *o)
{
	struct hs_dirs		 d;
	struct hs_names		 names;
	struct hs_tally		 t;
	sigset_t		 old;
	size_t			 i;
	int			 rc;

	memset(&t, 0, sizeof(t));
	if ((rc = hs_run_open(sp, o, &d, &names)) != 0)
		return rc;
	/* Wait for the command and for our own stop signals in one place. */
	hs_signals_block(&old);
	for (i = 0; i < names.n && rc == 0 && t.deferred == 0; i++)
		rc = hs_run_row(sp, o, &d, names.v[i], &t);
	sigprocmask(SIG_SETMASK, &old, NULL);
	hwlog("op=run resource=%s result=summary done=%zu kept=%zu "
	    "failed=%zu deferred=%zu busy=%zu unreadable=%zu",
	    event_resource_name(o->res), t.done, t.kept, t.failed,
	    t.deferred, t.busy, t.unreadable);
	hs_names_free(&names);
	hs_dirs_close(&d);
	/* A row failed or unreadable: 1; else deferred: 75. */
	if (rc == 0 && t.kept + t.failed + t.unreadable > 0)
		rc = 1;
	else if (rc == 0 && t.deferred > 0)
		rc = EX_TEMPFAIL;
	return rc;
}

static int
hs_dirs_open(const struct hs_spool *sp, enum resource res, struct hs_dirs *d)
{
	memset(d, 0, sizeof(*d));
	d->resfd = d->newfd = d->curfd = d->failedfd = d->attfd = -1;
	if ((d->resfd = openat(sp->rootfd, event_resource_name(res),
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    (d->newfd = hs_subdir(sp, res, SF_NEW, 0)) == -1 ||
	    (d->curfd = hs_subdir(sp, res, SF_CUR, 1)) == -1 ||
	    (d->failedfd = hs_subdir(sp, res, SF_FAILED, 1)) == -1) {
		int saved = errno;

		hs_dirs_close(d);
		errno = saved;
		return -1;
	}
	return 0;
}

static void
hs_dirs_close(struct hs_dirs *d)
{
	int	*fds[] = { &d->resfd, &d->newfd, &d->curfd, &d->failedfd,
		    &d->attfd };
	size_t	 i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] != -1) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* How the command ended, as log keys. */
static void
hs_describe(const struct hs_outcome *oc, long timeout_ms, char *buf,
    size_t len)
{
	if (oc->timed_out)
		snprintf(buf, len, "timeout=%ld.%03ld", timeout_ms / 1000,
		    timeout_ms % 1000);
	else if (WIFEXITED(oc->status))
		snprintf(buf, len, "exit=%d", WEXITSTATUS(oc->status));
	else if (WIFSIGNALED(oc->status))
		snprintf(buf, len, "signal=%d", WTERMSIG(oc->status));
	else
		snprintf(buf, len, "status=%#x", oc->status);
}

/* The row failed: count it, and give up on it when attempts run out. */
static int
hs_row_failed(struct hs_job *j)
{
	const struct hs_run_opts *o = j->o;
	struct hs_dirs		 *d = j->d;
	char			  how[64], v[HWLOG_VAL_MAX];
	int			  last;

	last = o->max_attempts > 0 && j->n >= o->max_attempts;
	hs_describe(&j->oc, o->timeout_ms, how, sizeof(how));
	if ((last && hs_finish(d->newfd, d->failedfd, j->name) == -1) ||
	    (!last && hs_attempts_set(j->sp, d, j->name, j->n) == -1)) {
		hwlog("op=run resource=%s row=%s result=error %s secs=%.3f "
		    "attempt=%ld max_attempts=%ld step=%s error=%s", j->res,
		    j->name, how, j->oc.secs, j->n, o->max_attempts,
		    last ? "move" : "count",
		    hwlog_val(strerror(errno), v, sizeof(v)));
		return EX_TEMPFAIL;
	}
	if (last)
		hs_attempts_clear(d, j->name);
	hwlog("op=run resource=%s row=%s result=%s %s secs=%.3f attempt=%ld "
	    "max_attempts=%ld%s", j->res, j->name, last ? "failed" : "kept",
	    how, j->oc.secs, j->n, o->max_attempts, last ? " to=failed" : "");
	if (last)
		j->t->failed++;
	else
		j->t->kept++;
	return 0;
}

/* Exit 0: the row is done. */
static int
hs_row_done(struct hs_job *j)
{
	int	del = j->o->delete;
	char	v[HWLOG_VAL_MAX];

	if (hs_finish(j->d->newfd, del ? -1 : j->d->curfd, j->name) == -1) {
		hwlog("op=run resource=%s row=%s result=error exit=0 secs=%.3f "
		    "attempt=%ld step=%s error=%s", j->res, j->name, j->oc.secs,
		    j->n, del ? "delete" : "move",
		    hwlog_val(strerror(errno), v, sizeof(v)));
		return EX_TEMPFAIL;
	}
	hs_attempts_clear(j->d, j->name);
	hs_backoff_clear(j->d);
	hwlog("op=run resource=%s row=%s result=done exit=0 secs=%.3f "
	    "attempt=%ld to=%s", j->res, j->name, j->oc.secs, j->n,
	    del ? "deleted" : "cur");
	j->t->done++;
	return 0;
}

/* Exit 75: the row stays, uncounted; the run stops; back off. */
static void
hs_row_deferred(struct hs_job *j)
{
	long long	delay = hs_backoff_defer(j->sp, j->o, j->d);

	hwlog("op=run resource=%s row=%s result=deferred exit=%d secs=%.3f "
	    "attempt=%ld backoff=%lld", j->res, j->name, HS_TEMPFAIL_EXIT,
	    j->oc.secs, j->n, delay);
	j->t->deferred++;
}

/* Whether fd, a row with more than one link, is linked only by its own
   exactly-once record (a spool of 0.2.0, whose writer linked it until it
   emptied it). */
static int
hs_own_record(const struct hs_spool *sp, enum resource res, int fd,
    const struct stat *st)
{
	struct stat	r;
	char		rec[SF_RECORD_MAX];
	char		path[sizeof(SF_IDS) + SF_RECORD_MAX];

	if (st->st_nlink != 2 || sf_row_record_fd(fd, res, rec) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", SF_IDS, rec);
	return fstatat(sp->rootfd, path, &r, AT_SYMLINK_NOFOLLOW) == 0 &&
	    r.st_dev == st->st_dev && r.st_ino == st->st_ino;
}

/* Why the claimed row fd is not ours to hand out: 1 and why, or 0. */
static int
hs_foreign(const struct hs_spool *sp, enum resource res, int fd, char *why,
    size_t len)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		snprintf(why, len, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "not a regular file");
	else if (geteuid() == 0 && st.st_uid != sp->uid)
		snprintf(why, len, "owned by uid %lu, not by the spool's "
		    "owner (uid %lu)", (unsigned long)st.st_uid,
		    (unsigned long)sp->uid);
	else if (st.st_nlink > 1 && !hs_own_record(sp, res, fd, &st))
		snprintf(why, len, "%lu links (a hard link)",
		    (unsigned long)st.st_nlink);
	else
		return 0;
	return 1;
}

/* Why hs_claim() refused name (errno e). */
static void
hs_claim_why(int dirfd, const char *name, int e, char *why, size_t len)
{
	struct stat	 st;
	const char	*what;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s", strerror(e));
		return;
	}
	what = S_ISLNK(st.st_mode) ? "a symbolic link" :
	    S_ISFIFO(st.st_mode) ? "a fifo" :
	    S_ISDIR(st.st_mode) ? "a directory" :
	    S_ISSOCK(st.st_mode) ? "a socket" : "a device";
	snprintf(why, len, "not a regular file (%s, not followed)", what);
}

static void
hs_row_unreadable(const struct hs_run_opts *o, const char *name,
    const char *why, struct hs_tally *t)
{
	char	v[HWLOG_VAL_MAX];

	hwlog("op=run resource=%s row=%s result=unreadable error=%s",
	    event_resource_name(o->res), name, hwlog_val(why, v, sizeof(v)));
	t->unreadable++;
}

/* The command has ended: act on how. */
static int
hs_row_outcome(struct hs_job *j)
{
	const struct hs_outcome	*oc = &j->oc;
	char			 v1[HWLOG_VAL_MAX], v2[HWLOG_VAL_MAX];

	if (oc->exec_errno != 0) {
		/* Not the row's fault: it stays, uncounted. */
		hwlog("op=run resource=%s row=%s result=error step=exec "
		    "command=%s error=%s", j->res, j->name,
		    hwlog_val(j->o->argv[0], v1, sizeof(v1)),
		    hwlog_val(strerror(oc->exec_errno), v2, sizeof(v2)));
		return oc->exec_errno == ENOENT || oc->exec_errno == EACCES ||
		    oc->exec_errno == ENOEXEC || oc->exec_errno == ENOTDIR ?
		    EX_UNAVAILABLE : EX_OSERR;
	}
	if (oc->interrupted) {
		hwlog("op=run resource=%s row=%s result=interrupted signal=%d "
		    "secs=%.3f", j->res, j->name, oc->interrupted, oc->secs);
		return EX_TEMPFAIL;
	}
	if (!oc->timed_out && WIFEXITED(oc->status) &&
	    WEXITSTATUS(oc->status) == 0)
		return hs_row_done(j);
	if (!oc->timed_out && WIFEXITED(oc->status) &&
	    WEXITSTATUS(oc->status) == HS_TEMPFAIL_EXIT) {
		hs_row_deferred(j);
		return 0;
	}
	return hs_row_failed(j);
}

/* One row, start to end.  Returns 0 to go on, or the code to stop with. */
static int
hs_run_row(const struct hs_spool *sp, const struct hs_run_opts *o,
    struct hs_dirs *d, const char *name, struct hs_tally *t)
{
	struct hs_job	 j = { sp, o, d, t, event_resource_name(o->res), name,
			    0, { 0 } };
	char		 why[128], v[HWLOG_VAL_MAX];
	int		 lockfd, rc;

	if ((lockfd = hs_claim(d->newfd, name)) == -1) {
		if (errno == ENOENT || errno == EWOULDBLOCK) {
			t->busy++;	/* another run has it, or had it */
			return 0;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
			hwlog("op=run resource=%s row=%s result=error "
			    "step=claim error=%s", j.res, name,
			    hwlog_val(strerror(errno), v, sizeof(v)));
			return EX_TEMPFAIL;	/* ours, not the row's */
		}
		hs_claim_why(d->newfd, name, errno, why, sizeof(why));
		hs_row_unreadable(o, name, why, t);
		return 0;
	}
	if (hs_foreign(sp, o->res, lockfd, why, sizeof(why))) {
		hs_row_unreadable(o, name, why, t);
		close(lockfd);
		return 0;
	}
	switch (hs_record_settle(sp, o->res, d->newfd, lockfd, name)) {
	case 1:
		snprintf(why, sizeof(why), "%s", strerror(errno));
		hs_row_unreadable(o, name, why, t);
		close(lockfd);
		return 0;
	case -1:
		hwlog("op=run resource=%s row=%s result=error step=record "
		    "error=%s", j.res, name,
		    hwlog_val(strerror(errno), v, sizeof(v)));
		close(lockfd);
		return EX_TEMPFAIL;	/* ours, not the row's */
	}
	j.n = hs_attempts_get(d, name) + 1;
	hs_spawn(sp, o, d->newfd, name, j.n, &j.oc);
	rc = hs_row_outcome(&j);
	close(lockfd);		/* the claim ends only now */
	return rc;
}

static double
hs_elapsed(const struct timespec *start)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* What the command is told about its row. */
struct hs_env {
	const char	*path;
	const char	*name;
	const char	*id;		/* NULL when the row has none */
	long		 attempt;
};

/* In the child: become the command.  Never returns. */
static void __attribute__((noreturn))
hs_child(const struct hs_spool *sp, const struct hs_run_opts *o,
    int rowfd, int errfd, pid_t parent, const struct hs_env *env)
{
	char		 num[24];
	sigset_t	 none;
	int		 e;

#ifdef __linux__
	/* A run killed outright takes its command with it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(127);
#else
	(void)parent;
#endif
	setpgid(0, 0);		/* its own group, so a timeout kills it all */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (rowfd == STDIN_FILENO) {
		if (fcntl(rowfd, F_SETFD, 0) == -1)
			goto fail;
	} else if (dup2(rowfd, STDIN_FILENO) == -1)
		goto fail;
	snprintf(num, sizeof(num), "%ld", env->attempt);
	unsetenv("HUMANOS_SPOOL_ID");
	if (setenv("HUMANOS_SPOOL_FILE", env->path, 1) == -1 ||
	    setenv("HUMANOS_SPOOL_DIR", sp->root, 1) == -1 ||
	    setenv("HUMANOS_SPOOL_RESOURCE", event_resource_name(o->res),
	    1) == -1 ||
	    setenv("HUMANOS_SPOOL_NAME", env->name, 1) == -1 ||
	    setenv("HUMANOS_SPOOL_ATTEMPT", num, 1) == -1 ||
	    (env->id != NULL && setenv("HUMANOS_SPOOL_ID", env->id, 1) == -1))
		goto fail;
	execvp(o->argv[0], o->argv);
fail:
	e = errno;
	(void)!write(errfd, &e, sizeof(e));
	_exit(127);
}

/* Stop the command's process group: SIGTERM, a grace period, SIGKILL. */
static void
hs_kill(pid_t pid, int *status)
{
	struct timespec	 start, nap = { 0, 10 * 1000 * 1000 };
	pid_t		 r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	(void)killpg(pid, SIGTERM);
	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r == -1 && errno != EINTR))
			break;
		if (hs_elapsed(&start) * 1000 >= HS_KILL_GRACE_MS) {
			(void)killpg(pid, SIGKILL);
			while (waitpid(pid, status, 0) == -1 && errno == EINTR)
				;
			return;
		}
		nanosleep(&nap, NULL);
	}
	/* The leader is gone; whatever it left in its group goes too. */
	(void)killpg(pid, SIGKILL);
}

/*
 * Wait for pid, at most timeout_ms (0: no limit), also giving way to our
 * own stop signals (blocked by hs_run, so they queue for us).
 */
static void
hs_wait(pid_t pid, long timeout_ms, const struct timespec *start,
    struct hs_outcome *oc)
{
	struct timespec	 ts;
	sigset_t	 set;
	double		 left;
	pid_t		 r;
	int		 sig;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		r = waitpid(pid, &oc->status, WNOHANG);
		if (r == pid)
			return;
		if (r == -1 && errno != EINTR) {
			oc->status = W_EXITCODE(127, 0);
			return;
		}
		if (timeout_ms > 0) {
			left = timeout_ms / 1000.0 - hs_elapsed(start);
			if (left <= 0) {
				oc->timed_out = 1;
				hs_kill(pid, &oc->status);
				return;
			}
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			sig = sigtimedwait(&set, NULL, &ts);
		} else
			sig = sigwaitinfo(&set, NULL);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			oc->interrupted = sig;
			hs_kill(pid, &oc->status);
			return;
		}
	}
}

static void
hs_spawn(const struct hs_spool *sp, const struct hs_run_opts *o, int newfd,
    const char *name, long attempt, struct hs_outcome *oc)
{
	struct timespec	 start;
	struct hs_env	 env;
	char		 id[ROW_ID_HEX_LEN + 1], *path = NULL;
	int		 rowfd = -1, errp[2] = { -1, -1 }, e;
	pid_t		 pid;
	ssize_t		 n;

	memset(oc, 0, sizeof(*oc));
	clock_gettime(CLOCK_MONOTONIC, &start);
	env.name = name;
	env.attempt = attempt;
	env.id = sf_peek_id(newfd, name, id) == 0 ? id : NULL;
	/* The command reads its own open file: our lock stays ours. */
	if (asprintf(&path, "%s/%s/" SF_NEW "/%s", sp->root,
	    event_resource_name(o->res), name) == -1) {
		path = NULL;
		goto fail;
	}
	env.path = path;
	if ((rowfd = openat(newfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || pipe2(errp, O_CLOEXEC) == -1)
		goto fail;
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0)
		hs_child(sp, o, rowfd, errp[1], getppid(), &env);
	(void)setpgid(pid, pid);	/* either of us may get there first */
	close(errp[1]);
	errp[1] = -1;
	close(rowfd);
	rowfd = -1;
	do {
		n = read(errp[0], &e, sizeof(e));
	} while (n == -1 && errno == EINTR);
	close(errp[0]);
	if (n == (ssize_t)sizeof(e)) {
		oc->exec_errno = e;
		while (waitpid(pid, &oc->status, 0) == -1 && errno == EINTR)
			;
	} else
		hs_wait(pid, o->timeout_ms, &start, oc);
	oc->secs = hs_elapsed(&start);
	free(path);
	return;
fail:
	oc->exec_errno = errno;
	if (rowfd != -1)
		close(rowfd);
	if (errp[0] != -1) {
		close(errp[0]);
		close(errp[1]);
	}
	free(path);
}

/* The .attempts/ directory, made when first needed. */
static int
hs_attfd(const struct hs_spool *sp, struct hs_dirs *d, int create)
{
	struct stat	st;
	int		made = 0;

	if (d->attfd != -1)
		return d->attfd;
	d->attfd = openat(d->resfd, SF_ATTEMPTS, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW);
	if (d->attfd == -1 && errno == ENOENT && create &&
	    fstat(d->newfd, &st) == 0) {
		if (mkdirat(d->resfd, SF_ATTEMPTS, st.st_mode & 0777) == 0)
			made = 1;
		else if (errno != EEXIST)
			return -1;
		d->attfd = openat(d->resfd, SF_ATTEMPTS, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (d->attfd != -1 && made && sp != NULL &&
		    hs_adopt(sp, d->attfd, 1) == -1) {
			close(d->attfd);
			d->attfd = -1;
		}
	}
	return d->attfd;
}

/* Failed attempts so far; anything unreadable counts as none. */
static long
hs_attempts_get(struct hs_dirs *d, const char *name)
{
	char	buf[HS_ATTEMPTS_LEN];
	long	v = 0;
	ssize_t	n;
	int	fd, i;

	if (hs_attfd(NULL, d, 0) == -1 || (fd = openat(d->attfd, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		v = v * 10 + (buf[i] - '0');
		if (v > HS_ATTEMPTS_MAX)
			return HS_ATTEMPTS_MAX;
	}
	return i > 0 && i == n - 1 && buf[i] == '\n' ? v : 0;
}

/*
 * Create name.<pid> in dirfd (a leftover of a dead process that had our
 * pid is replaced), give it to the spool's owner, write buf, set its
 * times to when (unless 0), fsync it and rename it to name.  0 or -1.
 */
static int
hs_replace(const struct hs_spool *sp, int dirfd, const char *name,
    const char *buf, size_t len, time_t when)
{
	struct timespec	ts[2] = { { when, 0 }, { when, 0 } };
	char		tmp[SF_NAME_LEN + 32];
	int		fd, saved;

	snprintf(tmp, sizeof(tmp), ".%s.%ld", name[0] == '.' ? name + 1 :
	    name, (long)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, sp->file_mode);
	if (fd == -1 && errno == EEXIST && unlinkat(dirfd, tmp, 0) == 0)
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, sp->file_mode);
	if (fd == -1)
		return -1;
	if (hs_adopt(sp, fd, 0) == -1 ||
	    write(fd, buf, len) != (ssize_t)len ||
	    (when != 0 && futimens(fd, ts) == -1) || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1 || renameat(dirfd, tmp, dirfd, name) == -1) {
		saved = errno;
		goto fail;
	}
	return fsync(dirfd);
fail:
	(void)unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}

/* Write the count beside the row. */
static int
hs_attempts_set(const struct hs_spool *sp, struct hs_dirs *d,
    const char *name, long n)
{
	char	buf[HS_ATTEMPTS_LEN];
	int	len;

	if (hs_attfd(sp, d, 1) == -1)
		return -1;
	len = snprintf(buf, sizeof(buf), "%ld\n", n);
	return hs_replace(sp, d->attfd, name, buf, (size_t)len, 0);
}

static void
hs_attempts_clear(struct hs_dirs *d, const char *name)
{
	if (hs_attfd(NULL, d, 0) != -1)
		(void)unlinkat(d->attfd, name, 0);
}

/*
 * The resource's .backoff: its delay (seconds) and start (the file's
 * mtime).  Returns 0, or -1 when there is none we can use: missing,
 * unreadable, malformed, not a regular file or, as root, not the spool
 * owner's.  Never a reason to stop.
 */
static int
hs_backoff_read(const struct hs_spool *sp, const struct hs_dirs *d,
    long long *delay, time_t *since)
{
	struct stat	st;
	char		buf[HS_ATTEMPTS_LEN];
	long long	v = 0;
	ssize_t		n;
	int		fd, i;

	if ((fd = openat(d->resfd, SF_BACKOFF, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (geteuid() == 0 && st.st_uid != sp->uid)) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		if ((v = v * 10 + (buf[i] - '0')) > HS_GC_MAX)
			return -1;
	if (i == 0 || i != n - 1 || buf[i] != '\n' || v == 0)
		return -1;
	*delay = v;
	*since = st.st_mtime;
	return 0;
}

/* Whether an earlier deferral keeps this run away: 1, with how long. */
static int
hs_backoff_active(const struct hs_spool *sp, const struct hs_run_opts *o,
    const struct hs_dirs *d, long long *delay, long long *left)
{
	long long	v;
	time_t		since;

	if (o->max_backoff == 0 || hs_backoff_read(sp, d, &v, &since) == -1)
		return 0;
	if (since > d->start + HS_BACKOFF_SLACK)
		return 0;	/* from the future: the clock moved back */
	if (v > o->max_backoff)
		v = o->max_backoff;
	*delay = v;
	*left = (long long)since + v - HS_BACKOFF_SLACK - d->start;
	return *left > 0;
}

/* A deferral: the next delay, recorded (0: no backoff). */
static long long
hs_backoff_defer(const struct hs_spool *sp, const struct hs_run_opts *o,
    const struct hs_dirs *d)
{
	long long	v, delay = HS_BACKOFF_FIRST;
	time_t		since;
	char		buf[HS_ATTEMPTS_LEN], e[HWLOG_VAL_MAX];
	int		len;

	if (o->max_backoff == 0)
		return 0;
	if (hs_backoff_read(sp, d, &v, &since) == 0) {
		/* A run that started with or after us deferred already. */
		if (since >= d->start)
			return v < o->max_backoff ? v : o->max_backoff;
		delay = v * 2;
	}
	if (delay > o->max_backoff)
		delay = o->max_backoff;
	len = snprintf(buf, sizeof(buf), "%lld\n", delay);
	if (hs_replace(sp, d->resfd, SF_BACKOFF, buf, (size_t)len,
	    d->start) == -1)
		hwlog("op=run resource=%s result=error step=backoff error=%s",
		    event_resource_name(o->res),
		    hwlog_val(strerror(errno), e, sizeof(e)));
	return delay;
}

/* A success ends the backoff (once a run is enough). */
static void
hs_backoff_clear(struct hs_dirs *d)
{
	if (d->cleared)
		return;
	d->cleared = 1;
	if (unlinkat(d->resfd, SF_BACKOFF, 0) == 0)
		(void)fsync(d->resfd);
}
