/* SPDX-License-Identifier: ISC */
/* jsonv: RFC 8259 validity, case by case. */
#include <string.h>

#include "jsonv.h"
#include "tap.h"

static const char *const valid[] = {
	"{}", "[]", " { } ", "\t[\r\n]\n", "0", "-0", "1.5e+10", "-1E-2",
	"123456789012345678901234567890", "\"\"", "\"\\u00e9\\n\\\"\\\\\\/\"",
	"true", "false", "null", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
	"[\"\xc3\xa9\"]", "{\"a\":1,\"a\":2}", "[1 , 2 ,\n3]",
	"\"\xc2\x80\xdf\xbf\"", "\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\"",
	"\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"", "\"\\ud800\"",
};

static const char *const invalid[] = {
	"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{,}", "[,1]", "{\"a\"}",
	"{\"a\" 1}", "{a:1}", "{'a':1}", "['a']", "NaN", "[NaN]",
	"[Infinity]", "[-Infinity]", "[nan]", "[01]", "[-]", "[1.]", "[.5]",
	"[1e]", "[1e+]", "[+1]", "[0x10]", "[True]", "[nul]", "[truex]",
	"\"\\x41\"", "\"\\u12\"", "\"\\u12g4\"", "\"a\tb\"", "\"a\nb\"",
	"\"\x01\"", "\"abc", "[1] [2]", "{} x", "[1]//c", "/*c*/[1]", "[1,,2]",
	"{\"a\":1}}", "[[1]", "\"\\\"",
	/* UTF-8 as RFC 3629 has it, nothing more. */
	"\"\x80\"", "\"\xbf\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"",
	"\"\xe0\x80\xaf\"", "\"\xe0\x9f\xbf\"", "\"\xed\xa0\x80\"",
	"\"\xed\xbf\xbf\"", "\"\xf0\x80\x80\xaf\"", "\"\xf0\x8f\xbf\xbf\"",
	"\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"",
	"\"\xc3\"", "\"\xe2\x82\"", "\"\xc3\xa9\xa9\"", "[\xc3\xa9]",
};

static const char *const env_keys[3] = { "iv", "data", "tag" };

/* jsonv_strings(json) returns want; when 1, the three values are iv/d/t. */
static void
strings(const char *json, int want, const char *iv, const char *d,
    const char *t)
{
	const char	*v[3], *w[3] = { iv, d, t };
	size_t		 vl[3], i;
	int		 r, same = 1;

	r = jsonv_strings((const unsigned char *)json, strlen(json), env_keys,
	    3, 8, v, vl);
	if (!ok(r == want, "strings: %s -> %d (got %d)", json, want, r) ||
	    r != 1)
		return;
	for (i = 0; i < 3; i++)
		if (vl[i] != strlen(w[i]) || memcmp(v[i], w[i], vl[i]) != 0)
			same = 0;
	ok(same, "strings: %s: the values in place", json);
}

static void
strings_cases(void)
{
	strings("{\"iv\":\"a\",\"data\":\"b/+=\",\"tag\":\"c\"}", 1,
	    "a", "b/+=", "c");
	strings(" {\t\"tag\" : \"c\" , \"x\":\"{\\u\",\"data\":\"\",\"iv\":\"a\"} ",
	    0, NULL, NULL, NULL);	/* a backslash: json-c reads it */
	strings("{\"tag\" : \"c\" , \"x\":\"{[:,\",\"data\":\"\",\"iv\":\"a\"}",
	    1, "a", "", "c");
	strings("{\"iv\":\"a\",\"iv\":\"a\",\"data\":\"b\",\"tag\":\"c\"}",
	    -1, NULL, NULL, NULL);	/* a key twice */
	strings("{\"iv\":\"a\",\"x\":\"1\",\"x\":\"2\",\"data\":\"b\","
	    "\"tag\":\"c\"}", -1, NULL, NULL, NULL);
	strings("{\"iv\":\"a\",\"data\":\"b\"}", -1, NULL, NULL, NULL);
	strings("{}", -1, NULL, NULL, NULL);
	strings("{\"iv\":\"a\",\"data\":\"b\",\"tag\":1}", 0, NULL, NULL,
	    NULL);			/* not a string: json-c */
	strings("{\"iv\":\"a\",\"data\":{\"tag\":\"c\"}}", 0, NULL, NULL,
	    NULL);
	strings("{\"i\\u0076\":\"a\",\"data\":\"b\",\"tag\":\"c\"}", 0,
	    NULL, NULL, NULL);		/* a key escaped */
	strings("[\"iv\"]", 0, NULL, NULL, NULL);
	strings("{\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"\","
	    "\"iv\":\"a\",\"data\":\"b\",\"tag\":\"c\"}", 1, "a", "b", "c");
	strings("{\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"\","
	    "\"f\":\"\",\"iv\":\"a\",\"data\":\"b\",\"tag\":\"c\"}", 0, NULL,
	    NULL, NULL);		/* more than 8 members: json-c */
}

/*
 * The scans read strings eight bytes at a time: every byte that matters,
 * at every offset of strings up to 40 bytes long, with its verdict by
 * the grammar.
 */
static const struct {
	const char	*bytes;
	size_t		 len;
	int		 valid;
} special[] = {
	{ "\0", 1, 0 }, { "\x01", 1, 0 }, { "\x1f", 1, 0 }, { "\t", 1, 0 },
	{ " ", 1, 1 }, { "\x7f", 1, 1 }, { "\"", 1, 0 }, { "\\n", 2, 1 },
	{ "\\\"", 2, 1 }, { "\\\\", 2, 1 }, { "\\x", 2, 0 },
	{ "\\u00e9", 6, 1 }, { "\x80", 1, 0 }, { "\xc3\xa9", 2, 1 },
	{ "\xe2\x82", 2, 0 }, { "\xf0\x9f\x98\x80", 4, 1 }, { "\xff", 1, 0 },
};

/* text = a str b (str: n bytes, maybe a NUL); its length. */
static size_t
wrap(char *text, const char *a, const char *str, size_t n, const char *b)
{
	size_t	la = strlen(a);

	memcpy(text, a, la);
	memcpy(text + la, str, n);
	memcpy(text + la + n, b, strlen(b) + 1);
	return la + n + strlen(b);
}

static void
every_offset(void)
{
	char		 str[64], text[160];
	struct jsonv_member mb;
	size_t		 len, at, k, n, tl;
	int		 bad = 0, esc;

	for (k = 0; k < sizeof(special) / sizeof(*special); k++)
		for (len = 0; len <= 40; len++)
			for (at = 0; at <= len; at++) {
				memset(str, 'a', at);
				memcpy(str + at, special[k].bytes,
				    special[k].len);
				memset(str + at + special[k].len, 'b', len - at);
				n = len + special[k].len;
				/* As a value, then as a key. */
				tl = wrap(text, "{\"k\":\"", str, n, "\",\"z\":1}");
				if (jsonv_valid((unsigned char *)text, tl, 8) !=
				    special[k].valid && bad++ < 5)
					printf("# valid: %s\n", text);
				tl = wrap(text, "{\"", str, n, "\":1}");
				if (jsonv_valid((unsigned char *)text, tl, 8) !=
				    special[k].valid && bad++ < 5)
					printf("# valid as a key: %s\n", text);
				if (!special[k].valid)
					continue;
				/* The members' boundaries: "k":"str","str":"z" */
				tl = wrap(text, "{\"k\":\"", str, n, "\",\"");
				tl += wrap(text + tl, "", str, n, "\":\"z\"}");
				esc = memchr(str, '\\', n) != NULL;
				if (!jsonv_member_first(&mb,
				    (unsigned char *)text, tl) ||
				    !jsonv_member_next(&mb) ||
				    mb.vallen != n + 2 ||
				    memcmp(mb.val + 1, str, n) != 0 ||
				    mb.val_esc != esc ||
				    !jsonv_member_next(&mb) ||
				    mb.keylen != n || mb.key_esc != esc ||
				    memcmp(mb.key, str, n) != 0 ||
				    mb.vallen != 3 || jsonv_member_next(&mb)) {
					if (bad++ < 5)
						printf("# members: %s\n", text);
				}
			}
	ok(bad == 0, "every byte that matters, at every offset of strings "
	    "of 0 to 40 bytes (%d wrong)", bad);
}

int
main(void)
{
	char	deep[200];
	size_t	i;

	for (i = 0; i < sizeof(valid) / sizeof(*valid); i++)
		ok(jsonv_valid((const unsigned char *)valid[i],
		    strlen(valid[i]), 8), "valid: %s", valid[i]);
	for (i = 0; i < sizeof(invalid) / sizeof(*invalid); i++)
		ok(!jsonv_valid((const unsigned char *)invalid[i],
		    strlen(invalid[i]), 8), "invalid: %s", invalid[i]);
	/* A NUL is not white space, not even at the end. */
	ok(!jsonv_valid((const unsigned char *)"{}\0", 3, 8),
	    "invalid: a NUL after the value");
	/* Nesting: depth_max containers pass, one more does not. */
	memset(deep, '[', 8);
	memset(deep + 8, ']', 8);
	ok(jsonv_valid((unsigned char *)deep, 16, 8), "8 nested in depth 8");
	memset(deep, '[', 9);
	memset(deep + 9, ']', 9);
	ok(!jsonv_valid((unsigned char *)deep, 18, 8),
	    "9 nested over depth 8");
	memset(deep, '[', 100);
	ok(!jsonv_valid((unsigned char *)deep, 100, 8),
	    "100 unclosed, no deeper than the bound");
	{
		size_t	m;

		ok(jsonv_members((const unsigned char *)"{\"a\":1,\"a\":{"
		    "\"b\":1,\"c\":2},\"d\":[{\"e\":1}]}", 39, 8, &m) &&
		    m == 3, "members: the outermost object's, duplicates "
		    "counted (%zu)", m);
		ok(jsonv_members((const unsigned char *)"[{\"a\":1}]", 9, 8,
		    &m) && m == 0, "members: 0 when not an object");
	}
	strings_cases();
	every_offset();
	return tap_done();
}
