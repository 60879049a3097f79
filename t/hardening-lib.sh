# SPDX-License-Identifier: ISC
# t/hardening-lib.sh: helpers for the t04xx hardening tests, sourced after
# t/lib.sh.  Deliveries are made with humanos-send (signed, encrypted
# exactly as the provider does) or, for bodies humanos-send would never
# produce, signed here with Node's crypto; the responder runs as a CGI
# program (environment + stdin), optionally under $HW_WRAP (valgrind).
#
#   hw_conf FILE [LINE...]      a configuration with the secrets below
#   hw_send NAME [ARG...]       humanos-send ARGS --print into NAME.{ts,sig,body}
#   hw_sign NAME TS BODYFILE    NAME.* for BODYFILE signed with $HW_SIG_SECRET
#   hw_cgi NAME [VAR=VAL...]    run the responder on NAME: NAME.out, NAME.err;
#                               VAR=VAL (and $HW_CGI_ENV) override the CGI
#                               environment; $HW_WRAP runs it (valgrind)
#   hw_status NAME              the status of NAME.out
#   hw_every_status             one delivery of every status into ./all/
#                               (HW_ALL_SAMPLES=no: one sample, not all)

# Secrets that must never be seen again once in the configuration.
HW_SIG_SECRET='whsec_SIG_d41d8cd98f00b204e9800998ecf8427e'
HW_ENC_RAW='ENCRAW_5f4dcc3b5aa765d61d8327deb882cf99'
HW_ENC_SECRET=$(printf '%s' "$HW_ENC_RAW" | base64 -w0)
HW_SALT='SALT_e99a18c428cb38d5f260853678922e03'
HW_OTHER_ENC=$(printf '%s' 'some-other-encryption-secret' | base64 -w0)

hw_conf() {
	_f=$1; shift
	{
		echo "spool_dir = $TRASH/spool"
		echo "signature_secret = $HW_SIG_SECRET"
		echo "encryption_secret = $HW_ENC_SECRET"
		echo "encryption_salt = $HW_SALT"
		for _l in "$@"; do echo "$_l"; done
	} >"$_f" && chmod 600 "$_f"
}

# Split humanos-send --print output (headers, blank line, body).
hw_split() {
	_n=$1
	sed -n 's/^x-timestamp: //p' "$_n.req" | tr -d '\r' >"$_n.ts"
	sed -n 's/^x-signature: //p' "$_n.req" | tr -d '\r' >"$_n.sig"
	_cl=$(sed -n 's/^Content-Length: //p' "$_n.req" | tr -d '\r')
	sed -n '/^\r*$/,$p' "$_n.req" | tail -n +2 | head -c "$_cl" >"$_n.body"
	[ -s "$_n.ts" ] && [ -s "$_n.sig" ] && [ -s "$_n.body" ]
}

hw_send() {
	_n=$1; shift
	"$HW_SEND" "$@" --print >"$_n.req" && hw_split "$_n"
}

hw_sign() {
	printf '%s' "$2" >"$1.ts"
	cp "$3" "$1.body"
	HW_SIG_SECRET=$HW_SIG_SECRET node -e '
		const c = require("crypto"), fs = require("fs");
		const [ts, body] = process.argv.slice(1);
		const mac = c.createHmac("sha256", process.env.HW_SIG_SECRET)
		    .update(ts + ".").update(fs.readFileSync(body)).digest("hex");
		process.stdout.write(mac);' "$2" "$3" >"$1.sig"
}

hw_cgi() {
	_n=$1; shift
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json REQUEST_URI=/hooks/kyc \
	    SERVER_PROTOCOL=HTTP/1.1 \
	    HTTP_X_TIMESTAMP="$(cat "$_n.ts" 2>/dev/null)" \
	    HTTP_X_SIGNATURE="$(cat "$_n.sig" 2>/dev/null)" \
	    CONTENT_LENGTH="$(wc -c <"$_n.body" | tr -d ' ')" \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    HUMANOS_WEBHOOK_CONFIG="${HW_CONF:-$TRASH/webhook.conf}" \
	    $HW_CGI_ENV "$@" $HW_WRAP "$HW_WEBHOOK" <"$_n.body" >"$_n.out" \
	    2>"$_n.err"
}

# hw_flip HEX: HEX with its last digit changed.
hw_flip() {
	case $1 in
	*0) printf '%s1' "${1%?}" ;;
	*) printf '%s0' "${1%?}" ;;
	esac
}

hw_status() {
	sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$1.out" | tr -d '\r'
}

# hw_expect NAME STATUS [ERROR]: NAME.out answers that.
hw_expect() {
	_got=$(hw_status "$1")
	[ "$_got" = "$2" ] || die "$1: status $_got, want $2: $(cat "$1.out" "$1.err")"
	[ -z "${3:-}" ] || grep -q "\"error\":\"$3\"" "$1.out" ||
	    die "$1: want error $3: $(cat "$1.out")"
}

# Deliveries of every status, each made and answered in all/NAME.*:
# 200, duplicate, 400, 401 (x4), 405, 413, 415, 422, 500 (x2), 503.
# Needs max_body = 8k in the configuration.  Sets HW_STATUSES.
hw_every_status() {
	mkdir -p all && cd all || return 1
	_send="$HW_SEND --signature-secret $HW_SIG_SECRET --encryption-secret $HW_ENC_SECRET --salt $HW_SALT"
	$_send --sample kyc --print >ok.req && hw_split ok &&
	    hw_cgi ok && hw_expect ok 200 || return 1
	cp ok.ts dup.ts && cp ok.sig dup.sig && cp ok.body dup.body &&
	    hw_cgi dup && hw_expect dup 200 && grep -q '"duplicate":true' dup.out ||
	    return 1
	_samples="signature-user signature-professional consent form-filled
	    form-rejected credential identity otp-failed"
	[ "${HW_ALL_SAMPLES:-yes}" = yes ] || _samples=
	for s in $_samples; do
		$_send --sample $s --print >s-$s.req && hw_split s-$s &&
		    hw_cgi s-$s && hw_expect s-$s 200 || return 1
	done
	cp ok.ts badsig.ts && cp ok.body badsig.body &&
	    hw_flip "$(cat ok.sig)" >badsig.sig &&
	    hw_cgi badsig && hw_expect badsig 401 invalid_signature || return 1
	cp ok.ts nosig.ts && cp ok.body nosig.body && : >nosig.sig &&
	    hw_cgi nosig && hw_expect nosig 401 missing_signature || return 1
	: >nots.ts && cp ok.body nots.body && cp ok.sig nots.sig &&
	    hw_cgi nots && hw_expect nots 401 missing_timestamp || return 1
	# An hour late: kept in quarantine (not older than the retention).
	$_send --sample consent --timestamp $(( $(date +%s) * 1000 - 3600000 )) \
	    --print >stale.req &&
	    hw_split stale && hw_cgi stale &&
	    hw_expect stale 401 stale_timestamp || return 1
	cp ok.ts get.ts && cp ok.sig get.sig && : >get.body &&
	    hw_cgi get REQUEST_METHOD=GET && hw_expect get 405 method_not_allowed ||
	    return 1
	head -c 9000 /dev/zero | tr '\0' 'a' >big.body && cp ok.ts big.ts &&
	    cp ok.sig big.sig && hw_cgi big && hw_expect big 413 payload_too_large ||
	    return 1
	# No CONTENT_LENGTH (chunked, unbuffered): read to the end, bounded.
	cp ok.ts big2.ts && cp ok.sig big2.sig && cp big.body big2.body &&
	    hw_cgi big2 CONTENT_LENGTH= &&
	    hw_expect big2 413 payload_too_large || return 1
	cp ok.ts type.ts && cp ok.sig type.sig && cp ok.body type.body &&
	    hw_cgi type CONTENT_TYPE=text/plain &&
	    hw_expect type 415 unsupported_media_type || return 1
	printf '{"iv":"AAAA","data":"AAAA","tag":"AAAA"}' >mal.raw &&
	    hw_sign mal "$(cat ok.ts)" mal.raw && hw_cgi mal &&
	    hw_expect mal 400 malformed_body || return 1
	printf '["not", "an", "object", "John Doe"]' >arr.json &&
	    $_send arr.json --print >arr.req && hw_split arr && hw_cgi arr &&
	    hw_expect arr 422 invalid_event || return 1
	$HW_SEND --signature-secret $HW_SIG_SECRET --encryption-secret \
	    $HW_OTHER_ENC --salt $HW_SALT --sample kyc --print >dec.req &&
	    hw_split dec && hw_cgi dec && hw_expect dec 500 decrypt_failed ||
	    return 1
	$_send --sample kyc --print >prof.req && hw_split prof &&
	    hw_cgi prof HUMANOS_PROFILE=nope && hw_expect prof 500 || return 1
	# 503: the row cannot be written (a file size limit of 512 bytes:
	# EFBIG, as on a full disk); nothing partial is left behind.
	$_send --sample kyc --print >full.req && hw_split full &&
	    (trap '' XFSZ; ulimit -f 1; hw_cgi full) &&
	    hw_expect full 503 spool_unavailable &&
	    [ -z "$(find "$TRASH/spool/kyc/tmp" -type f)" ] || return 1
	cd ..
}
