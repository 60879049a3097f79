#!/bin/sh
# SPDX-License-Identifier: ISC
# t0101-fixtures: the committed crypto fixtures are exactly what
# t/helper/mkfixtures.js makes, and t/helper/verify-delivery.js (the oracle
# of t0100)
# agrees with every one of them, refusals included.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

command -v node >/dev/null 2>&1 || skip_all "node is not installed"
FIX="$top_srcdir/t/fixtures"
MK="$top_srcdir/t/helper/mkfixtures.js"

test_expect_success 'mkfixtures.js reproduces t/fixtures byte for byte' '
	node "$MK" --out fx &&
	diff -r "$FIX" fx
'

test_expect_success 'mkfixtures.js --check accepts the committed fixtures' '
	node "$MK" --check
'

test_expect_success '... and refuses a changed, a missing or an extra file' '
	cp -R "$FIX" copy && chmod -R u+w copy &&
	sed "s/\"expect\":\"ok\"/\"expect\":\"decrypt_failed\"/" \
	    copy/iv-16.json >x && mv x copy/iv-16.json &&
	! node "$MK" --check --out copy 2>err && grep -q "iv-16.json" err &&
	rm -r copy && cp -R "$FIX" copy && chmod -R u+w copy &&
	rm copy/tag-12.json &&
	! node "$MK" --check --out copy 2>err && grep -q "tag-12.json" err &&
	rm -r copy && cp -R "$FIX" copy && chmod -R u+w copy &&
	echo "{}" >copy/stray.json &&
	! node "$MK" --check --out copy 2>err && grep -q "stray.json" err
'

test_expect_success 'the fixtures cover what SPEC section 2 asks' '
	for n in sample-kyc sample-signature-user sample-signature-professional \
	    sample-consent sample-form-filled sample-form-rejected \
	    sample-credential sample-identity sample-otp-failed \
	    sample-credential-2026-04-14 sample-identity-2026-04-14 \
	    sample-otp-failed-2026-04-14 iv-16 iv-1 \
	    iv-64 unicode timestamp-seconds signature-uppercase tampered-body \
	    tampered-tag wrong-signature-secret wrong-encryption-secret \
	    wrong-salt tag-12 iv-bad-base64; do
		grep -qx "$n" "$FIX/MANIFEST" && test -s "$FIX/$n.json" ||
		    die "no fixture $n" || exit 1
	done
'

test_expect_success 'the versioned fixtures have the published shapes' '
	for v in 2026-05-17 2026-04-14; do
		for n in credential identity otp-failed; do
			f=$FIX/sample-$n.json &&
			if [ $v != 2026-05-17 ]; then f=$FIX/sample-$n-$v.json; fi &&
			node -e "process.stdout.write(JSON.parse(require(\"fs\")
			    .readFileSync(process.argv[1])).plaintext)" "$f" |
			    node "$top_srcdir/t/helper/check-samples.js" $n $v ||
			    die "$f: not the published $n $v" || exit 1
		done
	done
'

test_expect_success 'verify-delivery.js agrees with every fixture' '
	node - "$FIX" "$top_srcdir/t/helper/verify-delivery.js" <<-\EOF
	const fs = require("fs"), cp = require("child_process");
	const [dir, verifier] = process.argv.slice(2);
	let bad = 0;
	for (const n of fs.readFileSync(`${dir}/MANIFEST`, "utf8").trim()
	    .split("\n")) {
		const c = JSON.parse(fs.readFileSync(`${dir}/${n}.json`));
		const body = Buffer.from(c.body);
		/* humanos-send writes lower case; so must the request here. */
		const req = Buffer.concat([Buffer.from("POST /webhook HTTP/1.1\r\n" +
		    "Host: localhost\r\n" +
		    "Content-Type: application/json\r\n" +
		    `x-timestamp: ${c.timestamp}\r\n` +
		    `x-signature: ${c.signature.toLowerCase()}\r\n` +
		    `Content-Length: ${body.length}\r\n\r\n`), body]);
		const r = cp.spawnSync("node", [verifier, "--signature-secret",
		    c.signature_secret, "--encryption-secret", c.encryption_secret,
		    "--salt", c.salt, "--iv-length", String(c.iv_length)],
		    { input: req });
		const accept = c.expect === "ok" || c.expect === "invalid_event";
		const good = accept ? r.status === 0 &&
		    r.stdout.equals(Buffer.from(c.plaintext, "utf8")) :
		    r.status === 1;
		if (!good) {
			console.log(`${n}: expect ${c.expect}, verifier exit ` +
			    `${r.status}: ${r.stderr}`);
			bad++;
		}
	}
	process.exit(bad ? 1 : 0);
	EOF
'

test_done
