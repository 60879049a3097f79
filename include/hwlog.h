/* SPDX-License-Identifier: ISC */
/* hwlog: the one logging layer: stderr (the web server's error log, or
   the journal). */
#ifndef HW_HWLOG_H
#define HW_HWLOG_H

#include <stddef.h>

/* syslog(3)'s priorities, as the journal's "<N>" prefix takes them. */
#define HWLOG_ERR	3
#define HWLOG_WARNING	4
#define HWLOG_INFO	6

/* Name the program; find out whether stderr is the journal. */
void	hwlog_init(const char *progname);

/* One line of key=value fields, at priority info (hwlog) or prio. */
void	hwlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	hwlog_at(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * s as a log value: as it is when it holds only printable ASCII other than
 * space, '"', '\\' and '=', else in double quotes with '"' and '\\'
 * escaped and every other byte outside printable ASCII as \xHH.  Writes
 * into buf (truncating, still quoted) and returns it, or returns s.  NULL
 * is "-".  So no value can split a line or fake another key.
 */
#define HWLOG_VAL_MAX	256
const char *hwlog_val(const char *s, char *buf, size_t len);

#endif
