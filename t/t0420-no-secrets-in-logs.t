#!/bin/sh
# SPDX-License-Identifier: ISC
# t0420: no secret and no personal data in any log line or response.
# Every status (200, duplicate, 400, 401 x4, 405, 413 x2, 415, 422,
# 500 x2, 503) goes through the CGI responder; all of stderr (the web
# server's error log) and every response are searched for each secret
# (signature secret, encryption secret in base64 and decoded, salt) and
# for personal values of the samples.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

[ -x "$HW_SEND" ] || skip_all "humanos-send not built"
command -v node >/dev/null || skip_all "node not installed"

test_expect_success 'every status path answers as SPEC says' '
	hw_conf webhook.conf "max_body = 8k" &&
	hw_every_status
'

# What must never be seen: the secrets, and personal data of the samples.
cat >needles <<EON
$HW_SIG_SECRET
$HW_ENC_SECRET
$HW_ENC_RAW
$HW_SALT
Rodrigo
Sarroeira
John Doe
14499760
john.doe@example.com
+351
912345678
EON

test_expect_success 'the samples carry the personal data searched for' '
	cat all/*.req >all-requests &&
	grep -q "Rodrigo" "$top_srcdir/t/fixtures/sample-kyc.json" &&
	for s in ok s-consent s-identity; do
		test -s all/$s.out || return 1
	done
'

test_expect_success 'the logs have one line per request, and no secret' '
	cat all/*.err >log &&
	n=$(ls all/*.out | wc -l) &&
	test "$(grep -c "status=" log)" -eq "$n" &&
	! grep -F -f needles log
'

test_expect_success 'no response holds a secret or personal data' '
	cat all/*.out >responses &&
	! grep -F -f needles responses &&
	! grep -i "secret\|salt" responses
'

test_expect_success 'the quarantine rows hold no secret and no decrypted data' '
	cat spool/quarantine/new/* >quarantine &&
	test "$(grep -c . quarantine)" -eq 3 &&
	! grep -F -f needles quarantine &&
	! grep -q "\"payload\"" quarantine
'

test_expect_success 'the spool outside the rows (.ids, .seq) holds nothing' '
	find spool/.ids -type f -size +0c >nonempty &&
	test ! -s nonempty &&
	! grep -rF -f needles spool/.seq
'

test_expect_success 'rows do hold the payload (the search above can see it)' '
	grep -l "Rodrigo" spool/kyc/new/* >/dev/null
'

test_expect_success 'a failing --check-config shows no secret' '
	hw_conf bad.conf "unknown_key = 1" "max_body = 65m" &&
	! "$HW_WEBHOOK" -c bad.conf --check-config >check.out 2>&1 &&
	test -s check.out &&
	! grep -F -f needles check.out
'

test_done
