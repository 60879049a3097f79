#!/bin/sh
# SPDX-License-Identifier: ISC
# consents-to-csv.sh: a COMMAND for `humanos-spool run consents -- ...`.
#
# Appends each consent decision of the row on stdin to a CSV report, one
# line per metadata.items entry:
#
#   received_at,process_id,user_id,consent_name,decision,decision_date,row_id
#
# decision is "accepted" or "rejected".  The report is $HUMANOS_CONSENTS_CSV
# (default /var/lib/humanos/consents.csv); a header is written when it is
# created.  Needs only humanos-spool ($HUMANOS_SPOOL, default from PATH),
# awk, flock (util-linux) and coreutils.
#
# Idempotent: `run` hands a row out at least once (a run killed after the
# command succeeded but before the row moved to cur/ hands it out again),
# so a row whose id is already in the report is not added twice.
#
# Fails closed (SPEC section 8).  Exit status:
#   0   the row's lines are in the report and fsynced (or the row has no
#       items, or its lines were there already)
#   75  the report could not be written or flushed (a full or failing file
#       system: a downstream problem that may pass); the report is
#       truncated back to its old size, so no partial line is left, and
#       `run` keeps the row without counting an attempt
#   other non-zero: a failed step of our own (humanos-spool cat failed or is
#       missing: its exit status; the report cannot be opened or locked;
#       unexpected output): `run` counts an attempt
# A partial last line left by an append that was killed half-way is dropped
# before the next append (its row was never acknowledged, so it comes again).
set -eu

report=${HUMANOS_CONSENTS_CSV:-/var/lib/humanos/consents.csv}
spool=${HUMANOS_SPOOL_DIR:?run me under humanos-spool run}
tool=${HUMANOS_SPOOL:-humanos-spool}
me=consents-to-csv

tmp=$(mktemp -d "${TMPDIR:-/tmp}/consents.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' HUP INT TERM

# The row's items as TSV (tabs, newlines and backslashes escaped, so every
# item is one line), into a file so that the tool's status is seen (dash
# has no pipefail).
st=0
"$tool" -d "$spool" cat --format tsv --items - >"$tmp/tsv" || st=$?
if [ "$st" -ne 0 ]; then
	echo "$me: $tool cat failed with exit status $st" >&2
	exit "$st"
fi
first=
IFS= read -r first <"$tmp/tsv" || :
case $first in
received_at"	"*)	;;
*)	echo "$me: no TSV header from $tool cat" >&2
	exit 70 ;;
esac
items=$(wc -l <"$tmp/tsv")
[ "$items" -gt 1 ] || exit 0		# a row without items: nothing to add

# CSV-quoted by awk, columns taken by name: the field order of the report.
awk -F '\t' 'NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	split("received_at process_id subject_id item_name item_decision_date item_rejected id", need, " ")
	for (i in need)
		if (!(need[i] in col)) {
			print "consents-to-csv: no column " need[i] >"/dev/stderr"
			exit 70
		}
	next
}
{
	decision = $col["item_rejected"] == "true" ? "rejected" : "accepted"
	print csv($col["received_at"]) "," csv($col["process_id"]) "," \
	    csv($col["subject_id"]) "," csv($col["item_name"]) "," decision \
	    "," csv($col["item_decision_date"]) "," csv($col["id"])
}
function csv(s) {
	if (s !~ /[",\r\n]/)
		return s
	gsub(/"/, "\"\"", s)
	return "\"" s "\""
}' "$tmp/tsv" >"$tmp/lines"
[ "$(wc -l <"$tmp/lines")" -eq $((items - 1)) ] || {
	echo "$me: awk lost lines" >&2
	exit 70
}
id=$(sed -n '1s/.*,//p' "$tmp/lines")
case $id in
"" | *[!0-9a-f]*)
	echo "$me: the row has no id" >&2
	exit 70 ;;
esac

# One writer at a time; check and append under the same lock.
exec 9>>"$report"
flock 9
size=$(stat -c %s -- "$report")

# A partial last line (an append killed half-way, a crash): drop it.
if [ "$size" -gt 0 ]; then
	last=$(tail -c 1 -- "$report")
	if [ -n "$last" ]; then
		tail -n 1 -- "$report" >"$tmp/partial"
		part=$(wc -c <"$tmp/partial")
		size=$((size - part))
		truncate -s "$size" -- "$report" || exit 75
		echo "$me: dropped a partial last line ($part bytes) from $report" >&2
	fi
fi

found=0
grep -q -e ",$id\$" -- "$report" || found=$?
case $found in
0)	# handed out before: already reported; make sure it is on disk
	sync -- "$report" || exit 75
	exit 0 ;;
1)	;;
*)	exit 75 ;;			# the report cannot be read
esac

if [ "$size" -eq 0 ]; then
	echo "received_at,process_id,user_id,consent_name,decision,decision_date,row_id" >"$tmp/out"
fi
cat -- "$tmp/lines" >>"$tmp/out"

# Append, then fsync (and the directory's entry when the report is new).
# Any failure: back to the old size, so that no partial line is left.
st=0
cat -- "$tmp/out" >&9 || st=$?
[ "$st" -ne 0 ] || sync -- "$report" || st=$?
if [ "$st" -eq 0 ] && [ "$size" -eq 0 ]; then
	sync -- "$(dirname -- "$report")" || st=$?
fi
if [ "$st" -ne 0 ]; then
	truncate -s "$size" -- "$report" ||
	    echo "$me: cannot truncate $report back to $size bytes" >&2
	echo "$me: cannot append to $report; the row stays waiting" >&2
	exit 75
fi
exit 0
