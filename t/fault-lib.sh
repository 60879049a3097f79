# SPDX-License-Identifier: ISC
# t/fault-lib.sh: helpers for the fault tests (t/t05*-fault-*.t), which
# cause real faults under the real responder (--listen unix:SOCK, 2 to 4
# workers, running as $E2E_HW_USER) behind the real nginx running the
# shipped deploy/nginx files (started by t/e2e-lib.sh's e2e_nginx_start).
#
#   . "$top_srcdir/t/lib.sh"
#   . "$top_srcdir/t/e2e-lib.sh"
#   . "$top_srcdir/t/fault-lib.sh"
#   fault_require
#   fault_setup                    # e2e_setup as nobody, socket path
#   fault_start 2                  # the responder; $FAULT_PID
#   e2e_nginx_start "$(free_port)"
#   ... cause the fault, deliver, check ...
#   test_done
#
# Deliveries are made in advance: fault_prepare DIR N writes N distinct
# kyc events DIR/I.json and their signed, encrypted requests (DIR/I.body,
# DIR/I.hdr; DIR/I.id is the SHA-256 of the plaintext, the row id to be).
# fault_post_all sends them with curl, PAR at a time; a re-send is what
# the provider does: the same plaintext encrypted again (new IV, new
# timestamp) by humanos-send (fault_resend).
#
# Everything started here is registered with test_cleanup_pid; mounts with
# test_cleanup_cmd.

FAULT_GROUP=$E2E_WEB_GROUP	# the socket's group: nginx's workers connect

fault_require() {
	e2e_require nginx curl
	for fault_p in setsid xargs shuf; do
		command -v "$fault_p" >/dev/null 2>&1 ||
		    skip_all "$fault_p is not installed"
	done
}

# fault_setup: the e2e configuration (spools owned by $E2E_HW_USER), the
# socket path, and a directory for the deliveries.
fault_setup() {
	e2e_setup "$E2E_HW_USER"
	E2E_SOCK=$TRASH/fcgi.sock
	FAULT_D=$TRASH/d
	mkdir -p "$FAULT_D"
}

# fault_start N [ENV-PREFIX...]: the responder with N workers, in its own
# session, stderr appended to $E2E_LOG (or written to $FAULT_STDERR); its
# PID in $FAULT_PID.  Call it
# outside test_expect_success (whose subshell would lose the PID).
fault_start() {
	fault_n=$1
	shift
	setsid "$@" "$HW_WEBHOOK" -c "$E2E_CONF" --listen "unix:$E2E_SOCK" \
	    --workers "$fault_n" --user "$E2E_HW_USER" --group "$E2E_HW_GROUP" \
	    --socket-owner "$E2E_HW_USER:$FAULT_GROUP" --socket-mode 0660 \
	    2>>"${FAULT_STDERR:-$E2E_LOG}" &
	FAULT_PID=$!
	FAULT_WORKERS=$fault_n
	test_cleanup_pid $!
}

# fault_workers: how many workers the supervisor has now.
fault_workers() { e2e_children "$FAULT_PID" | grep -c . || :; }

# fault_ready [N]: until the supervisor runs N (default all) workers.
fault_ready() {
	fault_want=${1:-$FAULT_WORKERS}
	wait_for sh -c "test \"\$(ps -o pid= --ppid $FAULT_PID | grep -c .)\" -ge $fault_want" &&
	e2e_wait_sock "$E2E_SOCK"
}

# fault_stop: SIGTERM the supervisor and wait (bounded) for it to exit.
fault_stop() {
	kill -TERM "$FAULT_PID" 2>/dev/null || return 0
	fault_i=0
	while kill -0 "$FAULT_PID" 2>/dev/null && [ $fault_i -lt 400 ]; do
		sleep 0.1; fault_i=$((fault_i + 1))
	done
	! kill -0 "$FAULT_PID" 2>/dev/null
}

# fault_req EVENT.json OUT: one request of EVENT.json, made now, split
# into OUT.body and OUT.hdr (curl -H @OUT.hdr).
fault_req() {
	e2e_hs "$1" --print >"$2.req" &&
	sed -n '/^\r\{0,1\}$/q;/^[Cc]ontent-[Tt]ype:/p;/^x-/p' "$2.req" \
	    >"$2.hdr" &&
	e2e_js split "$2.req" && rm -f "$2.req.ts" "$2.req.sig" &&
	mv "$2.req.body" "$2.body"
}

# fault_events DIR N [PAD]: N distinct kyc events DIR/0..N-1.json, each
# with PAD bytes (default 0) of padding in its metadata, so that a worker
# has more to do per request.
fault_events() {
	node -e '
const fs = require("fs"), crypto = require("crypto");
const [dir, n, pad] = process.argv.slice(1);
for (let i = 0; i < Number(n); i++)
	fs.writeFileSync(dir + "/" + i + ".json", JSON.stringify({
		event: "process.kyc.completed",
		organizationId: "680a65a4da4a16c0ea64face",
		processId: crypto.randomBytes(12).toString("hex"),
		userId: "684ade7148a18e172af7cab1",
		completedAt: new Date().toISOString(),
		metadata: { kycType: "PERSONAL", n: i, padding: "x".repeat(Number(pad)) },
	}));
' "$1" "$2" "${3:-0}"
}

# fault_prepare DIR N [PAD]: N distinct kyc events (fault_events) and their
# requests, made by humanos-send --print (2 at a time).
fault_prepare() {
	fault_events "$1" "$2" "${3:-0}" &&
	seq 0 $(($2 - 1)) | xargs -P 2 -I{} sh -c \
	    '"$0" --signature-secret "$1" --encryption-secret "$2" --salt "$3" "$4/{}.json" --print >"$4/{}.req"' \
	    "$HW_SEND" "$E2E_SIG" "$E2E_ENC" "$E2E_SALT" "$1" &&
	e2e_js prepare "$1" "$2"
}

# fault_post_all DIR PATH PAR OUT I...: POST DIR/I.body with DIR/I.hdr to
# PATH, PAR at a time (one curl, --parallel; --max-time 10 each); the reply
# in DIR/I.resp, and one line "I STATUS SECONDS" per request appended to
# OUT.
fault_post_all() {
	fault_dir=$1 fault_path=$2 fault_par=$3 fault_out=$4
	shift 4
	fault_next=
	for fault_i in "$@"; do
		[ -z "$fault_next" ] || echo next
		printf 'url = "%s"\nheader = "@%s"\ndata-binary = "@%s"\noutput = "%s"\nwrite-out = "%s"\nmax-time = 10\nforbid-reuse\n' \
		    "$E2E_URL$fault_path" "$fault_dir/$fault_i.hdr" \
		    "$fault_dir/$fault_i.body" "$fault_dir/$fault_i.resp" \
		    "$fault_i %{http_code} %{time_total}\\n"
		fault_next=1
	done >"$fault_out.curl"
	curl -sS --no-progress-meter --parallel --parallel-max "$fault_par" \
	    --parallel-immediate \
	    -K "$fault_out.curl" >>"$fault_out" 2>>"$fault_out.err" || :
}

# fault_resend DIR OUT I...: the provider's retry of each I: DIR/I.json
# encrypted and signed again by humanos-send (new IV, new timestamp) and
# POSTed to /webhook/kyc; "I STATUS" lines appended to OUT, the replies in
# DIR/I.resp.
fault_resend() {
	fault_dir=$1 fault_out=$2
	shift 2
	for fault_i in "$@"; do
		e2e_hs "$fault_dir/$fault_i.json" --url "$E2E_URL/webhook/kyc" \
		    >"$fault_dir/$fault_i.out" || :
		sed 1d "$fault_dir/$fault_i.out" >"$fault_dir/$fault_i.resp"
		echo "$fault_i $(sed -n '1s/^HTTP \([0-9]*\).*/\1/p' \
		    "$fault_dir/$fault_i.out")" >>"$fault_out"
	done
}

# fault_with STATUS RESULTS: the I of each result line with STATUS ("!"
# STATUS: with any other).
fault_with() {
	if [ "$1" = "!" ]; then
		awk -v s="$2" '$2 != s { print $1 }' "$3"
	else
		awk -v s="$1" '$2 == s { print $1 }' "$2"
	fi
}

# fault_resp_ids DIR I...: the id of each 200 reply DIR/I.resp, which must
# be the SHA-256 of DIR/I.json (DIR/I.id).
fault_resp_ids() {
	fault_dir=$1
	shift
	for fault_i in "$@"; do
		fault_id=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' \
		    "$fault_dir/$fault_i.resp")
		test "$fault_id" = "$(cat "$fault_dir/$fault_i.id")" ||
		    die "delivery $fault_i: reply id '$fault_id' is not its event's"
		echo "$fault_id"
	done
}

# fault_rows SPOOL OUT: every row of SPOOL complete (one line of JSON in
# new/), no file left in any tmp/; their ids in OUT, sorted.
fault_rows() {
	e2e_js rows "$1" >"$2.u" && LC_ALL=C sort "$2.u" >"$2"
}

# fault_exactly_once SPOOL DIR N: after everything, the rows of SPOOL are
# exactly one per event DIR/0..N-1.json: N rows, N distinct ids, the ids
# of those events.
fault_exactly_once() {
	fault_rows "$1" "$TRASH/rows.ids" &&
	fault_i=0 && : >"$TRASH/want.ids.u" &&
	while [ $fault_i -lt "$3" ]; do
		cat "$2/$fault_i.id" >>"$TRASH/want.ids.u"
		fault_i=$((fault_i + 1))
	done &&
	LC_ALL=C sort "$TRASH/want.ids.u" >"$TRASH/want.ids" &&
	echo "rows: $(wc -l <"$TRASH/rows.ids"), distinct:" \
	    "$(uniq "$TRASH/rows.ids" | wc -l), events: $3" &&
	test "$(wc -l <"$TRASH/rows.ids")" -eq "$3" &&
	test_cmp "$TRASH/want.ids" "$TRASH/rows.ids"
}

# fault_records SPOOL: every exactly-once record (.ids/XX/KEY, a symbolic
# link) is for a row that is in some new/ (no record without its row); the
# only other files allowed in .ids/ are the empty "KEY.PID" that older
# versions' crashes could leave behind (humanos-spool gc removes them).
fault_records() {
	fault_rows "$1" "$TRASH/rec.rows" &&
	(cd "$1/.ids" && find . \( -type f -o -type l \) | sed 's|^\./||') \
	    >"$TRASH/rec.files" &&
	! grep -v -e '^[0-9a-f][0-9a-f]/[0-9a-f]\{64\}$' \
	    -e '^[0-9a-f][0-9a-f]/[0-9a-f]\{64\}\.[0-9]\{1,\}$' \
	    "$TRASH/rec.files" &&
	for fault_f in $(grep '\.' "$TRASH/rec.files"); do
		echo "litter: .ids/$fault_f"
		test ! -s "$1/.ids/$fault_f" || die ".ids/$fault_f is not empty"
	done &&
	grep -v '\.' "$TRASH/rec.files" | sed 's|^.*/||' |
	    LC_ALL=C sort >"$TRASH/rec.keys" &&
	! LC_ALL=C comm -23 "$TRASH/rec.keys" "$TRASH/rec.rows" | grep .
}

# fault_log_ok N: the responder's log has exactly N request lines (if N is
# given), each one whole, and no secret of the configuration appears in
# it or in nginx's logs.
fault_log_ok() {
	fault_lines=$(grep -Ec ' (level=[a-z]+ )?status=[0-9]' "$E2E_LOG" || :)
	echo "request lines in the log: $fault_lines${1:+ (want $1)}"
	if [ -n "${1:-}" ]; then
		test "$fault_lines" -eq "$1" || die "not one log line per request"
	fi
	! grep -E ' (level=[a-z]+ )?status=[0-9]' "$E2E_LOG" | grep -Ev \
	    '^ts=[0-9T:.-]+Z prog=humanos-webhook pid=[0-9]+ (level=[a-z]+ )?status=[0-9]{3} error=[a-z_-]+ id=(-|[0-9a-f]{64}) resource=[a-z-]+ event=[^ ]+ profile=[^ ]+ duplicate=[01] ms=[0-9.]+( |$)' ||
	    die "a request line is not whole"
	fault_no_secrets "$E2E_LOG" "$TRASH"/nginx/logs/*
}

# fault_no_secrets FILE...: none of the configuration's secrets in FILE.
fault_no_secrets() {
	for fault_s in "$E2E_SIG" "$E2E_ENC" "$E2E_SALT" "$E2E_SIG_B" \
	    "$E2E_ENC_B" "$E2E_SALT_B"; do
		! grep -F -l -e "$fault_s" "$@" || die "a secret is in the logs"
	done
}

# fault_max_time RESULTS: the longest time of the result lines.
fault_max_time() {
	awk 'NF >= 3 && $3 > m { m = $3 } END { printf "%.3f\n", m }' "$1"
}

# fault_slow_post PATH BODY HDR SECONDS OUT: one POST whose body is
# trickled in 10 chunks over SECONDS; the status line and reply in OUT,
# then "start END" epoch milliseconds in OUT.t (node, raw socket).
fault_slow_post() {
	node -e '
const net = require("net"), fs = require("fs");
const [port, path, bodyf, hdrf, secs, out] = process.argv.slice(1);
const body = fs.readFileSync(bodyf), hdr = fs.readFileSync(hdrf, "utf8");
const start = Date.now(), n = 10, step = Math.ceil(body.length / n);
const s = net.connect(Number(port), "127.0.0.1");
let resp = "";
s.on("data", (d) => { resp += d; });
s.on("end", () => {
	fs.writeFileSync(out, resp.split("\r\n")[0] + "\n" +
	    resp.slice(resp.indexOf("\r\n\r\n") + 4) + "\n");
	fs.writeFileSync(out + ".t", start + " " + Date.now() + "\n");
});
s.on("error", (e) => { fs.writeFileSync(out, "error " + e.message + "\n"); });
s.write("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
    hdr.trim().split("\n").join("\r\n") + "\r\nContent-Length: " +
    body.length + "\r\n\r\n");
let i = 0;
const t = setInterval(() => {
	s.write(body.slice(i * step, (i + 1) * step));
	if (++i === n)
		clearInterval(t);
}, Number(secs) * 1000 / n);
' "$E2E_PORT" "$1" "$2" "$3" "$4" "$5"
}

# fault_mount_tmpfs DIR SIZE: a tmpfs of SIZE on DIR, owned by the
# responder's user, unmounted at exit.  Fails where mounting is not
# permitted.
fault_mount_tmpfs() {
	mount -t tmpfs -o "size=$2,mode=0755,uid=$(id -u "$E2E_HW_USER"),gid=$(id -g "$E2E_HW_USER")" \
	    tmpfs "$1" 2>/dev/null || return 1
	test_cleanup_cmd "umount -l '$1' 2>/dev/null"
}

# fault_add_unbuffered: the kyc location of the shipped snippet, again at
# /unbuffered/webhook/kyc with fastcgi_request_buffering off, added to the
# running nginx (reload by SIGHUP).  Call after e2e_nginx_start.
fault_add_unbuffered() {
	fault_n=$TRASH/nginx
	sed -n '/^location = \/webhook\/kyc {/,/^}/p' \
	    "$fault_n/humanos-webhook.conf" |
	sed -e 's|^location = /webhook/kyc|location = /unbuffered/webhook/kyc|' \
	    -e 's|fastcgi_request_buffering on;|fastcgi_request_buffering off;|' \
	    >"$fault_n/unbuffered.conf" &&
	grep -q 'fastcgi_request_buffering off;' "$fault_n/unbuffered.conf" &&
	sed -i "s|^\( *\)include $fault_n/humanos-webhook.conf;|&\n\1include $fault_n/unbuffered.conf;|" \
	    "$fault_n/site.conf" &&
	grep -q "include $fault_n/unbuffered.conf;" "$fault_n/site.conf" &&
	kill -HUP "$E2E_SERVER_PID"
}

# fault_killer: SIGKILL a random worker of $FAULT_PID every 50 to 200 ms
# while $TRASH/killing exists (at most 1000 times); each PID killed is
# appended to $TRASH/kills.  Run it in the background.
fault_killer() {
	fault_k=0
	while [ -f "$TRASH/killing" ] && [ $fault_k -lt 1000 ]; do
		fault_victim=$(e2e_children "$FAULT_PID" | shuf -n 1)
		if [ -n "$fault_victim" ] && kill -KILL "$fault_victim" 2>/dev/null; then
			echo "$fault_victim" >>"$TRASH/kills"
		fi
		fault_k=$((fault_k + 1))
		sleep "$(shuf -i 30-120 -n 1 | awk '{ printf "%.3f", $1 / 1000 }')"
	done
}
