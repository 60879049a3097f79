#!/bin/sh
# SPDX-License-Identifier: ISC
# The release and the Debian package, as far as they can be checked without
# building it (.ci/package builds, lints, installs and purges it): every
# program says the package's version, which is the one debian/changelog
# and NEWS give; LICENSE and debian/copyright are ISC; the systemd units
# start only once /etc/humanos-webhook.conf exists; the cron.d file holds
# crontab.example's jobs, each commented out, as the spool's user; the
# user and the spool of sysusers.d and tmpfiles.d are the units'.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

S=$top_srcdir
U=$S/deploy/systemd
D=$S/debian
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "$top_builddir/autoconfig.h")

# unit_key FILE KEY: the values of KEY= in FILE, one a line.
unit_key() { sed -n "s/^$2=//p" "$1"; }
# unit_section FILE SECTION: the lines of [SECTION] in FILE.
unit_section() {
	awk -v s="[$2]" '/^\[/ { in_s = ($0 == s); next } in_s' "$1"
}

test_expect_success 'the build has a version' '
	test -n "$VERSION"
'

test_expect_success '--version: "NAME VERSION", one line, exit 0, for each program' '
	for p in humanos-webhook humanos-spool humanos-send; do
		"$top_builddir/$p" --version >$p.out &&
		echo "$p $VERSION" >$p.want &&
		test_cmp $p.want $p.out || exit 1
	done
'

test_expect_success 'debian/changelog: the build'"'"'s version, unstable, a maintainer' '
	head -n 1 "$D/changelog" >head.line &&
	echo "humanos-webhook ($VERSION) unstable; urgency=medium" >head.want &&
	test_cmp head.want head.line &&
	sed -n "/^ -- /{p;q}" "$D/changelog" >trailer &&
	grep -Eq "^ -- [^<]+ <[^@ ]+@[^> ]+>  [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} " trailer
'

test_expect_success 'NEWS: the first version listed is the build'"'"'s, and 0.1.0 is there' '
	grep -m 1 "^Version " "$S/NEWS" >first &&
	grep -q "^Version $VERSION (" first &&
	grep -q "^Version 0\.1\.0 (" "$S/NEWS"
'

test_expect_success 'LICENSE: ISC, 2026, the humanos-webhook authors; debian/copyright agrees' '
	grep -qx "ISC License" "$S/LICENSE" &&
	grep -qx "Copyright (c) 2026 The humanos-webhook authors" "$S/LICENSE" &&
	grep -q "^Permission to use, copy, modify, and/or distribute this software for any$" "$S/LICENSE" &&
	grep -qx "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "$D/copyright" &&
	grep -qx "Copyright: 2026 The humanos-webhook authors" "$D/copyright" &&
	test "$(grep -c "^License: ISC$" "$D/copyright")" = 2
'

test_expect_success 'SECURITY.md: how to report a vulnerability, privately' '
	sed -n "/^## .*Reporting a vulnerability/,/^## /p" "$S/SECURITY.md" >report &&
	grep -q "security advisories" report &&
	grep -q "not in a public issue" report
'

test_expect_success 'every unit starts only once /etc/humanos-webhook.conf exists' '
	for f in humanos-webhook.socket humanos-webhook.service \
	    humanos-webhook-listen.service; do
		unit_section $U/$f Unit >$f.unit &&
		grep -qx "ConditionPathExists=/etc/humanos-webhook.conf" $f.unit ||
		    { echo "$f: no ConditionPathExists in [Unit]"; exit 1; }
		test "$(unit_key $U/$f ExecStart; unit_key $U/$f ExecStartPre)" = "" ||
		    unit_key $U/$f ExecStart | grep -q -- "-c /etc/humanos-webhook.conf" ||
		    { echo "$f: ExecStart reads another configuration"; exit 1; }
	done
'

test_expect_success 'cron.d: crontab.example'"'"'s jobs, each commented out, as humanos' '
	sed -n "s/^\([0-9*][^ ]* [^ ]* [^ ]* [^ ]* [^ ]*\)  /\1  humanos  /p" \
	    "$S/deploy/cron/crontab.example" >jobs.want &&
	test -s jobs.want &&
	sed -n "s/^#\([0-9*@]\)/\1/p" "$D/humanos-webhook.cron.d" >jobs.got &&
	test_cmp jobs.want jobs.got &&
	! grep -Eq "^[[:space:]]*[0-9*@]" "$D/humanos-webhook.cron.d" &&
	grep -qx "HOOKS=/usr/lib/humanos-webhook" "$D/humanos-webhook.cron.d" &&
	grep -qx "SPOOL=/var/spool/humanos-webhook" "$D/humanos-webhook.cron.d"
'

test_expect_success 'sysusers.d and tmpfiles.d: the units'"'"' user, its spool' '
	test "$(unit_key $U/humanos-webhook.service User)" = humanos &&
	test "$(unit_key $U/humanos-webhook.service ReadWritePaths)" = /var/spool/humanos-webhook &&
	test "$(unit_key $U/humanos-webhook-listen.service ReadWritePaths)" = /var/spool/humanos-webhook &&
	unit_key $U/humanos-webhook-listen.service ExecStart |
	    grep -q -- "--user humanos --group humanos" &&
	grep -v "^#" "$D/humanos-webhook.sysusers" >sysusers &&
	echo "u humanos - \"Humanos webhook receiver\" /var/spool/humanos-webhook" >sysusers.want &&
	test_cmp sysusers.want sysusers &&
	grep -v "^#" "$D/humanos-webhook.tmpfiles" >tmpfiles &&
	echo "d /var/spool/humanos-webhook 0750 humanos humanos -" >tmpfiles.want &&
	test_cmp tmpfiles.want tmpfiles
'

test_expect_success 'nothing the package runs or includes lives under /usr/share/doc' '
	for f in humanos-webhook.cron.d rules humanos-webhook.postinst \
	    humanos-webhook.postrm; do
		test -f "$D/$f" || { echo "no debian/$f"; exit 1; }
	done &&
	{ grep -Hn /usr/share/doc "$D/humanos-webhook.cron.d" "$D/rules" \
	    "$D/humanos-webhook.postinst" "$D/humanos-webhook.postrm" \
	    "$S/deploy/cron/crontab.example" "$S/deploy/nginx/site.conf" \
	    $U/* || :; } >doc.hits &&
	{ grep -v "^[^:]*:[0-9]*:[[:space:]]*#" doc.hits >doc.used || :; } &&
	cat doc.used && test ! -s doc.used
'

test_expect_success 'postrm never removes a file of the spool' '
	! grep -En "rm +-[a-zA-Z]*r|--recursive" "$D/humanos-webhook.postrm" &&
	grep -q -- "-type d -empty -delete" "$D/humanos-webhook.postrm"
'

test_expect_success 'an SPDX line (ISC) in every source file' '
	{ find "$S/src" "$S/include" "$S/t" "$S/bench" "$S/fuzz" "$S/deploy" \
	    "$S/man" -type f \( -name "*.c" -o -name "*.h" -o -name "*.sh" \
	    -o -name "*.t" -o -name "*.js" -o -name "*.am" -o -name "*.conf" \
	    -o -name "*.sql" -o -name "*.service" -o -name "*.socket" \
	    -o -name "*.[158]" \) ! -path "*/node_modules/*" \
	    ! -path "*/corpus/*" ! -path "*/fixtures/*" -print &&
	    echo "$S/configure.ac" && echo "$S/Makefile.am" &&
	    echo "$S/autogen.sh"; } >sources &&
	test "$(wc -l <sources)" -gt 100 &&
	{ xargs grep -L "SPDX-License-Identifier: ISC" <sources >missing || :; } &&
	cat missing && test ! -s missing &&
	grep -q "^ISC License" "$S/LICENSE"
'

test_done
