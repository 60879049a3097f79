#!/bin/sh
# humanos-spool replay: quarantined deliveries run through the responder's
# pipeline again, end to end (humanos-send builds them, humanos-webhook
# quarantines them as a CGI program).
. "$top_srcdir/t/lib.sh"

test -x "$HW_WEBHOOK" && test -x "$HW_SEND" ||
	skip_all "humanos-webhook and humanos-send are not built"

S="$TRASH/spool"
ENC=$(printf "the encryption secret" | base64)
BAD=$(printf "another secret" | base64)

# config FILE ENCRYPTION_SECRET
config() {
	printf "%s\n" "spool_dir = $S" "signature_secret = sig-secret" \
	    "encryption_secret = $2" "encryption_salt = salty" \
	    "sync = none" >"$1"
}

# send SAMPLE TIMESTAMP >request: a delivery made with the right secrets.
send() {
	"$HW_SEND" --signature-secret sig-secret --encryption-secret "$ENC" \
	    --salt salty --timestamp "$2" --sample "$1" --print
}

# deliver CONFIG URI <request: run the request through the responder as
# CGI; prints the status code.
deliver() {
	cat >req.txt &&
	len=$(sed -n "s/^Content-Length: \([0-9]*\).*/\1/p" req.txt | tr -d "\r") &&
	ts=$(sed -n "s/^x-timestamp: //p" req.txt | tr -d "\r") &&
	sig=$(sed -n "s/^x-signature: //p" req.txt | tr -d "\r") &&
	sed "1,/^\r\{0,1\}\$/d" req.txt | head -c "$len" >body &&
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$len" \
	    HTTP_X_TIMESTAMP="$ts" HTTP_X_SIGNATURE="$sig" REQUEST_URI="$2" \
	    "$HW_WEBHOOK" -c "$1" <body 2>>webhook.log >resp &&
	sed -n "s/^Status: \([0-9]*\).*/\1/p" resp | tr -d "\r"
}
count() { count_files "$S/$1"; }
NOW=$(( $(date +%s) * 1000 ))

test_expect_success 'setup: a stale delivery is quarantined (401)' '
	config good.conf "$ENC" &&
	send kyc 1000000000000 | deliver good.conf /webhook/kyc >status &&
	test "$(cat status)" = 401 &&
	test "$(count quarantine/new)" -eq 1 && test "$(count kyc/new)" -eq 0 &&
	grep "\"reason\":\"stale_timestamp\"" "$S"/quarantine/new/*
'

test_expect_success 'replay spools it (no time window) and moves it to quarantine/cur/' '
	q=$(ls "$S/quarantine/new") &&
	"$HW_SPOOL" -c good.conf replay >out &&
	grep "^$q	replayed	[0-9a-f]\{64\}	kyc process.kyc.completed\$" out &&
	grep -x "replayed 1, left 0, unreadable 0" out &&
	test "$(count kyc/new)" -eq 1 && test "$(count quarantine/new)" -eq 0 &&
	test -f "$S/quarantine/cur/$q" &&
	id=$(cut -f3 out | head -n 1) &&
	grep "^{\"id\":\"$id\".*\"location\":\"/webhook/kyc\",\"delivery_timestamp\":\"1000000000000\"" "$S"/kyc/new/*
'

test_expect_success 'replay with nothing quarantined: nothing to do, exit 0' '
	"$HW_SPOOL" -c good.conf replay >out &&
	grep -x "replayed 0, left 0, unreadable 0" out
'

test_expect_success 'decrypt_failed: replay leaves it while the key is wrong, exit 1' '
	config bad.conf "$BAD" &&
	send consent "$NOW" | deliver bad.conf /webhook/consents >status &&
	test "$(cat status)" = 500 &&
	test "$(count quarantine/new)" -eq 1 &&
	q=$(ls "$S/quarantine/new") &&
	rc=0; "$HW_SPOOL" -c bad.conf replay >out || rc=$? &&
	test $rc -eq 1 &&
	grep "^$q	left	500	decrypt_failed" out &&
	grep -x "replayed 0, left 1, unreadable 0" out &&
	test "$(count quarantine/new)" -eq 1 && test "$(count consents/new)" -eq 0
'

test_expect_success '... and spools it once the key is fixed' '
	q=$(ls "$S/quarantine/new") &&
	"$HW_SPOOL" -c good.conf replay >out &&
	grep "^$q	replayed	.*	consents process.consent.completed\$" out &&
	test "$(count consents/new)" -eq 1 && test -f "$S/quarantine/cur/$q"
'

test_expect_success 'a quarantined delivery that was spooled since: duplicate, moved' '
	send form-filled "$NOW" >req.form &&
	deliver bad.conf /webhook/forms <req.form >status && test "$(cat status)" = 500 &&
	deliver good.conf /webhook/forms <req.form >status && test "$(cat status)" = 200 &&
	test "$(count forms/new)" -eq 1 &&
	"$HW_SPOOL" -c good.conf replay >out &&
	grep "	replayed	.*forms process.form.filled (duplicate)\$" out &&
	test "$(count forms/new)" -eq 1 && test "$(count quarantine/new)" -eq 0
'

test_expect_success 'an unreadable quarantine row is reported and left alone' '
	echo "{\"id\":\"$(printf "%064d" 1)\",\"body_base64\":\"!!\",\"headers\":{}}" \
	    >"$S/quarantine/new/1764133376000001.0000001.json" &&
	rc=0; "$HW_SPOOL" -c good.conf replay >out || rc=$? &&
	test $rc -eq 1 &&
	grep "^1764133376000001.0000001.json	skipped	-	bad body_base64\$" out &&
	test -f "$S/quarantine/new/1764133376000001.0000001.json"
'

test_expect_success 'replay needs the configuration' '
	rc=0; "$HW_SPOOL" -d "$S" replay 2>err || rc=$? && test $rc -eq 64 &&
	rc=0; "$HW_SPOOL" -c nope.conf replay 2>err || rc=$? && test $rc -eq 78
'

test_done
