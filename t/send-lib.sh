# SPDX-License-Identifier: ISC
# t/send-lib.sh: send and verify deliveries with the secrets $SIG, $ENC
# and $SALT the test sets: humanos-send builds them, the independent
# verifier (Node's crypto, t/helper/verify-delivery.js) checks them; and
# read fields of the events it printed (jfield).
VERIFY="$top_srcdir/t/helper/verify-delivery.js"

send() {
	"$HW_SEND" --signature-secret "$SIG" --encryption-secret "$ENC" \
	    --salt "$SALT" "$@"
}
verify() {
	node "$VERIFY" --signature-secret "$SIG" --encryption-secret "$ENC" \
	    --salt "$SALT" "$@"
}
# jfield FILE PATH: the value at PATH (a.b.0.c) of the JSON in FILE;
# strings as they are, anything else as JSON.  Fails when PATH is absent.
jfield() {
	node -e '
		let v = JSON.parse(require("fs").readFileSync(process.argv[1]));
		for (const k of process.argv[2].split("."))
			if (v === null || typeof v !== "object" || !(k in v))
				process.exit(1);
			else
				v = v[k];
		console.log(typeof v === "string" ? v : JSON.stringify(v));
	' "$1" "$2"
}
