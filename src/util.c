/* SPDX-License-Identifier: ISC */
/* util: helpers shared by every module (see util.h). */
#include <sys/syscall.h>

#include <linux/futex.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "util.h"

int
util_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
util_close(int fd, int rc)
{
	int	saved = errno;

	if (fd != -1)
		close(fd);
	errno = saved;
	return rc;
}

const char *
util_json_string(struct json_object *o, const char *key, size_t *len)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	if (len != NULL)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

int
util_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
util_hex_encode(const void *buf, size_t len, char *hex)
{
	static const char	 digits[] = "0123456789abcdef";
	const unsigned char	*p = buf;
	size_t			 i;

	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[p[i] >> 4];
		hex[2 * i + 1] = digits[p[i] & 15];
	}
	hex[2 * len] = '\0';
}

uint64_t
util_now_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int64_t
util_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Not FUTEX_PRIVATE_FLAG: the word may be in a mapping other processes
   share (SPOOL/.seq). */
int
util_futex_wait(uint32_t *w, uint32_t val, int ms)
{
	struct timespec	to;

	to.tv_sec = ms / 1000;
	to.tv_nsec = (long)(ms % 1000) * 1000000L;
	return syscall(SYS_futex, w, FUTEX_WAIT, val, &to, NULL, 0) == -1 ?
	    -1 : 0;
}

void
util_futex_wake(uint32_t *w)
{
	(void)syscall(SYS_futex, w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}
