#!/bin/sh
# humanos-webhook --check-config, as the deployment runs it (ExecStartPre of
# the systemd units, and by hand before reloading a web server): every
# problem reported with the file (and line, where there is one), non-zero
# exit; a valid configuration exits 0.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

[ -x "$HW_WEBHOOK" ] || skip_all "$HW_WEBHOOK is not built"
chmod 755 "$TRASH"
# The build tree may be closed to nobody: run a copy.
cp "$HW_WEBHOOK" "$TRASH/humanos-webhook" && HW_WEBHOOK=$TRASH/humanos-webhook
ENC=$(head -c 32 /dev/urandom | base64)
mkdir -p spool

# As root a chmod does not stop writes: check as an unprivileged user.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}
if [ "$(id -u)" = 0 ]; then
	chown nobody spool
fi
# test_must_fail_78 CMD...: CMD exits with EX_CONFIG (78); stderr in err.
test_must_fail_78() {
	rc=0
	"$@" >out 2>err || rc=$?
	test "$rc" = 78 || { echo "exit status $rc, not 78"; cat err; return 1; }
}

test_expect_success 'a valid configuration: exit 0, OK' '
	cat >good.conf <<-EOF &&
	spool_dir = $TRASH/spool
	signature_secret = whsec_1
	encryption_secret = $ENC
	encryption_salt = salt
	[profile b]
	signature_secret = whsec_2
	encryption_secret = $ENC
	encryption_salt = salt2
	EOF
	chmod 644 good.conf &&
	as_user "$HW_WEBHOOK" -c good.conf --check-config >out 2>err &&
	grep -q "OK (2 profiles)" out && test ! -s err
'

test_expect_success 'unknown key, bad base64, missing secrets: each reported with file:line' '
	cat >bad.conf <<-EOF &&
	# line 1
	spool_dir = $TRASH/spool
	signature_secret = whsec_1
	encryption_secret = $ENC
	encryption_salt = salt
	colour = blue

	[profile b]
	encryption_secret = %%%not-base64%%%
	encryption_salt = salt2

	[profile c]
	encryption_salt = a salt without its secret
	EOF
	test_must_fail_78 "$HW_WEBHOOK" -c bad.conf --check-config &&
	cat err &&
	grep -q "^bad.conf:6: .*colour" err &&
	grep -q "^bad.conf:9: .*encryption_secret.*base64" err &&
	grep -q "^bad.conf:12: .*profile c.*encryption_secret" err &&
	! grep -q "whsec\|$ENC" err
'

test_expect_success 'no secret at all: reported, non-zero' '
	printf "spool_dir = %s\nsignature_secret = whsec_1\n" "$TRASH/spool" >nosecret.conf &&
	test_must_fail_78 "$HW_WEBHOOK" -c nosecret.conf --check-config &&
	cat err && grep -q "^nosecret.conf: .*encryption_secret" err
'

test_expect_success 'unknown or unreadable configuration file: reported, non-zero' '
	test_must_fail_78 "$HW_WEBHOOK" -c nonexistent.conf --check-config &&
	grep -q "^nonexistent.conf: " err
'

test_expect_success 'unwritable spool: reported with the file and the spool, non-zero' '
	mkdir -p ro && chmod 555 ro &&
	sed "s|^spool_dir = .*|spool_dir = $TRASH/ro/spool|" good.conf >ro.conf &&
	chmod 644 ro.conf &&
	test_must_fail_78 as_user "$HW_WEBHOOK" -c ro.conf --check-config &&
	cat err && grep -q "^ro.conf: .*$TRASH/ro/spool" err
'

test_expect_success 'a spool that was fine and became read-only: reported, non-zero' '
	mkdir -p rospool &&
	if [ "$(id -u)" = 0 ]; then chown nobody rospool; fi &&
	sed "s|^spool_dir = .*|spool_dir = $TRASH/rospool|" good.conf >ro2.conf &&
	chmod 644 ro2.conf &&
	as_user "$HW_WEBHOOK" -c ro2.conf --check-config &&
	chmod -R a-w rospool &&
	test_must_fail_78 as_user "$HW_WEBHOOK" -c ro2.conf --check-config &&
	cat err && grep -q "^ro2.conf: .*$TRASH/rospool" err
'

# ExecStartPre= of humanos-webhook-listen.service runs --check-config as
# root on a spool the workers (--user) will write: what it creates there
# must be theirs, or the first start fails with "Permission denied".
if [ "$(id -u)" = 0 ]; then
test_expect_success 'as root on a new spool: what it creates is the spool owner'"'"'s' '
	mkdir fresh && chown nobody:nogroup fresh &&
	sed "s|^spool_dir = .*|spool_dir = $TRASH/fresh|" good.conf >fresh.conf &&
	"$HW_WEBHOOK" -c fresh.conf --check-config &&
	test -d fresh/kyc/new && test -f fresh/.seq && test -d fresh/.ids/ff &&
	[ -z "$(find fresh ! -user nobody)" ] &&
	[ -z "$(find fresh ! -group nogroup)" ] &&
	as_user touch fresh/kyc/tmp/x fresh/.ids/ff/y fresh/quarantine/new/z
'
else
	test_skip 'as root on a new spool: what it creates is the spool owner'"'"'s' 'not root'
fi

test_done
