#!/bin/sh
# SPDX-License-Identifier: ISC
# t0440: the responder as a CGI program, where the environment is all it
# has: the row's location without REQUEST_URI (SCRIPT_NAME + PATH_INFO),
# and a spool that cannot be opened answering each request in the SPEC's
# order (405, 401 before 503), with its log line.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

[ -x "$HW_SEND" ] || skip_all "humanos-send not built"
command -v node >/dev/null || skip_all "node not installed"

send="$HW_SEND --signature-secret $HW_SIG_SECRET --encryption-secret $HW_ENC_SECRET --salt $HW_SALT"

test_expect_success 'no REQUEST_URI: location is SCRIPT_NAME and PATH_INFO' '
	hw_conf webhook.conf &&
	$send --sample kyc --print >a.req && hw_split a &&
	hw_cgi a REQUEST_URI= SCRIPT_NAME=/cgi-bin/humanos-webhook \
	    PATH_INFO=/kyc && hw_expect a 200 &&
	grep -q "\"location\":\"/cgi-bin/humanos-webhook/kyc\"" spool/kyc/new/*
'

test_expect_success 'REQUEST_URI, when set, is the location (query cut)' '
	$send --sample consent --print >b.req && hw_split b &&
	hw_cgi b REQUEST_URI="/hooks/consents?x=1" SCRIPT_NAME=/cgi-bin/x &&
	hw_expect b 200 &&
	grep -q "\"location\":\"/hooks/consents\"" spool/consents/new/*
'

test_expect_success 'spool broken: GET is 405, forged 401, the rest 503' '
	rm -rf spool/other/tmp && : >spool/other/tmp &&
	cp a.ts g.ts && cp a.sig g.sig && : >g.body &&
	hw_cgi g REQUEST_METHOD=GET && hw_expect g 405 method_not_allowed &&
	$send --sample form-filled --print >c.req && hw_split c &&
	cp c.ts f.ts && cp c.body f.body && hw_flip "$(cat c.sig)" >f.sig &&
	hw_cgi f && hw_expect f 401 invalid_signature &&
	hw_cgi c && hw_expect c 503 spool_unavailable &&
	for n in g f c; do
		grep -q "status=$(hw_status $n) " $n.err ||
		    die "$n: no status line: $(cat $n.err)"
	done &&
	grep -q "spool .*Not a directory" c.err &&
	[ -z "$(find spool/forms -type f)" ]
'

test_expect_success 'spool mended: the same delivery is spooled' '
	rm -f spool/other/tmp && mkdir spool/other/tmp &&
	hw_cgi c && hw_expect c 200 &&
	[ "$(ls spool/forms/new | wc -l)" -eq 1 ]
'

test_done
