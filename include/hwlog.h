/* hwlog: the one logging layer: stderr (the web server's error log). */
#ifndef HW_HWLOG_H
#define HW_HWLOG_H

void	hwlog_init(const char *progname);
void	hwlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
