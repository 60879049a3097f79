/* SPDX-License-Identifier: ISC */
/* jsonv: a validating scanner for RFC 8259 JSON; it builds nothing. */
#include <stdint.h>
#include <string.h>

#include "jsonv.h"

struct jsonv {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 depth;	/* containers still allowed */
	int			 top;	/* depth of the outermost container */
	size_t			 members; /* of the outermost object */
};

static int	jsonv_value(struct jsonv *);

/*
 * Eight bytes at a time (SWAR): whether any byte of x is zero, is below
 * n (n <= 0x80), or has its high bit set.  Each is exact for "some byte
 * is", which is all it is asked (what it says of a byte after the first
 * one found is not used).
 */
#define JSONV_ONES	0x0101010101010101ULL
#define JSONV_HIGH	0x8080808080808080ULL
#define JSONV_ZERO(x)	(((x) - JSONV_ONES) & ~(x) & JSONV_HIGH)
#define JSONV_BELOW(x, n) (((x) - JSONV_ONES * (n)) & ~(x) & JSONV_HIGH)

/*
 * Past the bytes from p on that a string may hold as they are (0x20 to
 * 0x7f, not '"', not '\\'), eight at a time; the rest, and the tail,
 * is for the caller's byte loop.
 */
static const unsigned char *
jsonv_plain(const unsigned char *p, const unsigned char *end, int ctl)
{
	uint64_t	x;

	while (end - p >= 8) {
		memcpy(&x, p, sizeof(x));
		if (JSONV_ZERO(x ^ (JSONV_ONES * '"')) |
		    JSONV_ZERO(x ^ (JSONV_ONES * '\\')) |
		    (ctl ? JSONV_BELOW(x, 0x20) | (x & JSONV_HIGH) : 0))
			break;
		p += 8;
	}
	return p;
}

static void
jsonv_ws(struct jsonv *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
jsonv_byte(struct jsonv *j, unsigned char c)
{
	if (j->p == j->end || *j->p != c)
		return 0;
	j->p++;
	return 1;
}

static int
jsonv_digit(const struct jsonv *j)
{
	return j->p < j->end && *j->p >= '0' && *j->p <= '9';
}

static int
jsonv_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* The next byte, taken if it is from lo to hi: 1, else 0. */
static int
jsonv_range(struct jsonv *j, unsigned char lo, unsigned char hi)
{
	if (j->p == j->end || *j->p < lo || *j->p > hi)
		return 0;
	j->p++;
	return 1;
}

/*
 * One UTF-8 sequence whose lead byte c was just read: RFC 3629's table,
 * so no overlong form, no surrogate (U+D800..U+DFFF), nothing above
 * U+10FFFF.  The second byte's range depends on the lead.
 */
static int
jsonv_utf8(struct jsonv *j, unsigned char c)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	int		n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	/* The first continuation byte in its range, the others in 80..BF. */
	if (!jsonv_range(j, lo, hi))
		return 0;
	while (--n > 0)
		if (!jsonv_range(j, 0x80, 0xbf))
			return 0;
	return 1;
}

static int
jsonv_string(struct jsonv *j)
{
	int	i;

	if (!jsonv_byte(j, '"'))
		return 0;
	while (j->p < j->end) {
		unsigned char c;

		if ((j->p = jsonv_plain(j->p, j->end, 1)) == j->end)
			break;
		c = *j->p++;

		if (c == '"')
			return 1;
		if (c < 0x20)
			return 0;
		if (c >= 0x80) {
			if (!jsonv_utf8(j, c))
				return 0;
			continue;
		}
		if (c != '\\')
			continue;
		if (j->p == j->end)
			return 0;
		switch (*j->p++) {
		case '"': case '\\': case '/':
		case 'b': case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			for (i = 0; i < 4; i++)
				if (j->p == j->end || !jsonv_hex(*j->p++))
					return 0;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
jsonv_number(struct jsonv *j)
{
	(void)jsonv_byte(j, '-');
	if (jsonv_byte(j, '0'))
		;
	else if (jsonv_digit(j))
		while (jsonv_digit(j))
			j->p++;
	else
		return 0;
	if (jsonv_byte(j, '.')) {
		if (!jsonv_digit(j))
			return 0;
		while (jsonv_digit(j))
			j->p++;
	}
	if (jsonv_byte(j, 'e') || jsonv_byte(j, 'E')) {
		if (!jsonv_byte(j, '+'))
			(void)jsonv_byte(j, '-');
		if (!jsonv_digit(j))
			return 0;
		while (jsonv_digit(j))
			j->p++;
	}
	return 1;
}

static int
jsonv_word(struct jsonv *j, const char *w)
{
	for (; *w != '\0'; w++)
		if (!jsonv_byte(j, (unsigned char)*w))
			return 0;
	return 1;
}

/* An object or an array: open, then (member|value) list, then close. */
static int
jsonv_container(struct jsonv *j, unsigned char close, int object)
{
	if (j->depth-- == 0)
		return 0;
	j->p++;		/* the opening bracket */
	jsonv_ws(j);
	if (!jsonv_byte(j, close)) {
		do {
			if (object) {
				jsonv_ws(j);
				if (!jsonv_string(j))
					return 0;
				jsonv_ws(j);
				if (!jsonv_byte(j, ':'))
					return 0;
				if (j->depth == j->top - 1)
					j->members++;
			}
			if (!jsonv_value(j))
				return 0;
		} while (jsonv_byte(j, ','));
		if (!jsonv_byte(j, close))
			return 0;
	}
	j->depth++;
	return 1;
}

/* White space, one value, white space. */
static int
jsonv_value(struct jsonv *j)
{
	int	ok;

	jsonv_ws(j);
	if (j->p == j->end)
		return 0;
	switch (*j->p) {
	case '{':
		ok = jsonv_container(j, '}', 1);
		break;
	case '[':
		ok = jsonv_container(j, ']', 0);
		break;
	case '"':
		ok = jsonv_string(j);
		break;
	case 't':
		ok = jsonv_word(j, "true");
		break;
	case 'f':
		ok = jsonv_word(j, "false");
		break;
	case 'n':
		ok = jsonv_word(j, "null");
		break;
	default:
		ok = jsonv_number(j);
		break;
	}
	jsonv_ws(j);
	return ok;
}

int
jsonv_valid(const unsigned char *s, size_t len, int depth_max)
{
	return jsonv_members(s, len, depth_max, NULL);
}

int
jsonv_members(const unsigned char *s, size_t len, int depth_max,
    size_t *members)
{
	struct jsonv	j = { s, s + len, depth_max, depth_max, 0 };
	int		ok;

	ok = jsonv_value(&j) && j.p == j.end;
	if (members != NULL)
		*members = j.members;
	return ok;
}

/*
 * Reading text jsonv_members() took: only the boundaries of values are
 * looked for, and end bounds every step all the same.
 */
static const unsigned char *
jsonv_skip_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	return p;
}

/* p at a string's '"': past its closing '"'; *esc if it holds a '\\'. */
static const unsigned char *
jsonv_skip_string(const unsigned char *p, const unsigned char *end,
    int *esc)
{
	for (p = jsonv_plain(p + 1, end, 0); p < end && *p != '"';
	    p = jsonv_plain(p + 1, end, 0))
		if (*p == '\\') {
			*esc = 1;
			if (++p == end)
				break;	/* never past end, even so */
		}
	return p < end ? p + 1 : end;
}

/* p at a value: past it; *esc if it is a string holding a '\\'. */
static const unsigned char *
jsonv_skip_value(const unsigned char *p, const unsigned char *end, int *esc)
{
	size_t	depth = 0;
	int	ignored;

	if (p < end && *p == '"')
		return jsonv_skip_string(p, end, esc);
	if (p < end && (*p == '{' || *p == '[')) {
		while (p < end) {
			if (*p == '"') {
				p = jsonv_skip_string(p, end, &ignored);
				continue;
			}
			if (*p == '{' || *p == '[')
				depth++;
			else if ((*p == '}' || *p == ']') && --depth == 0)
				return p + 1;
			p++;
		}
		return end;
	}
	while (p < end && strchr(",}] \t\r\n", *p) == NULL)
		p++;	/* a number, true, false, null */
	return p;
}

int
jsonv_member_first(struct jsonv_member *m, const unsigned char *s,
    size_t len)
{
	m->p = jsonv_skip_ws(s, s + len);
	m->end = s + len;
	if (m->p == m->end || *m->p != '{')
		return 0;
	m->p++;
	return 1;
}

int
jsonv_member_next(struct jsonv_member *m)
{
	const unsigned char	*p = jsonv_skip_ws(m->p, m->end);

	if (p < m->end && *p == ',')
		p = jsonv_skip_ws(p + 1, m->end);
	if (p == m->end || *p != '"')
		return 0;		/* its '}' */
	m->key_esc = m->val_esc = 0;
	m->key = p + 1;
	p = jsonv_skip_string(p, m->end, &m->key_esc);
	m->keylen = (size_t)(p - 1 - m->key);
	p = jsonv_skip_ws(p, m->end);
	if (p < m->end && *p == ':')
		p++;
	m->val = p = jsonv_skip_ws(p, m->end);
	m->p = jsonv_skip_value(p, m->end, &m->val_esc);
	m->vallen = (size_t)(m->p - m->val);
	return 1;
}

int
jsonv_member_is(const struct jsonv_member *m, const char *key)
{
	return !m->key_esc && m->keylen == strlen(key) &&
	    memcmp(m->key, key, m->keylen) == 0;
}

int
jsonv_strings(const unsigned char *s, size_t len, const char *const *keys,
    size_t n, size_t max_members, const char **v, size_t *vl)
{
	struct jsonv_member	 mb, seen[JSONV_STRINGS_MAX];
	size_t			 m = 0, i, j;

	if (max_members > JSONV_STRINGS_MAX)
		max_members = JSONV_STRINGS_MAX;
	for (i = 0; i < n; i++)
		v[i] = NULL;
	if (!jsonv_member_first(&mb, s, len))
		return 0;
	while (jsonv_member_next(&mb)) {
		/* A plain string, or ask json-c. */
		if (m == max_members || mb.key_esc || mb.val_esc ||
		    mb.vallen < 2 || *mb.val != '"')
			return 0;
		for (i = 0; i < n; i++)
			if (jsonv_member_is(&mb, keys[i])) {
				v[i] = (const char *)mb.val + 1;
				vl[i] = mb.vallen - 2;
			}
		seen[m++] = mb;
	}
	for (i = 0; i < m; i++)
		for (j = i + 1; j < m; j++)
			if (seen[i].keylen == seen[j].keylen &&
			    memcmp(seen[i].key, seen[j].key, seen[i].keylen) == 0)
				return -1;
	for (i = 0; i < n; i++)
		if (v[i] == NULL)
			return -1;
	return 1;
}
