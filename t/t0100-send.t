#!/bin/sh
# SPDX-License-Identifier: ISC
# t0100-send: humanos-send builds deliveries a Node receiver written the
# provider's way (t/helper/verify-delivery.js) accepts, with fresh events,
# and its options and errors behave as SPEC section 9 says.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

command -v node >/dev/null 2>&1 || skip_all "node is not installed"
[ -x "$HW_SEND" ] || skip_all "humanos-send is not built"

SIG='whsec_t0100 signature secret'
ENC='q83vEjRWeJ0zj9bTgVXN/UK+3pfQ1RYvnnJq8UtTx0E='
SALT='t0100-salt'

. "$top_srcdir/t/send-lib.sh"
# expect_exit CODE CMD...: CMD exits with CODE (stdout in ./out, stderr in
# ./err, shown when it does not).
expect_exit() {
	test_expect_code "$@" >out 2>err || { cat err; return 1; }
}
# recent FILE PATH: the ISO date at PATH is within a minute of now.
recent() {
	node -e '
		let v = JSON.parse(require("fs").readFileSync(process.argv[1]));
		for (const k of process.argv[2].split(".")) v = v[k];
		if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v) ||
		    Math.abs(Date.parse(v) - Date.now()) > 60000)
			process.exit(1);
	' "$1" "$2" || die "$2 of $1 is not now"
}
oid() { jfield "$1" "$2" | grep -Eqx '[0-9a-f]{24}' || die "$2: not an ObjectId"; }

test_expect_success '--list-samples names the nine samples' '
	"$HW_SEND" --list-samples >names &&
	printf "%s\n" kyc signature-user signature-professional consent \
	    form-filled form-rejected credential identity otp-failed >want &&
	test_cmp want names
'

# check_sample NAME KEY VALUE: the sample verifies, decrypts, and has KEY.
check_sample() {
	send --sample "$1" >"req.$1" || return 1
	verify --iv-length 12 <"req.$1" >"ev.$1" || return 1
	[ "$(jfield "ev.$1" "$2")" = "$3" ] || die "$1: $2 is not $3" || return 1
	# Compact JSON, as JSON.stringify writes it.
	node -e '
		const s = require("fs").readFileSync(process.argv[1], "utf8");
		if (JSON.stringify(JSON.parse(s)) !== s) process.exit(1);
	' "ev.$1" || die "$1: not compact JSON"
}

test_expect_success 'kyc: verifies and decrypts, fresh ids and times' '
	check_sample kyc event process.kyc.completed &&
	oid ev.kyc processId && oid ev.kyc metadata.kycId &&
	[ "$(jfield ev.kyc processId)" != 689a037727b93cfe15f82230 ] &&
	recent ev.kyc completedAt && recent ev.kyc metadata.verificationDate &&
	ts=$(jfield ev.kyc timestamp) &&
	[ $(( $(date +%s) - ts / 1000 )) -lt 60 ] &&
	[ "$(jfield ev.kyc metadata.identityData.fullName)" = \
	    "Rodrigo Carvalheda Duarte da Fonseca Sarroeira" ] &&
	[ "$(jfield ev.kyc metadata.identityData.mrzText)" = null ]
'

test_expect_success 'signature-user: eventType, userId, fresh items' '
	check_sample signature-user eventType process.signature.completed &&
	[ "$(jfield ev.signature-user userId)" = 684ade7148a18e172af7cab1 ] &&
	! jfield ev.signature-user professionalId >/dev/null &&
	oid ev.signature-user processId &&
	oid ev.signature-user metadata.items.0.itemId &&
	oid ev.signature-user metadata.items.2.itemId &&
	[ "$(jfield ev.signature-user metadata.items.1.rejected)" = true ] &&
	recent ev.signature-user completedAt &&
	recent ev.signature-user metadata.items.0.decisionDate
'

test_expect_success 'signature-professional: eventType, professionalId' '
	check_sample signature-professional eventType \
	    process.signature.completed &&
	[ "$(jfield ev.signature-professional professionalId)" = \
	    680a6d31a601995047471150 ] &&
	! jfield ev.signature-professional userId >/dev/null &&
	[ "$(jfield ev.signature-professional professionalInternalId)" = CA435 ] &&
	recent ev.signature-professional completedAt
'

test_expect_success 'consent: eventType process.consent.completed' '
	check_sample consent eventType process.consent.completed &&
	[ "$(jfield ev.consent metadata.items.1.consentName)" = \
	    "Marketing Communications" ] &&
	jfield ev.consent metadata.items.0.link >link &&
	echo https://example.com/privacy-policy >want && test_cmp want link &&
	oid ev.consent metadata.items.2.itemId && recent ev.consent completedAt
'

test_expect_success 'form-filled: event process.form.filled' '
	check_sample form-filled event process.form.filled &&
	[ "$(jfield ev.form-filled metadata.items.0.submittedFields.6.answer.text)" \
	    = +351912345678 ] &&
	recent ev.form-filled completedAt
'

test_expect_success 'form-rejected: event process.form.rejected' '
	check_sample form-rejected event process.form.rejected &&
	recent ev.form-rejected rejectedAt &&
	! jfield ev.form-rejected completedAt >/dev/null &&
	oid ev.form-rejected metadata.items.0.itemId
'

# The versioned samples (SPEC section 3): eventType, never event; their
# complete field lists are checked in t0105-send-versioned.t.
test_expect_success 'credential: the versioned format, webhook 2026-05-17' '
	check_sample credential eventType credential &&
	! jfield ev.credential event >/dev/null &&
	[ "$(jfield ev.credential api_version)" = 2026-05-17 ] &&
	oid ev.credential requestId &&
	jfield ev.credential issuerDid | grep -q "^did:" &&
	jfield ev.credential user.id | grep -q "^did:" &&
	jfield ev.credential user.contact >/dev/null &&
	! jfield ev.credential user.did >/dev/null &&
	! jfield ev.credential decisionDate >/dev/null &&
	jfield ev.credential credential.id | grep -Eqx \
	    "urn:via:credential:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}" &&
	[ "$(jfield ev.credential credential.resourceType)" = DOCUMENT ] &&
	jfield ev.credential credential.w3cCredential.proofs.0.type >/dev/null &&
	[ "$(jfield ev.credential credential.decisions.0.accepted)" = true ] &&
	recent ev.credential credential.decisions.0.decidedAt &&
	jfield ev.credential decision.action | grep -Eqx "accept|reject" &&
	recent ev.credential decision.date &&
	! jfield ev.credential processId >/dev/null
'

test_expect_success 'identity: the versioned format, decision and identity' '
	check_sample identity eventType identity &&
	! jfield ev.identity event >/dev/null &&
	[ "$(jfield ev.identity api_version)" = 2026-05-17 ] &&
	oid ev.identity requestId &&
	jfield ev.identity user.id >/dev/null &&
	[ "$(jfield ev.identity decision.success)" = true ] &&
	[ "$(jfield ev.identity decision.isFraud)" = false ] &&
	jfield ev.identity decision.riskScore | grep -Eqx "[0-9]+" &&
	recent ev.identity decision.date &&
	[ "$(jfield ev.identity identity.countryAlpha3)" = PRT ]
'

test_expect_success 'otp-failed: eventType otp.failed, otp.error, resendEndpoint' '
	check_sample otp-failed eventType otp.failed &&
	! jfield ev.otp-failed event >/dev/null &&
	[ "$(jfield ev.otp-failed api_version)" = 2026-05-17 ] &&
	jfield ev.otp-failed otp.error.code | grep -Eqx "[A-Z_]+" &&
	jfield ev.otp-failed otp.error.message >/dev/null &&
	[ "$(jfield ev.otp-failed otp.resendEndpoint)" = \
	    "/request/resend/$(jfield ev.otp-failed requestId)" ] &&
	! jfield ev.otp-failed channel >/dev/null
'

test_expect_success 'two calls make two different events and IVs' '
	for n in 1 2; do
		send --sample consent >r$n && verify <r$n >p$n || exit 1
	done &&
	! cmp -s p1 p2 &&
	[ "$(jfield p1 processId)" != "$(jfield p2 processId)" ] &&
	[ "$(jfield p1 metadata.items.0.itemId)" != \
	    "$(jfield p2 metadata.items.0.itemId)" ] &&
	tail -n 1 r1 >b1 && tail -n 1 r2 >b2 &&
	[ "$(jfield b1 iv)" != "$(jfield b2 iv)" ] &&
	for s in credential otp-failed; do
		send --sample $s >a && send --sample $s >b &&
		verify <a >pa && verify <b >pb &&
		[ "$(jfield pa requestId)" != "$(jfield pb requestId)" ] || exit 1
	done
'

test_expect_success 'the IV has 12 bytes unless --iv-length says' '
	send --sample kyc >r && verify --iv-length 12 <r >/dev/null &&
	send --sample kyc --iv-length 16 >r && verify --iv-length 16 <r >p &&
	jfield p event >/dev/null &&
	send --sample kyc --iv-length 1 >r && verify --iv-length 1 <r >/dev/null &&
	send --sample kyc --iv-length 128 >r &&
	verify --iv-length 128 <r >/dev/null &&
	! verify --iv-length 12 <r >/dev/null 2>&1
'

test_expect_success '--iv-length outside 1..128 is a usage error' '
	for n in 0 129 -1 abc 12x ""; do
		expect_exit 64 send --sample kyc --iv-length "$n" &&
		grep -q "iv-length" err || exit 1
	done
'

test_expect_success '--timestamp is sent and signed verbatim' '
	send --sample kyc --timestamp 1700000000123 >r &&
	tr -d "\r" <r | grep -qx "x-timestamp: 1700000000123" &&
	verify --timestamp 1700000000123 <r >/dev/null &&
	sed "s/^x-timestamp: [0-9]*/x-timestamp: 1700000000124/" r >r2 &&
	! cmp -s r r2 &&
	! verify <r2 >/dev/null 2>&1 &&
	send --sample kyc --timestamp 1700000000 >r &&
	verify --timestamp 1700000000 <r >/dev/null &&
	send --sample kyc --timestamp 0001 >r &&
	tr -d "\r" <r | grep -qx "x-timestamp: 0001" &&
	verify <r >/dev/null
'

test_expect_success '--timestamp must be digits' '
	for t in "" -1 12a 1.5 " 12" 12345678901234567890; do
		expect_exit 64 send --sample kyc --timestamp "$t" || exit 1
	done
'

test_expect_success 'without --timestamp, x-timestamp is now in ms' '
	before=$(node -e "console.log(Date.now())") &&
	send --sample kyc >r &&
	after=$(node -e "console.log(Date.now())") &&
	ts=$(sed -n "s/^x-timestamp: //p" r) &&
	[ "$ts" -ge "$before" ] && [ "$ts" -le "$after" ]
'

test_expect_success 'the request is the one SPEC section 2 describes' '
	send --sample form-rejected >r &&
	sed -n 1p r >line && printf "POST /webhook HTTP/1.1\r\n" >want &&
	test_cmp want line &&
	grep -qx "Host: localhost." r &&
	grep -qx "Content-Type: application/json." r &&
	grep -Eqx "x-signature: [0-9a-f]{64}." r &&
	tail -n 1 r >body && [ "$(tail -c 1 body)" = "}" ] &&
	node -e "
		const b = require(\"fs\").readFileSync(\"body\", \"utf8\").trimEnd();
		const o = JSON.parse(b);
		if (Object.keys(o).join() !== \"iv,data,tag\" ||
		    Buffer.from(o.tag, \"base64\").length !== 16) process.exit(1);
	"
'

test_expect_success 'EVENT.json is sent byte for byte' '
	printf "{ \"event\" :\t\"process.form.filled\",\n  \"n\": 1.50, \"s\": \"a\\\\/b Zo\303\253 \360\237\216\211\" }\n" \
	    >event.json &&
	send event.json >r && verify <r >got && cmp event.json got
'

test_expect_success 'invalid JSON and an empty file are sent as they are' '
	printf "not json at all" >bad.json &&
	send bad.json >r && verify <r >got && cmp bad.json got &&
	: >empty.json && send empty.json >r && verify <r >got &&
	cmp empty.json got && [ "$(sed -n "s/^Content-Length: //p" r)" -gt 0 ]
'

test_expect_success '"-" reads the event from stdin' '
	printf "{\"event\":\"stdin\"}" >in.json &&
	send - <in.json >r && verify <r >got && cmp in.json got
'

test_expect_success 'a missing EVENT.json is EX_NOINPUT' '
	expect_exit 66 send no-such-file.json &&
	grep -q "no-such-file.json" err
'

test_expect_success 'a 1 MiB event goes through' '
	node -e "process.stdout.write(JSON.stringify({event:\"big\",
	    pad:\"x\".repeat(1 << 20)}))" >big.json &&
	send big.json >r && verify <r >got && cmp big.json got
'

cat >cfg <<EOF
# t0100
spool_dir = $TRASH/spool
signature_secret = top-sig
signature_secret = top-sig-old
encryption_secret = $ENC
encryption_salt = top-salt

[profile forms]
signature_secret = forms-sig
encryption_secret = 3q2+78r+ur7K/u/e3q2+78r+ur7K/u/e3q2+78r+ur4=
encryption_salt = forms-salt
EOF
chmod 600 cfg

test_expect_success '-c CONFIG uses the top level, first secret' '
	"$HW_SEND" -c cfg --sample kyc >r &&
	node "$VERIFY" --signature-secret top-sig --encryption-secret "$ENC" \
	    --salt top-salt <r >p && [ "$(jfield p event)" = process.kyc.completed ]
'

test_expect_success '-c CONFIG --profile NAME uses that profile' '
	"$HW_SEND" -c cfg --profile forms --sample form-filled >r &&
	node "$VERIFY" --signature-secret forms-sig \
	    --encryption-secret 3q2+78r+ur7K/u/e3q2+78r+ur7K/u/e3q2+78r+ur4= \
	    --salt forms-salt <r >p &&
	! node "$VERIFY" --signature-secret top-sig --encryption-secret "$ENC" \
	    --salt top-salt <r >/dev/null 2>&1
'

test_expect_success 'no secrets given: $HUMANOS_WEBHOOK_CONFIG' '
	HUMANOS_WEBHOOK_CONFIG=$TRASH/cfg "$HW_SEND" --sample kyc >r &&
	node "$VERIFY" --signature-secret top-sig --encryption-secret "$ENC" \
	    --salt top-salt <r >/dev/null &&
	HUMANOS_WEBHOOK_CONFIG=$TRASH/cfg "$HW_SEND" --profile forms \
	    --sample kyc >r &&
	node "$VERIFY" --signature-secret forms-sig \
	    --encryption-secret 3q2+78r+ur7K/u/e3q2+78r+ur7K/u/e3q2+78r+ur4= \
	    --salt forms-salt <r >/dev/null
'

test_expect_success 'config errors are EX_CONFIG with a message' '
	expect_exit 78 "$HW_SEND" -c cfg --profile nope --sample kyc &&
	grep -q "nope" err &&
	expect_exit 78 "$HW_SEND" -c no-such.conf --sample kyc &&
	grep -q "no-such.conf" err &&
	echo "bogus_key = 1" >bad.conf &&
	expect_exit 78 "$HW_SEND" -c bad.conf --sample kyc &&
	grep -q "bad.conf:1: unknown key" err && ! grep -q bogus_key err &&
	expect_exit 78 env HUMANOS_WEBHOOK_CONFIG="$TRASH/none.conf" \
	    "$HW_SEND" --sample kyc &&
	grep -q "none.conf" err && grep -q -- "--signature-secret" err
'

test_expect_success 'an unknown sample is a usage error' '
	expect_exit 64 send --sample kyc-old && grep -q "kyc-old" err &&
	[ ! -s out ]
'

test_expect_success 'a bad base64 encryption secret is refused' '
	for b in "not base64!" "c2VjcmV0=" "c2Vj-cmV0" "===="; do
		expect_exit 64 "$HW_SEND" --signature-secret s \
		    --encryption-secret "$b" --salt x --sample kyc &&
		grep -q "base64" err && [ ! -s out ] || exit 1
	done
'

test_expect_success 'missing or mixed secrets are usage errors' '
	expect_exit 64 "$HW_SEND" --signature-secret s --sample kyc &&
	grep -q -- "--encryption-secret" err &&
	expect_exit 64 "$HW_SEND" --signature-secret s --encryption-secret \
	    c2VjcmV0 --sample kyc &&
	expect_exit 64 "$HW_SEND" --signature-secret "" --encryption-secret \
	    c2VjcmV0 --salt x --sample kyc &&
	expect_exit 64 send -c cfg --sample kyc && grep -q "not both" err
'

test_expect_success 'exactly one event, at most one output' '
	expect_exit 64 send && expect_exit 64 send --sample kyc event.json &&
	expect_exit 64 send event.json event.json &&
	expect_exit 64 send --sample kyc --print --url http://127.0.0.1:1/ &&
	expect_exit 64 send --sample kyc --bogus
'

test_expect_success '--print is the default and shows no secret' '
	send --sample kyc >a && send --sample kyc --print >b &&
	[ "$(wc -l <a)" = "$(wc -l <b)" ] &&
	! grep -q "$SALT" a && ! grep -q "t0100 signature" a &&
	! grep -q "$ENC" a
'

test_expect_success '--version and --help' '
	"$HW_SEND" --version >v && grep -Eq "^humanos-send [0-9]" v &&
	"$HW_SEND" --help >h && grep -q -- "--iv-length" h &&
	grep -q -- "--sample" h
'

# A receiver on 127.0.0.1: /ok answers 200, /busy 503; each request is kept
# in got.N as humanos-send --print would write it.
cat >server.js <<'EOF'
const http = require("http");
const fs = require("fs");
let n = 0;
const srv = http.createServer((req, res) => {
	const chunks = [];
	req.on("data", (c) => chunks.push(c));
	req.on("end", () => {
		const body = Buffer.concat(chunks);
		n++;
		fs.writeFileSync(`got.${n}`, Buffer.concat([Buffer.from(
		    `POST /webhook HTTP/1.1\r\n` +
		    `Host: ${req.headers["host"]}\r\n` +
		    `Content-Type: ${req.headers["content-type"]}\r\n` +
		    `x-timestamp: ${req.headers["x-timestamp"]}\r\n` +
		    `x-signature: ${req.headers["x-signature"]}\r\n` +
		    `Content-Length: ${body.length}\r\n\r\n`), body]));
		fs.writeFileSync(`meta.${n}`, JSON.stringify({ method: req.method,
		    url: req.url, expect: req.headers.expect || null }));
		const ok = req.url === "/ok";
		res.writeHead(ok ? 200 : 503,
		    { "Content-Type": "application/json" });
		res.end(ok ? '{"ok":true,"id":"abc","duplicate":false}' :
		    '{"ok":false,"error":"spool_unavailable"}');
	});
});
srv.listen(0, "127.0.0.1", () => {
	fs.writeFileSync("port.tmp", String(srv.address().port));
	fs.renameSync("port.tmp", "port");	/* whole, or not yet */
});
EOF

if "$HW_SEND" --signature-secret s --encryption-secret c2VjcmV0 --salt x \
    --sample kyc --url http://127.0.0.1:9/ 2>url.err >/dev/null ||
    ! grep -q "without libcurl" url.err; then
	node server.js &
	test_cleanup_pid $!
	wait_for test -s port
	PORT=$(cat port)

	test_expect_success '--url: 200 is printed, exit 0' '
		send --sample consent --url "http://127.0.0.1:$PORT/ok" >out &&
		printf "%s\n" "HTTP 200" \
		    "{\"ok\":true,\"id\":\"abc\",\"duplicate\":false}" >want &&
		test_cmp want out
	'

	test_expect_success '--url: the receiver got a valid delivery' '
		n=$(ls got.* 2>/dev/null | wc -l) &&
		send --sample form-filled --timestamp 1764133376000 \
		    --url "http://127.0.0.1:$PORT/ok" >out &&
		m=$((n + 1)) && test -s got.$m &&
		verify --timestamp 1764133376000 <got.$m >p &&
		[ "$(jfield p event)" = process.form.filled ] &&
		[ "$(jfield meta.$m method)" = POST ] &&
		[ "$(jfield meta.$m expect)" = null ]
	'

	test_expect_success '--url: 503 is printed, exit 1' '
		expect_exit 1 send --sample kyc --url "http://127.0.0.1:$PORT/busy" &&
		head -n 1 out >line && echo "HTTP 503" >want && test_cmp want line &&
		grep -q spool_unavailable out
	'

	test_expect_success '--url: nobody listening is EX_TEMPFAIL' '
		port=$(free_port) &&
		expect_exit 75 send --sample kyc --url "http://127.0.0.1:$port/" &&
		grep -q "127.0.0.1" err
	'

	test_expect_success '--url: only http and https' '
		expect_exit 64 send --sample kyc --url "file:///etc/passwd" &&
		[ ! -s out ]
	'

	if command -v curl >/dev/null 2>&1; then
		test_expect_success '--curl writes a command curl can run' '
			send --sample kyc --curl "http://127.0.0.1:$PORT/ok" >cmd &&
			grep -q "^curl " cmd && sh cmd >out &&
			grep -q "\"ok\":true" out
		'
	else
		test_skip '--curl writes a command curl can run' 'no curl'
	fi
else
	test_expect_success '--url without libcurl says so' '
		grep -q "built without libcurl" url.err
	'
fi

test_done
