# SPDX-License-Identifier: ISC
# t/send-lib.sh: send and verify deliveries with the secrets $SIG, $ENC
# and $SALT the test sets: humanos-send builds them, the independent
# verifier (Node's crypto, t/helper/verify-delivery.js) checks them.
VERIFY="$top_srcdir/t/helper/verify-delivery.js"

send() {
	"$HW_SEND" --signature-secret "$SIG" --encryption-secret "$ENC" \
	    --salt "$SALT" "$@"
}
verify() {
	node "$VERIFY" --signature-secret "$SIG" --encryption-secret "$ENC" \
	    --salt "$SALT" "$@"
}
