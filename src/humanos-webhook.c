/* SPDX-License-Identifier: ISC */
/*
 * humanos-webhook: receive Humanos webhooks behind nginx or Apache, as a
 * FastCGI responder (fd 0, systemd socket, or --listen with workers) or
 * as a plain CGI program.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "config.h"
#include "hwlog.h"
#include "request.h"
#include "sandbox.h"
#include "server.h"
#include "spool.h"

#define RESPONSE_MAX	256

/* What a worker reads a request into. */
struct worker {
	struct req_ctx	 ctx;
	unsigned char	*body;		/* max body + 1 bytes */
	size_t		 bodycap;
	int		 listenfd;
	int		 wakes;		/* accept() gives up: accept_wake() */
};

static volatile sig_atomic_t quit;
static volatile sig_atomic_t body_late;	/* body_timeout has passed */

#define BODY_TIMER_REPEAT_MS	100	/* the timer fires again this often
					   after the deadline: a read begun
					   just after the first still ends */

static void	usage(FILE *, int) __attribute__((noreturn));
static void	parse_args(int, char *[], struct server_opts *, const char **,
		    int *);
static int	start_load(const char *, struct config *, int);
static void	log_err(const char *, const char *);
static int	start_drop(const struct server_opts *, char *, size_t);
static int	start_spools(const struct config *, const char *);
static int	check_config(const char *, const struct server_opts *);
struct start_signals {
	sigset_t		mask;		/* as we were started */
	struct sigaction	term, usr1;
};
static int	serve(struct config *, struct profile_keys *,
		    const struct server_opts *, int,
		    const struct start_signals *);
static int	worker_init(struct worker *, const struct config *,
		    struct profile_keys *, int, int);
static int	worker_loop(void *);
static int	serve_cgi(const struct config *);
static void	log_request(const struct req_in *, const struct req_out *,
		    const struct timespec *);

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: humanos-webhook [-c FILE]\n"
	    "       humanos-webhook [-c FILE] --listen unix:PATH|HOST:PORT "
	    "[--workers N]\n"
	    "                       [--user USER] [--group GROUP] "
	    "[--socket-owner USER[:GROUP]] [--socket-mode MODE]\n"
	    "       humanos-webhook [-c FILE] --check-config [--user USER] "
	    "[--group GROUP]\n"
	    "       humanos-webhook --version | --help\n"
	    "\n"
	    "Without --listen it serves FastCGI on fd 0 (spawn-fcgi, "
	    "mod_fcgid), on the\nsocket systemd passes, or runs as a CGI "
	    "program when started as one.\n"
	    "The configuration is -c FILE, else $HUMANOS_WEBHOOK_CONFIG, "
	    "else\n%s.\n", config_default_path());
	exit(status);
}

/* A failure outside any request, as a key=value line. */
static void
log_err(const char *event, const char *err)
{
	char	v[HWLOG_VAL_MAX];

	hwlog_at(HWLOG_ERR, "event=%s result=error error=%s", event,
	    hwlog_val(err, v, sizeof(v)));
}

static void
on_term(int sig)
{
	(void)sig;
	quit = 1;
}

/*
 * The signals that stop a FastCGI process: SIGTERM, SIGINT, and SIGUSR1
 * (libfcgi's graceful stop); SIGHUP too, which the supervisor logs and a
 * worker ignores.  FCGX_Init() gives SIGTERM and SIGUSR1 libfcgi's own
 * handler, which only marks a shutdown that every accept then fails on
 * at once: a stop that reached it would be swallowed by a supervisor and
 * leave a worker spinning.  So they are blocked from the start (main())
 * until the process that handles them is ready: server_supervise() takes
 * them from sigtimedwait(), worker_loop() gives them on_term(), and a CGI
 * program gets back the actions and mask it was started with (FCGX_IsCGI()
 * ran FCGX_Init() too), so that SIGTERM ends it.
 */
static void
stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGHUP);
}

static void
on_alarm(int sig)
{
	(void)sig;
	body_late = 1;
}

/*
 * The body's deadline: body_timeout seconds from start.  SIGALRM (no
 * SA_RESTART) makes the read in progress fail with EINTR, which ends the
 * body; it keeps firing until disarmed, so a read that begins after the
 * first signal ends too.  secs == 0 disarms.
 */
static void
body_timer(long secs, const struct timespec *start)
{
	static int		armed_once;
	struct itimerval	it;
	struct sigaction	sa;
	struct timespec		now;
	long long		left_us;

	memset(&it, 0, sizeof(it));
	if (secs > 0) {
		if (!armed_once++) {	/* the handler stays: once a process */
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_alarm;
			sigemptyset(&sa.sa_mask);
			sigaction(SIGALRM, &sa, NULL);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_us = secs * 1000000LL -
		    ((now.tv_sec - start->tv_sec) * 1000000LL +
		    (now.tv_nsec - start->tv_nsec) / 1000);
		if (left_us < 1000)
			left_us = 1000;
		it.it_value.tv_sec = left_us / 1000000;
		it.it_value.tv_usec = left_us % 1000000;
		it.it_interval.tv_usec = BODY_TIMER_REPEAT_MS * 1000;
	}
	body_late = 0;
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * Start-up, step by step; the real start and --check-config take the
 * same steps.  Secret files may be root's alone: the configuration is read
 * as the starting user, before privileges are dropped.
 */
static int
start_load(const char *path, struct config *cfg, int tolog)
{
	char	err[CONFIG_ERR_MAX], *line, *save = NULL;

	if (config_load(path, cfg, err, sizeof(err)) == -1) {
		if (!tolog)
			fputs(err, stderr);	/* --check-config: for people */
		else
			for (line = strtok_r(err, "\n", &save); line != NULL;
			    line = strtok_r(NULL, "\n", &save))
				log_err("config", line);
		return -1;
	}
	return 0;
}

/* Become --user (--listen, or --user, as root); err names the problem. */
static int
start_drop(const struct server_opts *so, char *err, size_t errlen)
{
	if (so->listen == NULL && so->user == NULL)
		return 0;
	return server_drop_privileges(so, err, errlen);
}

/*
 * Whether every usable profile's spool can be written, as the user we now
 * run as, with a real write.  Each failure is reported: on stderr prefixed
 * with path (--check-config), else logged, and then the first one only.
 */
static int
start_spools(const struct config *cfg, const char *path)
{
	char	err[CONFIG_ERR_MAX];
	size_t	i;
	int	bad = 0;

	for (i = 0; i < cfg->nprofiles; i++) {
		struct profile *p = &cfg->profiles[i];

		if (!config_profile_usable(p) ||
		    spool_check(p->spool_dir, p->file_mode, err,
		    sizeof(err)) == 0)
			continue;
		bad = 1;
		if (path == NULL) {
			log_err("spool", err);
			break;
		}
		fprintf(stderr, "%s: profile %s: %s\n", path, p->name, err);
	}
	return bad ? -1 : 0;
}

/*
 * Report every problem of the configuration; 0 if there is none.  As the
 * real start: read as the starting user, the spools checked as --user.
 */
static int
check_config(const char *path, const struct server_opts *so)
{
	struct config	 cfg;
	struct profile_keys	*keys = NULL;
	char		 err[CONFIG_ERR_MAX];
	size_t		 i;
	int		 bad = 0, usable = 0;

	if (start_load(path, &cfg, 0) == -1)
		return EX_CONFIG;
	if (start_drop(so, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", path, err);
		config_free(&cfg);
		return EX_CONFIG;
	}
	for (i = 0; i < cfg.nprofiles; i++)
		if (config_profile_usable(&cfg.profiles[i]))
			usable++;
	if (start_spools(&cfg, path) == -1)
		bad = 1;
	if (!bad && config_prepare(&cfg, &keys, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", path, err);
		bad = 1;
	}
	if (!bad)
		printf("%s: OK (%d profile%s)\n", path, usable,
		    usable == 1 ? "" : "s");
	config_keys_free(keys, cfg.nprofiles);
	config_free(&cfg);
	return bad ? EX_CONFIG : 0;
}

/* flags: REQ_SPOOL_LATE for a CGI request, none for a worker. */
static int
worker_init(struct worker *w, const struct config *cfg, struct profile_keys *keys,
    int listenfd, int flags)
{
	char	err[512];

	memset(w, 0, sizeof(*w));
	w->listenfd = listenfd;
	if (req_ctx_open(&w->ctx, cfg, keys, flags, err, sizeof(err)) == -1) {
		log_err("spool", err);
		return -1;
	}
	if (req_ctx_error(&w->ctx) != NULL)
		log_err("spool", req_ctx_error(&w->ctx));
	w->bodycap = req_ctx_body_max(&w->ctx) + 1;
	if ((w->body = malloc(w->bodycap)) == NULL) {
		log_err("start", "out of memory");
		req_ctx_free(&w->ctx);
		return -1;
	}
	return 0;
}

static void
worker_free(struct worker *w)
{
	req_ctx_free(&w->ctx);
	free(w->body);
}

/*
 * Where a request comes from and its answer goes: FastCGI (libfcgi's
 * streams) or CGI (the environment, stdin and stdout).  The one front end
 * below does the rest the same way for both.
 */
struct frontend {
	const char	*(*param)(void *, const char *);
	ssize_t		 (*read)(void *, void *, size_t);	/* 0: end */
	void		 (*write)(void *, const void *, size_t);
	void		*arg;
};

/*
 * Read the body: never more than max + 1 bytes, whatever CONTENT_LENGTH
 * says, to its end where there is no CONTENT_LENGTH, and no longer than
 * the body's deadline (body_timer).
 */
static void
read_body(const struct frontend *fe, size_t max, unsigned char *buf,
    struct req_in *r)
{
	const char	*clen = fe->param(fe->arg, "CONTENT_LENGTH");
	char		*end;
	long long	 cl;
	ssize_t		 n;

	r->bodylen = 0;
	r->body = buf;
	if (clen != NULL && *clen != '\0') {
		cl = strtoll(clen, &end, 10);
		if (*end == '\0' && cl > (long long)max) {
			r->too_large = 1;	/* reading stops here */
			return;
		}
	}
	while (r->bodylen <= max && !body_late) {
		n = fe->read(fe->arg, buf + r->bodylen, max + 1 - r->bodylen);
		if (n <= 0)
			break;
		r->bodylen += (size_t)n;
	}
	if (r->bodylen > max)
		r->too_large = 1;
	r->timed_out = body_late;
}

/* The one head writer: status, headers, the small JSON body. */
static void
respond(const struct frontend *fe, const struct req_out *o)
{
	char	head[RESPONSE_MAX], body[RESPONSE_MAX];
	size_t	len = req_response(o, body, sizeof(body));
	int	n;

	n = snprintf(head, sizeof(head), "Status: %d %s\r\n%sContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nCache-Control: "
	    "no-store\r\n\r\n", o->status, req_status_text(o->status),
	    o->status == 405 ? "Allow: POST\r\n" : "", len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	fe->write(fe->arg, head, (size_t)n);
	fe->write(fe->arg, body, len);
}

static void
log_request(const struct req_in *in, const struct req_out *o,
    const struct timespec *start)
{
	struct timespec	 now;
	char		 prof[HWLOG_VAL_MAX], res[HWLOG_VAL_MAX];
	char		 det[HWLOG_VAL_MAX];
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - start->tv_sec) * 1e3 +
	    (now.tv_nsec - start->tv_nsec) / 1e6;
	/* Values from the request are escaped: nothing splits the line. */
	hwlog_at(o->status >= 500 ? HWLOG_ERR : o->status >= 400 ?
	    HWLOG_WARNING : HWLOG_INFO, "status=%d error=%s id=%s "
	    "resource=%s event=%s profile=%s duplicate=%d ms=%.3f%s%s%s%s",
	    o->status, o->error != NULL ? o->error : "-",
	    o->id[0] != '\0' ? o->id : "-",
	    o->has_res ? event_resource_name(o->res) : "-", o->event,
	    hwlog_val(in->profile != NULL && *in->profile != '\0' ?
	    in->profile : CONFIG_DEFAULT_PROFILE, prof, sizeof(prof)),
	    o->duplicate, ms, o->misrouted ? " misrouted=" : "",
	    o->misrouted ? hwlog_val(in->resource, res, sizeof(res)) : "",
	    o->detail[0] != '\0' ? " detail=" : "",
	    o->detail[0] != '\0' ? hwlog_val(o->detail, det, sizeof(det)) :
	    "");
}

/*
 * The request's path: REQUEST_URI, or, from a server that sets none (it
 * is not in CGI/1.1), SCRIPT_NAME and PATH_INFO.
 */
static const char *
request_path(const struct frontend *fe, char *buf, size_t buflen)
{
	const char	*uri = fe->param(fe->arg, "REQUEST_URI");
	const char	*script = fe->param(fe->arg, "SCRIPT_NAME");
	const char	*info = fe->param(fe->arg, "PATH_INFO");

	if (uri != NULL && *uri != '\0')
		return uri;
	if (script == NULL && info == NULL)
		return NULL;
	snprintf(buf, buflen, "%s%s", script != NULL ? script : "",
	    info != NULL ? info : "");
	return buf;
}

/*
 * One request, whichever front end: fill it in, read its body (bounded,
 * with its deadline), handle it, answer, log and count it.
 */
static void
serve_one(const struct frontend *fe, struct worker *w, struct req_in *in,
    const struct timespec *start)
{
	struct req_out	out;
	char		path[REQ_LOCATION_MAX];

	memset(in, 0, sizeof(*in));
	in->method = fe->param(fe->arg, "REQUEST_METHOD");
	in->content_type = fe->param(fe->arg, "CONTENT_TYPE");
	in->timestamp = fe->param(fe->arg, "HTTP_X_TIMESTAMP");
	in->signature = fe->param(fe->arg, "HTTP_X_SIGNATURE");
	in->location = request_path(fe, path, sizeof(path));
	in->profile = fe->param(fe->arg, "HUMANOS_PROFILE");
	in->resource = fe->param(fe->arg, "HUMANOS_RESOURCE");
	in->check_time = 1;
	in->body = w->body;
	if (in->method != NULL && strcmp(in->method, "POST") == 0) {
		body_timer(req_body_timeout(&w->ctx, in->profile), start);
		read_body(fe, req_max_body(&w->ctx, in->profile), w->body, in);
		body_timer(0, NULL);
	}
	req_handle(&w->ctx, in, &out);
	respond(fe, &out);
	log_request(in, &out, start);
	req_count(&w->ctx, in, &out);
}

/* FastCGI: libfcgi's request. */
static const char *
fcgi_param(void *arg, const char *name)
{
	return FCGX_GetParam(name, ((FCGX_Request *)arg)->envp);
}

static ssize_t
fcgi_read(void *arg, void *buf, size_t len)
{
	return FCGX_GetStr(buf, (int)len, ((FCGX_Request *)arg)->in);
}

static void
fcgi_write(void *arg, const void *buf, size_t len)
{
	FCGX_PutStr(buf, (int)len, ((FCGX_Request *)arg)->out);
}

/* An accept error that may pass: out of descriptors, buffers, memory. */
static int
accept_passing(int arc)
{
	return arc == -EMFILE || arc == -ENFILE || arc == -ENOBUFS ||
	    arc == -ENOMEM;
}

/* Accept and answer requests until told to stop. */
static int
worker_loop(void *arg)
{
	const struct timespec pause = { 0, 500 * 1000 * 1000 };	/* 0.5 s */
	struct worker	*w = arg;
	struct timespec	 start;
	struct req_in	 in;
	FCGX_Request	 rq;
	struct frontend	 fe = { fcgi_param, fcgi_read, fcgi_write, &rq };
	sigset_t	 term, old;
	struct sigaction sa;
	char		 v[HWLOG_VAL_MAX];
	int		 rc = 0, arc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	stop_signals(&term);
	sigprocmask(SIG_UNBLOCK, &term, NULL);	/* one sent meanwhile: now */

	if (FCGX_InitRequest(&rq, w->listenfd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return EX_OSERR;
	while (!quit) {
		if ((arc = FCGX_Accept_r(&rq)) < 0) {
			if (quit)
				break;
			/*
			 * accept_wake()'s timeout; or, with it, a stop and
			 * continue (SIGSTOP, a debugger attaching), which
			 * the kernel does not restart accept() after; or a
			 * late SIGALRM: look again.
			 */
			if ((w->wakes && arc == -EAGAIN) || arc == -EINTR)
				continue;
			hwlog_at(HWLOG_ERR, "event=accept result=error "
			    "error=%s%s", hwlog_val(arc > -1000 ?
			    strerror(-arc) : "libfcgi", v, sizeof(v)),
			    accept_passing(arc) ? " action=retry" : "");
			/* Out of descriptors or memory: it may pass. */
			if (accept_passing(arc)) {
				nanosleep(&pause, NULL);	/* SIGTERM: quit */
				continue;
			}
			/* libfcgi: an error its caller should exit on. */
			rc = EX_OSERR;
			break;
		}
		/* A request in flight is finished before we stop. */
		sigprocmask(SIG_BLOCK, &term, &old);
		clock_gettime(CLOCK_MONOTONIC, &start);
		serve_one(&fe, w, &in, &start);
		/*
		 * Read to its end, the request leaves nothing for libfcgi's
		 * lingering close (shutdown, then wait for the server to hang
		 * up) to drain: close at once and take the next one.  A body
		 * left unread (413) keeps the lingering close, so that the
		 * server still gets the answer rather than a reset.
		 */
		if (FCGX_HasSeenEOF(rq.in) == EOF || in.timed_out)
			FCGX_Detach(&rq);	/* a trickler gets no more */
		FCGX_Finish_r(&rq);
		rq.detached = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	FCGX_Free(&rq, 1);
	worker_free(w);
	return rc;
}

/* CGI: the environment, stdin and stdout. */
static const char *
cgi_param(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

static ssize_t
cgi_read(void *arg, void *buf, size_t len)
{
	ssize_t	n;

	(void)arg;
	do {
		n = read(STDIN_FILENO, buf, len);
	} while (n == -1 && errno == EINTR && !body_late);
	return n;
}

static void
cgi_write(void *arg, const void *buf, size_t len)
{
	(void)arg;
	(void)fwrite(buf, 1, len, stdout);
}

static int	 worker_sandbox(const struct worker *, char *, size_t);

/* One request as a CGI program. */
static int
serve_cgi(const struct config *cfg)
{
	struct frontend	 fe = { cgi_param, cgi_read, cgi_write, NULL };
	struct worker	 w;
	struct timespec	 start;
	struct req_in	 in;
	struct req_out	 out;
	char		 err[RESPONSE_MAX];

	clock_gettime(CLOCK_MONOTONIC, &start);
	/* No keys yet: the request derives its own profile's, if it gets
	   that far (req_handle()). */
	if (worker_init(&w, cfg, NULL, -1, REQ_SPOOL_LATE) == -1)
		goto unavailable;
	/* Confined before a byte of the request is read. */
	if (worker_sandbox(&w, err, sizeof(err)) == -1) {
		log_err("sandbox", err);
		worker_free(&w);
		goto unavailable;
	}
	serve_one(&fe, &w, &in, &start);
	fflush(stdout);
	worker_free(&w);
	return 0;
unavailable:
	memset(&out, 0, sizeof(out));
	out.status = 503;
	out.error = "spool_unavailable";
	respond(&fe, &out);
	fflush(stdout);
	return 0;
}

/* Confine the worker to its spools (and its system calls). */
static int
worker_sandbox(const struct worker *w, char *err, size_t errlen)
{
	int	dirs[CONFIG_MAX_PROFILES + 1];
	size_t	n;

	n = req_ctx_dirs(&w->ctx, dirs, sizeof(dirs) / sizeof(dirs[0]));
	return sandbox_enter(dirs, n, err, errlen);
}

struct worker_start {
	struct config		*cfg;	/* each worker's copy, freed by it */
	struct profile_keys		*keys;
	int			 fd;
	int			 own;	/* fd is --listen's, made by us */
};

/*
 * A stop signal that lands after the worker loop's test of quit and
 * before libfcgi's accept() (its source says "There's a window here")
 * would leave the worker in accept() until the next connection, and a
 * worker of a supervisor killed outright waiting for one for ever.  So
 * accept() on --listen's unix socket gives up every ACCEPT_WAKE_S
 * (SO_RCVTIMEO, which Linux honours for accept(); an accepted unix
 * connection does not inherit it, where a TCP one would).  Only on a
 * socket we made, blocking: the option stays with the socket, and one
 * that systemd or a web server owns may be handed to another program.
 * Elsewhere (TCP, a socket passed to us) the window stays.  Returns
 * whether accept() now gives up.
 */
#define ACCEPT_WAKE_S	1
static int
accept_wake(int fd, int own)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	struct timeval		wake = { ACCEPT_WAKE_S, 0 };
	int			fl;

	return own && getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_UNIX && (fl = fcntl(fd, F_GETFL)) != -1 &&
	    !(fl & O_NONBLOCK) && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
	    &wake, sizeof(wake)) == 0;
}

/* One worker's life: its spool (recovered), its sandbox, its requests. */
static int
worker_run(const struct config *cfg, struct profile_keys *keys, int fd,
    int own)
{
	struct worker	w;
	char		err[256];

	if (worker_init(&w, cfg, keys, fd, 0) == -1)
		return EX_TEMPFAIL;
	w.wakes = accept_wake(fd, own);
	if (worker_sandbox(&w, err, sizeof(err)) == -1) {
		log_err("sandbox", err);
		worker_free(&w);
		return EX_OSERR;
	}
	return worker_loop(&w);
}

static int
worker_start(void *arg)
{
	struct worker_start	*ws = arg;
	int			 rc;

	rc = worker_run(ws->cfg, ws->keys, ws->fd, ws->own);
	/* This process's copy of the keys and the configuration. */
	config_keys_free(ws->keys, ws->cfg->nprofiles);
	config_free(ws->cfg);
	return rc;
}

static int
parse_mode(const char *s, mode_t *mode)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0777)
		return -1;
	*mode = (mode_t)v;
	return 0;
}

/* The options; exits on a bad one. */
static void
parse_args(int argc, char *argv[], struct server_opts *so, const char **path,
    int *check)
{
	static const struct option longopts[] = {
		{ "check-config", no_argument, NULL, 'C' },
		{ "config", required_argument, NULL, 'c' },
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "listen", required_argument, NULL, 'l' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "socket-owner", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ "workers", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			*check = 1;
			break;
		case 'c':
			*path = optarg;
			break;
		case 'g':
			so->group = optarg;
			break;
		case 'h':
			usage(stdout, 0);
		case 'l':
			so->listen = optarg;
			break;
		case 'm':
			if (parse_mode(optarg, &so->socket_mode) == -1) {
				fprintf(stderr, "humanos-webhook: bad "
				    "--socket-mode %s\n", optarg);
				exit(EX_USAGE);
			}
			break;
		case 'o':
			so->socket_owner = optarg;
			break;
		case 'u':
			so->user = optarg;
			break;
		case 'V':
			printf("humanos-webhook %s\n", PACKAGE_VERSION);
			exit(0);
		case 'w':
			so->workers = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || so->workers < 1 ||
			    so->workers > SERVER_MAX_WORKERS) {
				fprintf(stderr, "humanos-webhook: --workers "
				    "takes 1 to %d\n", SERVER_MAX_WORKERS);
				exit(EX_USAGE);
			}
			break;
		default:
			usage(stderr, EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);
}

/* Serve on fd (-1: none bound or passed), as the user we now run as. */
static int
serve(struct config *cfg, struct profile_keys *keys,
    const struct server_opts *so, int fd, const struct start_signals *ss)
{
	struct worker_start ws = { cfg, keys, fd, so->listen != NULL };

	if (fd == -1) {
		sigaction(SIGTERM, &ss->term, NULL);
		sigaction(SIGUSR1, &ss->usr1, NULL);
		sigprocmask(SIG_SETMASK, &ss->mask, NULL);
		return serve_cgi(cfg);
	}
	if (FCGX_Init() != 0) {
		log_err("start", "cannot initialise libfcgi");
		return EX_SOFTWARE;
	}
	/* One process: whoever started us runs as many as it wants. */
	if (so->workers == 0 && so->listen == NULL)
		return worker_run(cfg, keys, ws.fd, ws.own);
	/*
	 * An unwritable spool (read-only, permissions) is an error at start:
	 * checked here, as the workers' user, with a real write, rather than
	 * forking workers that die as they start, again and again, while the
	 * web server's requests wait (fastcgi_read_timeout, then 504).  Each
	 * worker opens the spool, and recovers it, as it starts.
	 */
	if (start_spools(cfg, NULL) == -1)
		return EX_CANTCREAT;
	return server_supervise(so->workers ? so->workers : 1, worker_start,
	    &ws);
}

/*
 * Where requests come from: --listen's socket, the one systemd passes, or
 * fd 0 (spawn-fcgi, mod_fcgid); *fd = -1: none, we run as CGI.
 */
static int
start_socket(const struct server_opts *so, int *fd)
{
	char	err[CONFIG_ERR_MAX];

	if (so->listen != NULL) {
		/* Bound first: a socket below /run may need root. */
		if ((*fd = server_listen(so, err, sizeof(err))) == -1) {
			log_err("listen", err);
			return -1;
		}
		return 0;
	}
	if ((*fd = server_systemd_fd()) == -1 && !FCGX_IsCGI())
		*fd = 0;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct server_opts	 so = { NULL, NULL, NULL, NULL, 0660, 0 };
	struct config		 cfg;
	struct profile_keys		*keys = NULL;
	const char		*path = NULL;
	char			 err[CONFIG_ERR_MAX];
	struct start_signals	 ss;
	sigset_t		 stop;
	int			 check = 0, fd, rc;

	hwlog_init("humanos-webhook");
	parse_args(argc, argv, &so, &path, &check);
	if (path == NULL)
		path = config_default_path();
	if (check)
		return check_config(path, &so);
	stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, &ss.mask);	/* see stop_signals() */
	sigaction(SIGTERM, NULL, &ss.term);
	sigaction(SIGUSR1, NULL, &ss.usr1);
	if (start_socket(&so, &fd) == -1)
		return EX_OSERR;
	if (start_load(path, &cfg, 1) == -1)
		return EX_CONFIG;
	/*
	 * A FastCGI process derives every key once, now.  A CGI program
	 * serves one request: it derives only the keys of that request's
	 * profile, once its MAC has verified (req_handle()).
	 */
	if (fd != -1 && config_prepare(&cfg, &keys, err, sizeof(err)) == -1) {
		log_err("config", err);
		rc = EX_CONFIG;
	} else if (start_drop(&so, err, sizeof(err)) == -1) {
		log_err("privileges", err);
		rc = EX_NOPERM;
	} else
		rc = serve(&cfg, keys, &so, fd, &ss);
	config_keys_free(keys, cfg.nprofiles);
	config_free(&cfg);	/* wipes every secret */
	return rc;
}
