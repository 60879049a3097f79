/* SPDX-License-Identifier: ISC */
/*
 * hwlog: one line per message on stderr, written in a single write(2).
 *
 * Every field is key=value.  When stderr is the journal ($JOURNAL_STREAM
 * names it), a line is "<P>fields": the sd-daemon priority prefix, and
 * no time, name or pid, which the journal adds itself.  Anywhere else
 * (a web server's error log, a file, a terminal) it is
 * "ts=<RFC 3339, ms, UTC> prog=NAME pid=N [level=...] fields".
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hwlog.h"

static const char	*hwlog_prog = "humanos";
static int		 hwlog_journal;

/* Whether stderr is the stream $JOURNAL_STREAM ("dev:ino") names. */
static int
hwlog_on_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
hwlog_init(const char *progname)
{
	hwlog_prog = progname;
	hwlog_journal = hwlog_on_journal();
}

static void
hwlog_v(int prio, const char *fmt, va_list ap)
{
	static const char *const level[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };
	struct timespec	 ts;
	struct tm	 tm;
	char		 line[1024];
	int		 n, m;

	if (prio < 0 || prio > 7)
		prio = HWLOG_ERR;
	if (hwlog_journal)
		n = snprintf(line, sizeof(line), "<%d>", prio);
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:"
		    "%02d.%03ldZ prog=%s pid=%ld %s%s%s", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, ts.tv_nsec / 1000000, hwlog_prog,
		    (long)getpid(), prio == HWLOG_INFO ? "" : "level=",
		    prio == HWLOG_INFO ? "" : level[prio],
		    prio == HWLOG_INFO ? "" : " ");
	}
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;	/* truncated: still one line */
	line[n++] = '\n';
	/* One write, so lines of concurrent workers do not interleave. */
	(void)!write(STDERR_FILENO, line, n);
}

void
hwlog(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	hwlog_v(HWLOG_INFO, fmt, ap);
	va_end(ap);
}

void
hwlog_at(int prio, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	hwlog_v(prio, fmt, ap);
	va_end(ap);
}

static int
hwlog_plain(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '=';
}

const char *
hwlog_val(const char *s, char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	size_t			 o = 0;

	if (s == NULL)
		return "-";
	for (p = (const unsigned char *)s; *p != '\0' && hwlog_plain(*p); p++)
		;
	if (*p == '\0' && p != (const unsigned char *)s)
		return s;
	if (len < 3)
		return "-";
	buf[o++] = '"';
	/* Room kept for the worst escape (4 bytes), the quote and NUL. */
	for (p = (const unsigned char *)s; *p != '\0' && o + 6 < len; p++) {
		if (*p >= ' ' && *p < 0x7f && *p != '"' && *p != '\\')
			buf[o++] = (char)*p;
		else if (*p == '"' || *p == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)*p;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
