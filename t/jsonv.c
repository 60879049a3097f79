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
	return tap_done();
}
