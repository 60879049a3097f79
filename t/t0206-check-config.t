#!/bin/sh
# SPDX-License-Identifier: ISC
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
# conf_mode FILE: readable by as_user, by its group (inline secrets may not
# be world-readable).
conf_mode() {
	if [ "$(id -u)" = 0 ]; then
		chgrp nogroup "$1" || return 1
	fi
	chmod 640 "$1"
}
# test_must_fail_78 CMD...: CMD exits with EX_CONFIG (78); stderr in err.
test_must_fail_78() {
	test_expect_code 78 "$@" >out 2>err || { cat err; return 1; }
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
	conf_mode good.conf &&
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
	grep -q "^bad.conf:6: .*unknown key" err && ! grep -q colour err &&
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
	conf_mode ro.conf &&
	test_must_fail_78 as_user "$HW_WEBHOOK" -c ro.conf --check-config &&
	cat err && grep -q "^ro.conf: .*$TRASH/ro/spool" err
'

test_expect_success 'a spool that was fine and became read-only: reported, non-zero' '
	mkdir -p rospool &&
	if [ "$(id -u)" = 0 ]; then chown nobody rospool; fi &&
	sed "s|^spool_dir = .*|spool_dir = $TRASH/rospool|" good.conf >ro2.conf &&
	conf_mode ro2.conf &&
	as_user "$HW_WEBHOOK" -c ro2.conf --check-config &&
	chmod -R a-w rospool &&
	test_must_fail_78 as_user "$HW_WEBHOOK" -c ro2.conf --check-config &&
	cat err && grep -q "^ro2.conf: .*$TRASH/rospool" err
'

# As root (by hand, or before privileges are dropped), --check-config
# makes what is missing in a spool the workers will write: what it creates
# there must be theirs, or the first start fails with "Permission denied".
if [ "$(id -u)" = 0 ]; then
test_expect_success 'as root on a new spool: what it creates is the spool owner'"'"'s' '
	mkdir fresh && chown nobody:nogroup fresh &&
	sed "s|^spool_dir = .*|spool_dir = $TRASH/fresh|" good.conf >fresh.conf &&
	conf_mode fresh.conf &&
	"$HW_WEBHOOK" -c fresh.conf --check-config &&
	test -d fresh/kyc/new && test -f fresh/.seq && test -d fresh/.ids/ff &&
	[ -z "$(find fresh ! -user nobody)" ] &&
	[ -z "$(find fresh ! -group nogroup)" ] &&
	as_user touch fresh/kyc/tmp/x fresh/.ids/ff/y fresh/quarantine/new/z
'

# SPEC section 7: a file the programs did not create is never followed,
# opened for writing or given away.  The spool's owner can plant a hard
# link to any file at SPOOL/.seq; root must not write into its target.
test_expect_success 'a hard link planted at SPOOL/.seq: refused as root, its target untouched' '
	mkdir planted && chown nobody:nogroup planted &&
	printf "root'"'"'s own file, not a counter\n" >victim && chmod 644 victim &&
	cp -p victim victim.orig && stat -c "%u:%g %a %s" victim >victim.before &&
	ln victim planted/.seq &&
	sed "s|^spool_dir = .*|spool_dir = $TRASH/planted|" good.conf >planted.conf &&
	conf_mode planted.conf &&
	test_expect_code 78 "$HW_WEBHOOK" -c planted.conf --check-config >out 2>err &&
	cat err && grep -q "^planted.conf: .*$TRASH/planted.*\.seq.*refused" err &&
	! grep -q OK out &&
	stat -c "%u:%g %a %s" victim >victim.after &&
	test_cmp victim.before victim.after && cmp victim victim.orig &&
	rm planted/.seq && "$HW_WEBHOOK" -c planted.conf --check-config >out &&
	test "$(stat -c "%U:%G %h" planted/.seq)" = "nobody:nogroup 1"
'

# The start drops to --user before it opens the spools: --check-config
# must check them as that user too, not as root.
test_expect_success '--check-config --user nobody: a spool nobody cannot write is reported' '
	mkdir rootspool && chmod 755 rootspool &&
	sed "s|^spool_dir = .*|spool_dir = $TRASH/rootspool|" good.conf >rootspool.conf &&
	conf_mode rootspool.conf &&
	"$HW_WEBHOOK" -c rootspool.conf --check-config >out &&
	test_expect_code 78 "$HW_WEBHOOK" -c rootspool.conf --check-config \
	    --user nobody --group nogroup >out 2>err &&
	cat err && grep -q "^rootspool.conf: .*$TRASH/rootspool" err &&
	! grep -q OK out &&
	test_expect_code 78 "$HW_WEBHOOK" -c rootspool.conf --check-config \
	    --user no-such-user-hw >out 2>err &&
	grep -q "^rootspool.conf: .*no-such-user-hw" err
'

test_expect_success '... and the start refuses it as the man page says (73)' '
	test_expect_code 73 "$HW_WEBHOOK" -c rootspool.conf \
	    --listen "unix:$TRASH/rootspool.sock" --user nobody 2>err &&
	grep -q "$TRASH/rootspool" err &&
	sed -n "/^\.SH EXIT STATUS/,/^\.SH /p" "$top_srcdir/man/humanos-webhook.8" |
	    grep -qx "\.B 73"
'
else
	for t in 'as root on a new spool' 'a hard link planted at SPOOL/.seq' \
	    '--check-config --user nobody' '... and the start refuses it'; do
		test_skip "$t" 'not root'
	done
fi

# The README's set-up (deploy/systemd units' comments) and
# humanos-webhook-listen.service's command lines, taken from the shipped
# file, under what the unit allows root: CapabilityBoundingSet=CAP_SETUID
# CAP_SETGID CAP_CHOWN (no CAP_DAC_OVERRIDE: root cannot look into a spool
# of mode 0750 it does not own), NoNewPrivileges=yes, UMask=0027.  The
# service user humanos is played by nobody.
LISTEN_UNIT=$top_srcdir/deploy/systemd/humanos-webhook-listen.service
SVC_USER=nobody
SVC_GROUP=nogroup
WEB_GROUP=www-data
getent group "$WEB_GROUP" >/dev/null 2>&1 || WEB_GROUP=nogroup
# unit_cmd KEY: the unit's KEY= command line, with this test's paths.
unit_cmd() {
	sed -n "s/^$1=//p" "$LISTEN_UNIT" | tail -n 1 |
	sed -e "s|/usr/sbin/humanos-webhook|$HW_WEBHOOK|g" \
	    -e "s|/etc/humanos-webhook.conf|$TRASH/etc/humanos-webhook.conf|g" \
	    -e "s|/run/humanos-webhook/|$TRASH/run/|g" \
	    -e "s|--user humanos |--user $SVC_USER |" \
	    -e "s|--group humanos |--group $SVC_GROUP |" \
	    -e "s|--group humanos\$|--group $SVC_GROUP|" \
	    -e "s|--socket-owner humanos:www-data|--socket-owner $SVC_USER:$WEB_GROUP|"
}
# sh -c "$CONFINE" confined CMD...: CMD as root, confined as the listen
# unit confines it, in one process (in the background, $! is CMD's pid).
CONFINE='umask 027 && exec setpriv --no-new-privs --bounding-set=-all,+setuid,+setgid,+chown "$@"'
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
test_expect_success 'README set-up: the listen unit'"'"'s ExecStartPre passes, confined as the unit' '
	install -d -o $SVC_USER -g $SVC_GROUP -m 0750 "$TRASH/var-spool" &&
	mkdir -p etc/secrets run && chmod 755 etc run &&
	(umask 077 && printf whsec_svc >etc/secrets/signature-secret &&
	    printf %s "$ENC" >etc/secrets/encryption-secret &&
	    printf salt-svc >etc/secrets/encryption-salt) &&
	printf "%s\n" "spool_dir = $TRASH/var-spool" \
	    "signature_secret_file = $TRASH/etc/secrets/signature-secret" \
	    "encryption_secret_file = $TRASH/etc/secrets/encryption-secret" \
	    "encryption_salt_file = $TRASH/etc/secrets/encryption-salt" >svc.conf &&
	install -o root -g $SVC_GROUP -m 0640 svc.conf etc/humanos-webhook.conf &&
	pre=$(unit_cmd ExecStartPre) && echo "$pre" &&
	echo "$pre" | grep -q -- "--check-config" &&
	! echo "$pre" | grep -qE "(^| |:)humanos( |:|\$)|(^| |:)/(usr|etc|run)/" &&
	sh -c "$CONFINE" confined $pre >out 2>err &&
	cat out err && grep -q "OK (1 profile)" out &&
	[ -z "$(find var-spool ! -user $SVC_USER)" ]
'

START=$(unit_cmd ExecStart)
SOCK=$(echo "$START" | sed -n "s/.*--listen unix:\([^ ]*\).*/\1/p")
sh -c "$CONFINE" confined $START >start.out 2>start.log &
SVC_PID=$!
test_cleanup_pid $SVC_PID
test_expect_success 'README set-up: the listen unit'"'"'s ExecStart starts, confined as the unit' '
	echo "$START" && test "$SOCK" = "$TRASH/run/fcgi.sock" &&
	! echo "$START" | grep -qE "(^| |:)humanos( |:|\$)|(^| |:)/(usr|etc|run)/" &&
	wait_for test -S "$SOCK" &&
	wait_for grep -q "event=start workers=4" start.log &&
	wait_for sh -c "test \"\$(ps -o pid= --ppid $SVC_PID | wc -l)\" -eq 4" &&
	sleep 1 && test "$(ps -o pid= --ppid $SVC_PID | wc -l)" -eq 4 &&
	! grep -q "event=worker_exit" start.log &&
	test "$(stat -c "%U:%G %a" "$SOCK")" = "$SVC_USER:$WEB_GROUP 660" &&
	for p in $SVC_PID $(ps -o pid= --ppid $SVC_PID); do
		test "$(stat -c %U /proc/$p)" = $SVC_USER || exit 1
	done &&
	kill -TERM $SVC_PID && wait_for sh -c "! kill -0 $SVC_PID 2>/dev/null"
'
else
	test_skip 'README set-up: the listen unit'"'"'s ExecStartPre' 'needs root and setpriv'
	test_skip 'README set-up: the listen unit'"'"'s ExecStart' 'needs root and setpriv'
fi

test_done
