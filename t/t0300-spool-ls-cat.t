#!/bin/sh
# SPDX-License-Identifier: ISC
# humanos-spool ls and cat: order, strict names, formats, escaping.
. "$top_srcdir/t/lib.sh"

MKROW="$top_builddir/t/helper/mkrow"
S="$TRASH/spool"
S2="$TRASH/spool2"
ID1=1111111111111111111111111111111111111111111111111111111111111111
ID2=2222222222222222222222222222222222222222222222222222222222222222
ID3=3333333333333333333333333333333333333333333333333333333333333333
N1=1764133376000001.0000001.json
N2=1764133376000002.0000001.json
N3=1764133376000003.0000001.json

# Hand-made rows with fixed names, ids and times, so outputs are exact.
hostile_rows() {
	cat >"$S/consents/new/$N1" <<'ROW'
{"id":"1111111111111111111111111111111111111111111111111111111111111111","received_at":"2026-01-02T03:04:05.678Z","resource":"consents","event":"process.consent.completed","profile":"default","location":"/webhook/consents","delivery_timestamp":"1","payload":{"eventType":"process.consent.completed","organizationId":"org,\"q\"","processId":"p\t1","userId":"\u00fc\\back\nslash\r","completedAt":"2025-09-12T14:37:31.236Z","metadata":{"items":[{"itemId":"i1","consentName":"Data, \"Privacy\"","decisionDate":"d1","rejected":false},{"itemId":"i2","consentName":"Multi\nline\r\nname","decisionDate":null,"rejected":true}]}}}
ROW
	cat >"$S/credentials/new/$N2" <<'ROW'
{"id":"2222222222222222222222222222222222222222222222222222222222222222","received_at":"2026-01-02T03:04:06.000Z","resource":"credentials","event":"credential","profile":"p2","location":"/webhook","delivery_timestamp":"2","payload":{"event":"credential","api_version":"2025-10-01","requestId":"req-1","issuerDid":"did:web:x","user":{"did":"did:key:z6"},"decision":{"status":"accepted","date":"2025-10-01T10:15:00.000Z"},"metadata":{"items":[{"itemId":"c1","documentName":"Contrato \u00e7\u00e3o","decision":{"date":"2025-10-01T10:16:00.000Z"},"rejected":false}]}}}
ROW
	cat >"$S/forms/new/$N3" <<'ROW'
{"id":"3333333333333333333333333333333333333333333333333333333333333333","received_at":"2026-01-02T03:04:07.000Z","resource":"forms","event":"process.form.rejected","profile":"default","location":"/webhook/forms","delivery_timestamp":"3","payload":{"event":"process.form.rejected","processId":"p3","organizationId":"o3","professionalId":"pro3","rejectedAt":"2025-09-15T22:10:12.421Z","metadata":{"items":[{"itemId":"f1","formId":"fo67jWVc","reason":"opted out"}]}}}
ROW
}

test_expect_success 'setup: an empty spool made by the real writer' '
	"$MKROW" "$S" </dev/null &&
	test -d "$S/kyc/new" && test -d "$S/quarantine/new" &&
	hostile_rows
'

test_expect_success 'ls prints the waiting rows per resource, oldest first' '
	printf "%s\n" "$S/consents/new/$N1" "$S/forms/new/$N3" \
	    "$S/credentials/new/$N2" >expect &&
	"$HW_SPOOL" -d "$S" ls >out &&
	test_cmp expect out &&
	"$HW_SPOOL" -d "$S" ls credentials forms >out &&
	printf "%s\n" "$S/forms/new/$N3" "$S/credentials/new/$N2" >expect &&
	test_cmp expect out
'

test_expect_success 'ls and cat ignore anything that is not a row name' '
	cp "$S/forms/new/$N3" "$S/forms/new/.$N3" &&
	cp "$S/forms/new/$N3" "$S/forms/new/1764133376000009.0000001.jso" &&
	cp "$S/forms/new/$N3" "$S/forms/new/176413337600000x.0000001.json" &&
	cp "$S/forms/new/$N3" "$S/forms/new/1764133376000009.0000001.json.tmp" &&
	ln -s "$S/forms/new/$N3" "$S/forms/new/1764133376000008.0000001.json" &&
	mkdir "$S/forms/new/1764133376000007.0000001.json" &&
	"$HW_SPOOL" -d "$S" ls forms >out &&
	echo "$S/forms/new/$N3" >expect &&
	test_cmp expect out &&
	"$HW_SPOOL" -d "$S" cat forms >out &&
	test_cmp "$S/forms/new/$N3" out
'

test_expect_success 'cat (jsonl) prints the rows as they are, in arrival order' '
	cat "$S/consents/new/$N1" "$S/credentials/new/$N2" \
	    "$S/forms/new/$N3" >expect &&
	"$HW_SPOOL" -d "$S" cat >out &&
	test_cmp expect out &&
	"$HW_SPOOL" -d "$S" cat --format jsonl forms consents >out &&
	cat "$S/consents/new/$N1" "$S/forms/new/$N3" >expect &&
	test_cmp expect out
'

TAB=$(printf "\t")
test_expect_success 'cat --format tsv: exact columns and escapes' '
	{
	printf "%s\n" "received_at${TAB}resource${TAB}event${TAB}organization_id${TAB}process_id${TAB}subject_id${TAB}completed_at${TAB}items${TAB}id${TAB}file" &&
	printf "%s\n" "2026-01-02T03:04:05.678Z${TAB}consents${TAB}process.consent.completed${TAB}org,\"q\"${TAB}p\\t1${TAB}ü\\\\back\\nslash\\r${TAB}2025-09-12T14:37:31.236Z${TAB}2${TAB}$ID1${TAB}$S/consents/new/$N1" &&
	printf "%s\n" "2026-01-02T03:04:06.000Z${TAB}credentials${TAB}credential${TAB}did:web:x${TAB}req-1${TAB}did:key:z6${TAB}2025-10-01T10:15:00.000Z${TAB}1${TAB}$ID2${TAB}$S/credentials/new/$N2" &&
	printf "%s\n" "2026-01-02T03:04:07.000Z${TAB}forms${TAB}process.form.rejected${TAB}o3${TAB}p3${TAB}pro3${TAB}2025-09-15T22:10:12.421Z${TAB}1${TAB}$ID3${TAB}$S/forms/new/$N3"
	} >expect &&
	"$HW_SPOOL" -d "$S" cat --format tsv >out &&
	test_cmp expect out
'

test_expect_success 'cat --format csv: RFC 4180 quoting, CRLF, UTF-8 unchanged' '
	{
	printf "%s\r\n" "received_at,resource,event,organization_id,process_id,subject_id,completed_at,items,id,file" &&
	printf "%s" "2026-01-02T03:04:05.678Z,consents,process.consent.completed,\"org,\"\"q\"\"\",p${TAB}1,\"ü\\back" &&
	printf "\nslash\r\"," &&
	printf "%s\r\n" "2025-09-12T14:37:31.236Z,2,$ID1,$S/consents/new/$N1" &&
	printf "%s\r\n" "2026-01-02T03:04:06.000Z,credentials,credential,did:web:x,req-1,did:key:z6,2025-10-01T10:15:00.000Z,1,$ID2,$S/credentials/new/$N2" &&
	printf "%s\r\n" "2026-01-02T03:04:07.000Z,forms,process.form.rejected,o3,p3,pro3,2025-09-15T22:10:12.421Z,1,$ID3,$S/forms/new/$N3"
	} >expect &&
	"$HW_SPOOL" -d "$S" cat --format csv >out &&
	cmp expect out
'

test_expect_success 'cat --items: one line per metadata.items entry, arrival order (tsv)' '
	{
	printf "%s\n" "received_at${TAB}resource${TAB}event${TAB}organization_id${TAB}process_id${TAB}subject_id${TAB}completed_at${TAB}items${TAB}id${TAB}file${TAB}item_index${TAB}item_id${TAB}item_name${TAB}item_decision_date${TAB}item_rejected" &&
	printf "%s\n" "2026-01-02T03:04:05.678Z${TAB}consents${TAB}process.consent.completed${TAB}org,\"q\"${TAB}p\\t1${TAB}ü\\\\back\\nslash\\r${TAB}2025-09-12T14:37:31.236Z${TAB}2${TAB}$ID1${TAB}$S/consents/new/$N1${TAB}0${TAB}i1${TAB}Data, \"Privacy\"${TAB}d1${TAB}false" &&
	printf "%s\n" "2026-01-02T03:04:05.678Z${TAB}consents${TAB}process.consent.completed${TAB}org,\"q\"${TAB}p\\t1${TAB}ü\\\\back\\nslash\\r${TAB}2025-09-12T14:37:31.236Z${TAB}2${TAB}$ID1${TAB}$S/consents/new/$N1${TAB}1${TAB}i2${TAB}Multi\\nline\\r\\nname${TAB}${TAB}true" &&
	printf "%s\n" "2026-01-02T03:04:07.000Z${TAB}forms${TAB}process.form.rejected${TAB}o3${TAB}p3${TAB}pro3${TAB}2025-09-15T22:10:12.421Z${TAB}1${TAB}$ID3${TAB}$S/forms/new/$N3${TAB}0${TAB}f1${TAB}fo67jWVc${TAB}${TAB}"
	} >expect &&
	"$HW_SPOOL" -d "$S" cat --format tsv --items forms consents >out &&
	test_cmp expect out
'

test_expect_success 'cat --items (csv): item columns quoted, versioned decision.date' '
	{
	printf "%s\r\n" "received_at,resource,event,organization_id,process_id,subject_id,completed_at,items,id,file,item_index,item_id,item_name,item_decision_date,item_rejected" &&
	printf "%s\r\n" "2026-01-02T03:04:06.000Z,credentials,credential,did:web:x,req-1,did:key:z6,2025-10-01T10:15:00.000Z,1,$ID2,$S/credentials/new/$N2,0,c1,Contrato ção,2025-10-01T10:16:00.000Z,false"
	} >expect &&
	"$HW_SPOOL" -d "$S" cat --items --format csv credentials >out &&
	cmp expect out
'

test_expect_success 'cat: rows without items have an empty items field and no --items line' '
	echo "{\"event\":\"process.kyc.completed\",\"userId\":\"u9\"}" |
	    "$MKROW" "$S" >made &&
	"$HW_SPOOL" -d "$S" cat --format tsv kyc >out &&
	test "$(sed -n 2p out | cut -f6,8)" = "u9${TAB}" &&
	"$HW_SPOOL" -d "$S" cat --format tsv --items kyc >out &&
	test "$(wc -l <out)" -eq 1
'

test_expect_success 'cat changes nothing' '
	find "$S" -type f | sort | xargs ls -l --time-style=+%s.%N >before &&
	"$HW_SPOOL" -d "$S" cat --format csv --items >/dev/null &&
	"$HW_SPOOL" -d "$S" cat >/dev/null &&
	find "$S" -type f | sort | xargs ls -l --time-style=+%s.%N >after &&
	test_cmp before after
'

test_expect_success 'rows from the real writer: cat --format tsv matches the rows' '
	for i in 1 2 3; do
		echo "{\"eventType\":\"process.signature.completed\",\"processId\":\"p$i\",\"professionalId\":\"pro$i\",\"completedAt\":\"t$i\"}"
	done | "$MKROW" "$S2" >made &&
	"$HW_SPOOL" -d "$S2" cat --format tsv >out &&
	test "$(wc -l <out)" -eq 4 &&
	sed 1d out | cut -f2,3,5,6,7 >got &&
	for i in 1 2 3; do
		printf "signatures\tprocess.signature.professional.completed\tp%s\tpro%s\tt%s\n" $i $i $i
	done >expect &&
	test_cmp expect got &&
	sed 1d out | cut -f10 >got &&
	sed "s|^|$S2/|" made >expect &&
	test_cmp expect got
'

test_expect_success 'a bad resource name is a usage error (64)' '
	test_expect_code 64 "$HW_SPOOL" -d "$S" ls kyc nope 2>err &&
	grep "unknown resource" err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" cat --format tsv ../kyc 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" cat --format xml 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" cat --items 2>err &&
	test_expect_code 64 "$HW_SPOOL" -d "$S" frobnicate 2>err
'

test_expect_success 'a missing spool or a directory that is no spool: 66' '
	test_expect_code 66 "$HW_SPOOL" -d "$TRASH/nope" ls 2>err &&
	grep nope err &&
	mkdir empty &&
	test_expect_code 66 "$HW_SPOOL" -d empty cat 2>err &&
	grep "not a spool" err
'

test_expect_success '--help and --version' '
	"$HW_SPOOL" --help >out && grep "usage: humanos-spool" out &&
	grep replay out &&
	"$HW_SPOOL" --version >out && grep "^humanos-spool [0-9]" out &&
	test_expect_code 64 "$HW_SPOOL" 2>err
'

write_config() {
	printf "%s\n" "spool_dir = $1" "signature_secret = s" \
	    "encryption_secret = ZW5jcnlwdGlvbnNlY3JldA==" \
	    "encryption_salt = salt" >"$2" && chmod 600 "$2"
}

test_expect_success '-c CONFIG finds the spool; -c and -d exclude each other' '
	write_config "$S" conf &&
	"$HW_SPOOL" -c conf ls >out &&
	"$HW_SPOOL" -d "$S" ls >expect &&
	test_cmp expect out &&
	HUMANOS_WEBHOOK_CONFIG=conf "$HW_SPOOL" ls >out &&
	test_cmp expect out &&
	test_expect_code 64 "$HW_SPOOL" -c conf -d "$S" ls 2>err &&
	echo "bogus_key = 1" >>conf &&
	test_expect_code 78 "$HW_SPOOL" -c conf ls 2>err &&
	grep "conf:5: unknown key" err
'

test_expect_success 'profiles: top level spool by default, --profile picks one' '
	write_config "$S" multi &&
	printf "%s\n" "[profile other]" "spool_dir = $S2" >>multi &&
	"$HW_SPOOL" -c multi ls >out &&
	"$HW_SPOOL" -d "$S" ls >expect && test_cmp expect out &&
	"$HW_SPOOL" -c multi --profile other ls >out &&
	"$HW_SPOOL" -d "$S2" ls >expect && test_cmp expect out &&
	test_expect_code 64 "$HW_SPOOL" -c multi --profile nope ls 2>err
'

test_expect_success 'profiles without a top-level spool_dir: --profile needed' '
	printf "%s\n" "signature_secret = s" \
	    "encryption_secret = ZW5jcnlwdGlvbnNlY3JldA==" \
	    "encryption_salt = salt" "[profile a]" "spool_dir = $S" \
	    "[profile b]" "spool_dir = $S2" >split && chmod 600 split &&
	test_expect_code 64 "$HW_SPOOL" -c split ls 2>err &&
	grep -- "--profile" err &&
	"$HW_SPOOL" -c split --profile b ls >out &&
	"$HW_SPOOL" -d "$S2" ls >expect && test_cmp expect out
'

test_done
