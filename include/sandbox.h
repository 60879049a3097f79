/* SPDX-License-Identifier: ISC */
/*
 * sandbox: confine a worker once it has everything it needs open.
 *
 * After the configuration is read, the keys derived, privileges dropped
 * and the spool opened and recovered, a worker only reads requests,
 * writes rows into directories it already holds open, and answers.
 * sandbox_enter() installs a seccomp filter (libseccomp) allowing exactly
 * the system calls that takes; any other call fails with EPERM instead of
 * running: no execve, no new sockets (no connect-back), no ptrace, no
 * fork, no chmod/chown by path, no setuid, no mount, no PROT_EXEC memory.
 * Where the kernel has Landlock (any ABI; the rights of the newest it
 * offers are used), the paths are confined too: below the spool
 * directories a worker may read, write, create and remove files and
 * directories (and, ABI 2 on, link and rename between them); anywhere
 * else it can read nothing, write nothing, create nothing.
 */
#ifndef HW_SANDBOX_H
#define HW_SANDBOX_H

#include <stddef.h>

#define SANDBOX_ENV_DISABLE	"HUMANOS_NO_SANDBOX"	/* =1: skip it
				   (debugging under valgrind or strace) */

/*
 * Confine the calling process for good (it cannot be undone, and is
 * inherited by children).  dirs: ndirs open directories (the spool
 * roots; -1 entries are skipped) below which files may be used.  Without
 * Landlock in the kernel or without libseccomp, log once what is missing
 * and go on with the other; with $HUMANOS_NO_SANDBOX=1, log once and
 * return 0.  Returns 0, or -1 with err set (it could not be installed:
 * the caller should refuse to serve).
 */
int	sandbox_enter(const int *dirs, size_t ndirs, char *err,
	    size_t errlen);

/* Whether this build can confine (it has libseccomp). */
int	sandbox_available(void);

#endif
