#!/bin/sh
# SPDX-License-Identifier: ISC
# t0410: the responder under valgrind on every status path (200,
# duplicate, 400, 401 x4, 405, 413 x2, 415, 422, 500 x2, 503), as a CGI
# program: no memory error, no definite leak, whatever the answer.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/hardening-lib.sh"

command -v valgrind >/dev/null || skip_all "valgrind not installed"
[ -x "$HW_SEND" ] || skip_all "humanos-send not built"
command -v node >/dev/null || skip_all "node not installed"
grep -q 'define HAVE_SANITIZERS 1' "$top_builddir/autoconfig.h" 2>/dev/null &&
    skip_all "a sanitizer build (valgrind cannot run ASan binaries)"

# Valgrind cannot run a seccomp(2) call (it stops: "unhandled syscall
# 317"), so the sandbox is off here, through its documented opt-out; it
# has its own test (t0430).
HW_WRAP="valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --log-file=$TRASH/vg.%p"
HW_ALL_SAMPLES=no
HW_CGI_ENV=HUMANOS_NO_SANDBOX=1
export HW_WRAP HW_ALL_SAMPLES HW_CGI_ENV

test_expect_success 'every status path, each run under valgrind' '
	hw_conf webhook.conf "max_body = 8k" &&
	hw_every_status
'

test_expect_success 'valgrind ran each of them' '
	test "$(ls vg.* | wc -l)" -eq "$(ls all/*.out | wc -l)"
'

test_expect_success 'no memory error and no definite leak anywhere' '
	cat vg.* >valgrind.log &&
	! grep -E "Invalid|uninitialised|definitely lost|Mismatched|ERROR SUMMARY: [1-9]" valgrind.log
'

# Secrets wiped at exit: config_free() (OPENSSL_cleanse) must have run on
# the way out, so no block the configuration allocated is still there.
test_expect_success 'at exit, no secret or key is still allocated' '
	cp all/ok.ts r.ts && cp all/ok.sig r.sig && cp all/ok.body r.body &&
	HW_WRAP="valgrind -q --leak-check=full --show-leak-kinds=all
	    --log-file=$TRASH/reach.log" hw_cgi r &&
	hw_expect r 200 &&
	! grep -E "secret_set|secret_copy|decode_secret|EVP_MAC_CTX_new|EVP_MAC_init|EVP_CIPHER_CTX_new|EVP_CipherInit" reach.log
'

test_done
