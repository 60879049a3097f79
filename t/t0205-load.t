#!/bin/sh
# SPDX-License-Identifier: ISC
# Load through nginx (deploy/nginx) to --listen --workers 4: 500 distinct
# deliveries, 16 at a time, give exactly 500 complete rows; then the same
# while workers are SIGKILLed: every 200 has its row, the supervisor
# replaces the workers, and re-sending what failed ends with exactly one
# row per delivery.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

e2e_require nginx curl xargs
e2e_setup "$E2E_HW_USER"
E2E_SOCK=$TRASH/run/fcgi.sock
mkdir -p "$TRASH/run"
N=${HW_LOAD_N:-500}

"$HW_WEBHOOK" -c "$E2E_CONF" --listen "unix:$E2E_SOCK" --workers 4 \
    --user "$E2E_HW_USER" --group "$E2E_HW_GROUP" \
    --socket-owner "$E2E_HW_USER:$E2E_WEB_GROUP" --socket-mode 0660 \
    2>>"$E2E_LOG" &
HW_PID=$!
test_cleanup_pid $HW_PID
e2e_nginx_start "$(free_port)"
test_expect_success 'the responder (4 workers) and nginx start' '
	e2e_wait_sock "$E2E_SOCK" &&
	wait_for e2e_has_children $HW_PID 4 &&
	e2e_wait_port $E2E_PORT nginx/logs/stderr nginx/logs/error.log
'

# prepare DIR: N distinct events, each made a delivery by humanos-send.
prepare() {
	mkdir -p "$1" && e2e_js events "$1" $N &&
	seq 0 $((N - 1)) | xargs -P 4 -I{} sh -c \
	    "$HW_SEND --signature-secret '$E2E_SIG' --encryption-secret '$E2E_ENC' \
	    --salt '$E2E_SALT' $1/{}.json --print >$1/{}.req" &&
	e2e_js prepare "$1" $N &&
	cat "$1"/*.id | sort >"$1.ids" && test "$(sort -u "$1.ids" | wc -l)" = $N
}
# send DIR IDX...: POST each delivery, 16 at a time; "IDX STATUS" lines in
# DIR.codes (appended).
send() {
	d=$1
	shift
	for i; do echo "$i"; done |
	xargs -P 16 -I{} curl -s -o "$d/{}.resp" -w "{} %{http_code}\n" \
	    --max-time 60 -H @"$d/{}.hdr" --data-binary @"$d/{}.body" \
	    "$E2E_URL/webhook/kyc" >>"$d.codes"
}
# rows_ok: every row complete, none left in tmp/; their ids in rows.ids.
rows_ok() {
	e2e_js rows "$E2E_SPOOL" | sort >rows.ids &&
	test "$(sort -u rows.ids | wc -l)" = "$(wc -l <rows.ids)"
}

test_expect_success "$N distinct deliveries are prepared with humanos-send --print" '
	prepare load
'
test_expect_success "$N deliveries, 16 at a time: all 200, exactly $N rows, all complete" '
	send load $(seq 0 $((N - 1))) &&
	test "$(wc -l <load.codes)" = $N &&
	! grep -v " 200$" load.codes &&
	rows_ok && test_cmp load.ids rows.ids
'

test_expect_success "$N more deliveries are prepared" '
	prepare kill
'
test_expect_success 'workers SIGKILLed during the load: each 200 has its row' '
	{ send kill $(seq 0 $((N - 1))) & } &&
	sender=$! &&
	: >killed &&
	for k in 1 2 3 4 5; do
		sleep 0.3 &&
		victim=$(e2e_children $HW_PID | head -n 1) &&
		{ test -n "$victim" && kill -KILL $victim &&
		  echo $victim >>killed || :; } || exit 1
	done &&
	{ wait $sender || echo "the sender: exit $?"; } &&
	echo "killed: $(tr "\n" " " <killed)" &&
	test "$(wc -l <killed)" -ge 3 &&
	test "$(wc -l <kill.codes)" = $N &&
	echo "not 200: $(grep -vc " 200$" kill.codes)" &&
	rows_ok &&
	for i in $(sed -n "s/ 200$//p" kill.codes); do
		id=$(sed -n "s/.*\"id\":\"\([0-9a-f]*\)\".*/\1/p" kill/$i.resp) &&
		test "$id" = "$(cat kill/$i.id)" &&
		grep -qx "$id" rows.ids || { echo "delivery $i: id $id has no row"; exit 1; }
	done
'
test_expect_success 'the supervisor replaced every killed worker' '
	wait_for e2e_has_children $HW_PID 4 &&
	for k in $(cat killed); do
		! kill -0 $k 2>/dev/null || exit 1
	done &&
	test "$(grep -c "event=worker_exit worker=[0-9]* signal=9" "$E2E_LOG")" = "$(wc -l <killed)"
'
test_expect_success 'deliveries that failed, sent again, land: exactly one row each' '
	failed=$(grep -v " 200$" kill.codes | cut -d" " -f1) &&
	: >kill.codes &&
	send kill $failed &&
	! grep -v " 200$" kill.codes &&
	rows_ok && sort load.ids kill.ids >all.ids && test_cmp all.ids rows.ids
'

test_done
