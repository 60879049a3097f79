/* jsonv: a validating scanner for RFC 8259 JSON; it builds nothing. */
#include "jsonv.h"

struct jsonv {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 depth;	/* containers still allowed */
};

static int	jsonv_value(struct jsonv *);

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

static int
jsonv_string(struct jsonv *j)
{
	int	i;

	if (!jsonv_byte(j, '"'))
		return 0;
	while (j->p < j->end) {
		unsigned char c = *j->p++;

		if (c == '"')
			return 1;
		if (c < 0x20)
			return 0;
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
	struct jsonv	j = { s, s + len, depth_max };

	return jsonv_value(&j) && j.p == j.end;
}
