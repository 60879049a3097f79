/* SPDX-License-Identifier: ISC */
/* jsonv: is a buffer exactly one JSON text (RFC 8259)? */
#ifndef HW_JSONV_H
#define HW_JSONV_H

#include <stddef.h>

/*
 * Whether the len bytes at s are one JSON value with optional white
 * space around it, by the grammar of RFC 8259: no NaN or Infinity, no
 * single quotes, no control characters inside strings, no comments, no
 * trailing commas, containers nested at most depth_max deep, and UTF-8
 * exactly as RFC 3629 has it (no overlong forms, no encoded surrogates,
 * nothing above U+10FFFF; escaped \\uD800 stays allowed, as RFC 8259
 * does).  json-c's strict mode lets the first four through, and a row
 * holds the plaintext as sent: this is what keeps every row JSON.
 * Returns 1 or 0.
 */
int	jsonv_valid(const unsigned char *s, size_t len, int depth_max);

/*
 * The same, and *members (when not NULL) the number of members the
 * outermost value has if it is an object (0 otherwise), duplicates
 * counted: compared with what a parser kept, it shows duplicate keys.
 */
int	jsonv_members(const unsigned char *s, size_t len, int depth_max,
	    size_t *members);

/*
 * The top-level members of an object jsonv_members() took, one after the
 * other, without decoding: only the boundaries are looked for.
 * jsonv_member_first() returns 0 when s is no object; then each
 * jsonv_member_next() returns 1 with the next member (key: its bytes
 * between the quotes; val: the value's bytes, quotes included for a
 * string; key_esc and val_esc: whether they hold a backslash), or 0 past
 * the last.
 */
struct jsonv_member {
	const unsigned char	*key, *val;
	size_t			 keylen, vallen;
	int			 key_esc, val_esc;
	const unsigned char	*p, *end;	/* where the next one starts */
};

int	jsonv_member_first(struct jsonv_member *m, const unsigned char *s,
	    size_t len);
int	jsonv_member_next(struct jsonv_member *m);
/* Whether m's key, unescaped, is key. */
int	jsonv_member_is(const struct jsonv_member *m, const char *key);

/*
 * Read the members of an object jsonv_members() took from s (len bytes)
 * when every member is a string without a backslash and there are at
 * most max_members: json-c keeps such strings' bytes as they are, and two
 * such keys are the same key exactly when their bytes are.  For each of
 * the n keys, v[i] points at its value's bytes in s (not NUL-terminated)
 * and vl[i] is their length.  Returns 1 when every key is there and none
 * is given twice; -1 when the object is of that shape but a key is given
 * twice or one of the n is missing (what json-c's object of it and a
 * refusal of duplicates would say); 0 when s is of another shape (ask
 * json-c).
 */
#define JSONV_STRINGS_MAX	16	/* the most members it reads */

int	jsonv_strings(const unsigned char *s, size_t len,
	    const char *const *keys, size_t n, size_t max_members,
	    const char **v, size_t *vl);

#endif
