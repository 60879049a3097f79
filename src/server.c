/* SPDX-License-Identifier: ISC */
/* server: --listen sockets, privilege drop, and the worker supervisor. */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hwlog.h"
#include "server.h"

#define SERVER_RESTART_BURST	10	/* deaths within a second before */
#define SERVER_RESTART_PAUSE	1	/* we pause this many seconds */

static int
server_err(char *err, size_t errlen, const char *what, const char *arg)
{
	snprintf(err, errlen, "%s %s: %s", what, arg, strerror(errno));
	return -1;
}

static int
server_lookup_owner(const char *spec, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	char		 buf[256], *colon;
	struct passwd	*pw;
	struct group	*gr;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "socket owner too long");
		return -1;
	}
	if ((colon = strchr(buf, ':')) != NULL)
		*colon++ = '\0';
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (*buf != '\0') {
		if ((pw = getpwnam(buf)) == NULL) {
			snprintf(err, errlen, "no such user: %s", buf);
			return -1;
		}
		*uid = pw->pw_uid;
	}
	if (colon != NULL && *colon != '\0') {
		if ((gr = getgrnam(colon)) == NULL) {
			snprintf(err, errlen, "no such group: %s", colon);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/*
 * Bind under PATH.new, give it its mode and owner, listen, then rename it
 * to PATH: the socket appears (replacing a stale one) only complete, so
 * nothing ever sees it with the wrong owner or refusing connections.
 */
static int
server_listen_unix(const struct server_opts *o, const char *path, char *err,
    size_t errlen)
{
	struct sockaddr_un	sun;
	uid_t			uid;
	gid_t			gid;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.new", path) >=
	    (int)sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long (over %zu "
		    "bytes): %s", sizeof(sun.sun_path) - sizeof(".new"),
		    path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return server_err(err, errlen, "socket", path);
	if (unlink(sun.sun_path) == -1 && errno != ENOENT) {
		server_err(err, errlen, "unlink", sun.sun_path);
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		server_err(err, errlen, "bind", sun.sun_path);
		close(fd);
		return -1;
	}
	if (chmod(sun.sun_path, o->socket_mode) == -1) {
		server_err(err, errlen, "chmod", sun.sun_path);
		goto fail;
	}
	if (o->socket_owner != NULL) {
		if (server_lookup_owner(o->socket_owner, &uid, &gid, err,
		    errlen) == -1)
			goto fail;
		if (chown(sun.sun_path, uid, gid) == -1) {
			server_err(err, errlen, "chown", sun.sun_path);
			goto fail;
		}
	}
	if (listen(fd, SERVER_BACKLOG) == -1) {
		server_err(err, errlen, "listen", path);
		goto fail;
	}
	if (rename(sun.sun_path, path) == -1) {
		server_err(err, errlen, "rename to", path);
		goto fail;
	}
	return fd;
fail:
	unlink(sun.sun_path);
	close(fd);
	return -1;
}

static int
server_listen_tcp(const char *spec, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], *port;
	int		 fd = -1, one = 1, rc;

	if (snprintf(host, sizeof(host), "%s", spec) >= (int)sizeof(host) ||
	    (port = strrchr(host, ':')) == NULL) {
		snprintf(err, errlen, "--listen: expected unix:PATH or "
		    "HOST:PORT, not %s", spec);
		return -1;
	}
	*port++ = '\0';
	/* [::1]:9000 */
	if (host[0] == '[' && port - host >= 3 && port[-2] == ']') {
		port[-2] = '\0';
		memmove(host, host + 1, strlen(host + 1) + 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "--listen %s: %s", spec,
		    gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, SERVER_BACKLOG) == -1) {
		server_err(err, errlen, "--listen", spec);
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
server_listen(const struct server_opts *o, char *err, size_t errlen)
{
	if (strncmp(o->listen, "unix:", 5) == 0)
		return server_listen_unix(o, o->listen + 5, err, errlen);
	return server_listen_tcp(o->listen, err, errlen);
}

int
server_systemd_fd(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() ||
	    atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 3;	/* SD_LISTEN_FDS_START */
}

int
server_drop_privileges(const struct server_opts *o, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;
	gid_t		 gid;

	if (geteuid() != 0)
		return 0;
	if (o->user == NULL) {
		snprintf(err, errlen, "running as root: give --user (and "
		    "--group) to run the workers as");
		return -1;
	}
	if ((pw = getpwnam(o->user)) == NULL) {
		snprintf(err, errlen, "no such user: %s", o->user);
		return -1;
	}
	gid = pw->pw_gid;
	if (o->group != NULL) {
		if ((gr = getgrnam(o->group)) == NULL) {
			snprintf(err, errlen, "no such group: %s", o->group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return server_err(err, errlen, "cannot become", o->user);
	if (pw->pw_uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		snprintf(err, errlen, "could regain root after dropping it");
		return -1;
	}
	return 0;
}

static pid_t
server_spawn(sigset_t *oldmask, int (*fn)(void *), void *arg)
{
	char	v[HWLOG_VAL_MAX];
	pid_t	pid, parent = getpid();

	if ((pid = fork()) == -1) {
		hwlog_at(HWLOG_ERR, "event=fork result=error error=%s",
		    hwlog_val(strerror(errno), v, sizeof(v)));
		return -1;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		/*
		 * A supervisor killed outright (SIGKILL, a crash) takes its
		 * workers with it: they finish their request and exit, and
		 * free the spool and the socket for the next one.
		 */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		_exit(fn(arg));
	}
	return pid;
}

/* Reap dead workers; returns how many slots were freed. */
static int
server_reap(pid_t *pids, int n)
{
	pid_t	pid;
	int	status, i, freed = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++)
			if (pids[i] == pid)
				break;
		if (i == n)
			continue;
		pids[i] = 0;
		freed++;
		if (WIFSIGNALED(status))
			hwlog_at(HWLOG_ERR, "event=worker_exit worker=%ld "
			    "signal=%d", (long)pid, WTERMSIG(status));
		else
			hwlog_at(WEXITSTATUS(status) == 0 ? HWLOG_INFO :
			    HWLOG_ERR, "event=worker_exit worker=%ld exit=%d",
			    (long)pid, WEXITSTATUS(status));
	}
	return freed;
}

static void
server_stop(pid_t *pids, int n)
{
	struct timespec	 tick = { 1, 0 };
	sigset_t	 set;
	time_t		 deadline = time(NULL) + SERVER_GRACE_SECONDS;
	int		 i, alive;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		server_reap(pids, n);
		for (alive = 0, i = 0; i < n; i++)
			alive += pids[i] > 0;
		if (alive == 0)
			return;
		if (time(NULL) >= deadline) {
			hwlog_at(HWLOG_WARNING, "event=stop busy=%d after=%ds "
			    "result=killing", alive, SERVER_GRACE_SECONDS);
			for (i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
		}
		(void)sigtimedwait(&set, NULL, &tick);
	}
}

int
server_supervise(int n, int (*fn)(void *), void *arg)
{
	struct timespec	 tick = { 1, 0 };
	sigset_t	 set, old;
	pid_t		 pids[SERVER_MAX_WORKERS] = { 0 }, pid;
	time_t		 window = 0;
	int		 i, sig, deaths = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	hwlog("event=start workers=%d", n);
	for (;;) {
		for (i = 0; i < n; i++)
			if (pids[i] == 0 &&
			    (pid = server_spawn(&old, fn, arg)) > 0)
				pids[i] = pid;
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			hwlog("event=stop signal=%d", sig);
			server_stop(pids, n);
			return 0;
		}
		if (sig == SIGHUP)
			hwlog("event=sighup result=ignored hint=\"restart "
			    "the service to reload its configuration\"");
		if (sig == SIGUSR1)
			hwlog("event=sigusr1 result=ignored hint=\"a worker "
			    "takes it as a graceful stop; SIGTERM stops the "
			    "service\"");
		/* A worker that keeps dying must not make us spin. */
		if (time(NULL) != window) {
			window = time(NULL);
			deaths = 0;
		}
		deaths += server_reap(pids, n);
		if (deaths > SERVER_RESTART_BURST) {
			hwlog_at(HWLOG_ERR, "event=restarts result=paused "
			    "reason=\"workers keep dying\"");
			sleep(SERVER_RESTART_PAUSE);
		}
	}
}
