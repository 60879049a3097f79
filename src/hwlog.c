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
