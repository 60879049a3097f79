/* hwlog: one line per message on stderr, written in a single write(2). */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "hwlog.h"

static const char *hwlog_prog = "humanos";

void
hwlog_init(const char *progname)
{
	hwlog_prog = progname;
}

void
hwlog(const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n, m;

	n = snprintf(line, sizeof(line), "%s[%ld]: ", hwlog_prog,
	    (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;	/* truncated: still one line */
	line[n++] = '\n';
	/* One write, so lines of concurrent workers do not interleave. */
	(void)!write(STDERR_FILENO, line, n);
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
