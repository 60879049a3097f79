/* SPDX-License-Identifier: ISC */
/* row: ids, times, locations, the event and quarantine rows both ways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "row.h"
#include "spoolfmt.h"
#include "tap.h"

#define DEPTH	34

static struct row_meta
meta(const char *loc)
{
	struct row_meta	m;

	m.profile = "default";
	m.location = loc;
	m.delivery_ts = "1764133376123";
	m.received.tv_sec = 1764133376;
	m.received.tv_nsec = 456789000;
	return m;
}

static void
test_id_time(void)
{
	struct timespec	ts = { 0, 5000000 };
	char		id[ROW_ID_HEX_LEN + 1], t[ROW_TIME_LEN + 1];
	time_t		back = 1;

	row_id("abc", 3, id);
	is_str(id, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad", "row_id: SHA-256, lower hex");
	row_id("", 0, id);
	is_str(id, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855", "row_id of nothing");
	row_time(&ts, t);
	is_str(t, "1970-01-01T00:00:00.005Z", "row_time: UTC, milliseconds");
	ts.tv_sec = 1764133376;
	ts.tv_nsec = 999999999;
	row_time(&ts, t);
	is_str(t, "2025-11-26T05:02:56.999Z", "row_time: ms truncated");
	ts.tv_sec = 253402300800LL;	/* 10000-01-01 */
	row_time(&ts, t);
	is_int(strncmp(t, "9999-", 5), 0, "row_time: years clamped to 9999");
	is_int(row_time_parse("2025-11-26T05:02:56.999Z", &back), 0,
	    "row_time_parse");
	is_int(back, 1764133376, "row_time_parse: seconds, UTC");
	is_int(row_time_parse("26/11/2025", &back), -1,
	    "row_time_parse: refused: another form");
}

static void
test_location(void)
{
	char	buf[64], *s;

	row_location_encode("/webhook/kyc?x=1", buf, sizeof(buf));
	is_str(buf, "/webhook/kyc", "encode: the path, not the query");
	row_location_encode("/a b\"c\\d\x7f\xff\x01", buf, sizeof(buf));
	is_str(buf, "/a%20b%22c%5Cd%7F%FF%01", "encode: unsafe bytes as hex escapes");
	row_location_encode(NULL, buf, sizeof(buf));
	is_str(buf, "", "encode: NULL is empty");
	row_location_encode("/abcdefgh", buf, 8);
	is_str(buf, "/abcd", "encode: cut to fit, room for an escape kept");
	row_location_encode("/ab   ", buf, 9);
	is_str(buf, "/ab%20", "encode: no escape cut in half");
	s = row_location_decode("/a%20b%22c%5cd%7F%FF%01");
	is_str(s, "/a b\"c\\d\x7f\xff\x01", "decode: either case");
	free(s);
	s = row_location_decode("/100%%zz%4");
	is_str(s, "/100%%zz%4", "decode: what is no escape stays");
	free(s);
}

static void
test_event_line(void)
{
	struct event_class	 ec = { .res = RES_KYC,
	    .name = "process.kyc.completed" };
	struct row_meta		 m = meta("/webhook/kyc");
	struct json_object	*o, *v;
	const char		*plain = "\n { \"a\":\r\n1 }\t\n";
	char			 buf[1024], id[ROW_ID_HEX_LEN + 1];
	size_t			 n;

	row_id("x", 1, id);
	n = row_event_line(buf, sizeof(buf), id, &ec, &m,
	    (const unsigned char *)plain, strlen(plain));
	ok(n > 0, "event line made");
	buf[n] = '\0';
	is_str(buf, "{\"id\":\"2d711642b726b04401627ca9fbac32f5"
	    "c8530fb1903cc4db02258717921a4881\",\"received_at\":"
	    "\"2025-11-26T05:02:56.456Z\",\"resource\":\"kyc\",\"event\":"
	    "\"process.kyc.completed\",\"profile\":\"default\",\"location\":"
	    "\"/webhook/kyc\",\"delivery_timestamp\":\"1764133376123\","
	    "\"payload\":{ \"a\":  1 }}", "event line: fields, order, payload "
	    "trimmed, line breaks as spaces");
	ok(sf_row_id(buf, n, id) == 0, "it begins as spoolfmt reads rows");
	ok((o = row_parse(buf, n, DEPTH)) != NULL, "it parses back");
	ok(json_object_object_get_ex(o, "payload", &v) &&
	    json_object_is_type(v, json_type_object), "payload an object");
	json_object_put(o);
	is_int(row_event_line(buf, n - 1, id, &ec, &m, (const unsigned char *)
	    plain, strlen(plain)), 0, "a buffer one byte short: 0");
	is_int(row_event_line(buf, n, id, &ec, &m, (const unsigned char *)
	    plain, strlen(plain)), n, "exactly enough (no NUL): the line");
}

/*
 * The event line's head against json-c's serialiser (what made it
 * before): the same bytes for every byte value in every string field,
 * and for absent fields.
 */
static void
test_event_line_as_json_c(void)
{
	struct event_class	 ec = { .res = RES_SIGNATURES };
	struct row_meta		 m = meta("/webhook/x");
	struct json_object	*o;
	const char		*want;
	char			 buf[4096], id[ROW_ID_HEX_LEN + 1], when[64];
	char			 s[300], exp[4096];
	size_t			 n, i, diffs = 0, cases = 0, wl;
	int			 f;

	row_id("y", 1, id);
	row_time(&m.received, when);
	for (i = 0; i < 255; i++)
		s[i] = (char)(i + 1);	/* every byte but NUL */
	s[255] = '\0';
	for (f = 0; f < 5; f++) {
		ec.name = f == 0 ? s : f == 4 ? NULL : "process.form.filled";
		m.profile = f == 1 ? s : f == 4 ? NULL : "default";
		m.location = f == 2 ? s : f == 4 ? NULL : "/webhook/x";
		m.delivery_ts = f == 3 ? s : f == 4 ? NULL : "1764133376123";
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "received_at",
		    json_object_new_string(when));
		json_object_object_add(o, "resource",
		    json_object_new_string("signatures"));
		json_object_object_add(o, "event", ec.name ?
		    json_object_new_string(ec.name) : NULL);
		json_object_object_add(o, "profile", m.profile ?
		    json_object_new_string(m.profile) : NULL);
		json_object_object_add(o, "location", m.location ?
		    json_object_new_string(m.location) : NULL);
		json_object_object_add(o, "delivery_timestamp",
		    m.delivery_ts ? json_object_new_string(m.delivery_ts) :
		    NULL);
		json_object_object_add(o, "payload", json_object_new_object());
		want = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &wl);
		snprintf(exp, sizeof(exp), "%s", want);
		json_object_put(o);
		n = row_event_line(buf, sizeof(buf), id, &ec, &m,
		    (const unsigned char *)"{}", 2);
		cases++;
		if (n != wl || memcmp(buf, exp, n) != 0) {
			diffs++;
			buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
			printf("# json-c: %s\n", exp);
			printf("# ours:   %s\n", buf);
		}
	}
	ok(diffs == 0, "event line: json-c's bytes, every byte value in each "
	    "string, and nulls (%zu of %zu differ)", diffs, cases);
}

/* A quarantine row for body, as the responder makes it, parsed back. */
static struct json_object *
qrow(const char *body, int whole, const char *loc, size_t *len)
{
	struct json_object	*o, *back;
	struct row_meta		 m;
	const char		*line;
	char			 id[ROW_ID_HEX_LEN + 1], enc[64];

	/* As the responder: the location encoded into the row. */
	row_location_encode(loc, enc, sizeof(enc));
	m = meta(loc != NULL ? enc : NULL);
	row_id(body, strlen(body), id);
	o = row_quarantine(id, "stale_timestamp", 401, &m, "abcd",
	    "application/json", body, strlen(body), whole);
	line = row_line(o, len);
	back = line != NULL ? row_parse(line, *len, DEPTH) : NULL;
	json_object_put(o);
	return back;
}

static void
test_quarantine(void)
{
	struct json_object	*o;
	struct row_qinfo	 qi;
	struct row_delivery	 d;
	const char		*why = NULL;
	char			 id[ROW_ID_HEX_LEN + 1];
	size_t			 len;

	row_id("{\"iv\":1}", 8, id);
	o = qrow("{\"iv\":1}", 1, "/webhook/a b\"", &len);
	ok(o != NULL, "quarantine row: one line, parsed back");
	row_quarantine_info(o, &qi);
	is_str(qi.id, id, "info: id, the body's SHA-256");
	is_str(qi.reason, "stale_timestamp", "info: reason");
	is_str(qi.received_at, "2025-11-26T05:02:56.456Z", "info: received");
	is_str(qi.timestamp, "1764133376123", "info: the x-timestamp");
	is_int(row_quarantine_read(o, &d, &why), 0, "read back");
	is_int(d.bodylen, 8, "the body's length");
	ok(d.body != NULL && memcmp(d.body, "{\"iv\":1}", 8) == 0,
	    "the body's bytes");
	is_str(d.location, "/webhook/a b\"", "the location as sent, "
	    "through encode and decode");
	is_str(d.content_type, "application/json", "its content type");
	is_str(d.signature, "abcd", "its signature");
	is_str(d.timestamp, "1764133376123", "its timestamp");
	is_str(d.profile, "default", "its profile");
	row_delivery_free(&d);
	ok(d.body == NULL && d.location == NULL, "freed and cleared");
	json_object_put(o);

	o = qrow("{\"iv\":2}", 0, NULL, &len);
	ok(o != NULL, "a quarantine row without the body");
	is_int(row_quarantine_read(o, &d, &why), -1, "is not replayable");
	is_str(why, "no body_base64 or headers", "and says why");
	json_object_put(o);
	is_int(row_quarantine_read(NULL, &d, &why), -1, "no object: -1");
	is_str(why, "not a JSON object", "and says why");
	o = row_parse("{\"body_base64\":\"!!\",\"headers\":{}}", 33, DEPTH);
	is_int(row_quarantine_read(o, &d, &why), -1, "bad base64: -1");
	is_str(why, "bad body_base64", "and says why");
	ok(d.body == NULL, "and keeps nothing");
	json_object_put(o);
	o = row_parse("{\"delivery_timestamp\":\"7\",\"headers\":{}}", 39,
	    DEPTH);
	row_quarantine_info(o, &qi);
	is_str(qi.timestamp, "7", "info: delivery_timestamp without the "
	    "header");
	ok(qi.id == NULL && qi.reason == NULL, "info: absent fields NULL");
	json_object_put(o);
	row_quarantine_info(NULL, &qi);
	ok(qi.id == NULL && qi.timestamp == NULL, "info of NULL: all NULL");
}

static void
test_parse(void)
{
	struct json_object	*o;

	ok((o = row_parse("{\"a\":1}\n", 8, DEPTH)) != NULL,
	    "parse: a row and its newline");
	json_object_put(o);
	ok(row_parse("{\"a\":1} x", 9, DEPTH) == NULL,
	    "parse: refused: bytes after the object");
	ok(row_parse("{\"a\":1}{}", 9, DEPTH) == NULL,
	    "parse: refused: two objects");
	ok(row_parse("[1]", 3, DEPTH) == NULL, "parse: refused: an array");
	/* json-c's depth: three containers need 4. */
	ok(row_parse("{\"a\":[[1]]}", 11, 3) == NULL,
	    "parse: refused: deeper than depth");
	ok((o = row_parse("{\"a\":[[1]]}", 11, 4)) != NULL,
	    "parse: within depth");
	json_object_put(o);
	ok(row_parse("{\"a\":1,}", 8, DEPTH) == NULL,
	    "parse: refused: not strict JSON");
}

int
main(void)
{
	test_id_time();
	test_location();
	test_event_line();
	test_event_line_as_json_c();
	test_quarantine();
	test_parse();
	return tap_done();
}
