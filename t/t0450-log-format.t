#!/bin/sh
# SPDX-License-Identifier: ISC
# t0450: the responder's log line.  Every field key=value; values from the
# request escaped, so that nothing splits a line or fakes a field; ts= in
# a file, the sd-daemon priority prefix and no ts/prog/pid of our own when
# stderr is the journal ($JOURNAL_STREAM names it).
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

[ -x "$HW_SEND" ] || skip_all "humanos-send not built"
command -v node >/dev/null || skip_all "node not installed"

send="$HW_SEND --signature-secret $HW_SIG_SECRET --encryption-secret $HW_ENC_SECRET --salt $HW_SALT"
# key=value fields: a bare word, or "..." without raw quotes inside.
KV='[a-z_]+=([^ "=]+|"([^"\\]|\\.)*")'

test_expect_success 'in a file: ts= (RFC 3339, ms, UTC), prog=, pid=, then the fields' '
	hw_conf webhook.conf &&
	$send --sample kyc --print >a.req && hw_split a &&
	hw_cgi a && hw_expect a 200 &&
	test "$(wc -l <a.err)" -eq 1 &&
	grep -Eq "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z prog=humanos-webhook pid=[0-9]+ status=200 error=- id=[0-9a-f]{64} resource=kyc " a.err &&
	grep -Eqx "($KV ?)+" a.err
'

test_expect_success 'a 4xx is level=warning, and the line is still whole' '
	cp a.ts b.ts && cp a.body b.body && hw_flip "$(cat a.sig)" >b.sig &&
	hw_cgi b && hw_expect b 401 invalid_signature &&
	grep -Eq " level=warning status=401 error=invalid_signature " b.err &&
	grep -Eqx "($KV ?)+" b.err
'

test_expect_success 'a newline, quotes and = in HUMANOS_PROFILE and HUMANOS_RESOURCE stay in one field' '
	$send --sample consent --print >c.req && hw_split c &&
	hw_cgi c HUMANOS_PROFILE="$(printf "x\nstatus=200 id=fake")" &&
	hw_expect c 500 unknown_profile &&
	test "$(wc -l <c.err)" -eq 1 &&
	grep -q "profile=\"x\\\\x0astatus=200 id=fake\"" c.err &&
	grep -Eqx "($KV ?)+" c.err &&
	$send --sample consent --print >d.req && hw_split d &&
	hw_cgi d HUMANOS_RESOURCE="$(printf "forms\" x=\"1\nid=fake")" &&
	hw_expect d 200 &&
	test "$(wc -l <d.err)" -eq 1 &&
	grep -q "misrouted=\"forms\\\\\" x=\\\\\"1\\\\x0aid=fake\"" d.err &&
	grep -Eqx "($KV ?)+" d.err
'

test_expect_success 'on the journal: <6>/<4> first, no ts, prog or pid of our own' '
	$send --sample form-filled --print >e.req && hw_split e &&
	: >e.err && js=$(stat -c "%d:%i" e.err) &&
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json REQUEST_URI=/hooks/forms \
	    HTTP_X_TIMESTAMP="$(cat e.ts)" HTTP_X_SIGNATURE="$(cat e.sig)" \
	    CONTENT_LENGTH="$(wc -c <e.body)" JOURNAL_STREAM="$js" \
	    HUMANOS_WEBHOOK_CONFIG="$TRASH/webhook.conf" \
	    "$HW_WEBHOOK" <e.body >e.out 2>>e.err &&
	hw_expect e 200 &&
	grep -Eq "^<6>status=200 error=- id=[0-9a-f]{64} resource=forms " e.err &&
	! grep -q "ts=\|prog=\|pid=" e.err &&
	cp e.ts f.ts && cp e.body f.body && hw_flip "$(cat e.sig)" >f.sig &&
	: >f.err && js=$(stat -c "%d:%i" f.err) &&
	hw_cgi f JOURNAL_STREAM="$js" && hw_expect f 401 &&
	grep -Eq "^<4>status=401 " f.err
'

test_expect_success 'JOURNAL_STREAM naming another stream: not the journal' '
	$send --sample form-filled --print >g.req && hw_split g &&
	hw_cgi g JOURNAL_STREAM=1:2 && hw_expect g 200 &&
	grep -q "^ts=" g.err && ! grep -q "^<" g.err
'

test_done
