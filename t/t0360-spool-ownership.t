#!/bin/sh
# SPDX-License-Identifier: ISC
# SPEC section 7, Ownership: whatever the programs create in a spool, as
# whichever user, belongs to the spool's owner (its root's uid:gid) with
# file_mode.  The case that broke: humanos-spool replay run as root (the
# secrets are root's, as in the --listen deployment) spools a quarantined
# delivery through the responder's writer; the next humanos-spool run, as
# the spool's owner, must be able to take that row.
. "$top_srcdir/t/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "runs programs as root and as nobody: needs root"
test -x "$HW_WEBHOOK" && test -x "$HW_SEND" && test -x "$HW_SPOOL" ||
	skip_all "humanos-webhook, humanos-send and humanos-spool are not built"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv is not installed"
id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null 2>&1 ||
	skip_all "no user nobody or group nogroup"

# The build tree may be closed to nobody (a clone below /root): copies.
chmod 755 "$TRASH"
mkdir bin && cp "$HW_WEBHOOK" "$HW_SPOOL" bin/ || exit 99
HW_WEBHOOK=$TRASH/bin/humanos-webhook
HW_SPOOL=$TRASH/bin/humanos-spool

OWNER=nobody
GROUP=nogroup
S=$TRASH/spool
ENC=$(printf "the encryption secret" | base64)
# file_mode 0660: root's umask (022) would take a bit, so it must be set.
MODE=660
DMODE=770

as_owner() { setpriv --reuid=$OWNER --regid=$GROUP --clear-groups "$@"; }
count() { count_files "$S/$1"; }

# Root's, readable by the owner's group (it holds inline secrets).
printf "%s\n" "spool_dir = $S" "signature_secret = sig-secret" \
    "encryption_secret = $ENC" "encryption_salt = salty" \
    "file_mode = 0$MODE" "sync = none" >hw.conf &&
chgrp $GROUP hw.conf && chmod 640 hw.conf || exit 99
install -d -o $OWNER -g $GROUP -m 0$DMODE "$S" || exit 99
mkdir sink && chown $OWNER sink || exit 99

# deliver URI <request: the request through the responder as a CGI
# program, as the spool's owner (as a web server's CGI would); prints the
# status code.
deliver() {
	cat >req.txt &&
	len=$(sed -n "s/^Content-Length: \([0-9]*\).*/\1/p" req.txt | tr -d "\r") &&
	ts=$(sed -n "s/^x-timestamp: //p" req.txt | tr -d "\r") &&
	sig=$(sed -n "s/^x-signature: //p" req.txt | tr -d "\r") &&
	sed "1,/^\r\{0,1\}\$/d" req.txt | head -c "$len" >body &&
	as_owner env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$len" \
	    HTTP_X_TIMESTAMP="$ts" HTTP_X_SIGNATURE="$sig" REQUEST_URI="$1" \
	    "$HW_WEBHOOK" -c hw.conf <body 2>>webhook.log >resp &&
	sed -n "s/^Status: \([0-9]*\).*/\1/p" resp | tr -d "\r"
}

# An hour old: outside the timestamp window (401, quarantined), well
# within the exactly-once retention (replay takes it without --force).
STALE=$(( ($(date +%s) - 3600) * 1000 ))

test_expect_success 'setup: a stale delivery is quarantined by the owner'"'"'s responder' '
	"$HW_SEND" --signature-secret sig-secret --encryption-secret "$ENC" \
	    --salt salty --timestamp "$STALE" --sample kyc --print |
	    deliver /webhook/kyc >status &&
	test "$(cat status)" = 401 &&
	test "$(count quarantine/new)" -eq 1 &&
	[ -z "$(find "$S" ! -user $OWNER)" ]
'

# What root finds missing, it makes: the counter, a resource's
# directories, an exactly-once subdirectory.
test_expect_success 'replay as root: the delivery is spooled as a kyc row' '
	rm -rf "$S/.seq" "$S/otp" &&
	rm -rf "$S"/.ids/?? &&
	"$HW_SPOOL" -c hw.conf replay >out 2>err &&
	cat out err &&
	test "$(count kyc/new)" -eq 1 && test "$(count quarantine/new)" -eq 0 &&
	test -f "$S/.seq" && test -d "$S/otp/new" && test -d "$S/.ids/ff"
'

test_expect_success 'everything in the spool is the owner'"'"'s, rows with file_mode' '
	find "$S" ! -user $OWNER -o ! -group $GROUP >not-owned &&
	cat not-owned && test ! -s not-owned &&
	find "$S" -type f ! -perm $MODE >bad-mode &&
	cat bad-mode && test ! -s bad-mode &&
	find "$S" -type d ! -perm $DMODE >bad-dmode &&
	cat bad-dmode && test ! -s bad-dmode &&
	test "$(find "$S/.ids" -type l | wc -l)" -ge 1
'

test_expect_success 'humanos-spool run as the owner takes the replayed row' '
	row=$(ls "$S/kyc/new") &&
	as_owner "$HW_SPOOL" -c hw.conf run kyc -- \
	    sh -c "cat >\"\$0\"" "$TRASH/sink/row.json" 2>run.log &&
	cat run.log &&
	test "$(count kyc/new)" -eq 0 && test -f "$S/kyc/cur/$row" &&
	grep -q "\"resource\":\"kyc\"" sink/row.json &&
	[ -z "$(find "$S" ! -user $OWNER)" ]
'

test_expect_success 'the owner'"'"'s responder goes on writing in the spool root made' '
	"$HW_SEND" --signature-secret sig-secret --encryption-secret "$ENC" \
	    --salt salty --sample otp-failed --print |
	    deliver /webhook/otp >status &&
	test "$(cat status)" = 200 && test "$(count otp/new)" -eq 1
'

test_done
