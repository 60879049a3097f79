#!/bin/sh
# SPDX-License-Identifier: ISC
# nginx with the shipped deploy/nginx files, the responder under spawn-fcgi
# (FastCGI on fd 0, running as an unprivileged user).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

e2e_require nginx spawn-fcgi curl
e2e_setup "$E2E_HW_USER"
E2E_SOCK=$TRASH/fcgi.sock

spawn-fcgi -n -s "$E2E_SOCK" -M 0660 -U "$E2E_HW_USER" -G "$E2E_WEB_GROUP" \
    -u "$E2E_HW_USER" -g "$E2E_HW_GROUP" -- \
    "$HW_WEBHOOK" -c "$E2E_CONF" 2>>"$E2E_LOG" &
test_cleanup_pid $!
test_expect_success 'spawn-fcgi starts the responder on a unix socket' '
	e2e_wait_sock "$E2E_SOCK"
'

e2e_nginx_start "$(free_port)"
test_expect_success 'nginx starts with deploy/nginx/site.conf and humanos-webhook.conf' '
	e2e_wait_port $E2E_PORT nginx/logs/stderr nginx/logs/error.log
'

e2e_samples_suite
e2e_status_suite

test_expect_success 'a path below /webhook/ that is no location is not routed' '
	e2e_snapshot $E2E_SPOOL snap &&
	e2e_request && e2e_post_req $REQ /webhook/other && e2e_expect 404 &&
	e2e_unchanged $E2E_SPOOL snap
'

# What humanos-send --print writes goes on the wire as it is (nc-style).
test_expect_success 'humanos-send --print, sent byte for byte, is spooled' '
	e2e_hs --sample consent --print >raw.req &&
	node -e "
		const net = require(\"net\"), fs = require(\"fs\");
		const s = net.connect(+process.argv[1], \"127.0.0.1\", () =>
		    s.write(fs.readFileSync(process.argv[2])));
		let r = \"\";
		s.setTimeout(20000, () => s.destroy());
		s.on(\"data\", (d) => {
			r += d;	/* a half-close would be a client abort: wait */
			const h = r.indexOf(\"\\r\\n\\r\\n\");
			const m = /content-length: *([0-9]+)/i.exec(r);
			if (h >= 0 && m && r.length >= h + 4 + +m[1])
				s.destroy();
		});
		s.on(\"close\", () => process.stdout.write(r));
	" "$E2E_PORT" raw.req >raw.resp &&
	head -n 1 raw.resp | grep -q "^HTTP/1.1 200 " &&
	grep -q "\"duplicate\":false" raw.resp
'

test_done
