/* SPDX-License-Identifier: ISC */
/*
 * sandbox-probe: enter the workers' sandbox, then check that what a
 * worker does still works and that what an attacker would do next
 * (run a program, open a socket, trace or signal another process, fork,
 * chmod by path, make memory executable, become root again) is refused
 * with EPERM; and, where the kernel has Landlock, that paths outside the
 * spool directory cannot be read, written, created or linked to.
 * The probe runs in a child, so that the parent, unconfined, can remove
 * the directory afterwards.
 */
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "tap.h"

static char	dir[] = "/tmp/hw-sandbox-probe.XXXXXX";

/* call returned -1 with EACCES or EXDEV: Landlock said no. */
#define denied(call, name) do {						\
	errno = 0;							\
	long r_ = (long)(call);						\
	int e_ = errno;							\
	ok(r_ == -1 && (e_ == EACCES || e_ == EXDEV), "landlock: %s",	\
	    name);							\
	if (r_ == -1 && e_ != EACCES && e_ != EXDEV)			\
		printf("#   errno %d (%s)\n", e_, strerror(e_));		\
} while (0)

/* Whether this kernel offers Landlock at all. */
static int
landlock_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U << 0);
#else
	return -1;
#endif
}

/* Paths outside the spool directory: refused, whatever the mode bits. */
static void
probe_paths(int dfd, int abi)
{
	if (abi < 1) {
		printf("ok %d # skip no Landlock in this kernel (abi %d)\n",
		    ++tap_n, abi);
		return;
	}
	denied(open("/etc/passwd", O_RDONLY | O_CLOEXEC),
	    "open(/etc/passwd) for reading");
	denied(open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	    "open(/etc) to list it");
	denied(open("/tmp/hw-sandbox-probe-out", O_WRONLY | O_CREAT |
	    O_CLOEXEC, 0600), "create a file in /tmp");
	denied(mkdirat(AT_FDCWD, "/tmp/hw-sandbox-probe-outdir", 0700),
	    "mkdir in /tmp");
	denied(symlinkat("row2", AT_FDCWD, "/tmp/hw-sandbox-probe-link"),
	    "make a link in /tmp");
	denied(renameat(dfd, "row2", AT_FDCWD, "/tmp/hw-sandbox-probe-mv"),
	    "rename a row out");
	denied(unlinkat(AT_FDCWD, dir, AT_REMOVEDIR),
	    "remove the spool directory itself");
}

/* call returned -1 with errno EPERM. */
#define refused(call, name) do {					\
	errno = 0;							\
	long r_ = (long)(call);						\
	int e_ = errno;							\
	ok(r_ == -1 && e_ == EPERM, "refused: %s", name);		\
	if (r_ != -1 || e_ != EPERM)					\
		printf("#   returned %ld, errno %d (%s)\n", r_, e_,	\
		    strerror(e_));					\
} while (0)

int
main(void)
{
	char		 err[256] = "", buf[16], *big;
	char *const	 argv[] = { "true", NULL };
	void		*p;
	pid_t		 pid;
	int		 dfd, fd, s, abi;

	unsetenv(SANDBOX_ENV_DISABLE);
	if (!sandbox_available()) {
		printf("1..0 # SKIP built without libseccomp\n");
		return 0;
	}
	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY |
	    O_DIRECTORY)) == -1) {
		printf("Bail out! %s: %s\n", dir, strerror(errno));
		return 1;
	}
	/* Not vacuous: these work before. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	ok(s != -1, "before: socket(AF_INET) works");
	if (s != -1)
		close(s);
	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	ok(fd != -1, "before: open(/etc/passwd) works");
	if (fd != -1)
		close(fd);

	fflush(stdout);
	if ((pid = fork()) == -1) {
		printf("Bail out! fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid > 0) {
		/* Unconfined: wait, then clean up what the child could not. */
		char	cmd[sizeof(dir) + 16];

		while (waitpid(pid, &s, 0) == -1 && errno == EINTR)
			;
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
		return WIFEXITED(s) ? WEXITSTATUS(s) : 1;
	}
	abi = landlock_abi();	/* seccomp will refuse the question */
	ok(sandbox_enter(&dfd, 1, err, sizeof(err)) == 0, "sandbox_enter: %s",
	    err[0] != '\0' ? err : "installed");

	/* What a worker does. */
	fd = openat(dfd, "row", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ok(fd != -1, "allowed: openat below an open directory");
	ok(fchmod(fd, 0640) == 0, "allowed: fchmod");
	ok(write(fd, "{}\n", 3) == 3, "allowed: write");
	ok(fsync(fd) == 0 && close(fd) == 0, "allowed: fsync, close");
	ok(mkdirat(dfd, "sub", 0750) == 0, "allowed: mkdirat");
	ok(symlinkat("kyc/row", dfd, "sub/rec") == 0, "allowed: symlinkat");
	ok(readlinkat(dfd, "sub/rec", buf, sizeof(buf)) == 7,
	    "allowed: readlinkat");
	ok(fchownat(dfd, "sub/rec", (uid_t)-1, (gid_t)-1,
	    AT_SYMLINK_NOFOLLOW) == 0, "allowed: fchownat");
	ok(renameat(dfd, "row", dfd, "row2") == 0, "allowed: renameat");
	ok(unlinkat(dfd, "sub/rec", 0) == 0 && unlinkat(dfd, "sub",
	    AT_REMOVEDIR) == 0, "allowed: unlinkat");
	fd = openat(dfd, "row2", O_RDONLY | O_CLOEXEC);
	ok(fd != -1 && read(fd, buf, sizeof(buf)) == 3, "allowed: read");
	if (fd != -1)
		close(fd);
	big = malloc(64 << 20);		/* mmap */
	ok(big != NULL, "allowed: a large malloc");
	if (big != NULL)
		memset(big, 1, 64 << 20);
	free(big);
	ok(getpid() > 0, "allowed: getpid");
	ok(kill(getpid(), 0) == 0, "allowed: kill(self, 0)");

	/* What an attacker would do next. */
	refused(execve("/bin/true", argv, NULL), "execve(/bin/true)");
	refused(socket(AF_INET, SOCK_STREAM, 0), "socket(AF_INET)");
	refused(socket(AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
	refused(chmod(dir, 0777), "chmod by path");
	refused(linkat(dfd, "row2", dfd, "row3", 0), "linkat");
	refused(mknodat(dfd, "empty", S_IFREG | 0600, 0), "mknodat(S_IFREG)");
	refused(mknodat(dfd, "fifo", S_IFIFO | 0600, 0), "mknodat(S_IFIFO)");
	refused(mknodat(dfd, "null", S_IFCHR | 0600, makedev(1, 3)),
	    "mknodat(S_IFCHR)");
	refused(kill(1, 0), "kill(1, 0): another process");
	refused(setuid(0), "setuid(0)");
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(p == MAP_FAILED && errno == EPERM, "refused: mmap(PROT_EXEC)");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	refused(p == MAP_FAILED ? 0 : mprotect(p, 4096, PROT_READ |
	    PROT_EXEC), "mprotect(PROT_EXEC)");
#ifdef HAVE_SANITIZERS
	/* LeakSanitizer's exit-time helper needs these in such builds. */
	printf("ok %d # skip ptrace and fork: allowed in sanitizer builds\n",
	    ++tap_n);
	(void)pid;
#else
	refused(ptrace(PTRACE_TRACEME, 0, NULL, NULL), "ptrace(TRACEME)");
	errno = 0;
	if ((pid = fork()) == 0)
		_exit(0);	/* the filter is broken: do not test twice */
	ok(pid == -1 && errno == EPERM, "refused: fork()");
	if (pid > 0)
		waitpid(pid, NULL, 0);
#endif
	probe_paths(dfd, abi);
	close(dfd);
	return tap_done();
}
