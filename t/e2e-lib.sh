# SPDX-License-Identifier: ISC
# t/e2e-lib.sh: shared helpers for the end-to-end tests (t/t02*.t), which
# run the shipped deploy/ configurations in real web servers.
#
#   . "$top_srcdir/t/lib.sh"
#   . "$top_srcdir/t/e2e-lib.sh"
#   e2e_require nginx spawn-fcgi
#   e2e_setup nobody               # secrets, config, spools owned by nobody
#   ... start servers, set E2E_URL and E2E_LOG ...
#   e2e_samples_suite              # every sample, own location + fallback
#   e2e_status_suite               # every status row of SPEC section 6
#   test_done
#
# The deploy files are copied into $TRASH with only their paths and ports
# changed (e2e_template); the locations themselves are the shipped ones.
# Servers listen on 127.0.0.1 and free ports only, and are stopped by PID.
# The web servers' workers run as $E2E_WEB_USER, the responder as the user
# given to e2e_setup: never root, so that a chmod'ed spool is unwritable.

E2E_DEPLOY="$top_srcdir/deploy"
E2E_JS="$top_srcdir/t/helper/e2e-lib.js"
E2E_WEB_USER=www-data
E2E_WEB_GROUP=www-data
E2E_HW_USER=nobody
E2E_HW_GROUP=nogroup
E2E_APACHE_MODULES=/usr/lib/apache2/modules

# The sample table: name, location, resource, row event.
E2E_SAMPLES="\
kyc /webhook/kyc kyc process.kyc.completed
signature-user /webhook/signatures signatures process.signature.user.completed
signature-professional /webhook/signatures signatures process.signature.professional.completed
consent /webhook/consents consents process.consent.completed
form-filled /webhook/forms forms process.form.filled
form-rejected /webhook/forms forms process.form.rejected
credential /webhook/credentials credentials credential
identity /webhook/kyc kyc identity
otp-failed /webhook/otp otp otp.failed"

# e2e_require PROGRAM...: skip the whole script unless each is installed.
e2e_require() {
	for e2e_p in "$@"; do
		command -v "$e2e_p" >/dev/null 2>&1 ||
		    skip_all "$e2e_p is not installed"
	done
	for e2e_p in "$HW_WEBHOOK" "$HW_SEND"; do
		[ -x "$e2e_p" ] || skip_all "$e2e_p is not built"
	done
	command -v node >/dev/null 2>&1 || skip_all "node is not installed"
	[ "$(id -u)" = 0 ] ||
	    skip_all "runs web servers with their own users: needs root"
	id "$E2E_WEB_USER" >/dev/null 2>&1 || skip_all "no user $E2E_WEB_USER"
	id "$E2E_HW_USER" >/dev/null 2>&1 || skip_all "no user $E2E_HW_USER"
}

e2e_js() { node "$E2E_JS" "$@"; }
e2e_random() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
e2e_now_ms() { echo $(($(date +%s) * 1000)); }

# e2e_setup OWNER: secrets, $TRASH/hw.conf (profiles default, b and
# small), spools owned by OWNER, the user the responder will run as.
e2e_setup() {
	E2E_OWNER=$1
	chmod 755 "$TRASH"
	# The build tree may be closed to other users (a clone below /root):
	# run a copy that www-data and nobody can reach.
	mkdir -p "$TRASH/bin" &&
	cp "$HW_WEBHOOK" "$TRASH/bin/humanos-webhook" || return 1
	HW_WEBHOOK=$TRASH/bin/humanos-webhook
	E2E_SIG=whsec_$(e2e_random 12)
	E2E_ENC=$(head -c 32 /dev/urandom | base64)
	E2E_SALT=salt-$(e2e_random 6)
	E2E_SIG_B=whsec_b_$(e2e_random 12)
	E2E_ENC_B=$(head -c 32 /dev/urandom | base64)
	E2E_SALT_B=salt-b-$(e2e_random 6)
	E2E_SPOOL=$TRASH/spool
	E2E_SPOOL_B=$TRASH/spool-b
	E2E_SPOOL_SMALL=$TRASH/spool-small
	E2E_CONF=$TRASH/hw.conf
	mkdir -p "$E2E_SPOOL" "$E2E_SPOOL_B" "$E2E_SPOOL_SMALL"
	cat >"$E2E_CONF" <<-EOF
	# written by t/e2e-lib.sh
	spool_dir = $E2E_SPOOL
	signature_secret = $E2E_SIG
	encryption_secret = $E2E_ENC
	encryption_salt = $E2E_SALT

	[profile b]
	spool_dir = $E2E_SPOOL_B
	signature_secret = $E2E_SIG_B
	encryption_secret = $E2E_ENC_B
	encryption_salt = $E2E_SALT_B

	[profile small]
	spool_dir = $E2E_SPOOL_SMALL
	max_body = 4k
	EOF
	chown -R "$E2E_OWNER" "$E2E_CONF" "$E2E_SPOOL" "$E2E_SPOOL_B" \
	    "$E2E_SPOOL_SMALL"
	chmod 600 "$E2E_CONF"
	E2E_LOG=$TRASH/responder.log
	: >"$E2E_LOG"
	chmod 666 "$E2E_LOG"
}

# e2e_template FILE: FILE with the install paths and ports of deploy/
# replaced by this test's ($E2E_SOCK, $E2E_PORT, ...), on stdout.
e2e_template() {
	sed -e "s|/run/humanos-webhook/fcgi.sock|$E2E_SOCK|g" \
	    -e "s|/etc/humanos-webhook.conf|$E2E_CONF|g" \
	    -e "s|/usr/sbin/humanos-webhook|$HW_WEBHOOK|g" \
	    -e "s|/usr/lib/cgi-bin/humanos-webhook|$HW_WEBHOOK|g" \
	    -e "s|/var/spool/humanos-webhook|$E2E_SPOOL|g" \
	    -e "s|/var/log/nginx/|$TRASH/nginx/logs/|g" \
	    -e "s|/var/log/apache2/|$TRASH/apache/logs/|g" "$1"
}

# The secrets of the default profile (or of profile b, with e2e_hs_b).
e2e_hs() {
	"$HW_SEND" --signature-secret "$E2E_SIG" --encryption-secret "$E2E_ENC" \
	    --salt "$E2E_SALT" "$@"
}
e2e_hs_b() {
	"$HW_SEND" --signature-secret "$E2E_SIG_B" \
	    --encryption-secret "$E2E_ENC_B" --salt "$E2E_SALT_B" "$@"
}

# e2e_event SAMPLE OUT [b]: a fresh sample event, decrypted independently
# (node's crypto) from what humanos-send --print built, into OUT.
e2e_event() {
	if [ "${3:-}" = b ]; then
		e2e_hs_b --sample "$1" --print >"$2.req" &&
		e2e_js decrypt "$2.req" "$E2E_ENC_B" "$E2E_SALT_B" >"$2"
	else
		e2e_hs --sample "$1" --print >"$2.req" &&
		e2e_js decrypt "$2.req" "$E2E_ENC" "$E2E_SALT" >"$2"
	fi
}

# e2e_deliver EVENT.json PATH [b]: humanos-send --url; the reply in
# EVENT.json.out, the timestamp sent in EVENT.json.ts, the status and id
# in $E2E_STATUS and $E2E_ID.
e2e_deliver() {
	e2e_ts=$(date +%s%3N)
	echo "$e2e_ts" >"$1.ts"
	if [ "${3:-}" = b ]; then
		e2e_hs_b --timestamp "$e2e_ts" "$1" --url "$E2E_URL$2" >"$1.out" ||:
	else
		e2e_hs --timestamp "$e2e_ts" "$1" --url "$E2E_URL$2" >"$1.out" ||:
	fi
	E2E_STATUS=$(sed -n '1s/^HTTP \([0-9]*\).*/\1/p' "$1.out")
	E2E_ID=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' "$1.out")
	cat "$1.out"
}

# e2e_check_row SPOOL EVENT.json RESOURCE EVENT LOCATION PROFILE: the row
# of the last e2e_deliver of EVENT.json is in SPOOL/RESOURCE/new, once.
e2e_check_row() {
	e2e_js row "$1" "$E2E_ID" "$2" "$3" "$4" "$5" "$6" "$(cat "$2.ts")"
}

# e2e_logged_ok: the responder logged the last delivery (in $E2E_LOG), with
# no note that its location was meant for another resource.
e2e_logged_ok() {
	wait_for grep -q "id=$E2E_ID " "$E2E_LOG" ||
	    { echo "id=$E2E_ID not in $E2E_LOG"; return 1; }
	! grep "id=$E2E_ID .*misrouted" "$E2E_LOG"
}

# e2e_sample_ok SAMPLE PATH RESOURCE EVENT [b]: deliver a fresh sample to
# PATH and check its row, and that the location said it was for RESOURCE.
e2e_sample_ok() {
	e2e_f=$TRASH/ev.$1.$(echo "$2" | tr / _).json
	if [ "${5:-}" = b ]; then
		e2e_event "$1" "$e2e_f" b &&
		e2e_deliver "$e2e_f" "$2" b &&
		test "$E2E_STATUS" = 200 &&
		grep -q '"duplicate":false' "$e2e_f.out" &&
		e2e_check_row "$E2E_SPOOL_B" "$e2e_f" "$3" "$4" "$2" b &&
		e2e_logged_ok
	else
		e2e_event "$1" "$e2e_f" &&
		e2e_deliver "$e2e_f" "$2" &&
		test "$E2E_STATUS" = 200 &&
		grep -q '"duplicate":false' "$e2e_f.out" &&
		e2e_check_row "$E2E_SPOOL" "$e2e_f" "$3" "$4" "$2" default &&
		e2e_logged_ok
	fi
}

# e2e_samples_suite: every provider sample to its own location and to the
# organization-level fallback /webhook.
e2e_samples_suite() {
	echo "$E2E_SAMPLES" >"$TRASH/samples.list"
	while read -r s loc res ev; do
		test_expect_success "sample $s to $loc: row in $res/new, event $ev" "
			e2e_sample_ok $s $loc $res $ev
		"
		test_expect_success "sample $s to the fallback /webhook: row in $res/new" "
			e2e_sample_ok $s /webhook $res $ev
		"
	done <"$TRASH/samples.list"
}

# e2e_post PATH BODYFILE [CURL-ARG...]: a raw request; the status in
# $TRASH/resp.code (and printed), body and headers in resp.body, resp.hdr.
e2e_post() {
	e2e_path=$1 e2e_body=$2
	shift 2
	curl -sS -o "$TRASH/resp.body" -D "$TRASH/resp.hdr" -w '%{http_code}' \
	    --max-time 30 --data-binary @"$e2e_body" "$@" "$E2E_URL$e2e_path" \
	    >"$TRASH/resp.code" || return 1
	echo "status $(cat "$TRASH/resp.code"): $(head -c 300 "$TRASH/resp.body")"
}

# e2e_request REQ: a fresh signed kyc delivery split into REQ.body, REQ.ts,
# REQ.sig; e2e_post_req REQ PATH [CURL-ARG...] sends it as it is.
e2e_request() {
	e2e_hs --sample kyc --print "$@" >"$REQ" && e2e_js split "$REQ"
}
e2e_post_req() {
	e2e_r=$1 e2e_path=$2
	shift 2
	e2e_post "$e2e_path" "$e2e_r.body" -H 'Content-Type: application/json' \
	    -H "x-timestamp: $(cat "$e2e_r.ts")" \
	    -H "x-signature: $(cat "$e2e_r.sig")" "$@"
}

# e2e_expect STATUS [ERROR]: the last e2e_post answered STATUS with the
# JSON error code ERROR.
e2e_expect() {
	test "$(cat "$TRASH/resp.code")" = "$1" ||
	    { echo "expected status $1"; return 1; }
	if [ -n "${2:-}" ]; then
		grep -q "^Content-Type: application/json" "$TRASH/resp.hdr" ||
		    { echo "not application/json"; return 1; }
		test "$(e2e_js field "$TRASH/resp.body" error)" = "$2" ||
		    { echo "expected error $2"; return 1; }
		test "$(e2e_js field "$TRASH/resp.body" ok)" = false
	fi
}

# e2e_snapshot SPOOL OUT: every file of SPOOL with a hash of its content
# (.seq, the arrival counter, only by name: a refused delivery may use a
# number), and its directories but a writer's tmp/<pp>/.
e2e_snapshot() {
	(cd "$1" && { find . -type f ! -name .seq -exec sha256sum {} + |
	    awk '{ print $2 " " $1 }'
	    # a writer's tmp/<pp>/ comes with its first row: not a change
	    find . -type d ! -path "./*/tmp/*" | sed 's/$/ dir/'; } |
	    LC_ALL=C sort) >"$2"
}

# e2e_unchanged SPOOL BEFORE: nothing in SPOOL changed since BEFORE.
e2e_unchanged() {
	e2e_snapshot "$1" "$2.after" && test_cmp "$2" "$2.after"
}

# e2e_quarantined SPOOL BEFORE REASON: one quarantine row for REASON is all
# that was added (with its exactly-once record), and nothing else changed.
e2e_quarantined() {
	e2e_snapshot "$1" "$2.after" &&
	! LC_ALL=C comm -23 "$2" "$2.after" | grep . &&
	LC_ALL=C comm -13 "$2" "$2.after" >"$2.added" &&
	! grep -v -e '^\./quarantine/new/[^/ ]*\.json ' -e '^\./\.ids/' \
	    "$2.added" &&
	test "$(grep -c '^\./quarantine/new/' "$2.added")" = 1 &&
	e2e_q=$1/$(sed -n 's|^\./\(quarantine/new/[^ ]*\) .*|\1|p' "$2.added") &&
	grep -q "\"$3\"" "$e2e_q" &&
	test "$(wc -l <"$e2e_q")" = 1
}


# e2e_status_suite: one expectation for each status row of SPEC section 6,
# each checking that nothing else changed in the spool.
e2e_status_suite() {
	REQ=$TRASH/st.req
	S=$E2E_SPOOL

	test_expect_success 'tampered body: 401 invalid_signature, nothing written' '
		e2e_request && e2e_snapshot $S snap &&
		sed "s/\"data\":\"A/\"data\":\"B/; t; s/\"data\":\"./\"data\":\"A/" $REQ.body >$REQ.bad &&
		! cmp -s $REQ.body $REQ.bad && cp $REQ.bad $REQ.body &&
		e2e_post_req $REQ /webhook/kyc && e2e_expect 401 invalid_signature &&
		e2e_unchanged $S snap
	'
	test_expect_success 'missing x-signature: 401 missing_signature, nothing written' '
		e2e_request && e2e_snapshot $S snap &&
		e2e_post /webhook/kyc $REQ.body -H "Content-Type: application/json" \
		    -H "x-timestamp: $(cat $REQ.ts)" &&
		e2e_expect 401 missing_signature && e2e_unchanged $S snap
	'
	test_expect_success 'missing x-timestamp: 401 missing_timestamp, nothing written' '
		e2e_request && e2e_snapshot $S snap &&
		e2e_post /webhook/kyc $REQ.body -H "Content-Type: application/json" \
		    -H "x-signature: $(cat $REQ.sig)" &&
		e2e_expect 401 missing_timestamp && e2e_unchanged $S snap
	'
	test_expect_success 'stale timestamp: 401 stale_timestamp, one quarantine row per body' '
		e2e_request --timestamp $(($(e2e_now_ms) - 3600000)) &&
		e2e_snapshot $S snap &&
		e2e_post_req $REQ /webhook/kyc && e2e_expect 401 stale_timestamp &&
		e2e_quarantined $S snap stale_timestamp &&
		e2e_post_req $REQ /webhook/kyc && e2e_expect 401 stale_timestamp &&
		e2e_quarantined $S snap stale_timestamp
	'
	test_expect_success 'wrong encryption key: 500 decrypt_failed, quarantined' '
		"$HW_SEND" --signature-secret "$E2E_SIG" --salt "$E2E_SALT" \
		    --encryption-secret "$E2E_ENC_B" --sample kyc --print >$REQ &&
		e2e_js split $REQ && e2e_snapshot $S snap &&
		e2e_post_req $REQ /webhook/kyc && e2e_expect 500 decrypt_failed &&
		e2e_quarantined $S snap decrypt_failed
	'
	test_expect_success 'plaintext not JSON: 422 invalid_event, quarantined' '
		printf "not json" >notjson.json &&
		e2e_hs notjson.json --print >$REQ && e2e_js split $REQ &&
		e2e_snapshot $S snap &&
		e2e_post_req $REQ /webhook/kyc && e2e_expect 422 invalid_event &&
		e2e_quarantined $S snap invalid_event
	'
	test_expect_success 'signed body not an envelope: 400 malformed_body, nothing written' '
		printf "{\"iv\":\"AAAAAAAAAAAAAAAA\",\"data\":42,\"tag\":\"x\"}" >env.bad &&
		ts=$(e2e_now_ms) && e2e_snapshot $S snap &&
		e2e_post /webhook/kyc env.bad -H "Content-Type: application/json" \
		    -H "x-timestamp: $ts" \
		    -H "x-signature: $(e2e_js sign "$E2E_SIG" $ts env.bad)" &&
		e2e_expect 400 malformed_body && e2e_unchanged $S snap
	'
	test_expect_success 'GET: 405 method_not_allowed with Allow: POST' '
		e2e_snapshot $S snap &&
		curl -sS -o resp.body -D resp.hdr -w "%{http_code}" \
		    "$E2E_URL/webhook/kyc" >resp.code &&
		e2e_expect 405 method_not_allowed &&
		grep -i "^Allow: POST" resp.hdr && e2e_unchanged $S snap
	'
	test_expect_success 'Content-Type text/plain: 415 unsupported_media_type, nothing written' '
		e2e_request && e2e_snapshot $S snap &&
		e2e_post /webhook/kyc $REQ.body -H "Content-Type: text/plain" \
		    -H "x-timestamp: $(cat $REQ.ts)" -H "x-signature: $(cat $REQ.sig)" &&
		e2e_expect 415 unsupported_media_type && e2e_unchanged $S snap
	'
	test_expect_success 'body over max_body (1 MiB + 1): 413, nothing written' '
		head -c 1048577 /dev/zero | tr "\0" x >big.body &&
		ts=$(e2e_now_ms) && e2e_snapshot $S snap &&
		e2e_post /webhook/kyc big.body -H "Content-Type: application/json" \
		    -H "x-timestamp: $ts" \
		    -H "x-signature: $(e2e_js sign "$E2E_SIG" $ts big.body)" &&
		e2e_expect 413 ${E2E_413_ERROR-payload_too_large} &&
		e2e_unchanged $S snap
	'
	test_expect_success 'chunked body over max_body (no Content-Length): 413, nothing written' '
		ts=$(e2e_now_ms) && e2e_snapshot $S snap &&
		e2e_post /webhook/kyc big.body -H "Content-Type: application/json" \
		    -H "Transfer-Encoding: chunked" -H "x-timestamp: $ts" \
		    -H "x-signature: $(e2e_js sign "$E2E_SIG" $ts big.body)" &&
		e2e_expect 413 ${E2E_413_ERROR-payload_too_large} &&
		e2e_unchanged $S snap
	'
	test_expect_success 'body of exactly max_body (1 MiB) gets past the web server' '
		head -c 1048576 /dev/zero | tr "\0" x >max.body &&
		ts=$(e2e_now_ms) && e2e_snapshot $S snap &&
		e2e_post /webhook/kyc max.body -H "Content-Type: application/json" \
		    -H "x-timestamp: $ts" \
		    -H "x-signature: $(e2e_js sign "$E2E_SIG" $ts max.body)" &&
		e2e_expect 400 malformed_body && e2e_unchanged $S snap
	'
	test_expect_success 'spool unwritable: 503 spool_unavailable, nothing left; the retry lands' '
		e2e_event kyc unw.json && e2e_snapshot $S snap &&
		find $S/kyc/tmp -type d -exec chmod 0555 {} + &&
		{ e2e_deliver unw.json /webhook/kyc; st=$?;
		  find $S/kyc/tmp -type d -exec chmod 0755 {} + &&
		  test $st = 0; } &&
		test "$E2E_STATUS" = 503 && grep -q "\"spool_unavailable\"" unw.json.out &&
		e2e_unchanged $S snap &&
		e2e_deliver unw.json /webhook/kyc && test "$E2E_STATUS" = 200 &&
		e2e_check_row $S unw.json kyc process.kyc.completed /webhook/kyc default
	'
	test_expect_success 'the same event re-sent (new IV, new timestamp): 200 duplicate, no second row' '
		e2e_event consent dup.json &&
		e2e_deliver dup.json /webhook/consents && test "$E2E_STATUS" = 200 &&
		first=$E2E_ID && e2e_snapshot $S snap &&
		e2e_deliver dup.json /webhook/consents && test "$E2E_STATUS" = 200 &&
		grep -q "\"duplicate\":true" dup.json.out && test "$E2E_ID" = "$first" &&
		e2e_unchanged $S snap
	'
	test_expect_success 'misrouted (kyc sample to /webhook/forms): spooled under kyc, mismatch logged' '
		e2e_event kyc mis.json &&
		e2e_deliver mis.json /webhook/forms && test "$E2E_STATUS" = 200 &&
		e2e_check_row $S mis.json kyc process.kyc.completed /webhook/forms default &&
		wait_for grep -q "id=$E2E_ID .*misrouted=forms" "$E2E_LOG"
	'
	test_expect_success 'a location with HUMANOS_PROFILE b takes profile b secrets and spool' '
		e2e_sample_ok form-filled /b/webhook/forms forms process.form.filled b &&
		e2e_event kyc pb.json b && e2e_snapshot $S snap &&
		e2e_deliver pb.json /webhook/kyc b && test "$E2E_STATUS" = 401 &&
		e2e_unchanged $S snap
	'
}

# e2e_wait_port PORT [LOG...]: until something answers HTTP on
# 127.0.0.1:PORT; if nothing does, show the LOGs.
e2e_wait_port() {
	e2e_port=$1
	shift
	wait_for curl -s -o /dev/null "http://127.0.0.1:$e2e_port/" ||
	    { tail -n 30 "$@"; return 1; }
}

# e2e_wait_sock PATH: until the unix socket exists.
e2e_wait_sock() { wait_for test -S "$1"; }

# The servers are started outside test_expect_success (whose subshell
# would lose their PIDs and settings); an expectation then waits for them
# with e2e_wait_port or e2e_wait_sock.

# e2e_nginx_start PORT: nginx running deploy/nginx/site.conf, which
# includes deploy/nginx/humanos-webhook.conf, plus a copy of that snippet
# under /b/ with HUMANOS_PROFILE b uncommented, passing to $E2E_SOCK (the
# copy without the snippet's server-level body limits: one per server).
e2e_nginx_start() {
	E2E_PORT=$1
	e2e_n=$TRASH/nginx
	mkdir -p "$e2e_n/logs" "$e2e_n/tmp"
	chown "$E2E_WEB_USER" "$e2e_n/tmp"
	cp /etc/nginx/fastcgi_params "$e2e_n/" || return 1
	e2e_template "$E2E_DEPLOY/nginx/humanos-webhook.conf" \
	    >"$e2e_n/humanos-webhook.conf"
	sed -e 's|^location = /webhook|location = /b/webhook|' \
	    -e 's|#fastcgi_param HUMANOS_PROFILE default;|fastcgi_param HUMANOS_PROFILE b;|' \
	    -e '/^location @humanos_webhook_413/,/^}/d' \
	    -e '/^client_\(max_body\|body_buffer\)_size /d' \
	    "$e2e_n/humanos-webhook.conf" >"$e2e_n/humanos-webhook-b.conf"
	grep -q 'HUMANOS_PROFILE b;' "$e2e_n/humanos-webhook-b.conf" || return 1
	e2e_template "$E2E_DEPLOY/nginx/site.conf" |
	sed -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$E2E_PORT;|" \
	    -e '/listen \[::\]:80;/d' \
	    -e "s|include /etc/nginx/snippets/humanos-webhook.conf;|include $e2e_n/humanos-webhook.conf;\n    include $e2e_n/humanos-webhook-b.conf;|" \
	    >"$e2e_n/site.conf"
	grep -q "include $e2e_n/humanos-webhook.conf;" "$e2e_n/site.conf" ||
	    return 1
	cat >"$e2e_n/nginx.conf" <<-EOF
	user $E2E_WEB_USER $E2E_WEB_GROUP;
	worker_processes 2;
	pid $e2e_n/nginx.pid;
	error_log $e2e_n/logs/error.log info;
	events { worker_connections 512; }
	http {
	    access_log $e2e_n/logs/access.log;
	    client_body_temp_path $e2e_n/tmp/body;
	    fastcgi_temp_path $e2e_n/tmp/fastcgi;
	    proxy_temp_path $e2e_n/tmp/proxy;
	    uwsgi_temp_path $e2e_n/tmp/uwsgi;
	    scgi_temp_path $e2e_n/tmp/scgi;
	    include $e2e_n/site.conf;
	}
	EOF
	setsid nginx -p "$e2e_n/" -c "$e2e_n/nginx.conf" -g 'daemon off;' \
	    2>>"$e2e_n/logs/stderr" &
	E2E_SERVER_PID=$!
	test_cleanup_pid $!
	E2E_URL=http://127.0.0.1:$E2E_PORT
}

# e2e_apache_start PORT CONF MPM MODULE...: Apache in the foreground with
# a minimal main configuration that loads MODULE... (mod_NAME.so) and
# includes CONF (a templated deploy/apache file).
e2e_apache_start() {
	E2E_PORT=$1 e2e_conf=$2 e2e_mpm=$3
	shift 3
	e2e_a=$TRASH/apache
	mkdir -p "$e2e_a/logs" "$e2e_a/run" "$e2e_a/fcgid" "$e2e_a/htdocs"
	chown "$E2E_WEB_USER" "$e2e_a/fcgid"
	{
		echo "ServerRoot $e2e_a"
		echo "LoadModule mpm_${e2e_mpm}_module $E2E_APACHE_MODULES/mod_mpm_$e2e_mpm.so"
		for e2e_m in authz_core env alias "$@"; do
			echo "LoadModule ${e2e_m}_module $E2E_APACHE_MODULES/mod_$e2e_m.so"
		done
		cat <<-EOF
		Listen 127.0.0.1:$E2E_PORT
		ServerName 127.0.0.1
		User $E2E_WEB_USER
		Group $E2E_WEB_GROUP
		PidFile $e2e_a/run/httpd.pid
		DefaultRuntimeDir $e2e_a/run
		Mutex file:$e2e_a/run default
		ErrorLog $e2e_a/logs/error.log
		LogLevel info
		LogFormat "%h %t \"%r\" %>s %b" common
		CustomLog $e2e_a/logs/access.log common
		DocumentRoot $e2e_a/htdocs
		<Directory />
		    AllowOverride None
		    Require all denied
		</Directory>
		<IfModule fcgid_module>
		    FcgidIPCDir $e2e_a/fcgid
		    FcgidProcessTableFile $e2e_a/run/fcgid_shm
		</IfModule>
		<IfModule cgid_module>
		    ScriptSock $e2e_a/run/cgisock
		</IfModule>
		Include $e2e_conf
		EOF
	} >"$e2e_a/httpd.conf"
	# Its own session: prefork signals its whole process group as it stops.
	setsid apache2 -f "$e2e_a/httpd.conf" -DFOREGROUND \
	    2>>"$e2e_a/logs/stderr" &
	E2E_SERVER_PID=$!
	test_cleanup_pid $!
	E2E_URL=http://127.0.0.1:$E2E_PORT
}

# e2e_apache_conf FILE: deploy/apache/FILE templated, plus the same
# locations under /b/ and /small/ with HUMANOS_PROFILE b and small
# uncommented.
e2e_apache_conf() {
	e2e_template "$E2E_DEPLOY/apache/$1" &&
	for e2e_prof in b small; do
		e2e_template "$E2E_DEPLOY/apache/$1" |
		sed -e "s|\"/webhook|\"/$e2e_prof/webhook|g" \
		    -e "s|#SetEnv HUMANOS_PROFILE default|SetEnv HUMANOS_PROFILE $e2e_prof|"
	done
}

# e2e_children PID: the PIDs of PID's children.
e2e_children() { ps -o pid= --ppid "$1" | tr -d ' '; }

# e2e_has_children PID N: PID has N children (for wait_for).
e2e_has_children() { test "$(e2e_children "$1" | wc -l)" = "$2"; }

# e2e_responders PID: the humanos-webhook processes below PID.
e2e_responders() {
	for e2e_c in $(e2e_children "$1"); do
		if [ "$(cat /proc/$e2e_c/comm 2>/dev/null)" = humanos-webhook ]; then
			echo "$e2e_c"
		fi
		e2e_responders "$e2e_c"
	done
}
