/* jsonv: is a buffer exactly one JSON text (RFC 8259)? */
#ifndef HW_JSONV_H
#define HW_JSONV_H

#include <stddef.h>

/*
 * Whether the len bytes at s are one JSON value with optional white
 * space around it, by the grammar of RFC 8259: no NaN or Infinity, no
 * single quotes, no control characters inside strings, no comments, no
 * trailing commas, containers nested at most depth_max deep.  Bytes of
 * 0x80 and above are taken as they are inside strings (the UTF-8 check
 * is json-c's).  json-c's strict mode lets the first four through, and
 * a row holds the plaintext as sent: this is what keeps every row JSON.
 * Returns 1 or 0.
 */
int	jsonv_valid(const unsigned char *s, size_t len, int depth_max);

#endif
