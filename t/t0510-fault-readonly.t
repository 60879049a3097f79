#!/bin/sh
# SPDX-License-Identifier: ISC
# Fault: the spool's filesystem turns read-only.
#
# 1. Under the running responder (2 workers, as nobody, behind the real
#    nginx), the kernel makes it read-only, as ext4 does on an I/O error
#    with errors=remount-ro (here an ext4 image on a loop device, and
#    /sys/fs/ext4/DEV/trigger_fs_error): deliveries get 503
#    spool_unavailable and nothing changes, also once a worker has died
#    and cannot be replaced; after the operator's repair (stop, fsck,
#    mount, start) the provider's retries give exactly one row each.
# 2. mount -o remount,ro of a tmpfs spool: refused while the responder
#    runs (its workers keep the arrival counter mapped for writing), so
#    it is done while it is stopped; started on a read-only spool, the
#    responder must refuse to start at once (nginx answers 502 at once,
#    no request waits), and after remount,rw the retries give one row each.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/fault-lib.sh"

fault_require
fault_setup
S=$E2E_SPOOL
mount -t tmpfs -o size=1m tmpfs "$TRASH/probe.mnt" 2>/dev/null ||
    { mkdir -p "$TRASH/probe.mnt" &&
      mount -t tmpfs -o size=1m tmpfs "$TRASH/probe.mnt" 2>/dev/null; } ||
    skip_all "mounting is not permitted here"
umount "$TRASH/probe.mnt"
e2e_nginx_start "$(free_port)"

# Part 1: ext4 on a loop device, made read-only by the kernel.
EXT4=
if command -v mkfs.ext4 >/dev/null && command -v e2fsck >/dev/null &&
    truncate -s 32M "$TRASH/spool.img" &&
    mkfs.ext4 -q -F "$TRASH/spool.img" >/dev/null 2>&1 &&
    mount -o loop,errors=remount-ro "$TRASH/spool.img" "$S" 2>/dev/null; then
	test_cleanup_cmd "umount '$S' 2>/dev/null"
	DEV=$(basename "$(findmnt -no SOURCE "$S")")
	if [ -w "/sys/fs/ext4/$DEV/trigger_fs_error" ]; then
		EXT4=yes
		chown "$E2E_HW_USER:$E2E_HW_GROUP" "$S" && chmod 0750 "$S"
	else
		umount "$S"
	fi
fi

if [ -n "$EXT4" ]; then
	fault_start 2
	test_expect_success 'ext4 spool: responder (2 workers) and nginx up, 5 deliveries stored' '
		fault_ready && e2e_wait_port $E2E_PORT nginx/logs/error.log &&
		fault_prepare $FAULT_D 20 &&
		fault_post_all $FAULT_D /webhook/kyc 4 res0 0 1 2 3 4 &&
		test "$(fault_with 200 res0 | wc -l)" -eq 5
	'
	test_expect_success 'the kernel makes the spool read-only: 503 spool_unavailable, nothing changed' '
		echo 1 >/sys/fs/ext4/$DEV/trigger_fs_error &&
		! touch $S/probe 2>/dev/null && e2e_snapshot $S snap &&
		fault_post_all $FAULT_D /webhook/kyc 4 res1 $(seq 5 14) &&
		test "$(fault_with 503 res1 | wc -l)" -eq 10 &&
		for i in $(seq 5 14); do
			grep -q "\"error\":\"spool_unavailable\"" $FAULT_D/$i.resp || die $i
		done &&
		test "$(grep -c "status=503 .*detail=.*Read-only file system" $E2E_LOG)" -eq 10 &&
		e2e_unchanged $S snap
	'
	test_expect_success 'a worker dies meanwhile: the other still answers 503 at once' '
		kill -KILL "$(e2e_children $FAULT_PID | head -1)" && sleep 0.5 &&
		fault_post_all $FAULT_D /webhook/kyc 1 res2 $(seq 15 19) &&
		cat res2 && test "$(fault_with 503 res2 | wc -l)" -eq 5 &&
		awk "\$3 >= 2 { print; bad = 1 } END { exit bad }" res2 &&
		e2e_unchanged $S snap
	'
	echo "# ext4 read-only: 15 deliveries refused with 503, max $(cat res1 res2 | fault_max_time /dev/stdin) s; replacement workers: $(grep -c "Read-only file system" $E2E_LOG | awk '{ print $1 - 15 }') failed to start"
	fault_stop
	test_expect_success 'repair: stop, umount, e2fsck, mount' '
		umount $S && { e2fsck -fy $TRASH/spool.img >fsck.out 2>&1 || test $? -le 1; } &&
		mount -o loop,errors=remount-ro $TRASH/spool.img $S
	'
	fault_start 2
	test_expect_success 'after the repair: the retries give exactly one row each' '
		fault_ready &&
		fault_resend $FAULT_D retry $(seq 5 19) &&
		test -z "$(fault_with ! 200 retry)" &&
		fault_exactly_once $S $FAULT_D 20 && fault_records $S &&
		fault_log_ok $((5 + 15 + 15)) &&
		test "$(grep -c " status=503 " $E2E_LOG)" -eq 15
	'
	fault_stop
	umount "$S"
else
	test_skip 'ext4 spool made read-only by the kernel' \
	    'no mkfs.ext4/e2fsck, loop device or trigger_fs_error here'
fi

# Part 2: a tmpfs spool, remount,ro.
: >"$E2E_LOG"
rm -rf "$FAULT_D" && mkdir "$FAULT_D"
fault_mount_tmpfs "$S" 1m
fault_start 2
test_expect_success 'tmpfs spool: 3 deliveries stored' '
	fault_ready && fault_prepare $FAULT_D 8 &&
	fault_post_all $FAULT_D /webhook/kyc 4 res3 0 1 2 &&
	test "$(fault_with 200 res3 | wc -l)" -eq 3
'
test_expect_success 'remount,ro is refused while the responder runs (its workers write there)' '
	! mount -o remount,ro $S 2>err && cat err && touch $S/probe && rm $S/probe
'
fault_stop
mount -o remount,ro "$S"
fault_start 2
test_expect_success 'started on a read-only spool: it refuses to start, nginx answers 502 at once' '
	{ ! touch $S/probe 2>/dev/null || die "not read-only"; } &&
	e2e_snapshot $S snap2 &&
	wait_for sh -c "! kill -0 $FAULT_PID" &&
	grep "Read-only file system" $E2E_LOG &&
	fault_post_all $FAULT_D /webhook/kyc 2 res4 3 4 5 6 7 && cat res4 &&
	test "$(fault_with 502 res4 | wc -l)" -eq 5 &&
	awk "\$3 >= 2 { print; bad = 1 } END { exit bad }" res4 &&
	e2e_unchanged $S snap2
'
mount -o remount,rw "$S"
fault_start 2
test_expect_success 'remount,rw and started: the retries give exactly one row each' '
	fault_ready &&
	fault_resend $FAULT_D retry2 3 4 5 6 7 &&
	test -z "$(fault_with ! 200 retry2)" &&
	fault_exactly_once $S $FAULT_D 8 && fault_records $S &&
	fault_log_ok 8
'

test_done
