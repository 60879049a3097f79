#!/bin/sh
# consents-to-csv.sh: a COMMAND for `humanos-spool run consents -- ...`.
#
# Appends each consent decision of the row on stdin to a CSV report, one
# line per metadata.items entry:
#
#   received_at,process_id,user_id,consent_name,decision,decision_date,row_id
#
# decision is "accepted" or "rejected".  The report is $HUMANOS_CONSENTS_CSV
# (default /var/lib/humanos/consents.csv); a header is written when it is
# created.  Needs only humanos-spool, awk and flock (util-linux).
#
# Idempotent: `run` hands a row out at least once (a run killed after the
# command succeeded but before the row moved to cur/ hands it out again),
# so a row whose id is already in the report is not added twice.
set -eu

report=${HUMANOS_CONSENTS_CSV:-/var/lib/humanos/consents.csv}
spool=${HUMANOS_SPOOL_DIR:?run me under humanos-spool run}
tool=${HUMANOS_SPOOL:-humanos-spool}

tmp=$(mktemp "${TMPDIR:-/tmp}/consents.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# The row's items as TSV (tabs, newlines and backslashes escaped, so cut
# is safe), then CSV-quoted by awk: the field order of the report.
"$tool" -d "$spool" cat --format tsv --items - |
awk -F '\t' 'NR > 1 {
	decision = $15 == "true" ? "rejected" : "accepted"
	print csv($1) "," csv($5) "," csv($6) "," csv($13) "," decision "," \
	    csv($14) "," csv($9)
}
function csv(s) {
	if (s !~ /[",\r\n]/)
		return s
	gsub(/"/, "\"\"", s)
	return "\"" s "\""
}' >"$tmp"

[ -s "$tmp" ] || exit 0			# a row without items: nothing to add
id=$(sed -n '1s/.*,//p' "$tmp")

# One writer at a time; check and append under the same lock.
exec 9>>"$report"
flock 9
if [ ! -s "$report" ]; then
	echo "received_at,process_id,user_id,consent_name,decision,decision_date,row_id" >&9
fi
if grep -q ",$id\$" "$report"; then
	exit 0				# handed out before: already reported
fi
cat "$tmp" >&9
