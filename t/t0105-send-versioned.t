#!/bin/sh
# SPDX-License-Identifier: ISC
# t0105-send-versioned: humanos-send's credential, identity and otp-failed
# samples are exactly the provider's versioned shapes (SPEC sections 3 and
# 9), in webhook version 2026-05-17 by default and 2026-04-14 on request,
# as an independent Node check (t/helper/check-samples.js, field lists written
# from the SPEC) sees them after decrypting them the provider's way
# (t/helper/verify-delivery.js); the responder spools them under their resource,
# and humanos-spool cat fills its columns from both formats (SPEC section 8).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

command -v node >/dev/null 2>&1 || skip_all "node is not installed"
[ -x "$HW_SEND" ] && [ -x "$HW_WEBHOOK" ] && [ -x "$HW_SPOOL" ] ||
	skip_all "humanos-send, humanos-webhook and humanos-spool are not built"

SIG='whsec_t0105 signature secret'
ENC='q83vEjRWeJ0zj9bTgVXN/UK+3pfQ1RYvnnJq8UtTx0E='
SALT='t0105-salt'
CHECK="$top_srcdir/t/helper/check-samples.js"
S="$TRASH/spool"
VERSIONED="credential identity otp-failed"

. "$top_srcdir/t/send-lib.sh"
# event NAME [OPTION...] >event.json: a sample, checked and decrypted.
event() {
	send --sample "$@" --print >req && verify <req
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
# expect_exit CODE CMD...: CMD exits with CODE (stdout in ./out, stderr in
# ./err, shown when it does not).
expect_exit() {
	test_expect_code "$@" >out 2>err || { cat err; return 1; }
}

test_expect_success 'credential --print: eventType and the published fields' '
	send --sample credential --print >req &&
	grep -q "^x-signature: " req &&
	verify <req >ev &&
	[ "$(jfield ev eventType)" = credential ] &&
	! jfield ev event >/dev/null &&
	node "$CHECK" credential 2026-05-17 <ev
'

test_expect_success 'by default every versioned sample is webhook 2026-05-17' '
	for n in $VERSIONED; do
		event $n >ev.$n &&
		node "$CHECK" $n 2026-05-17 <ev.$n &&
		! node "$CHECK" $n 2026-04-14 <ev.$n 2>/dev/null &&
		[ "$(jfield ev.$n api_version)" = 2026-05-17 ] || exit 1
	done
'

test_expect_success '--api-version 2026-05-17 is the same shape' '
	for n in $VERSIONED; do
		event $n --api-version 2026-05-17 >ev &&
		node "$CHECK" $n 2026-05-17 <ev &&
		node -e "
			const f = require(\"fs\"), keys = (o) => JSON.stringify(o,
			    (k, v) => v && typeof v === \"object\" &&
			    !Array.isArray(v) ? Object.keys(v).sort().reduce(
			    (a, x) => (a[x] = v[x], a), {}) : typeof v);
			const [a, b] = process.argv.slice(1).map((p) =>
			    JSON.parse(f.readFileSync(p)));
			process.exit(keys(a) === keys(b) ? 0 : 1);
		" ev ev.$n || die "$n: --api-version 2026-05-17 differs" || exit 1
	done
'

test_expect_success '--api-version 2026-04-14: the older shape, every sample' '
	for n in $VERSIONED; do
		event $n --api-version 2026-04-14 >old.$n &&
		node "$CHECK" $n 2026-04-14 <old.$n &&
		! node "$CHECK" $n 2026-05-17 <old.$n 2>/dev/null &&
		jfield old.$n user.did >/dev/null &&
		! jfield old.$n user.id >/dev/null &&
		recent old.$n decisionDate || exit 1
	done &&
	jfield old.credential action | grep -Eqx "accept|reject" &&
	! jfield old.credential decision >/dev/null &&
	jfield old.credential credential.proofs.0 >/dev/null &&
	jfield old.credential credential.data.0 >/dev/null
'

test_expect_success 'fresh ids and times on every call, in both versions' '
	for v in 2026-05-17 2026-04-14; do
		for n in $VERSIONED; do
			event $n --api-version $v >a && event $n --api-version $v >b &&
			! cmp -s a b &&
			jfield a requestId | grep -Eqx "[0-9a-f]{24}" &&
			[ "$(jfield a requestId)" != "$(jfield b requestId)" ] ||
			    die "$n $v: the same requestId twice" || exit 1
		done
	done &&
	event credential >a && event credential >b &&
	[ "$(jfield a credential.id)" != "$(jfield b credential.id)" ] &&
	[ "$(jfield a credential.decisions.0.id)" != \
	    "$(jfield b credential.decisions.0.id)" ] &&
	recent a decision.date && recent a credential.decisions.0.decidedAt &&
	event identity >a && recent a decision.date &&
	event credential --api-version 2026-04-14 >a &&
	event credential --api-version 2026-04-14 >b &&
	[ "$(jfield a credential.id)" != "$(jfield b credential.id)" ]
'

test_expect_success '--api-version: another value is a usage error' '
	for v in 2025-10-01 2026-05-18 2026-5-17 latest ""; do
		expect_exit 64 send --sample credential --api-version "$v" &&
		grep -q "2026-05-17" err && grep -q "2026-04-14" err &&
		! test -s out || exit 1
	done
'

test_expect_success '--api-version is refused for the process.* samples and EVENT.json' '
	for n in kyc signature-user signature-professional consent \
	    form-filled form-rejected; do
		expect_exit 64 send --sample $n --api-version 2026-05-17 &&
		grep -q "versioned" err && ! test -s out || exit 1
	done &&
	echo "{\"eventType\":\"credential\"}" >e.json &&
	expect_exit 64 send e.json --api-version 2026-04-14 &&
	"$HW_SEND" --help >h && grep -q -- "--api-version" h
'

# deliver <request: the request through the responder as a CGI program
# (HUMANOS_RESOURCE any); prints the status code.
deliver() {
	cat >req.txt &&
	len=$(sed -n "s/^Content-Length: \([0-9]*\).*/\1/p" req.txt | tr -d "\r") &&
	ts=$(sed -n "s/^x-timestamp: //p" req.txt | tr -d "\r") &&
	sig=$(sed -n "s/^x-signature: //p" req.txt | tr -d "\r") &&
	sed "1,/^\r\{0,1\}\$/d" req.txt | head -c "$len" >body &&
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$len" \
	    HTTP_X_TIMESTAMP="$ts" HTTP_X_SIGNATURE="$sig" \
	    REQUEST_URI=/webhook "$HW_WEBHOOK" -c hw.conf <body \
	    2>>webhook.log >resp &&
	sed -n "s/^Status: \([0-9]*\).*/\1/p" resp | tr -d "\r"
}

test_expect_success 'setup: a spool with process.* rows, by the responder' '
	mkdir "$S" &&
	printf "%s\n" "spool_dir = $S" "signature_secret = $SIG" \
	    "encryption_secret = $ENC" "encryption_salt = $SALT" \
	    "sync = none" >hw.conf &&
	chmod 600 hw.conf &&
	for n in kyc form-rejected signature-professional; do
		send --sample $n | deliver >st && [ "$(cat st)" = 200 ] || exit 1
	done
'

test_expect_success 'the responder spools both versions under their resource' '
	for v in 2026-05-17 2026-04-14; do
		send --sample credential --api-version $v | deliver >st &&
		[ "$(cat st)" = 200 ] &&
		send --sample identity --api-version $v | deliver >st &&
		[ "$(cat st)" = 200 ] &&
		send --sample otp-failed --api-version $v | deliver >st &&
		[ "$(cat st)" = 200 ] || exit 1
	done &&
	[ "$(count_files "$S/credentials/new")" = 2 ] &&
	[ "$(count_files "$S/kyc/new")" = 3 ] &&
	[ "$(count_files "$S/otp/new")" = 2 ] &&
	"$HW_SPOOL" -d "$S" cat --format tsv credentials kyc otp >tsv &&
	awk -F "\t" "NR > 1 { print \$2, \$3 }" tsv | sort | uniq -c |
	    awk "{ print \$1, \$2, \$3 }" >got &&
	printf "%s\n" "2 credentials credential" "2 kyc identity" \
	    "1 kyc process.kyc.completed" "2 otp otp.failed" >want &&
	test_cmp want got
'

# columns FORMAT <rows.jsonl: what SPEC section 8 says organization_id,
# process_id, subject_id and completed_at are for each row, in FORMAT.
columns() {
	node -e '
		const sep = process.argv[1] === "csv" ? "," : "\t";
		const rules = [
			["organizationId", "issuerDid"],
			["processId", "requestId"],
			["userId", "professionalId", "user.id", "user.did"],
			["completedAt", "rejectedAt", "decisionDate",
			    "decision.date"],
		];
		const at = (o, p) => p.split(".").reduce((v, k) =>
		    v !== null && typeof v === "object" && k in v ? v[k] :
		    undefined, o);
		for (const line of require("fs").readFileSync(0, "utf8")
		    .split("\n").filter((l) => l !== "")) {
			const p = JSON.parse(line).payload;
			console.log(rules.map((r) => {
				for (const k of r) {
					const v = at(p, k);
					if (v !== undefined && v !== null)
						return v;
				}
				return "";
			}).join(sep));
		}
	' "$1"
}

test_expect_success 'cat --format tsv|csv: the columns from both formats' '
	"$HW_SPOOL" -d "$S" cat >rows.jsonl &&
	[ "$(wc -l <rows.jsonl)" = 9 ] &&
	columns tsv <rows.jsonl >want &&
	"$HW_SPOOL" -d "$S" cat --format tsv >tsv &&
	sed 1d tsv | cut -f 4-7 >got &&
	test_cmp want got &&
	# Each fallback was taken: the versioned rows have no legacy key.
	cut -f 1 got | grep -c "^did:web:humanos.tech:issuer:" >n &&
	[ "$(cat n)" = 3 ] &&
	cut -f 1 got | grep -c "^did:via:humanos:" >n && [ "$(cat n)" = 3 ] &&
	cut -f 2 got | grep -Ecx "[0-9a-f]{24}" >n && [ "$(cat n)" = 9 ] &&
	cut -f 3 got | grep -c "^did:web:humanos.tech:user:" >n &&
	[ "$(cat n)" = 3 ] &&
	cut -f 3 got | grep -c "^did:via:humanos:user-" >n &&
	[ "$(cat n)" = 3 ] &&
	# otp.failed 2026-05-17 carries no date at all: the one empty cell.
	cut -f 4 got | grep -Ecx "[0-9T:.-]{23}Z" >n && [ "$(cat n)" = 8 ] &&
	columns csv <rows.jsonl >want &&
	"$HW_SPOOL" -d "$S" cat --format csv | sed 1d | tr -d "\r" |
	    cut -d , -f 4-7 >got &&
	test_cmp want got
'

test_expect_success 'cat: each column takes the first key SPEC section 8 names' '
	r() { printf "{\"id\":\"x\",\"received_at\":\"t\",\"resource\":\"other\",\"event\":null,\"payload\":%s}\n" "$1"; } &&
	{
		r "{\"organizationId\":\"O\",\"issuerDid\":\"I\",\"processId\":\"P\",\"requestId\":\"R\",\"userId\":\"U\",\"professionalId\":\"F\",\"user\":{\"id\":\"D\",\"did\":\"E\"},\"completedAt\":\"C\",\"rejectedAt\":\"J\",\"decisionDate\":\"T\",\"decision\":{\"date\":\"Z\"}}" &&
		r "{\"issuerDid\":\"I\",\"requestId\":\"R\",\"professionalId\":\"F\",\"user\":{\"id\":\"D\",\"did\":\"E\"},\"rejectedAt\":\"J\",\"decisionDate\":\"T\",\"decision\":{\"date\":\"Z\"}}" &&
		r "{\"issuerDid\":\"I\",\"requestId\":\"R\",\"user\":{\"id\":\"D\",\"did\":\"E\"},\"decisionDate\":\"T\",\"decision\":{\"date\":\"Z\"}}" &&
		r "{\"organizationId\":null,\"issuerDid\":\"I\",\"processId\":null,\"requestId\":\"R\",\"userId\":null,\"user\":{\"did\":\"E\"},\"completedAt\":null,\"decision\":{\"action\":\"accept\",\"date\":\"Z\"}}" &&
		r "{\"user\":{}}"
	} >rows &&
	"$HW_SPOOL" -d "$S" cat --format tsv - <rows >tsv &&
	sed 1d tsv | cut -f 4-7 >got &&
	printf "%s\t%s\t%s\t%s\n" O P U C I R F J I R D T I R E Z "" "" "" "" >want &&
	test_cmp want got &&
	columns tsv <rows >want2 && test_cmp want2 got &&
	"$HW_SPOOL" -d "$S" cat --format csv - <rows | sed 1d | tr -d "\r" |
	    cut -d , -f 4-7 >got &&
	printf "%s,%s,%s,%s\n" O P U C I R F J I R D T I R E Z "" "" "" "" >want &&
	test_cmp want got
'

test_done
