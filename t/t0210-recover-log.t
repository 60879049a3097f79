#!/bin/sh
# SPDX-License-Identifier: ISC
# t0210: what a start's recovery of the spool did is one log line
# (humanos-webhook(8), LOGGING): after a reboot, records made again for
# rows a power loss left without theirs, pending records removed whose
# row it took (never acknowledged); nothing when there was nothing to do.
# The responder runs as a CGI program: its start is one request's.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

hw_conf hw.conf
# start NAME: one CGI request (GET: 405), its stderr in NAME.err.
start() {
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
	    REQUEST_URI=/webhook/kyc \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    HUMANOS_WEBHOOK_CONFIG="$TRASH/hw.conf" \
	    "$HW_WEBHOOK" </dev/null >"$1.out" 2>"$1.err" &&
	grep -q "^Status: 405" "$1.out"
}
# reboot: as if the machine had restarted since the spool was looked
# through (words 2 and 3 of .seq: that boot's id).
reboot() {
	dd if=/dev/zero of=spool/.seq bs=8 seek=2 count=2 conv=notrunc \
	    2>/dev/null
}
A=c0ffee000000000000000000000000000000000000000000000000000000a001
B=c0ffee000000000000000000000000000000000000000000000000000000b002

test_expect_success 'a first start makes the spool; nothing to recover, no line' '
	start first && test -d spool/kyc/new && test -d spool/.ids/01 &&
	! grep -q "event=recover" first.err
'

test_expect_success 'setup: what a power loss can leave' '
	echo "{\"id\":\"$A\",\"payload\":{}}" \
	    >spool/kyc/new/1700000000000001.0000001.json &&
	ln -s kyc/new/1700000000000002.0000001.json spool/.ids/02/$B &&
	reboot
'

test_expect_success 'the first start after a reboot logs what it did' '
	start second &&
	grep -E "event=recover spool=[^ ]+/spool rows_published=0 records_made=1 records_removed=1\$" second.err &&
	test "$(grep -c "event=recover" second.err)" = 1 &&
	test "$(readlink spool/.ids/01/$A)" = kyc/new/1700000000000001.0000001.json &&
	! test -L spool/.ids/02/$B
'

test_expect_success 'the next start of that boot: nothing to do, no line' '
	start third && ! grep -q "event=recover" third.err
'

test_done
