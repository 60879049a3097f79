/* SPDX-License-Identifier: ISC */
/*
 * util: the small helpers every module would otherwise write again
 * (OpenSMTPD keeps such helpers in util.c): the error buffer, a JSON
 * string member, hex digits, the clock.
 */
#ifndef HW_UTIL_H
#define HW_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/*
 * Write the printf-style message into err (errlen bytes, cut to fit, always
 * NUL-terminated when errlen > 0).  Returns -1, so that a failing function
 * can end with "return util_err(err, errlen, ...)".
 */
int	util_err(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * The string member key of o: its bytes (owned by o), with their number in
 * *len unless len is NULL; NULL when o is NULL, has no such member, or it
 * is not a string.  The bytes may hold a NUL: compare *len with strlen()
 * where that matters.
 */
const char *util_json_string(struct json_object *o, const char *key,
	    size_t *len);

/*
 * Close fd (unless it is -1) without changing errno, and return rc: the
 * tail of a function that fails, or ends, with a descriptor to close.
 */
int	util_close(int fd, int rc);

/* The value of the hex digit c (either case), or -1. */
int	util_hex_value(int c);

/* Lower-case hex of len bytes of buf into hex (2 * len + 1 bytes, NUL). */
void	util_hex_encode(const void *buf, size_t len, char *hex);

/* The wall clock (CLOCK_REALTIME): microseconds, milliseconds since
   the epoch. */
uint64_t util_now_usec(void);
int64_t	util_now_ms(void);

/*
 * Wait (ms at most) while the 32-bit word at w, in memory that processes
 * may share, still holds val; wake every waiter on w.  util_futex_wait:
 * 0 once woken, -1 with errno (EAGAIN: w no longer held val; ETIMEDOUT;
 * EINTR).
 */
int	util_futex_wait(uint32_t *w, uint32_t val, int ms);
void	util_futex_wake(uint32_t *w);

#endif
