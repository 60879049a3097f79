/* SPDX-License-Identifier: ISC */
/*
 * nullfcgi: the transport's own limit, the yardstick for what
 * humanos-webhook's work costs behind nginx.  A libfcgi responder that does
 * nothing but what every responder must: accept the connection nginx opens
 * for the request, read the whole body (to its end, at most BODY_MAX
 * bytes), and answer
 *
 *	Status: 200 OK, Content-Type: application/json, Content-Length,
 *	Cache-Control: no-store, {"ok":true}
 *
 * It runs like `humanos-webhook --listen unix:PATH --workers N`: one
 * listening unix socket (backlog 128), N forked processes each in an
 * FCGX_Accept_r loop on it, and the same close as ours (a request read to
 * its end is closed at once, without libfcgi's lingering close).
 *
 * usage: nullfcgi [-w WORKERS] [-m MODE] PATH
 *
 * Runs until SIGTERM or SIGINT, then stops its workers and prints one
 * line: "nullfcgi answered=N too_large=M" (N 200s; bench/run checks N
 * against the 200s wrk received).  Exit 1 if a worker died on its own.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKERS_DEFAULT	8
#define WORKERS_MAX	256
#define BACKLOG		128		/* SERVER_BACKLOG of humanos-webhook */
#define BODY_MAX	(1024 * 1024)	/* max_body's default, 1m */

struct count {
	unsigned long	answered;
	unsigned long	too_large;
};

static volatile sig_atomic_t quit;
static char	body[BODY_MAX + 1];

static void
on_term(int sig)
{
	(void)sig;
	quit = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: nullfcgi [-w WORKERS] [-m MODE] PATH\n");
	exit(64);
}

static int
listen_unix(const char *path, mode_t mode)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "nullfcgi: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("nullfcgi: socket");
		return -1;
	}
	if ((unlink(path) == -1 && errno != ENOENT) ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, mode) == -1 || listen(fd, BACKLOG) == -1) {
		fprintf(stderr, "nullfcgi: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Read the body to its end; 1 if it is over BODY_MAX. */
static int
read_body(FCGX_Stream *in)
{
	size_t	len = 0;
	int	n;

	while (len <= BODY_MAX) {
		n = FCGX_GetStr(body + len, (int)(BODY_MAX + 1 - len), in);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return len > BODY_MAX;
}

static void
respond(FCGX_Stream *out, int status)
{
	static const char ok[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: 11\r\n"
	    "Cache-Control: no-store\r\n\r\n{\"ok\":true}";
	static const char big[] = "Status: 413 Payload Too Large\r\n"
	    "Content-Type: application/json\r\nContent-Length: 40\r\n"
	    "Cache-Control: no-store\r\n\r\n"
	    "{\"ok\":false,\"error\":\"payload_too_large\"}";

	if (status == 200)
		FCGX_PutStr(ok, sizeof(ok) - 1, out);
	else
		FCGX_PutStr(big, sizeof(big) - 1, out);
}

/* A worker: accept and answer until SIGTERM. */
static int
serve(int fd, struct count *c, const sigset_t *term)
{
	struct sigaction sa;
	FCGX_Request	 rq;
	sigset_t	 old;
	int		 large;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, term, NULL);
	if (FCGX_InitRequest(&rq, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return 1;
	while (!quit) {
		if (FCGX_Accept_r(&rq) < 0)
			continue;
		sigprocmask(SIG_BLOCK, term, &old);
		large = read_body(rq.in);
		respond(rq.out, large ? 413 : 200);
		if (large)
			c->too_large++;
		else
			c->answered++;
		/* As humanos-webhook: read to its end, close at once. */
		if (FCGX_HasSeenEOF(rq.in) == EOF)
			FCGX_Detach(&rq);
		FCGX_Finish_r(&rq);
		rq.detached = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	FCGX_Free(&rq, 1);
	return 0;
}

/*
 * Stop the workers that are left and reap them all: SIGTERM, and SIGKILL
 * after 2 s for one that took it between its check and accept().
 */
static void
stop_all(pid_t *pids, int n)
{
	int	i, left, tries;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (tries = 0; tries < 200; tries++) {
		for (i = 0, left = 0; i < n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) != 0)
				pids[i] = 0;
			left += pids[i] > 0;
		}
		if (left == 0)
			return;
		usleep(10000);
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
}

/* The supervisor: wait for SIGTERM, or a worker that dies on its own. */
static int
supervise(pid_t *pids, int n, const sigset_t *set)
{
	pid_t	pid;
	int	sig, i, status;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGCHLD)
			break;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n; i++)
				if (pids[i] == pid)
					pids[i] = 0;
			fprintf(stderr, "nullfcgi: worker %ld died (status "
			    "%d)\n", (long)pid, status);
			stop_all(pids, n);
			return 1;
		}
	}
	stop_all(pids, n);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct count	*c;
	unsigned long	 answered = 0, large = 0;
	sigset_t	 set;
	pid_t		*pids;
	mode_t		 mode = 0666;
	int		 ch, fd, i, n = WORKERS_DEFAULT, rc;

	while ((ch = getopt(argc, argv, "m:w:")) != -1) {
		switch (ch) {
		case 'm':
			mode = (mode_t)strtol(optarg, NULL, 8);
			break;
		case 'w':
			n = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || n < 1 || n > WORKERS_MAX)
		usage();
	if (FCGX_Init() != 0 || (fd = listen_unix(argv[optind], mode)) == -1)
		return 1;
	c = mmap(NULL, n * sizeof(*c), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED || (pids = calloc(n, sizeof(*pids))) == NULL) {
		perror("nullfcgi: mmap");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) == -1) {
			perror("nullfcgi: fork");
			stop_all(pids, i);
			return 1;
		}
		if (pids[i] == 0)
			_exit(serve(fd, &c[i], &set));
	}
	rc = supervise(pids, n, &set);
	unlink(argv[optind]);
	for (i = 0; i < n; i++) {
		answered += c[i].answered;
		large += c[i].too_large;
	}
	free(pids);
	/* Flushed now: a sanitizer's report at exit must not lose it. */
	printf("nullfcgi answered=%lu too_large=%lu\n", answered, large);
	if (fflush(stdout) == EOF)
		return 1;
	return rc;
}
