/*
 * humanos-webhook: receive Humanos webhooks behind nginx or Apache, as a
 * FastCGI responder (fd 0, systemd socket, or --listen with workers) or
 * as a plain CGI program.
 */
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
static int	start_spools(struct config *, const char *);
static int	check_config(const char *, const struct server_opts *);
static int	serve(struct config *, const struct server_opts *, int);
static int	worker_init(struct worker *, struct config *, int, int);
static int	worker_loop(void *);
static int	serve_cgi(struct config *);
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
	struct itimerval	it;
	struct sigaction	sa;
	struct timespec		now;
	long long		left_us;

	memset(&it, 0, sizeof(it));
	if (secs > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
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
start_spools(struct config *cfg, const char *path)
{
	char	err[CONFIG_ERR_MAX];
	size_t	i;
	int	bad = 0;

	for (i = 0; i < cfg->nprofiles; i++) {
		struct profile *p = &cfg->profiles[i];

		if (config_profile(cfg, p->name) == NULL ||
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
		if (config_profile(&cfg, cfg.profiles[i].name) != NULL)
			usable++;
	if (start_spools(&cfg, path) == -1)
		bad = 1;
	if (!bad && config_prepare(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", path, err);
		bad = 1;
	}
	if (!bad)
		printf("%s: OK (%d profile%s)\n", path, usable,
		    usable == 1 ? "" : "s");
	config_free(&cfg);
	return bad ? EX_CONFIG : 0;
}

/* flags: REQ_SPOOL_LATE for a CGI request, none for a worker. */
static int
worker_init(struct worker *w, struct config *cfg, int listenfd, int flags)
{
	char	err[512];

	memset(w, 0, sizeof(*w));
	w->listenfd = listenfd;
	if (req_ctx_open(&w->ctx, cfg, flags, err, sizeof(err)) == -1) {
		log_err("spool", err);
		return -1;
	}
	if (w->ctx.spool_err[0] != '\0')
		log_err("spool", w->ctx.spool_err);
	w->bodycap = w->ctx.scratch + 1;
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
 * Read the body: never more than max + 1 bytes, whatever CONTENT_LENGTH
 * says, and to its end where there is no CONTENT_LENGTH.
 */
static void
read_body(FCGX_Stream *in, const char *clen, size_t max, unsigned char *buf,
    struct req_in *r)
{
	char	*end;
	long long cl;
	int	 n;

	r->bodylen = 0;
	if (clen != NULL && *clen != '\0') {
		cl = strtoll(clen, &end, 10);
		if (*end == '\0' && cl > (long long)max) {
			r->too_large = 1;	/* reading stops here */
			return;
		}
	}
	while (r->bodylen <= max) {
		n = FCGX_GetStr((char *)buf + r->bodylen,
		    (int)(max + 1 - r->bodylen), in);
		if (n <= 0)
			break;
		r->bodylen += (size_t)n;
	}
	if (r->bodylen > max)
		r->too_large = 1;
	r->body = buf;
}

static void
respond(FCGX_Stream *out, const struct req_out *o)
{
	char	head[RESPONSE_MAX], body[RESPONSE_MAX];
	size_t	len = req_response(o, body, sizeof(body));
	int	n;

	/* Not FCGX_FPrintF: its own printf knows no %zu. */
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n%sContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nCache-Control: "
	    "no-store\r\n\r\n", o->status, req_status_text(o->status),
	    o->status == 405 ? "Allow: POST\r\n" : "", len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	FCGX_PutStr(head, n, out);
	FCGX_PutStr(body, (int)len, out);
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

static const char *
param(FCGX_ParamArray envp, const char *name)
{
	return FCGX_GetParam(name, envp);
}

/*
 * The request's path: REQUEST_URI, or, from a server that sets none (it
 * is not in CGI/1.1), SCRIPT_NAME and PATH_INFO.
 */
static const char *
request_path(const char *uri, const char *script, const char *info,
    char *buf, size_t buflen)
{
	if (uri != NULL && *uri != '\0')
		return uri;
	if (script == NULL && info == NULL)
		return NULL;
	snprintf(buf, buflen, "%s%s", script != NULL ? script : "",
	    info != NULL ? info : "");
	return buf;
}

/* Accept and answer requests until told to stop. */
static int
worker_loop(void *arg)
{
	struct worker	*w = arg;
	struct timespec	 start;
	struct req_in	 in;
	struct req_out	 out;
	FCGX_Request	 rq;
	char		 path[REQ_LOCATION_MAX];
	sigset_t	 term, old;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);

	if (FCGX_InitRequest(&rq, w->listenfd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return EX_OSERR;
	while (!quit) {
		if (FCGX_Accept_r(&rq) < 0) {
			if (quit)
				break;
			continue;
		}
		/* A request in flight is finished before we stop. */
		sigprocmask(SIG_BLOCK, &term, &old);
		clock_gettime(CLOCK_MONOTONIC, &start);
		memset(&in, 0, sizeof(in));
		in.method = param(rq.envp, "REQUEST_METHOD");
		in.content_type = param(rq.envp, "CONTENT_TYPE");
		in.timestamp = param(rq.envp, "HTTP_X_TIMESTAMP");
		in.signature = param(rq.envp, "HTTP_X_SIGNATURE");
		in.location = request_path(param(rq.envp, "REQUEST_URI"),
		    param(rq.envp, "SCRIPT_NAME"), param(rq.envp, "PATH_INFO"),
		    path, sizeof(path));
		in.profile = param(rq.envp, "HUMANOS_PROFILE");
		in.resource = param(rq.envp, "HUMANOS_RESOURCE");
		in.check_time = 1;
		if (in.method != NULL && strcmp(in.method, "POST") == 0) {
			body_timer(req_body_timeout(&w->ctx, in.profile),
			    &start);
			read_body(rq.in, param(rq.envp, "CONTENT_LENGTH"),
			    req_max_body(&w->ctx, in.profile), w->body, &in);
			in.timed_out = body_late;
			body_timer(0, NULL);
		}
		req_handle(&w->ctx, &in, &out);
		respond(rq.out, &out);
		log_request(&in, &out, &start);
		req_count(&w->ctx, &in, &out);
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
	return 0;
}

/* One request as a CGI program: the environment and stdin. */
static int	 worker_sandbox(const struct worker *, char *, size_t);

static int
serve_cgi(struct config *cfg)
{
	struct worker	 w;
	struct timespec	 start;
	struct req_in	 in;
	struct req_out	 out;
	char		 body[RESPONSE_MAX], *end, path[REQ_LOCATION_MAX];
	const char	*clen;
	size_t		 max, len;
	ssize_t		 n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (worker_init(&w, cfg, -1, REQ_SPOOL_LATE) == -1)
		goto unavailable;
	/* Confined before a byte of the request is read. */
	if (worker_sandbox(&w, body, sizeof(body)) == -1) {
		log_err("sandbox", body);
		worker_free(&w);
		goto unavailable;
	}
	memset(&in, 0, sizeof(in));
	in.method = getenv("REQUEST_METHOD");
	in.content_type = getenv("CONTENT_TYPE");
	in.timestamp = getenv("HTTP_X_TIMESTAMP");
	in.signature = getenv("HTTP_X_SIGNATURE");
	in.location = request_path(getenv("REQUEST_URI"),
	    getenv("SCRIPT_NAME"), getenv("PATH_INFO"), path, sizeof(path));
	in.profile = getenv("HUMANOS_PROFILE");
	in.resource = getenv("HUMANOS_RESOURCE");
	in.check_time = 1;
	in.body = w.body;
	max = req_max_body(&w.ctx, in.profile);
	clen = getenv("CONTENT_LENGTH");
	if (clen != NULL && *clen != '\0' &&
	    strtoll(clen, &end, 10) > (long long)max && *end == '\0')
		in.too_large = 1;
	if (in.method != NULL && strcmp(in.method, "POST") == 0)
		body_timer(req_body_timeout(&w.ctx, in.profile), &start);
	while (!in.too_large && in.method != NULL &&
	    strcmp(in.method, "POST") == 0 && in.bodylen <= max &&
	    !body_late) {
		n = read(STDIN_FILENO, w.body + in.bodylen,
		    max + 1 - in.bodylen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		in.bodylen += (size_t)n;
	}
	in.timed_out = body_late;
	body_timer(0, NULL);
	if (in.bodylen > max)
		in.too_large = 1;
	req_handle(&w.ctx, &in, &out);
	len = req_response(&out, body, sizeof(body));
	printf("Status: %d %s\r\n%sContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n\r\n%s",
	    out.status, req_status_text(out.status),
	    out.status == 405 ? "Allow: POST\r\n" : "", len, body);
	fflush(stdout);
	log_request(&in, &out, &start);
	req_count(&w.ctx, &in, &out);
	worker_free(&w);
	return 0;
unavailable:
	printf("Status: 503 Service Unavailable\r\nContent-Type: "
	    "application/json\r\n\r\n{\"ok\":false,\"error\":"
	    "\"spool_unavailable\"}");
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
	struct config	*cfg;
	int		 fd;
};

/* A --listen worker: open the spool (recovering it), then serve. */
/* One worker's life: its spool (recovered), its sandbox, its requests. */
static int
worker_run(struct config *cfg, int fd)
{
	struct worker	w;
	char		err[256];

	if (worker_init(&w, cfg, fd, 0) == -1)
		return EX_TEMPFAIL;
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

	rc = worker_run(ws->cfg, ws->fd);
	config_free(ws->cfg);	/* this process's copy of the secrets */
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
serve(struct config *cfg, const struct server_opts *so, int fd)
{
	struct worker_start ws = { cfg, fd };

	if (fd == -1 && FCGX_IsCGI())
		return serve_cgi(cfg);
	if (fd == -1)
		ws.fd = 0;		/* spawn-fcgi, mod_fcgid */
	if (FCGX_Init() != 0) {
		log_err("start", "cannot initialise libfcgi");
		return EX_SOFTWARE;
	}
	/* One process: whoever started us runs as many as it wants. */
	if (so->workers == 0 && so->listen == NULL)
		return worker_run(cfg, ws.fd);
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

int
main(int argc, char *argv[])
{
	struct server_opts	 so = { NULL, NULL, NULL, NULL, 0660, 0 };
	struct config		 cfg;
	const char		*path = NULL;
	char			 err[CONFIG_ERR_MAX];
	int			 check = 0, fd = -1, rc;

	hwlog_init("humanos-webhook");
	parse_args(argc, argv, &so, &path, &check);
	if (path == NULL)
		path = config_default_path();
	if (check)
		return check_config(path, &so);

	/* Bind first: a socket below /run may need root. */
	if (so.listen != NULL && (fd = server_listen(&so, err,
	    sizeof(err))) == -1) {
		log_err("listen", err);
		return EX_OSERR;
	}
	if (fd == -1)
		fd = server_systemd_fd();
	if (start_load(path, &cfg, 1) == -1)
		return EX_CONFIG;
	/*
	 * A FastCGI process derives every key once, now.  A CGI program
	 * serves one request: it derives only the keys of that request's
	 * profile, once its MAC has verified (req_handle()).
	 */
	if ((fd != -1 || !FCGX_IsCGI()) &&
	    config_prepare(&cfg, err, sizeof(err)) == -1) {
		log_err("config", err);
		rc = EX_CONFIG;
	} else if (start_drop(&so, err, sizeof(err)) == -1) {
		log_err("privileges", err);
		rc = EX_NOPERM;
	} else
		rc = serve(&cfg, &so, fd);
	config_free(&cfg);	/* wipes every secret and key */
	return rc;
}
