#!/bin/sh
# SPDX-License-Identifier: ISC
# humanos-spool replay and discard: quarantined deliveries run through the
# responder's pipeline again, end to end (humanos-send builds them,
# humanos-webhook quarantines them as a CGI program), or given up.
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
	    "sync = none" >"$1" &&
	chmod 600 "$1"
}

# send SAMPLE TIMESTAMP >request: a delivery made with the right secrets.
send() {
	"$HW_SEND" --signature-secret sig-secret --encryption-secret "$ENC" \
	    --salt salty --timestamp "$2" --sample "$1" --print
}

# split <request: its body in ./body, its headers in $len, $ts, $sig.
split() {
	cat >req.txt &&
	len=$(sed -n "s/^Content-Length: \([0-9]*\).*/\1/p" req.txt | tr -d "\r") &&
	ts=$(sed -n "s/^x-timestamp: //p" req.txt | tr -d "\r") &&
	sig=$(sed -n "s/^x-signature: //p" req.txt | tr -d "\r") &&
	sed "1,/^\r\{0,1\}\$/d" req.txt | head -c "$len" >body
}

# deliver CONFIG URI <request: run the request through the responder as
# CGI; prints the status code.
deliver() {
	split &&
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$len" \
	    HTTP_X_TIMESTAMP="$ts" HTTP_X_SIGNATURE="$sig" REQUEST_URI="$2" \
	    "$HW_WEBHOOK" -c "$1" <body 2>>webhook.log >resp &&
	sed -n "s/^Status: \([0-9]*\).*/\1/p" resp | tr -d "\r"
}

# quarantine_row REASON NAME <request: a quarantine row as the responder
# writes it, made by hand (the responder never quarantines a delivery
# older than the exactly-once retention; one quarantined for
# decrypt_failed 8 days ago looks just like this).  Prints its id.
quarantine_row() {
	split &&
	id=$(sha256sum body | cut -c1-64) &&
	printf '{"id":"%s","received_at":"%s","resource":"quarantine","reason":"%s","status":500,"profile":null,"location":"/webhook/kyc","delivery_timestamp":"%s","headers":{"x-timestamp":"%s","x-signature":"%s","content-type":"application/json"},"body_base64":"%s"}\n' \
	    "$id" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$1" "$ts" "$ts" \
	    "$sig" "$(base64 -w0 body)" >"$S/quarantine/new/$2" &&
	echo "$id"
}

count() { count_files "$S/$1"; }
# waiting: quarantine rows waiting, as stats says.
waiting() { "$HW_SPOOL" -d "$S" stats | awk '$1 == "quarantine" { print $2 }'; }
# Every line about one delivery has an age; every line is key=value.
lines_ok() {
	! grep -v "^op=$1 " "$2" &&
	! grep -v "result=summary" "$2" | grep -v " age=-\{0,1\}[0-9][0-9]*s\( \|\$\)"
}
NOW=$(( $(date +%s) * 1000 ))
HOUR_AGO=$(( NOW - 3600 * 1000 ))
DAYS2_AGO=$(( NOW - 2 * 86400 * 1000 ))
DAYS8_AGO=$(( NOW - 8 * 86400 * 1000 ))

test_expect_success 'setup: a stale delivery is quarantined (401)' '
	config good.conf "$ENC" &&
	send kyc "$HOUR_AGO" | deliver good.conf /webhook/kyc >status &&
	test "$(cat status)" = 401 &&
	test "$(count quarantine/new)" -eq 1 && test "$(count kyc/new)" -eq 0 &&
	grep "\"reason\":\"stale_timestamp\"" "$S"/quarantine/new/*
'

test_expect_success 'replay spools it (no time window) and moves it to quarantine/cur/' '
	q=$(ls "$S/quarantine/new") &&
	"$HW_SPOOL" -c good.conf replay >out &&
	grep "^op=replay row=$q result=replayed id=[0-9a-f]\{64\} reason=stale_timestamp age=36[0-9][0-9]s status=200 resource=kyc event=process.kyc.completed event_id=[0-9a-f]\{64\}\$" out &&
	grep -x "op=replay result=summary replayed=1 left=0 refused=0 unreadable=0" out &&
	lines_ok replay out &&
	test "$(count kyc/new)" -eq 1 && test "$(count quarantine/new)" -eq 0 &&
	test -f "$S/quarantine/cur/$q" &&
	id=$(sed -n "s/.* event_id=\([0-9a-f]*\)\$/\1/p" out) &&
	grep "^{\"id\":\"$id\".*\"location\":\"/webhook/kyc\",\"delivery_timestamp\":\"$HOUR_AGO\"" "$S"/kyc/new/*
'

test_expect_success 'replay with nothing quarantined: nothing to do, exit 0' '
	"$HW_SPOOL" -c good.conf replay >out &&
	test "$(cat out)" = "op=replay result=summary replayed=0 left=0 refused=0 unreadable=0"
'

test_expect_success 'decrypt_failed: replay leaves it while the key is wrong, exit 1' '
	config bad.conf "$BAD" &&
	send consent "$NOW" | deliver bad.conf /webhook/consents >status &&
	test "$(cat status)" = 500 &&
	test "$(count quarantine/new)" -eq 1 &&
	q=$(ls "$S/quarantine/new") &&
	test_expect_code 1 "$HW_SPOOL" -c bad.conf replay >out &&
	grep "^op=replay row=$q result=left id=[0-9a-f]\{64\} reason=decrypt_failed age=[0-9]s status=500 error=decrypt_failed detail=-\$" out &&
	grep -x "op=replay result=summary replayed=0 left=1 refused=0 unreadable=0" out &&
	lines_ok replay out &&
	test "$(count quarantine/new)" -eq 1 && test "$(count consents/new)" -eq 0
'

test_expect_success 'replay --reason: only the deliveries quarantined for it' '
	send form-filled "$HOUR_AGO" | deliver good.conf /webhook/forms >status &&
	test "$(cat status)" = 401 &&
	test "$(count quarantine/new)" -eq 2 &&
	stale=$(grep -l "\"reason\":\"stale_timestamp\"" "$S"/quarantine/new/*) &&
	failed=$(grep -l "\"reason\":\"decrypt_failed\"" "$S"/quarantine/new/*) &&
	"$HW_SPOOL" -c good.conf replay --reason stale_timestamp >out &&
	grep "^op=replay row=${stale##*/} result=replayed .* reason=stale_timestamp .*event=process.form.filled " out &&
	! grep "row=${failed##*/}" out &&
	grep -x "op=replay result=summary replayed=1 left=0 refused=0 unreadable=0" out &&
	test -f "$failed" && test -f "$S/quarantine/cur/${stale##*/}" &&
	test "$(count forms/new)" -eq 1 && test "$(count consents/new)" -eq 0
'

test_expect_success 'replay --id: only that delivery; a prefix of 8 hex digits will do' '
	send otp-failed "$NOW" | deliver bad.conf /webhook/otp >status &&
	test "$(cat status)" = 500 &&
	test "$(count quarantine/new)" -eq 2 &&
	otp=$(grep -l "\"location\":\"/webhook/otp\"" "$S"/quarantine/new/*) &&
	consent=$(grep -l "\"location\":\"/webhook/consents\"" "$S"/quarantine/new/*) &&
	id=$(cut -c8-71 "$otp") &&
	"$HW_SPOOL" -c good.conf replay --id "$id" >out &&
	grep "^op=replay row=${otp##*/} result=replayed id=$id reason=decrypt_failed .*event=otp.failed " out &&
	! grep "row=${consent##*/}" out &&
	test "$(count otp/new)" -eq 1 && test "$(count consents/new)" -eq 0 &&
	test -f "$consent" &&
	cid=$(cut -c8-71 "$consent") &&
	"$HW_SPOOL" -c good.conf replay --reason decrypt_failed --id "$(echo "$cid" | cut -c1-8)" >out &&
	grep "^op=replay row=${consent##*/} result=replayed id=$cid " out &&
	test "$(count consents/new)" -eq 1 && test "$(count quarantine/new)" -eq 0
'

test_expect_success 'replay --id: unknown, too short or not hex' '
	test_expect_code 66 "$HW_SPOOL" -c good.conf replay --id 0123456789abcdef 2>err &&
	grep "op=replay id=0123456789abcdef result=error error=" err &&
	test_expect_code 64 "$HW_SPOOL" -c good.conf replay --id 0123456 2>err &&
	test_expect_code 64 "$HW_SPOOL" -c good.conf replay --id 0123456x 2>err &&
	test_expect_code 64 "$HW_SPOOL" -c good.conf replay --reason nope 2>err &&
	test_expect_code 64 "$HW_SPOOL" -c good.conf replay extra 2>err
'

test_expect_success 'a quarantined delivery that was spooled since: duplicate, moved' '
	send form-filled "$NOW" >req.form &&
	deliver bad.conf /webhook/forms <req.form >status && test "$(cat status)" = 500 &&
	deliver good.conf /webhook/forms <req.form >status && test "$(cat status)" = 200 &&
	test "$(count forms/new)" -eq 2 &&
	"$HW_SPOOL" -c good.conf replay >out &&
	grep "^op=replay row=.* result=duplicate .* status=200 resource=forms event=process.form.filled " out &&
	grep -x "op=replay result=summary replayed=1 left=0 refused=0 unreadable=0" out &&
	test "$(count forms/new)" -eq 2 && test "$(count quarantine/new)" -eq 0
'

test_expect_success 'a delivery older than 7 days is refused without --force, and stays' '
	q=$(date +%s)000000.0000009.json &&
	send kyc "$DAYS8_AGO" | quarantine_row decrypt_failed "$q" >id8 &&
	test "$(ls "$S/quarantine/new")" = "$q" &&
	test_expect_code 1 "$HW_SPOOL" -c good.conf replay >out &&
	grep "^op=replay row=$q result=too_old id=$(cat id8) reason=decrypt_failed age=69[0-9][0-9][0-9][0-9]s limit=604800s\$" out &&
	grep -x "op=replay result=summary replayed=0 left=0 refused=1 unreadable=0" out &&
	lines_ok replay out &&
	test -f "$S/quarantine/new/$q" && test "$(count kyc/new)" -eq 1
'

test_expect_success '... and replayed with --force' '
	q=$(ls "$S/quarantine/new") &&
	"$HW_SPOOL" -c good.conf replay --force >out &&
	grep "^op=replay row=$q result=replayed id=$(cat id8) reason=decrypt_failed age=69[0-9]*s status=200 resource=kyc " out &&
	grep -x "op=replay result=summary replayed=1 left=0 refused=0 unreadable=0" out &&
	test -f "$S/quarantine/cur/$q" && test "$(count kyc/new)" -eq 2
'

test_expect_success 'discard --id: exactly that one to quarantine/cur/, stats sees it' '
	send kyc "$NOW" | deliver bad.conf /webhook/kyc >status &&
	send consent "$HOUR_AGO" | deliver good.conf /webhook/consents >status &&
	send form-filled "$DAYS2_AGO" | deliver good.conf /webhook/forms >status &&
	test "$(count quarantine/new)" -eq 3 && test "$(waiting)" -eq 3 &&
	kyc=$(grep -l "\"location\":\"/webhook/kyc\"" "$S"/quarantine/new/*) &&
	id=$(cut -c8-71 "$kyc") &&
	"$HW_SPOOL" -d "$S" discard --id "$id" >out &&
	grep -x "op=discard row=${kyc##*/} result=discarded id=$id reason=decrypt_failed age=[0-9]s" out &&
	grep -x "op=discard result=summary discarded=1 unreadable=0" out &&
	lines_ok discard out &&
	test -f "$S/quarantine/cur/${kyc##*/}" && ! test -e "$kyc" &&
	test "$(waiting)" -eq 2 && test "$(count kyc/new)" -eq 2
'

test_expect_success 'discard --older-than: by the delivery age' '
	forms=$(grep -l "\"location\":\"/webhook/forms\"" "$S"/quarantine/new/*) &&
	"$HW_SPOOL" -c good.conf discard --older-than 1d >out &&
	grep -x "op=discard row=${forms##*/} result=discarded id=[0-9a-f]\{64\} reason=stale_timestamp age=172[0-9][0-9][0-9]s" out &&
	grep -x "op=discard result=summary discarded=1 unreadable=0" out &&
	test "$(waiting)" -eq 1 && test "$(count forms/new)" -eq 2
'

test_expect_success 'discard --reason; options combined must all match' '
	"$HW_SPOOL" -d "$S" discard --reason stale_timestamp --older-than 2h >out &&
	grep -x "op=discard result=summary discarded=0 unreadable=0" out &&
	"$HW_SPOOL" -d "$S" discard --reason decrypt_failed >out &&
	grep -x "op=discard result=summary discarded=0 unreadable=0" out &&
	test "$(waiting)" -eq 1 &&
	"$HW_SPOOL" -d "$S" discard --reason stale_timestamp >out &&
	grep "^op=discard row=.* result=discarded .* reason=stale_timestamp age=36[0-9][0-9]s\$" out &&
	grep -x "op=discard result=summary discarded=1 unreadable=0" out &&
	test "$(waiting)" -eq 0 && test "$(count quarantine/cur)" -eq 9 &&
	test "$(count consents/new)" -eq 1
'

test_expect_success 'discard: a filter is required; bad ones are usage errors' '
	test_expect_code 64 "$HW_SPOOL" -d "$S" discard 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" discard --force --id 01234567 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" discard --older-than 3x 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" discard --reason nope 2>err &&
	test_expect_code 66 "$HW_SPOOL" -d "$S" discard --id 01234567 2>err
'

test_expect_success 'an unreadable quarantine row is reported and left alone' '
	echo "{\"id\":\"$(printf "%064d" 1)\",\"body_base64\":\"!!\",\"headers\":{}}" \
	    >"$S/quarantine/new/1764133376000001.0000001.json" &&
	test_expect_code 1 "$HW_SPOOL" -c good.conf replay >out &&
	grep -x "op=replay row=1764133376000001.0000001.json result=skipped id=$(printf "%064d" 1) reason=- age=[0-9]*s error=\"bad body_base64\"" out &&
	grep -x "op=replay result=summary replayed=0 left=0 refused=0 unreadable=1" out &&
	test -f "$S/quarantine/new/1764133376000001.0000001.json"
'

test_expect_success 'replay needs the configuration' '
	test_expect_code 64 "$HW_SPOOL" -d "$S" replay 2>err &&
	test_expect_code 78 "$HW_SPOOL" -c nope.conf replay 2>err
'

test_done
