/* SPDX-License-Identifier: ISC */
/* server: sockets, privileges and the pre-forked workers of --listen. */
#ifndef HW_SERVER_H
#define HW_SERVER_H

#include <sys/types.h>
#include <stddef.h>

#define SERVER_BACKLOG		128
#define SERVER_MAX_WORKERS	256
#define SERVER_GRACE_SECONDS	30	/* for in-flight requests at SIGTERM */

struct server_opts {
	const char	*listen;	/* unix:PATH or HOST:PORT */
	const char	*user;		/* to run as, when started as root */
	const char	*group;
	const char	*socket_owner;	/* of a unix socket: USER[:GROUP] */
	mode_t		 socket_mode;	/* of a unix socket */
	int		 workers;
};

/*
 * Bind and listen on o->listen.  A unix socket gets socket_mode and
 * socket_owner; a stale one is replaced.  Returns the fd, or -1 with err.
 */
int	server_listen(const struct server_opts *o, char *err, size_t errlen);

/*
 * The socket systemd passed us (LISTEN_FDS/LISTEN_PID), or -1 when there
 * is none.
 */
int	server_systemd_fd(void);

/*
 * When running as root: switch to o->user (and o->group, else the user's
 * group), dropping supplementary groups, and check root cannot be
 * regained.  Not root: nothing to do.  Returns 0, or -1 with err.
 */
int	server_drop_privileges(const struct server_opts *o, char *err,
	    size_t errlen);

/*
 * Fork n workers running fn(arg), restart any that dies, and on SIGTERM
 * or SIGINT stop them gracefully (SIGTERM, then SIGKILL after
 * SERVER_GRACE_SECONDS).  Returns the exit status for main().
 */
int	server_supervise(int n, int (*fn)(void *), void *arg);

#endif
