/* SPDX-License-Identifier: ISC */
/* sandbox: Landlock on the spool's paths and a default-deny seccomp
   allow-list for the workers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <linux/landlock.h>
#endif

#ifdef HAVE_SECCOMP
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <seccomp.h>
#endif

#include "hwlog.h"
#include "sandbox.h"

#ifdef HAVE_SECCOMP
/*
 * Every call a worker makes once its spool is open (found with strace -f
 * over the CGI and FastCGI flows, every status path, sync = full and
 * none; see SECURITY.md).  Anything not here fails with EPERM.
 */
static const char *const sandbox_allow[] = {
	/* Requests in, answers out (libfcgi, stdio). */
	"read", "readv", "write", "writev", "recvfrom", "sendto",
	"poll", "ppoll", "select", "pselect6",
	"accept", "accept4", "shutdown", "close",
	"getsockname", "getpeername", "getsockopt",
	/* Rows (the spool uses *at calls on directories opened at start;
	   seccomp cannot check paths, so openat is allowed for any). */
	"openat", "fstat", "newfstatat", "statx", "lseek", "getdents64",
	"fchmod", "fchown", "fchownat", "fsync", "fdatasync", "renameat",
	"renameat2", "symlinkat", "readlinkat",	/* records */
	"unlinkat", "mkdirat", "faccessat", "faccessat2", "fcntl",
	/* Memory (malloc, OpenSSL, json-c); mmap and mprotect below. */
	"brk", "munmap", "mremap", "madvise",
	/* Signals: SIGTERM ends the loop; abort() signals only itself. */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "restart_syscall",
	/* Time, ids, randomness (json-c's hash seed), locks, exit. */
	"clock_gettime", "gettimeofday", "time", "getpid", "gettid",
	"setitimer",	/* body_timeout */
	"flock", "nanosleep", "clock_nanosleep",	/* duplicates wait */
	"getrandom", "futex", "exit", "exit_group",
	NULL
};

#ifdef HAVE_SANITIZERS
/*
 * --enable-sanitizers only (tests, never a release): LeakSanitizer stops
 * the process at exit with a ptrace()ing helper of its own.
 */
static const char *const sandbox_allow_lsan[] = {
	"clone", "ptrace", "wait4", "waitid", "prctl", "sched_yield",
	"sigaltstack", "getppid", "readlink", "open",
	"getdents", "stat", "lstat",
	NULL
};
#endif

static int
sandbox_rule(scmp_filter_ctx ctx, const char *name, unsigned n,
    const struct scmp_arg_cmp *cmp)
{
	int	nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* this architecture has no such call */
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);
}

static int
sandbox_seccomp(char *err, size_t errlen)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 rc = -ENOMEM;
	struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ,
	    (scmp_datum_t)getpid(), 0);
	struct scmp_arg_cmp tcgets = SCMP_A1(SCMP_CMP_EQ, TCGETS, 0);

	/* EPERM rather than a kill: a refused call is a failed request
	   (503, logged), never a dead worker with a request in flight. */
	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL)
		goto fail;
	for (i = 0; sandbox_allow[i] != NULL; i++)
		if ((rc = sandbox_rule(ctx, sandbox_allow[i], 0, NULL)) < 0)
			goto fail;
#ifdef HAVE_SANITIZERS
	for (i = 0; sandbox_allow_lsan[i] != NULL; i++)
		if ((rc = sandbox_rule(ctx, sandbox_allow_lsan[i], 0,
		    NULL)) < 0)
			goto fail;
#endif
	/* No executable memory: no shellcode, even after a bug. */
	if ((rc = sandbox_rule(ctx, "mmap", 1, &noexec)) < 0 ||
	    (rc = sandbox_rule(ctx, "mprotect", 1, &noexec)) < 0 ||
	    /* abort() and raise(): this process only. */
	    (rc = sandbox_rule(ctx, "tgkill", 1, &self)) < 0 ||
	    (rc = sandbox_rule(ctx, "kill", 1, &self)) < 0 ||
	    /* isatty() from stdio, nothing else of ioctl. */
	    (rc = sandbox_rule(ctx, "ioctl", 1, &tcgets)) < 0)
		goto fail;
	/* libseccomp sets no_new_privs itself (SCMP_FLTATR_CTL_NNP). */
	if ((rc = seccomp_load(ctx)) < 0)
		goto fail;
	seccomp_release(ctx);
	return 0;
fail:
	snprintf(err, errlen, "seccomp: cannot install the filter: %s",
	    strerror(-rc));
	if (ctx != NULL)
		seccomp_release(ctx);
	return -1;
}
#endif

#if defined(__linux__) && defined(SYS_landlock_create_ruleset)
/*
 * Landlock: what seccomp cannot see, the paths.  The rights a worker
 * keeps below its spool directories; everything else the kernel knows of
 * is handled, so refused (reading /etc, writing /tmp, linking out).
 */
#define LL_SPOOL_RIGHTS	(LANDLOCK_ACCESS_FS_READ_FILE |			\
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_DIR |	\
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR |	\
	LANDLOCK_ACCESS_FS_MAKE_SYM)
#define LL_V1_ALL	((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
#define LL_REFER	(1ULL << 13)	/* ABI 2: link/rename across dirs */
#define LL_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#define LL_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */

static int
sandbox_ll_rule(int ruleset, int fd, uint64_t rights)
{
	struct landlock_path_beneath_attr pb;

	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	return (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

/* 1 confined, 0 the kernel has no Landlock (logged once), -1 err set. */
static int
sandbox_landlock(const int *dirs, size_t ndirs, char *err, size_t errlen)
{
	struct landlock_ruleset_attr	 ra;
	uint64_t			 keep = LL_SPOOL_RIGHTS;
	size_t				 i;
	int				 abi, rs;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0;
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = LL_V1_ALL;
	if (abi >= 2) {
		ra.handled_access_fs |= LL_REFER;
		keep |= LL_REFER;	/* tmp/ -> new/ */
	}
	if (abi >= 3) {
		ra.handled_access_fs |= LL_TRUNCATE;
		keep |= LL_TRUNCATE;
	}
	if (abi >= 5)
		ra.handled_access_fs |= LL_IOCTL_DEV;
	if ((rs = (int)syscall(SYS_landlock_create_ruleset, &ra,
	    sizeof(ra.handled_access_fs), 0)) == -1)
		goto fail;
	for (i = 0; i < ndirs; i++)
		if (dirs[i] != -1 && sandbox_ll_rule(rs, dirs[i], keep) == -1)
			goto fail_rs;
#ifdef HAVE_SANITIZERS
	{
		/* LeakSanitizer reads /proc/self/maps at exit. */
		int proc = open("/proc", O_PATH | O_CLOEXEC);

		if (proc != -1) {
			(void)sandbox_ll_rule(rs, proc,
			    LANDLOCK_ACCESS_FS_READ_FILE |
			    LANDLOCK_ACCESS_FS_READ_DIR);
			close(proc);
		}
	}
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) == -1)
		goto fail_rs;
	close(rs);
	return abi;
fail_rs:
	close(rs);
fail:
	snprintf(err, errlen, "landlock: cannot confine the worker: %s",
	    strerror(errno));
	return -1;
}
#else
static int
sandbox_landlock(const int *dirs, size_t ndirs, char *err, size_t errlen)
{
	(void)dirs;
	(void)ndirs;
	(void)err;
	(void)errlen;
	return 0;
}
#endif

int
sandbox_available(void)
{
#ifdef HAVE_SECCOMP
	return 1;
#else
	return 0;
#endif
}

int
sandbox_enter(const int *dirs, size_t ndirs, char *err, size_t errlen)
{
	static int	 warned, ll_warned;
	const char	*off = getenv(SANDBOX_ENV_DISABLE);
	int		 ll;

	if (off != NULL && strcmp(off, "1") == 0) {
		if (!warned++)
			hwlog_at(HWLOG_WARNING, "event=sandbox result=off "
			    "reason=%s=1", SANDBOX_ENV_DISABLE);
		return 0;
	}
	if ((ll = sandbox_landlock(dirs, ndirs, err, errlen)) == -1)
		return -1;
	if (ll == 0 && !ll_warned++)
		hwlog_at(HWLOG_WARNING, "event=sandbox landlock=unavailable "
		    "reason=\"the kernel has no Landlock: paths outside the "
		    "spool are not confined\"");
#ifdef HAVE_SECCOMP
	return sandbox_seccomp(err, errlen);
#else
	(void)err;
	(void)errlen;
	if (!warned++)
		hwlog_at(HWLOG_WARNING, "event=sandbox seccomp=unavailable "
		    "reason=\"built without libseccomp\"");
	return 0;
#endif
}
