#!/bin/sh
# SPDX-License-Identifier: ISC
# t0015: the manuals.  Each page is clean under mandoc -Tlint and under
# man --warnings (groff), shows a real date and the package in its footer,
# and documents what the programs do: every status and error code of the
# responder (SPEC section 6, and its own unknown_profile) in
# humanos-webhook(8) RESPONSES, every exit code a program can return in its
# page's EXIT STATUS.  The codes come from the tables below, not from the
# pages; the exit codes are also checked against the EX_* names the
# sources use.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

command -v mandoc >/dev/null 2>&1 || skip_all "mandoc is not installed"
MAN=$top_srcdir/man
PAGES="humanos-webhook.8 humanos-webhook.conf.5 humanos-spool.1 humanos-send.1"

# humanos-webhook(8) RESPONSES: "STATUS [ERROR]", one per line.
STATUSES="\
200
400 malformed_body
401 missing_signature
401 invalid_signature
401 missing_timestamp
401 stale_timestamp
405 method_not_allowed
408 body_timeout
413 payload_too_large
415 unsupported_media_type
422 invalid_event
500 decrypt_failed
500 unknown_profile
503 spool_unavailable"

# page: the exit codes its program can return.
EXITS="\
humanos-webhook.8: 0 64 70 71 73 75 77 78
humanos-spool.1: 0 1 64 65 66 69 70 71 74 75 77 78
humanos-send.1: 0 1 64 65 66 69 70 71 74 75 78"
# page: its program's automake name (PROG_SOURCES).
PROGRAMS="\
humanos-webhook.8: humanos_webhook
humanos-spool.1: humanos_spool
humanos-send.1: humanos_send"

# lint PAGE: mandoc's messages about PAGE, but for references to manuals
# this machine lacks (ours are not installed while testing) and notes on
# the system's mandoc.db.  mandoc's exit status up to 4 only says the
# worst level of its messages, which are the verdict.
lint() {
	{ mandoc -Tlint -Wstyle "$1" >lint.raw 2>&1; test $? -le 4; } &&
	{ grep -v -e 'STYLE: referenced manual not found' \
	    -e '^mandoc: outdated mandoc\.db' lint.raw >lint.out
	  test $? -le 1; } &&
	cat lint.out &&
	test ! -s lint.out
}

# text PAGE: the page as plain text.
text() { mandoc -Tascii -Owidth=78 "$1" | sed 's/.\x08//g'; }

# sources PROG: the C files of PROG_SOURCES in Makefile.am and src/*.am.
sources() {
	(cd "$top_srcdir" && awk -v v="$1_SOURCES" '
		$1 == v && ($2 == "=" || $2 == "+=") { p = 1; $1 = $2 = "" }
		p {
			c = /\\$/
			for (i = 1; i <= NF; i++)
				if ($i ~ /\.c$/)
					print $i
			p = c
		}' Makefile.am src/*.am)
}

# section PAGE NAME: the text of one section.
section() {
	text "$1" | awk -v s="$2" '
		$0 == s { p = 1; next }
		/^[A-Z]/ { p = 0 }
		p'
}

# tagged PAGE SECTION TAG: SECTION of PAGE has an entry TAG (a line that
# starts with it, indented, as .TP tags are).
tagged() {
	section "$1" "$2" | grep -Eq "^ +$3( |\$)" ||
	    { echo "$1: $2: no entry \"$3\""; return 1; }
}

for p in $PAGES; do
	test_expect_success "$p: mandoc -Tlint says nothing" "
		lint \"$MAN/$p\"
	"
done

if command -v man >/dev/null 2>&1; then
	for p in $PAGES; do
		test_expect_success "$p: man --warnings says nothing; footer: package and date" "
			LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l \"$MAN/$p\" \
			    >page.txt 2>warn.out &&
			cat warn.out && test ! -s warn.out &&
			sed '/^\$/d' page.txt | tail -n 1 >foot &&
			cat foot &&
			grep -Eq '^humanos-webhook +[0-9]{4}-[0-9]{2}-[0-9]{2} ' foot &&
			! grep -q BSD foot
		"
	done
else
	for p in $PAGES; do
		test_skip "$p: man --warnings" "man is not installed"
	done
fi

echo "$STATUSES" >statuses
test_expect_success 'humanos-webhook.8: every status and error code in RESPONSES' '
	n=0 &&
	while read -r st err; do
		tagged "$MAN/humanos-webhook.8" RESPONSES "$st${err:+ $err}" ||
		    n=$((n + 1))
	done <statuses &&
	test $n -eq 0
'

echo "$EXITS" >exits
while read -r page codes; do
	page=${page%:}
	test_expect_success "$page: every exit code in EXIT STATUS" "
		n=0 &&
		for c in $codes; do
			tagged \"$MAN/$page\" 'EXIT STATUS' \$c || n=\$((n + 1))
		done &&
		test \$n -eq 0
	"
done <exits

# The sysexits names each program's sources use are in its table above.
SYSEXITS=/usr/include/sysexits.h
echo "$PROGRAMS" >programs
while read -r page prog; do
	page=${page%:}
	if [ ! -f "$SYSEXITS" ]; then
		test_skip "$page: the sources' EX_* codes are in the table" \
		    "no $SYSEXITS"
		continue
	fi
	test_expect_success "$page: the sources' EX_* codes are in the table" "
		codes=\$(grep \"^$page:\" exits | cut -d: -f2) &&
		sources $prog >files && cat files && test -s files &&
		(cd \"\$top_srcdir\" && cat \$(cat \"\$TRASH/files\")) >src.c &&
		grep -ow 'EX_[A-Z]*' src.c | sort -u >names &&
		test -s names &&
		n=0 &&
		for ex in \$(cat names); do
			v=\$(sed -n \"s/^#define[[:space:]]*\$ex[[:space:]]*\\([0-9]*\\).*/\\1/p\" \
			    $SYSEXITS) &&
			case \" \$codes \" in
			*\" \$v \"*) test -n \"\$v\" ;;
			*) false ;;
			esac || {
				echo \"\$ex (\$v) is used but not in the table\" &&
				n=\$((n + 1))
			}
		done &&
		test \$n -eq 0
	"
done <programs

test_done
