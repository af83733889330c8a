# test_reports.sh — VoT records, reports, exports and case summaries over real HTTP and
# the command line: report numbers against counts worked out by hand on fixed fictional
# cases; small counts hidden in what is shared outside the agency; the M&E officer sees
# every report and no record; CSV and XLSX exports read back (quoting, formulas
# neutralised, Arabic intact) and audited; the CTDC export of a generated dataset
# recounted for k-anonymity; the case summary PDF read back with pdftotext.
. "$(dirname "$0")/lib.sh"
set +e
run() {
	"$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

D=$T/data
PW='correct horse battery'
printf '%s\n' "$PW" >"$T/pw"
JH=(-H 'Content-Type: application/json')
# Fictional names that must never appear in what the M&E officer gets, in an audit row
# or in a CTDC export.
SECRET='Tesfanesh|Woldemariam|Awetash|Hagosay|Kidanemariamo|Saberino|Yordanose'

cnt() {	# cnt FILTER: jq on the last body ("-1" when not JSON)
	jq -r "$1" "$OUT" 2>/dev/null || echo -1
}

login() {	# login VAR USER
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

# page TOKEN PATH: an HTML page with the session cookie into $OUT
page() {
	http_as "" GET "$2" -H "Cookie: rc_session=$1"
}

is() {	# is DESCRIPTION GOT WANT
	CHECKS=$((CHECKS + 1))
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', expected '$3'"
	fi
}

echo "- set-up: two agencies, every role involved"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
adduser() {	# adduser NAME ROLE AGENCY [LANGUAGE]
	expect 0 "user add $1" "$RC" user add --data "$D" --username "$1" --role "$2" \
	    --agency "$3" --language "${4:-en}" --password-file "$T/pw"
}
adduser a.cw caseworker agency-a
adduser a.sv supervisor agency-a
adduser a.svar supervisor agency-a ar
adduser a.ct ct_officer agency-a
adduser a.ctar ct_officer agency-a ar
adduser b.cw caseworker agency-b
adduser b.sv supervisor agency-b
adduser b.ct ct_officer agency-b
adduser mne mne_officer agency-a
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -20 >&2
	finish
fi
for u in a.cw a.sv a.svar a.ct a.ctar b.cw b.sv b.ct mne; do
	v=$(echo "$u" | tr 'a-z.' 'A-Z_')
	login "$v" "$u"
done

echo "- fixed fictional cases: 12 in agency A, 3 in agency B"
# name sex age location risk nationality concerns uasc
mkcase() {	# mkcase TOKEN VAR NAME SEX AGE LOC RISK NAT CONCERNS UASC
	local data
	data=$(jq -nc --arg n "$3" --arg s "$4" --argjson a "$5" --arg l "$6" --arg r "$7" \
	    --arg nat "$8" --argjson c "$9" --arg u "${10}" '{data: ({name_first: $n,
	    sex: $s, age: $a, location_current: $l, nationality: [$nat],
	    protection_concerns: $c} + (if $r == "" then {} else {risk_level: $r} end)
	    + (if $u == "" then {} else {unaccompanied_separated_status: $u} end))}')
	expect_http 201 "create $3" "$1" POST /api/v1/cases "${JH[@]}" --data-binary "$data"
	printf -v "$2" '%s' "$(jout .data.short_id)"
}
mkcase "$A_CW" C1 Tesfanesh female 8 LY0101 high ER '["unaccompanied","trafficked"]' unaccompanied
mkcase "$A_CW" C2 Awetash female 13 LY01 medium ER '["unaccompanied"]' ""
mkcase "$A_CW" C3 Hagosay female 16 LY02 low SD '["separated"]' separated
mkcase "$A_CW" C4 Saberino female 16 LY02 high SD '["trafficked","child_labour"]' ""
mkcase "$A_CW" C5 Yordanose male 4 LY01 medium ER '[]' ""
mkcase "$A_CW" C6 Kidanemariamo male 10 LY0101 high ET '["unaccompanied"]' unaccompanied
mkcase "$A_CW" C7 Dawit male 12 LY02 medium ET '["unaccompanied","child_labour"]' ""
mkcase "$A_CW" C8 Abdirahman male 15 TN01 low SO '["separated"]' ""
mkcase "$A_CW" C9 Mahad male 15 TN01 medium SO '["unaccompanied"]' ""
mkcase "$A_CW" C10 Filmon male 17 TN01 high ER '["trafficked"]' ""
mkcase "$A_CW" C11 Natnael male 17 LY01 "" ER '[]' ""
mkcase "$A_CW" C12 'أمينة' female 17 TN01 low ER '["unaccompanied"]' ""
mkcase "$B_CW" B1 Omar male 14 LY02 low ER '["unaccompanied"]' ""
mkcase "$B_CW" B2 Halima female 9 TN01 low SD '[]' ""
mkcase "$B_CW" B3 Idris male 16 LY01 high ER '["trafficked"]' ""
# three cases were registered four days ago: two are past their response time
# (high: 24 h, medium: 72 h), the low-risk one (168 h) is not
for c in "$C1" "$C3" "$C5"; do
	db_sql "$D" "UPDATE records SET created_at = created_at - 4 * 86400 WHERE short_id = '$c'"
done
TODAY=$(date -u +%F)
YESTERDAY=$(date -u -d yesterday +%F)
THIS_MONTH=$(date -u +%Y-%m)
OLD_MONTH=$(date -u -d '4 days ago' +%Y-%m)

echo "- VoT records: counter-trafficking officers register, link to a case, keep in scope"
vot() {	# vot TOKEN SEX AGE CITIZENSHIP CASE
	jq -nc --arg s "$2" --argjson a "$3" --arg c "$4" --arg k "${5:-}" '{data: ({
	    screening_outcome: "confirmed_victim", identification_date: "2026-01-05",
	    sex: $s, age_at_identification: $a, citizenship: $c, consent_reporting: true,
	    exploitation_types: ["isForcedLabour"], means_of_control: ["threatensFamily"]}
	    + (if $k == "" then {} else {case_id: $k} end))}'
}
expect_http 201 "ct officer registers a VoT record linked to a child's case" "$A_CT" \
    POST /api/v1/vots "${JH[@]}" --data-binary "$(vot x female 16 ER "$C4")"
V1=$(jout .data.short_id)
expect_http 200 "read it back" "$A_CT" GET "/api/v1/vots/$V1"
C4ID=$(db_sql "$D" "SELECT id FROM records WHERE short_id = '$C4'")
is "case_id is stored as the case's UUID" "$(cnt .data.case_id)" "$C4ID"
is "the link is an index column" "$(db_sql "$D" "SELECT link_id FROM records WHERE short_id = '$V1'")" "$C4ID"
is "VoT index columns: age band" "$(cnt .data.age_band)" "15-17"
expect_http 201 "an adult VoT without a case" "$A_CT" POST /api/v1/vots "${JH[@]}" \
    --data-binary "$(vot x female 25 NG)"
expect_http 201 "another adult VoT" "$A_CT" POST /api/v1/vots "${JH[@]}" \
    --data-binary "$(vot x male 30 ER)"
V3=$(jout .data.short_id)
expect_http 422 "a case of another agency cannot be linked" "$A_CT" POST /api/v1/vots \
    "${JH[@]}" --data-binary "$(vot x male 14 ER "$B1")"
is "the field is named" "$(cnt '.error.fields | has("case_id")')" true
expect_http 422 "a case_id that is no id" "$A_CT" POST /api/v1/vots "${JH[@]}" \
    --data-binary "$(vot x male 14 ER not-an-id)"
expect_http 422 "a VoT record without its required fields" "$A_CT" POST /api/v1/vots \
    "${JH[@]}" --data-binary '{"data":{"sex":"female"}}'
expect_http 403 "a supervisor may not register VoT records" "$A_SV" POST /api/v1/vots \
    "${JH[@]}" --data-binary "$(vot x female 16 ER)"
expect_http 200 "a supervisor lists them" "$A_SV" GET /api/v1/vots
is "three VoT records in agency A" "$(cnt .metadata.total)" 3
expect_http 403 "a caseworker may not list VoT records" "$A_CW" GET /api/v1/vots
expect_http 404 "agency B's officer does not see them" "$B_CT" GET "/api/v1/vots/$V1"
expect_http 200 "update with If-Match" "$A_CT" PATCH "/api/v1/vots/$V3" "${JH[@]}" \
    -H 'If-Match: "1"' --data-binary '{"data":{"country_of_exploitation":"LY"}}'
expect_http 409 "a stale revision" "$A_CT" PATCH "/api/v1/vots/$V3" "${JH[@]}" \
    -H 'If-Match: "1"' --data-binary '{"data":{"country_of_exploitation":"SD"}}'
expect_http 200 "VoT history" "$A_CT" GET "/api/v1/vots/$V3/history"
is "two revisions" "$(cnt '.data | length')" 2
page "$A_CT" "/cases/$C4"
is "case page: 200 for the ct officer" "$HTTP" 200
check "the case page links its VoT record" grep -q "/vots/$V1" "$OUT"
check "and offers to register one for the child" grep -q "/vots/new?case=$C4" "$OUT"
check "and the summary PDF" grep -q "/cases/$C4/summary.pdf" "$OUT"
for p in /vots /vots/new "/vots/$V1" "/vots/$V1/edit"; do
	page "$A_CT" "$p"
	is "page $p" "$HTTP" 200
	CHECKS=$((CHECKS + 1))
	[ "$(wc -c <"$OUT")" -le 61440 ] || fail "page $p weighs $(wc -c <"$OUT") bytes"
done
page "$A_CTAR" /vots/new
check "the VoT form in Arabic is right to left" grep -q 'dir="rtl"' "$OUT"

echo "- reports: agency A as its supervisor sees it, against counts made by hand"
rep() {	# rep TOKEN QUERY
	expect_http 200 "report $2" "$1" GET "/api/v1/reports/$2"
}
count() {	# count JQ-SELECTOR over .data.rows: the count of the row matching
	cnt "[.data.rows[] | select($1) | .count] | if length == 1 then .[0] else \"none\" end"
}
rep "$A_SV" "cases"
is "total" "$(cnt .data.total)" 12
rep "$A_SV" "cases?by=sex"
is "female" "$(count '.sex == "female"')" 5
is "male" "$(count '.sex == "male"')" 7
rep "$A_SV" "cases?by=sex,age_band"
is "female 0-5 (a zero is published)" "$(count '.sex == "female" and .age_band == "0-5"')" 0
is "female 6-11" "$(count '.sex == "female" and .age_band == "6-11"')" 1
is "female 12-14" "$(count '.sex == "female" and .age_band == "12-14"')" 1
is "female 15-17" "$(count '.sex == "female" and .age_band == "15-17"')" 3
is "male 0-5" "$(count '.sex == "male" and .age_band == "0-5"')" 1
is "male 6-11" "$(count '.sex == "male" and .age_band == "6-11"')" 1
is "male 12-14" "$(count '.sex == "male" and .age_band == "12-14"')" 1
is "male 15-17" "$(count '.sex == "male" and .age_band == "15-17"')" 4
is "margin 15-17" "$(cnt '.data.totals.age_band[] | select(.age_band == "15-17") | .count')" 7
is "margin male" "$(cnt '.data.totals.sex[] | select(.sex == "male") | .count')" 7
is "not suppressed inside the agency" "$(cnt .metadata.suppressed)" 0
rep "$A_SV" "cases?by=location&location_level=1"
is "LY01 and below" "$(count '.location == "LY01"')" 5
is "LY02" "$(count '.location == "LY02"')" 3
is "TN01" "$(count '.location == "TN01"')" 4
rep "$A_SV" "cases?by=location&location_level=0"
is "Libya" "$(count '.location == "LY"')" 8
is "Tunisia" "$(count '.location == "TN"')" 4
rep "$A_SV" "cases?by=location"
is "whole codes: LY0101" "$(count '.location == "LY0101"')" 2
rep "$A_SV" "cases?by=risk_level"
is "high" "$(count '.risk_level == "high"')" 4
is "medium" "$(count '.risk_level == "medium"')" 4
is "low" "$(count '.risk_level == "low"')" 3
is "not set" "$(count '.risk_level == ""')" 1
rep "$A_SV" "cases?by=nationality"
is "ER" "$(count '.nationality == "ER"')" 6
is "SD" "$(count '.nationality == "SD"')" 2
rep "$A_SV" "cases?by=concern"
is "unaccompanied" "$(count '.concern == "unaccompanied"')" 6
is "trafficked" "$(count '.concern == "trafficked"')" 3
is "separated" "$(count '.concern == "separated"')" 2
is "child labour" "$(count '.concern == "child_labour"')" 2
is "a concern nobody has" "$(count '.concern == "detained"')" 0
is "concerns do not add up: the total is the cases" "$(cnt .data.total)" 12
is "and the report says so" "$(cnt .data.additive)" false
rep "$A_SV" "cases?by=concern,sex"
is "trafficked girls" "$(count '.concern == "trafficked" and .sex == "female"')" 2
is "trafficked boys" "$(count '.concern == "trafficked" and .sex == "male"')" 1
rep "$A_SV" "cases?by=uasc"
is "unaccompanied or separated" "$(count '.uasc == "yes"')" 3
is "others" "$(count '.uasc == "no"')" 9
rep "$A_SV" "cases?by=stage"
is "every case at registration" "$(count '.stage == "new"')" 12
rep "$A_SV" "cases?from=$YESTERDAY&to=$TODAY"
is "registered since yesterday (three are four days old)" "$(cnt .data.total)" 9
rep "$A_SV" "cases?by=month,sex&from=$(date -u -d '10 days ago' +%F)"
if [ "$THIS_MONTH" = "$OLD_MONTH" ]; then
	is "this month's girls" "$(count ".month == \"$THIS_MONTH\" and .sex == \"female\"")" 5
else
	is "this month's girls" "$(count ".month == \"$THIS_MONTH\" and .sex == \"female\"")" 3
	is "last month's girls" "$(count ".month == \"$OLD_MONTH\" and .sex == \"female\"")" 2
fi
rep "$A_SV" "vots?by=sex,age_band"
is "VoT girls 15-17" "$(count '.sex == "female" and .age_band == "15-17"')" 1
is "VoT women" "$(count '.sex == "female" and .age_band == "18+"')" 1
is "VoT men" "$(count '.sex == "male" and .age_band == "18+"')" 1
rep "$A_SV" "vots?by=nationality"
is "VoT citizens of ER" "$(count '.nationality == "ER"')" 2
rep "$A_SV" "tracing_requests?by=sex"
is "a type with no records yet" "$(cnt .data.total)" 0
rep "$A_SV" "referrals?by=stage"
is "referrals: none yet" "$(cnt .data.total)" 0
rep "$A_SV" "timeliness"
ind() { cnt ".data.rows[] | select(.indicator == \"$1\") | .count"; }
is "registered" "$(ind registered)" 12
is "waiting past the response time" "$(ind waiting_past_response_time)" 2
is "waiting in time" "$(ind waiting_within_response_time)" 10
is "assessed" "$(ind initial_assessment_done)" 0
is "open high risk" "$(ind open_high_risk)" 4
is "VoT records identified" "$(ind vots_identified)" 3
is "what is not computed is said" "$(cnt '[.data.not_computable[].indicator] | sort | join(",")')" \
    "assessed_within_deadline,follow_ups_on_time,reunifications"
rep "$A_SV" "timeliness?external=1"
is "late cases (2) hidden outside the agency" "$(ind waiting_past_response_time)" '*'
is "and their complement too" "$(ind waiting_within_response_time)" '*'
is "the large count stays" "$(ind registered)" 12

echo "- small counts hidden in the external view"
rep "$A_SV" "cases?by=sex,age_band&external=1"
is "small cells hidden" "$(cnt '[.data.rows[] | select(.count == "*")] | length')" 7
is "zeros published" "$(count '.sex == "female" and .age_band == "0-5"')" 0
is "a margin of 5 is published" "$(cnt '.data.totals.sex[] | select(.sex == "female") | .count')" 5
is "a small margin is hidden" "$(cnt '.data.totals.age_band[] | select(.age_band == "0-5") | .count')" '*'
is "the other small margins" "$(cnt '[.data.totals.age_band[] | select(.count == "*")] | length')" 3
is "total" "$(cnt .data.total)" 12
is "metadata counts what was hidden" "$(cnt .metadata.suppressed)" 10
is "metadata says it is external" "$(cnt .metadata.external)" true
rep "$A_SV" "cases?by=nationality&external=1"
is "ER (6) published" "$(count '.nationality == "ER"')" 6
is "SD (2) hidden" "$(count '.nationality == "SD"')" '*'
is "ET and SO hidden" "$(cnt '[.data.rows[] | select(.count == "*")] | length')" 3
rep "$A_SV" "cases?by=concern&external=1"
is "a concern of 2 hidden" "$(count '.concern == "separated"')" '*'
is "a concern of 6 published" "$(count '.concern == "unaccompanied"')" 6
expect_http 400 "an unknown dimension" "$A_SV" GET "/api/v1/reports/cases?by=name"
is "names the parameter" "$(cnt '.error.fields | has("by")')" true
expect_http 400 "month and concern together" "$A_SV" GET "/api/v1/reports/cases?by=month,concern"
expect_http 400 "a bad date" "$A_SV" GET "/api/v1/reports/cases?from=2026-02-30"
expect_http 400 "to before from" "$A_SV" GET "/api/v1/reports/cases?from=2026-02-02&to=2026-02-01"
expect_http 400 "a level without locations" "$A_SV" GET "/api/v1/reports/cases?by=location&location_level=7"
expect_http 400 "external must be 0 or 1" "$A_SV" GET "/api/v1/reports/cases?external=yes"
expect_http 404 "an unknown report" "$A_SV" GET /api/v1/reports/salaries
expect_http 403 "a caseworker reads no reports" "$A_CW" GET /api/v1/reports/cases
expect_http 403 "nor a ct officer" "$A_CT" GET /api/v1/reports

echo "- the M&E officer: every report of every agency, no record content"
expect_http 200 "report list" "$MNE" GET /api/v1/reports
NAMES=$(cnt '.data[].name')
is "scope all" "$(cnt .metadata.scope)" all
for n in $NAMES; do
	expect_http 200 "M&E reads $n" "$MNE" GET "/api/v1/reports/$n"
	check "no names in $n" sh -c "! grep -Eq '$SECRET' '$OUT'"
	page "$MNE" "/reports/$n?by1=sex"
	is "M&E page /reports/$n" "$HTTP" 200
	check "no names in the page of $n" sh -c "! grep -Eq '$SECRET' '$OUT'"
done
rep "$MNE" "cases?by=sex"
is "every agency: girls" "$(count '.sex == "female"')" 6
is "every agency: boys" "$(count '.sex == "male"')" 9
rep "$MNE" "cases?by=agency"
is "agency codes, not ids" "$(count '.agency == "agency-b"')" 3
for p in /api/v1/cases "/api/v1/vots"; do
	expect_http 403 "M&E: $p" "$MNE" GET "$p"
done
for p in "/api/v1/cases/$C1" "/api/v1/cases/$C1/history" "/api/v1/vots/$V1" \
    "/api/v1/vots/$V1/history" "/api/v1/cases/$C1/summary.pdf"; do
	expect_http "403|404" "M&E: $p" "$MNE" GET "$p"
	check "no names in the answer to $p" sh -c "! grep -Eq '$SECRET' '$OUT'"
done
expect_http 403 "M&E: no case export" "$MNE" GET "/api/v1/exports/cases?format=csv"
for p in /cases "/cases/$C1" /vots "/vots/$V1" "/cases/$C1/summary.pdf"; do
	page "$MNE" "$p"
	CHECKS=$((CHECKS + 1))
	case $HTTP in 403 | 404) ;; *) fail "M&E page $p: HTTP $HTTP" ;; esac
	check "no names in page $p" sh -c "! grep -Eq '$SECRET' '$OUT'"
done

echo "- report pages: chart drawn by the server, table, no script, Arabic mirrored"
page "$A_SV" "/reports/cases?by1=sex&by2=age_band"
is "page" "$HTTP" 200
check "an SVG chart" grep -q '<svg id="chart"' "$OUT"
check "no style attribute" sh -c "! grep -q 'style=' '$OUT'"
check "no inline script" sh -c "! grep -q '<script>' '$OUT'"
check "the table" grep -q 'id="report-table"' "$OUT"
check "the count 7 in the table" grep -q '<td>7</td>' "$OUT"
check "export links" grep -q '/api/v1/exports/aggregate?report=cases' "$OUT"
page "$A_SVAR" "/reports/cases?by1=sex"
check "Arabic page right to left" grep -q 'dir="rtl"' "$OUT"
check "the chart mirrored: labels at the right edge" grep -q 'x="635" direction="rtl"' "$OUT"
check "labels in Arabic" grep -q 'أنثى\|الجنس' "$OUT"
page "$A_SV" "/reports/cases?by1=sex&external=1"
check "the external view says what is hidden" grep -q 'role="status"' "$OUT"
page "$A_SV" "/reports/timeliness"
check "timeliness page lists what is not computed" grep -q 'id="not-computed"' "$OUT"
page "$A_SV" "/reports/cases?by1=month&by2=concern"
is "a refused combination is a page with the reason" "$HTTP" 200
check "the reason" grep -q 'id="report-error"' "$OUT"

echo "- case export: CSV and XLSX read back, audited"
# a name that a spreadsheet would take for a formula, and one with quotes and a comma
expect_http 201 "a hostile name" "$A_CW" POST /api/v1/cases "${JH[@]}" --data-binary \
    '{"data":{"name_first":"=HYPERLINK(\"http://x.invalid\")","name_last":"Ali, \"Junior\"","sex":"male","age":11,"location_current":"LY01"}}'
expect_http 200 "supervisor exports cases as CSV" "$A_SV" GET "/api/v1/exports/cases?format=csv"
header_is Content-Type "text/csv; charset=utf-8"
check "attachment" sh -c "grep -qi 'content-disposition: attachment' '$HDR'"
cp "$OUT" "$T/cases.csv"
check "UTF-8 byte order mark" test "$(head -c 3 "$T/cases.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
python3 - "$T/cases.csv" >"$T/csvcheck" 2>&1 <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
head, data = rows[0], rows[1:]
assert len(data) == 13, len(data)
fn, ln = head.index("First name"), head.index("Last name")
firsts = [r[fn] for r in data]
assert "'=HYPERLINK(\"http://x.invalid\")" in firsts, firsts
assert any(r[ln] == 'Ali, "Junior"' for r in data)
assert "أمينة" in firsts
assert not any(c.startswith("=") for r in data for c in r)
assert "Case ID" in head and "Risk level" in head
print("ok")
EOF
check "CSV read back: 13 cases, formula neutralised, quotes, Arabic ($(cat "$T/csvcheck" | tail -1))" \
    grep -qx ok "$T/csvcheck"
expect_http 200 "Arabic supervisor exports XLSX" "$A_SVAR" GET "/api/v1/exports/cases?format=xlsx"
cp "$OUT" "$T/cases.xlsx"
python3 - "$T/cases.xlsx" >"$T/xlsxcheck" 2>&1 <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sheet = z.read("xl/worksheets/sheet1.xml").decode()
strings = sheet + (z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else "")
assert 'rightToLeft="1"' in sheet, "not right to left"
assert "<f>" not in sheet and "<f " not in sheet, "a formula"
assert "أمينة" in strings, "Arabic name missing"
assert "الجنس" in strings, "Arabic header missing"
assert "=HYPERLINK" in strings
print("ok")
EOF
check "XLSX read back: RTL, Arabic, no formula ($(tail -1 "$T/xlsxcheck"))" grep -qx ok "$T/xlsxcheck"
expect_http 400 "an unknown format" "$A_SV" GET "/api/v1/exports/cases?format=pdf"
expect_http 403 "a caseworker may not export" "$A_CW" GET "/api/v1/exports/cases"
run "$RC" export cases --data "$D" --as a.sv --format csv --out "$T/cli.csv"
is "CLI export cases" "$STATUS" 0
check "CLI file has the cases" test "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))) - 1)' "$T/cli.csv")" = 13
run "$RC" export cases --data "$D" --as a.sv --format csv --out "$T/cli.csv"
is "an existing --out file is refused" "$STATUS" 2
run "$RC" export cases --data "$D" --as a.sv --format doc
is "a bad --format" "$STATUS" 2
run "$RC" export cases --data "$D" --as mne --format csv
is "M&E may not export cases" "$STATUS" 1

echo "- aggregate export with HXL tags"
expect_http 200 "M&E exports a report" "$MNE" GET "/api/v1/exports/aggregate?report=cases&by=location,sex&location_level=1&format=csv"
cp "$OUT" "$T/agg.csv"
python3 - "$T/agg.csv" >"$T/aggcheck" 2>&1 <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[1][:3] == ["#date+start", "#date+end", "#adm1+code"], rows[1]
assert "#reached+f+cases" in rows[1] and "#reached+m+cases" in rows[1], rows[1]
assert rows[1][-1] == "#reached+cases"
byloc = {r[2]: r for r in rows[2:]}
tot = rows[1].index("#reached+cases")
assert byloc["LY01"][tot] == "7", byloc["LY01"]
assert "*" in [c for r in rows[2:] for c in r], "nothing hidden"
small = [int(c) for r in rows[2:] for c in r[3:] if c not in ("*", "")]
assert not [n for n in small if 0 < n < 5], small
print("ok")
EOF
check "HXL row, totals, no count from 1 to 4 ($(tail -1 "$T/aggcheck"))" grep -qx ok "$T/aggcheck"
expect_http 200 "aggregate as XLSX" "$A_SV" GET "/api/v1/exports/aggregate?report=vots&by=sex,age_band&format=xlsx"
check "a zip" test "$(head -c 2 "$OUT")" = PK
expect_http 400 "a report name is required" "$MNE" GET "/api/v1/exports/aggregate?format=csv"
expect_http 403 "a caseworker may not" "$A_CW" GET "/api/v1/exports/aggregate?report=cases"

echo "- CTDC export: VoT records, k-anonymous"
expect_http 200 "ct officer exports CTDC" "$A_CT" GET /api/v1/exports/ctdc
check "rows in a header" test -n "$(header_val X-RouteCare-Rows-In)"
is "k in a header" "$(header_val X-RouteCare-K)" 11
check "no names in the CTDC export" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 403 "a supervisor may not" "$A_SV" GET /api/v1/exports/ctdc
expect_http 400 "k out of range" "$A_CT" GET "/api/v1/exports/ctdc?k=1"
G=$T/gen
run "$RC" gen --data "$G" --cases 2000 --vots 1000 --seed 3
is "gen --cases 2000 --vots 1000" "$STATUS" 0
is "1000 VoT records" "$(jq -r .data.vots "$OUT")" 1000
check "child victims linked to cases" test "$(jq -r .data.vots_linked_to_cases "$OUT")" -gt 100
ctdc_check() {	# ctdc_check FILE K: every combination of all columns at least K times
	python3 - "$1" "$2" <<'EOF'
import collections, csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
head, data = rows[0], rows[1:]
k = int(sys.argv[2])
want = ["yearOfRegistration", "gender", "ageBroad", "majorityStatus",
        "majorityStatusAtExploit", "citizenship", "CountryOfExploitation"]
assert head[:7] == want, head[:7]
assert "isForcedLabour" in head and "meansOfControlDebtBondage" in head
classes = collections.Counter(tuple(r) for r in data)
assert data, "no rows"
assert min(classes.values()) >= k, min(classes.values())
assert all(len(r) == len(head) for r in data)
gender = set(r[1] for r in data)
assert gender <= {"Female", "Male", "-99", "*"}, gender
print(len(data), min(classes.values()))
EOF
}
run "$RC" export ctdc --data "$G"
is "export ctdc (operator)" "$STATUS" 0
cp "$OUT" "$T/ctdc.csv"
stderr_has "rows suppressed"
stderr_has "cells suppressed"
run ctdc_check "$T/ctdc.csv" 11
is "recount: every combination of the columns describes 11 or more ($(cat "$OUT"))" "$STATUS" 0
run "$RC" export ctdc --data "$G" --k 25 --as mne.officer
cp "$OUT" "$T/ctdc25.csv"
is "export ctdc --k 25 as the M&E officer" "$STATUS" 0
run ctdc_check "$T/ctdc25.csv" 25
is "recount at k = 25 ($(cat "$OUT"))" "$STATUS" 0
run "$RC" export ctdc --data "$G" --as horizon.cw1
is "a caseworker may not export CTDC" "$STATUS" 1
run "$RC" export ctdc --data "$G" --k 1
is "--k 1 refused" "$STATUS" 2
# the same seed gives the same VoT records: the same anonymised rows
for g in gen2 gen3; do
	"$RC" gen --data "$T/$g" --vots 60 --seed 9 >/dev/null 2>&1
	"$RC" export ctdc --data "$T/$g" --k 2 2>/dev/null | sort >"$T/$g.csv"
done
check "the same seed gives the same VoT records" cmp -s "$T/gen2.csv" "$T/gen3.csv"
check "and they are not empty" test "$(wc -l <"$T/gen2.csv")" -gt 20

echo "- case summary PDF"
expect_http 200 "supervisor: summary of C12" "$A_SV" GET "/api/v1/cases/$C12/summary.pdf"
header_is Content-Type application/pdf
check "a PDF" test "$(head -c 5 "$OUT")" = "%PDF-"
cp "$OUT" "$T/en.pdf"
pdftotext "$T/en.pdf" "$T/en.txt" 2>/dev/null
check "title" grep -q "Case summary $C12" "$T/en.txt"
check "a label" grep -q "Risk level" "$T/en.txt"
check "the Arabic name" python3 -c "import sys,unicodedata; t=unicodedata.normalize('NFKC', open(sys.argv[1]).read()); sys.exit(0 if 'أمينة' in t or 'ةنيمأ' in t else 1)" "$T/en.txt"
expect_http 200 "Arabic supervisor: the same case" "$A_SVAR" GET "/api/v1/cases/$C12/summary.pdf"
cp "$OUT" "$T/ar.pdf"
pdftotext "$T/ar.pdf" "$T/ar.txt" 2>/dev/null
check "Arabic title, shaped and in reading order" python3 -c "import sys,unicodedata; t=unicodedata.normalize('NFKC', open(sys.argv[1]).read()); sys.exit(0 if 'ملخص الحالة' in t else 1)" "$T/ar.txt"
check "an Arabic label" python3 -c "import sys,unicodedata; t=unicodedata.normalize('NFKC', open(sys.argv[1]).read()); sys.exit(0 if 'مستوى الخطر' in t else 1)" "$T/ar.txt"
page "$A_SV" "/cases/$C12/summary.pdf"
is "the page route" "$HTTP" 200
header_is Content-Type application/pdf
expect_http 404 "another agency's supervisor" "$B_SV" GET "/api/v1/cases/$C12/summary.pdf"
expect_http 200 "caseworker: own case" "$A_CW" GET "/api/v1/cases/$C1/summary.pdf"
expect_http 404 "caseworker of another agency" "$B_CW" GET "/api/v1/cases/$C1/summary.pdf"

echo "- audit: one row per export, no values"
run "$RC" audit show --data "$D" --per 500
check "audit: export.cases" grep -q '"export.cases"' "$OUT"
check "audit: with the count and format" grep -q 'ok: 13 cases, csv' "$OUT"
check "audit: export.aggregate" grep -q '"export.aggregate"' "$OUT"
check "audit: export.ctdc" grep -q '"export.ctdc"' "$OUT"
check "audit: export.case_summary" grep -q '"export.case_summary"' "$OUT"
check "audit: report.read" grep -q '"report.read"' "$OUT"
check "audit: no names" sh -c "! grep -Eq '$SECRET' '$OUT'"
run "$RC" audit verify --data "$D"
is "audit chain intact" "$STATUS" 0

serve_stop
is "server stopped cleanly" "$SERVER_STATUS" 0
finish
