/*
 * spooltool_run: humanos-spool run (SPEC section 8).
 *
 * Each waiting row is claimed with st_claim() (an flock on the row that
 * dies with us), handed to the command on stdin, and then, still under
 * the lock, moved to cur/ (exit 0), or counted and left in new/, or moved
 * to failed/ once the attempts run out.  A run killed at any instant
 * leaves every row in new/ or done; the command is at-least-once.
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
#include "spooltool.h"

#define ST_ATTEMPTS_LEN	24	/* bytes of a sidecar: digits, newline */

/* The directories of one resource, open for the whole run. */
struct st_dirs {
	int		 resfd;
	int		 newfd;
	int		 curfd;
	int		 failedfd;
	int		 attfd;		/* .attempts/, made on first use */
};

/* How the command ended. */
struct st_outcome {
	int		 exec_errno;	/* could not be run at all */
	int		 status;	/* waitpid status */
	int		 timed_out;
	int		 interrupted;	/* the signal we got, or 0 */
	double		 secs;
};

struct st_tally {
	size_t		 done, kept, failed, skipped;
};

static int	 st_dirs_open(const struct st_spool *, enum resource,
		    struct st_dirs *);
static void	 st_dirs_close(struct st_dirs *);
static int	 st_run_row(const struct st_spool *, const struct st_run_opts *,
		    struct st_dirs *, const char *, struct st_tally *);
static void	 st_spawn(const struct st_spool *, const struct st_run_opts *,
		    int, const char *, long, struct st_outcome *);
static long	 st_attempts_get(struct st_dirs *, const char *);
static int	 st_attempts_set(struct st_dirs *, const char *, long);
static void	 st_attempts_clear(struct st_dirs *, const char *);

static void
st_sigchld(int sig)
{
	(void)sig;	/* only to make SIGCHLD pending for sigtimedwait */
}

int
st_run(const struct st_spool *sp, const struct st_run_opts *o)
{
	struct st_dirs		 d;
	struct st_names		 names;
	struct st_tally		 t = { 0, 0, 0, 0 };
	struct sigaction	 sa;
	sigset_t		 set, old;
	size_t			 i;
	int			 rc = 0;

	if (st_dirs_open(sp, o->res, &d) == -1) {
		hwlog("%s/%s: %s", sp->root, event_resource_name(o->res),
		    strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : EX_TEMPFAIL;
	}
	if (st_names_load(d.newfd, &names) == -1) {
		hwlog("%s/%s/new: %s", sp->root, event_resource_name(o->res),
		    strerror(errno));
		st_dirs_close(&d);
		return EX_TEMPFAIL;
	}
	/* Wait for the command and for our own stop signals in one place. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = st_sigchld;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (i = 0; i < names.n && rc == 0; i++)
		rc = st_run_row(sp, o, &d, names.v[i], &t);
	sigprocmask(SIG_SETMASK, &old, NULL);
	hwlog("run %s: %zu done, %zu kept, %zu failed, %zu skipped (claimed "
	    "by another run)", event_resource_name(o->res), t.done, t.kept,
	    t.failed, t.skipped);
	st_names_free(&names);
	st_dirs_close(&d);
	if (rc == 0 && t.kept + t.failed > 0)
		rc = 1;
	return rc;
}

static int
st_dirs_open(const struct st_spool *sp, enum resource res, struct st_dirs *d)
{
	d->resfd = d->newfd = d->curfd = d->failedfd = d->attfd = -1;
	if ((d->resfd = openat(sp->rootfd, event_resource_name(res),
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    (d->newfd = st_subdir(sp, res, ST_NEW, 0)) == -1 ||
	    (d->curfd = st_subdir(sp, res, ST_CUR, 1)) == -1 ||
	    (d->failedfd = st_subdir(sp, res, ST_FAILED, 1)) == -1) {
		int saved = errno;

		st_dirs_close(d);
		errno = saved;
		return -1;
	}
	return 0;
}

static void
st_dirs_close(struct st_dirs *d)
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

static void
st_describe(const struct st_outcome *oc, long timeout_ms, char *buf,
    size_t len)
{
	if (oc->timed_out)
		snprintf(buf, len, "timed out after %ld.%03lds (killed)",
		    timeout_ms / 1000, timeout_ms % 1000);
	else if (WIFEXITED(oc->status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(oc->status));
	else if (WIFSIGNALED(oc->status))
		snprintf(buf, len, "killed by signal %d",
		    WTERMSIG(oc->status));
	else
		snprintf(buf, len, "status %#x", oc->status);
}

/* The row failed: count it, and give up on it when attempts run out. */
static int
st_row_failed(const struct st_spool *sp, const struct st_run_opts *o,
    struct st_dirs *d, const char *name, const char *how, double secs,
    struct st_tally *t)
{
	const char	*res = event_resource_name(o->res);
	char		 of[32] = "";
	long		 n = st_attempts_get(d, name) + 1;

	if (o->max_attempts > 0)
		snprintf(of, sizeof(of), " of %ld", o->max_attempts);
	if (o->max_attempts > 0 && n >= o->max_attempts) {
		if (st_finish(d->newfd, d->failedfd, name) == -1) {
			hwlog("run %s %s: %s, %.3fs, attempt %ld%s: cannot "
			    "move to failed/: %s", res, name, how, secs, n, of,
			    strerror(errno));
			return EX_TEMPFAIL;
		}
		st_attempts_clear(d, name);
		hwlog("run %s %s: %s, %.3fs, attempt %ld%s, moved to failed/",
		    res, name, how, secs, n, of);
		t->failed++;
		return 0;
	}
	if (st_attempts_set(d, name, n) == -1) {
		hwlog("run %s %s: %s, %.3fs, attempt %ld%s: cannot count it: "
		    "%s", res, name, how, secs, n, of, strerror(errno));
		return EX_TEMPFAIL;
	}
	hwlog("run %s %s: %s, %.3fs, attempt %ld%s, kept in new/", res, name,
	    how, secs, n, of);
	t->kept++;
	return 0;
}

/* One row, start to end.  Returns 0 to go on, or the code to stop with. */
static int
st_run_row(const struct st_spool *sp, const struct st_run_opts *o,
    struct st_dirs *d, const char *name, struct st_tally *t)
{
	const char		*res = event_resource_name(o->res);
	struct st_outcome	 oc;
	char			 how[64];
	int			 lockfd, rc = 0;

	if ((lockfd = st_claim(d->newfd, name)) == -1) {
		if (errno == ENOENT || errno == EWOULDBLOCK) {
			t->skipped++;	/* another run has it, or had it */
			return 0;
		}
		hwlog("run %s %s: %s", res, name, strerror(errno));
		return EX_TEMPFAIL;
	}
	st_spawn(sp, o, d->newfd, name, st_attempts_get(d, name) + 1, &oc);
	if (oc.exec_errno != 0) {
		/* Not the row's fault: it stays, uncounted. */
		hwlog("run %s %s: cannot run %s: %s (row left as it was)",
		    res, name, o->argv[0], strerror(oc.exec_errno));
		rc = oc.exec_errno == ENOENT || oc.exec_errno == EACCES ||
		    oc.exec_errno == ENOEXEC || oc.exec_errno == ENOTDIR ?
		    EX_UNAVAILABLE : EX_OSERR;
	} else if (oc.interrupted) {
		hwlog("run %s %s: interrupted by signal %d after %.3fs (row "
		    "left as it was)", res, name, oc.interrupted, oc.secs);
		rc = EX_TEMPFAIL;
	} else if (!oc.timed_out && WIFEXITED(oc.status) &&
	    WEXITSTATUS(oc.status) == 0) {
		if (st_finish(d->newfd, o->delete ? -1 : d->curfd, name) ==
		    -1) {
			hwlog("run %s %s: exit 0, %.3fs: cannot %s: %s", res,
			    name, oc.secs, o->delete ? "delete it" :
			    "move it to cur/", strerror(errno));
			rc = EX_TEMPFAIL;
		} else {
			st_attempts_clear(d, name);
			hwlog("run %s %s: exit 0, %.3fs, %s", res, name,
			    oc.secs, o->delete ? "deleted" : "moved to cur/");
			t->done++;
		}
	} else {
		st_describe(&oc, o->timeout_ms, how, sizeof(how));
		rc = st_row_failed(sp, o, d, name, how, oc.secs, t);
	}
	close(lockfd);		/* the claim ends only now */
	return rc;
}

static double
st_elapsed(const struct timespec *start)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* What the command is told about its row. */
struct st_env {
	const char	*path;
	const char	*name;
	const char	*id;		/* NULL when the row has none */
	long		 attempt;
};

/* In the child: become the command.  Never returns. */
static void __attribute__((noreturn))
st_child(const struct st_spool *sp, const struct st_run_opts *o,
    int rowfd, int errfd, pid_t parent, const struct st_env *env)
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
st_kill(pid_t pid, int *status)
{
	struct timespec	 start, nap = { 0, 10 * 1000 * 1000 };
	pid_t		 r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	(void)killpg(pid, SIGTERM);
	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r == -1 && errno != EINTR))
			break;
		if (st_elapsed(&start) * 1000 >= ST_KILL_GRACE_MS) {
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
 * own stop signals (blocked by st_run, so they queue for us).
 */
static void
st_wait(pid_t pid, long timeout_ms, const struct timespec *start,
    struct st_outcome *oc)
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
			left = timeout_ms / 1000.0 - st_elapsed(start);
			if (left <= 0) {
				oc->timed_out = 1;
				st_kill(pid, &oc->status);
				return;
			}
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			sig = sigtimedwait(&set, NULL, &ts);
		} else
			sig = sigwaitinfo(&set, NULL);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			oc->interrupted = sig;
			st_kill(pid, &oc->status);
			return;
		}
	}
}

static void
st_spawn(const struct st_spool *sp, const struct st_run_opts *o, int newfd,
    const char *name, long attempt, struct st_outcome *oc)
{
	struct timespec	 start;
	struct st_env	 env;
	char		 id[ROW_ID_HEX_LEN + 1], *path = NULL;
	int		 rowfd = -1, errp[2] = { -1, -1 }, e;
	pid_t		 pid;
	ssize_t		 n;

	memset(oc, 0, sizeof(*oc));
	clock_gettime(CLOCK_MONOTONIC, &start);
	env.name = name;
	env.attempt = attempt;
	env.id = st_peek_id(newfd, name, id) == 0 ? id : NULL;
	/* The command reads its own open file: our lock stays ours. */
	if (asprintf(&path, "%s/%s/new/%s", sp->root,
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
		st_child(sp, o, rowfd, errp[1], getppid(), &env);
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
		st_wait(pid, o->timeout_ms, &start, oc);
	oc->secs = st_elapsed(&start);
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
st_attfd(struct st_dirs *d, int create)
{
	struct stat	st;

	if (d->attfd != -1)
		return d->attfd;
	d->attfd = openat(d->resfd, ST_ATTEMPTS_DIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW);
	if (d->attfd == -1 && errno == ENOENT && create &&
	    fstat(d->newfd, &st) == 0 &&
	    (mkdirat(d->resfd, ST_ATTEMPTS_DIR, st.st_mode & 0777) == 0 ||
	    errno == EEXIST))
		d->attfd = openat(d->resfd, ST_ATTEMPTS_DIR, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return d->attfd;
}

/* Failed attempts so far; anything unreadable counts as none. */
static long
st_attempts_get(struct st_dirs *d, const char *name)
{
	char	buf[ST_ATTEMPTS_LEN];
	long	v = 0;
	ssize_t	n;
	int	fd, i;

	if (st_attfd(d, 0) == -1 || (fd = openat(d->attfd, name, O_RDONLY |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		v = v * 10 + (buf[i] - '0');
		if (v > ST_ATTEMPTS_MAX)
			return ST_ATTEMPTS_MAX;
	}
	return i > 0 && i == n - 1 && buf[i] == '\n' ? v : 0;
}

/* Write the count beside the row: a temporary file, renamed over it. */
static int
st_attempts_set(struct st_dirs *d, const char *name, long n)
{
	char	tmp[ST_NAME_LEN + 32], buf[ST_ATTEMPTS_LEN];
	int	fd, len, saved;

	if (st_attfd(d, 1) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	len = snprintf(buf, sizeof(buf), "%ld\n", n);
	if ((fd = openat(d->attfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1)
		return -1;
	if (write(fd, buf, (size_t)len) != len || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1 || renameat(d->attfd, tmp, d->attfd, name) == -1) {
		saved = errno;
		goto fail;
	}
	return fsync(d->attfd);
fail:
	(void)unlinkat(d->attfd, tmp, 0);
	errno = saved;
	return -1;
}

static void
st_attempts_clear(struct st_dirs *d, const char *name)
{
	if (st_attfd(d, 0) != -1)
		(void)unlinkat(d->attfd, name, 0);
}
