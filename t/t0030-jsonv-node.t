#!/bin/sh
# SPDX-License-Identifier: ISC
# t0030: src/jsonv.c agrees with an independent parser, Node's JSON.parse,
# on thousands of near-JSON texts: mutations of JSON and of what json-c's
# strict mode wrongly lets through (NaN, Infinity, 'quotes', raw tabs).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

command -v node >/dev/null || skip_all "node not installed"
CHECK=$top_builddir/t/helper/jsonv-check

# same_verdicts FILE: jsonv's verdict on each "HEX VERDICT" line of FILE is
# VERDICT; the first few that differ are shown.
same_verdicts() {
	cut -d" " -f1 "$1" | "$CHECK" >"$1.got" &&
	cut -d" " -f2 "$1" | paste -d" " - "$1.got" >"$1.both" &&
	if grep -v "^\(.\) \1\$" "$1.both" >/dev/null; then
		paste -d" " "$1" "$1.got" | awk -F"[ ]" "\$2 != \$3" |
		    head -n 5 >&2
		return 1
	fi
}

# cases: one "HEX VERDICT" line each, VERDICT from JSON.parse; seeded, so
# every run tries the same texts.
node -e '
	const seeds = ["{\"a\":[1,2.5e-3,{\"b\":null}],\"c\":\"d\\u00e9\\n\"}",
	    "[true,false,null,-0,0.1,1E+2]", "\"s\\\"\\\\\\/\\b\\f\\r\\t\"", "{}",
	    "[]", "0", "{\"a\":NaN}", "[Infinity,-Infinity]", "{\x27a\x27:1}",
	    "\"x\ty\"", "[1,]", "{\"a\":1}/*c*/", " [ 1 , { } ] \n",
	    "{\"data\":\"aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=\"}",
	    "[\"abcdefgh\\\"ijklmnop\\\\qrstuvwx\\u00e9yz0123456789\"]"];
	const alphabet = "{}[]\",:.-+eE0123456789 \t\n\r\x01tfrueanlsNIy\x27\\/ux";
	let seed = 12345;
	const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648;
	    return seed % n; };
	const out = [];
	const add = (s) => {
		let ok = 1;
		try { JSON.parse(s); } catch (e) { ok = 0; }
		out.push(Buffer.from(s, "latin1").toString("hex") + " " + ok);
	};
	for (const s of seeds) add(s);
	for (let i = 0; i < 20000; i++) {
		let s = seeds[rnd(seeds.length)];
		for (let k = 1 + rnd(3); k > 0; k--) {
			const at = rnd(s.length + 1), c = alphabet[rnd(alphabet.length)];
			switch (rnd(3)) {
			case 0: s = s.slice(0, at) + c + s.slice(at); break;
			case 1: s = s.slice(0, at) + s.slice(at + 1); break;
			default: s = s.slice(0, at) + c + s.slice(at + 1);
			}
		}
		add(s);
	}
	require("fs").writeFileSync("cases", out.join("\n") + "\n");
'

test_expect_success 'Node made the cases: both verdicts well represented' '
	[ "$(wc -l <cases)" -gt 20000 ] &&
	[ "$(grep -c " 1\$" cases)" -gt 1000 ] &&
	[ "$(grep -c " 0\$" cases)" -gt 1000 ]
'

test_expect_success 'jsonv_valid gives JSON.parse verdict on every case' '
	same_verdicts cases
'

# utf8: strings of bytes around every UTF-8 boundary; the verdict is the
# WHATWG decoder's (TextDecoder, fatal: RFC 3629 exactly) and JSON.parse.
node -e '
	const dec = new TextDecoder("utf-8", { fatal: true });
	const edges = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
	    0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1,
	    0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff];
	const valid = ["\u00e9", "\u07ff", "\u0800", "\ud7ff", "\ue000",
	    "\uffff", "\u{10000}", "\u{10ffff}"];
	let seed = 4242;
	const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648;
	    return seed % n; };
	const out = [];
	for (let i = 0; i < 20000; i++) {
		const parts = [Buffer.from("\"")];
		for (let k = 1 + rnd(4); k > 0; k--) {
			if (rnd(3) == 0)
				parts.push(Buffer.from(valid[rnd(valid.length)]));
			else {
				const b = [];
				for (let m = 1 + rnd(4); m > 0; m--)
					b.push(edges[rnd(edges.length)]);
				parts.push(Buffer.from(b));
			}
		}
		parts.push(Buffer.from("\""));
		const buf = Buffer.concat(parts);
		let ok = 1;
		try { JSON.parse(dec.decode(buf)); } catch (e) { ok = 0; }
		out.push(buf.toString("hex") + " " + ok);
	}
	require("fs").writeFileSync("utf8", out.join("\n") + "\n");
'

test_expect_success 'Node made the UTF-8 cases: both verdicts well represented' '
	[ "$(wc -l <utf8)" -eq 20000 ] &&
	[ "$(grep -c " 1\$" utf8)" -gt 1000 ] &&
	[ "$(grep -c " 0\$" utf8)" -gt 1000 ]
'

test_expect_success 'jsonv_valid gives TextDecoder(fatal) + JSON.parse verdict on every byte string' '
	same_verdicts utf8
'

test_done
