# test_tracing.sh — family tracing over real HTTP with a real server and data directory:
# tracing requests and their trace numbers, matches across scripts with the explanation,
# consent and agency boundaries, decisions that last (edits, restarts), tasks for new
# likely matches, duplicate detection and links, reunification fields, the pages, bad
# input. Fictional names only.
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
TODAY=$(date -u +%F)
# Text that must never be stored in clear (documents) or logged: names and the note.
SECRET='Abdallah|Kidane|Traore|NOTE-Zephyrine|محمد|فاطمة|ዮናስ'

cnt() { jq -r "$1" "$OUT" 2>/dev/null || echo -1; }
login() {	# login VAR USER: the token into VAR, the CSRF token into VAR_CSRF
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null)"
	printf -v "$1_CSRF" '%s' "$(jq -r '.data.csrf_token // empty' "$OUT" 2>/dev/null)"
}
is_error() {
	CHECKS=$((CHECKS + 1))
	if [ "$(jout '(.error.code | type) == "string" and (.error.message | type) == "string"')" != true ]; then
		fail "$1: not an error envelope: $(head -c 200 "$OUT")"
	fi
}
# consent for tracing that holds at ages 6 to 11: the caregiver's consent, the child's
# assent
CONSENT='"consent_source":"caregiver","consent_for_tracing":true,"consent_per_purpose":[
 {"consent_purpose":"tracing","consent_given_by":"caregiver","consent_granted":true,"consent_date":"'$TODAY'"},
 {"consent_purpose":"tracing","consent_given_by":"child","consent_granted":true,"consent_date":"'$TODAY'"}]'
new_case() {	# new_case TOKEN DESCRIPTION JSON-FIELDS: POST a case; its id in CASE_ID, CASE_SID
	expect_http 201 "$2" "$1" POST /api/v1/cases "${JH[@]}" --data-binary "{\"data\":{$3}}"
	CASE_ID=$(jout .data.id)
	CASE_SID=$(jout .data.short_id)
}
matches_of_trace() {	# matches_of_trace TOKEN TRACE: GET its matches (body in $OUT)
	expect_http 200 "matches of trace $2" "$1" GET "/api/v1/traces/$2/matches"
}
has_case() { jq -e --arg c "$1" '[.data[].case_id] | index($c) != null' "$OUT" >/dev/null 2>&1; }
has_trace() { jq -e --arg t "$1" '[.data[].trace_id] | index($t) != null' "$OUT" >/dev/null 2>&1; }
docs() {	# docs KIND: the documents of KIND as "id|ref|agency_id|body" lines; for
	# tasks only the match tasks (the workflow's deadline tasks share the kind)
	db_sql "$D" "SELECT id || '|' || ref || '|' || agency_id || '|' || body FROM docs WHERE kind = '$1' AND ('$1' <> 'task' OR id LIKE '%:match:%') ORDER BY id"
}

echo "- set-up: agencies A and B, caseworkers, FTR officers, a supervisor"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
for u in "a.cw caseworker agency-a" "a.ftr ftr_officer agency-a" "a.sv supervisor agency-a" \
    "b.cw caseworker agency-b" "b.ftr ftr_officer agency-b" "a.mne mne_officer agency-a"; do
	set -- $u
	expect 0 "user add $1" "$RC" user add --data "$D" --username "$1" --role "$2" \
	    --agency "$3" --password-file "$T/pw"
done
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -20 >&2
	finish
fi
login A_CW a.cw
login A_FTR a.ftr
login A_SV a.sv
login B_CW b.cw
login B_FTR b.ftr
login A_MNE a.mne
A_FTR_AGENCY=$(db_sql "$D" "SELECT agency_id FROM users WHERE username = 'a.ftr'")
A_FTR_ID=$(db_sql "$D" "SELECT id FROM users WHERE username = 'a.ftr'")

echo "- cases in several scripts, with and without consent, in two agencies"
new_case "$A_CW" "Mohamed Abdallah, 10, consent for tracing" '"name_first":"Mohamed","name_last":"Abdallah","sex":"male","age":10,"estimated":true,"registration_date":"'$TODAY'",'"$CONSENT"',
 "family_details_section":[{"relation":"mother","relation_name":"Fatima Hassan"}]'
C_MOH=$CASE_ID
S_MOH=$CASE_SID
new_case "$A_CW" "Mohammed Abdalla, 10, tracing refused" '"name_first":"Mohammed","name_last":"Abdalla","sex":"male","age":10,"registration_date":"'$TODAY'","consent_source":"caregiver","consent_for_tracing":false'
C_NOCONSENT=$CASE_ID
S_NOCONSENT=$CASE_SID
new_case "$A_CW" "Mohamed Abdallah, 10, consent by the caregiver alone (the child's assent is missing)" '"name_first":"Mohamed","name_last":"Abdallah","name_middle":"Ali","sex":"male","age":10,"registration_date":"'$TODAY'","consent_source":"caregiver","consent_for_tracing":true'
C_NOASSENT=$CASE_ID
new_case "$B_CW" "agency B: Muhammad Abdalla, 10, consent" '"name_first":"Muhammad","name_last":"Abdalla","sex":"male","age":10,"registration_date":"'$TODAY'",'"$CONSENT"
C_B=$CASE_ID
new_case "$A_CW" "Mohammed Abdullah, 9, another boy of the same name, consent" '"name_first":"Mohammed","name_last":"Abdullah","sex":"male","age":9,"registration_date":"'$TODAY'",'"$CONSENT"
C_OTHER=$CASE_ID
S_OTHER=$CASE_SID
new_case "$A_CW" "Awa Traore, 8, consent" '"name_first":"Awa","name_last":"Traore","sex":"female","age":8,"registration_date":"'$TODAY'",'"$CONSENT"
C_AWA=$CASE_ID
check "no task before any tracing request" test -z "$(docs task)"

echo "- tracing requests: register, trace numbers, read, access"
TR='{"data":{"inquiry_date":"'$TODAY'","relation_name":"فاطمة حسن","relation":"mother","relation_telephone":"+000 555 0101","consent_for_tracing":true,
 "tracing_request_subform_section":[{"name":"محمد عبد الله","sex":"male","age":9},{"name":"ዮናስ ተስፋዬ ኪዳነ","sex":"male","age":12},{"name":"Awa Traoré","sex":"female","age":8}]}}'
expect_http 403 "a caseworker may not register a tracing request" "$A_CW" POST /api/v1/tracing_requests "${JH[@]}" --data-binary "$TR" && is_error "caseworker create"
expect_http 201 "a.ftr registers a tracing request" "$A_FTR" POST /api/v1/tracing_requests "${JH[@]}" --data-binary "$TR"
R1=$(jout .data.id)
RS1=$(jout .data.short_id)
T1=$(jout '.data.trace_ids[0]')
T2=$(jout '.data.trace_ids[1]')
T3=$(jout '.data.trace_ids[2]')
check "three trace ids come back" test "$(cnt '.data.trace_ids | length')" = 3
check "trace ids are UUIDs" sh -c "echo '$T1 $T2 $T3' | grep -Eq '^[0-9a-f-]{36} [0-9a-f-]{36} [0-9a-f-]{36}$'"
check "trace ids differ" test "$T1" != "$T2"
header_is Location "/api/v1/tracing_requests/$R1"
expect_http 200 "a.ftr reads the request" "$A_FTR" GET "/api/v1/tracing_requests/$R1"
check "the traces hold their ids" test "$(jout '[.data.tracing_request_subform_section[].unique_id] | join(" ")')" = "$T1 $T2 $T3"
check "a trace starts open" test "$(jout '.data.tracing_request_subform_section[0].tracing_status')" = open
check "the inquirer's name reads back" test "$(jout .data.relation_name)" = "فاطمة حسن"
expect_http 200 "a.sv (same agency) reads the request" "$A_SV" GET "/api/v1/tracing_requests/$RS1"
expect_http 404 "a caseworker of agency A gets 404" "$A_CW" GET "/api/v1/tracing_requests/$R1" && is_error "cw a"
expect_http 404 "a caseworker of agency B gets 404" "$B_CW" GET "/api/v1/tracing_requests/$R1" && is_error "cw b"
expect_http 404 "the FTR officer of agency B gets 404" "$B_FTR" GET "/api/v1/tracing_requests/$R1"
expect_http 404 "an M&E officer gets 404" "$A_MNE" GET "/api/v1/tracing_requests/$R1"
expect_http 200 "a.ftr lists tracing requests" "$A_FTR" GET /api/v1/tracing_requests
check "the list holds the request" test "$(jout '[.data[].id] | join(",")')" = "$R1"
expect_http 200 "search by a child's name in Latin finds the request" "$A_FTR" GET /api/v1/tracing_requests -G --data-urlencode "query=Mohamed"
check "found by the skeleton of محمد" test "$(jout '[.data[].id] | join(",")')" = "$R1"
expect_http 200 "b.ftr lists tracing requests" "$B_FTR" GET /api/v1/tracing_requests
check "agency B sees none of A's" test "$(cnt .metadata.total)" = 0
expect_http 403 "a caseworker may not list tracing requests" "$A_CW" GET /api/v1/tracing_requests

echo "- matches: Arabic script trace, Latin case"
matches_of_trace "$A_FTR" "$T1"
check "Mohamed Abdallah is a match of محمد عبد الله" has_case "$C_MOH"
check "... as likely" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .likelihood' "$OUT")" = likely
check "... with its short id" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .short_id' "$OUT")" = "$S_MOH"
check "... the names agree (exact or phonetic)" sh -c "jq -r --arg c '$C_MOH' '.data[] | select(.case_id == \$c) | .fields.name.agreement' '$OUT' | grep -Eqx 'exact|phonetic'"
check "... the sex agrees" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .fields.sex.agreement' "$OUT")" = agree
check "... the ages agree within a year (9 and 10)" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .fields.age.agreement' "$OUT")" = within_1
check "... every field is explained with a weight" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .fields | [.[] | .weight | type] | unique | join(",")' "$OUT")" = number
check "... score between 0 and 1" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | (.score > 0.5 and .score <= 1)' "$OUT")" = true
check "... the summary names the child" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .summary.name' "$OUT")" = "Mohamed Abdallah"
check "a case without consent for tracing never appears" sh -c "! jq -e --arg c '$C_NOCONSENT' '[.data[].case_id] | index(\$c)' '$OUT' >/dev/null"
check "a case without the child's assent (age 10) never appears" sh -c "! jq -e --arg c '$C_NOASSENT' '[.data[].case_id] | index(\$c)' '$OUT' >/dev/null"
check "a case of agency B never appears to agency A" sh -c "! jq -e --arg c '$C_B' '[.data[].case_id] | index(\$c)' '$OUT' >/dev/null"
check "only likely and possible pairs" test "$(jout '[.data[].likelihood] | unique - ["likely","possible"] | length')" = 0
check "best first" test "$(jout '[.data[].score] == ([.data[].score] | sort | reverse)')" = true
check "metadata names the request" test "$(jout .metadata.request_id)" = "$R1"
check "metadata: consent" test "$(jout .metadata.tracing_consent)" = true
matches_of_trace "$A_FTR" "$T3"
check "Awa Traoré finds Awa Traore" has_case "$C_AWA"
expect_http 404 "b.ftr gets 404 for a trace of agency A" "$B_FTR" GET "/api/v1/traces/$T1/matches"
expect_http 403 "a caseworker may not see matches (role)" "$A_CW" GET "/api/v1/traces/$T1/matches"
expect_http 404 "an unknown trace" "$A_FTR" GET /api/v1/traces/00000000-0000-4000-8000-000000000000/matches && is_error "unknown trace"
expect_http 404 "not a trace id" "$A_FTR" GET /api/v1/traces/nope/matches
expect_http 200 "b.ftr's view of the agency B case" "$B_FTR" GET "/api/v1/cases/$C_B/matches"
check "agency A's request is not a match for agency B" test "$(cnt '.data | length')" = 0

echo "- the reverse: traces for a case"
expect_http 200 "matches of the case Mohamed Abdallah" "$A_FTR" GET "/api/v1/cases/$C_MOH/matches"
check "trace 1 is a match of the case" has_trace "$T1"
check "... likely" test "$(jq -r --arg t "$T1" '.data[] | select(.trace_id == $t) | .likelihood' "$OUT")" = likely
check "... with its request" test "$(jq -r --arg t "$T1" '.data[] | select(.trace_id == $t) | .request_short_id' "$OUT")" = "$RS1"
expect_http 200 "matches of the case without consent" "$A_FTR" GET "/api/v1/cases/$C_NOCONSENT/matches"
check "none, and says why" test "$(jout '(.data | length) == 0 and .metadata.tracing_consent == false')" = true
expect_http 403 "a caseworker may not see matches of a case (role)" "$A_CW" GET "/api/v1/cases/$C_MOH/matches"
expect_http 404 "b.ftr may not see the case" "$B_FTR" GET "/api/v1/cases/$C_MOH/matches"

echo "- tasks: new likely matches for the FTR officers"
TASKS=$(docs task)
check "a task for (Mohamed Abdallah, trace 1)" sh -c "printf '%s\n' \"\$1\" | grep -q '^$C_MOH:match:$T1|$C_MOH|$A_FTR_AGENCY|'" _ "$TASKS"
check "the task body is ids and a score" sh -c "printf '%s\n' \"\$1\" | grep '^$C_MOH:match:$T1' | cut -d'|' -f4- | jq -e '.kind == \"match\" and .trace_id == \"$T1\" and .case_id == \"$C_MOH\" and .request_id == \"$R1\" and (.score | type) == \"number\"' >/dev/null" _ "$TASKS"
check "the task is owned by the request's FTR officer" test "$(db_sql "$D" "SELECT owner_id FROM docs WHERE kind = 'task' AND id = '$C_MOH:match:$T1'")" = "$A_FTR_ID"
check "no task for the case without consent" sh -c "! printf '%s\n' \"\$1\" | grep -q '$C_NOCONSENT'" _ "$TASKS"
check "no task for the agency B case" sh -c "! printf '%s\n' \"\$1\" | grep -q '$C_B'" _ "$TASKS"
new_case "$A_CW" "Yonas Tesfaye Kidane registered after the request" '"name_first":"Yonas","name_middle":"Tesfaye","name_last":"Kidane","sex":"male","age":12,"registration_date":"'$TODAY'","consent_source":"child","consent_for_tracing":true,"consent_per_purpose":[{"consent_purpose":"tracing","consent_given_by":"caregiver","consent_granted":true,"consent_date":"'$TODAY'"},{"consent_purpose":"tracing","consent_given_by":"child","consent_granted":true,"consent_date":"'$TODAY'"}]'
C_YONAS=$CASE_ID
check "registering a case that matches an open trace wrote a task for (Yonas, trace 2)" \
    sh -c 'printf "%s\n" "$1" | grep -q "^$2:match:$3|"' _ "$(docs task)" "$C_YONAS" "$T2"
matches_of_trace "$A_FTR" "$T2"
check "ዮናስ ተስፋዬ ኪዳነ finds Yonas Tesfaye Kidane" has_case "$C_YONAS"
check "no document holds a name or a phone number" sh -c '! printf "%s" "$1" | grep -Eq "$2"' _ \
    "$(db_sql "$D" "SELECT kind || ' ' || id || ' ' || ref || ' ' || body FROM docs")" "$SECRET|555 0101"

echo "- decisions"
expect_http 422 "a decision that is neither" "$A_FTR" POST "/api/v1/traces/$T1/matches/$C_OTHER" "${JH[@]}" --data-binary '{"decision":"maybe"}' && is_error "bad decision"
check "... names the field" test "$(jout '.error.fields.decision | type')" = string
expect_http 422 "a decision without a decision" "$A_FTR" POST "/api/v1/traces/$T1/matches/$C_OTHER" "${JH[@]}" --data-binary '{"note":"x"}'
expect_http 422 "a decision with another member" "$A_FTR" POST "/api/v1/traces/$T1/matches/$C_OTHER" "${JH[@]}" --data-binary '{"decision":"confirmed","score":1}'
expect_http 400 "a decision that is not JSON" "$A_FTR" POST "/api/v1/traces/$T1/matches/$C_OTHER" "${JH[@]}" --data-binary '{"decision":'
expect_http 422 "a decision on a case without consent" "$A_FTR" POST "/api/v1/traces/$T1/matches/$C_NOCONSENT" "${JH[@]}" --data-binary '{"decision":"confirmed"}'
expect_http 404 "a decision on a case of agency B" "$A_FTR" POST "/api/v1/traces/$T1/matches/$C_B" "${JH[@]}" --data-binary '{"decision":"not_a_match"}'
expect_http 403 "a decision by a caseworker (role)" "$A_CW" POST "/api/v1/traces/$T1/matches/$C_OTHER" "${JH[@]}" --data-binary '{"decision":"not_a_match"}'
expect_http 404 "a decision on an unknown trace" "$A_FTR" POST "/api/v1/traces/00000000-0000-4000-8000-000000000000/matches/$C_OTHER" "${JH[@]}" --data-binary '{"decision":"not_a_match"}'
matches_of_trace "$A_FTR" "$T1"
check "the other boy of the same name is a candidate before the decision" has_case "$C_OTHER"
REV_BEFORE=$(db_sql "$D" "SELECT rev FROM records WHERE id = '$R1'")
expect_http 200 "not a match: (trace 1, the other boy)" "$A_FTR" POST "/api/v1/traces/$T1/matches/$C_OTHER" "${JH[@]}" \
    --data-binary '{"decision":"not_a_match","note":"NOTE-Zephyrine: the mother saw his photo, not her son"}'
check "the answer says not_a_match" test "$(jout .data.decision)" = not_a_match
check "... by a.ftr" test "$(jout .data.decided_by)" = a.ftr
matches_of_trace "$A_FTR" "$T1"
check "the rejected pair is gone" sh -c "! jq -e --arg c '$C_OTHER' '[.data[].case_id] | index(\$c)' '$OUT' >/dev/null"
check "Mohamed Abdallah is still there" has_case "$C_MOH"
DOC=$(docs match | grep "^$T1:$C_OTHER|$T1|" | cut -d'|' -f4-)
check "the decision document holds ids, decision, score, who, when" sh -c 'printf "%s" "$1" | jq -e --arg c "$2" ".decision == \"not_a_match\" and .case_id == \$c and (.score|type) == \"number\" and .decided_by == \"a.ftr\" and (.decided_at|type) == \"string\"" >/dev/null' _ "$DOC" "$C_OTHER"
check "the note is in no document" sh -c '! printf "%s" "$1" | grep -q Zephyrine' _ "$(db_sql "$D" "SELECT body FROM docs")"
check "the request got a new revision (sealed decision)" test "$(db_sql "$D" "SELECT rev FROM records WHERE id = '$R1'")" = $((REV_BEFORE + 1))
expect_http 200 "the request shows the decision and its note" "$A_FTR" GET "/api/v1/tracing_requests/$R1"
check "match_decisions holds the note" test "$(jout '.data.match_decisions[0].note')" = "NOTE-Zephyrine: the mother saw his photo, not her son"
check "... and who decided" test "$(jout '.data.match_decisions[0].decided_by')" = a.ftr
R1_REV=$(jout .data.rev)
expect_http 200 "the case of the other boy changes (nickname)" "$A_CW" PATCH "/api/v1/cases/$C_OTHER" "${JH[@]}" -H 'If-Match: "1"' --data-binary '{"data":{"name_nickname":"Hamoudi"}}'
TRACES=$(curl -s -H "Authorization: Bearer $A_FTR" "$BASE/api/v1/tracing_requests/$R1" | jq -c '.data.tracing_request_subform_section')
expect_http 200 "the request changes too (age of trace 1, a telephone)" "$A_FTR" PATCH "/api/v1/tracing_requests/$R1" "${JH[@]}" -H "If-Match: \"$R1_REV\"" \
    --data-binary "{\"data\":{\"relation_telephone\":\"+000 555 0102\",\"tracing_request_subform_section\":$(printf '%s' "$TRACES" | jq -c '.[0].age = 10')}}"
matches_of_trace "$A_FTR" "$T1"
check "the rejected pair stays gone after both records changed" sh -c "! jq -e --arg c '$C_OTHER' '[.data[].case_id] | index(\$c)' '$OUT' >/dev/null"
check "no task for the rejected pair" sh -c '! printf "%s\n" "$1" | grep -q "^$2:match:$3|"' _ "$(docs task)" "$C_OTHER" "$T1"
expect_http 200 "the case of the other boy, from its side" "$A_FTR" GET "/api/v1/cases/$C_OTHER/matches"
check "trace 1 is not offered for the rejected case" sh -c "! jq -e --arg t '$T1' '[.data[].trace_id] | index(\$t)' '$OUT' >/dev/null"

expect_http 200 "confirm (trace 1, Mohamed Abdallah)" "$A_FTR" POST "/api/v1/traces/$T1/matches/$S_MOH" "${JH[@]}" --data-binary '{"decision":"confirmed","note":"verified with the mother"}'
check "confirmed" test "$(jout .data.decision)" = confirmed
check "the decision names the case by id" test "$(jout .data.case_id)" = "$C_MOH"
expect_http 200 "the case reads back" "$A_CW" GET "/api/v1/cases/$C_MOH"
check "the case's tracing status is verified" test "$(jout .data.tracing_status)" = verified
check "the case names the request" test "$(jout .data.matched_tracing_request_id)" = "$R1"
check "the case names the trace" test "$(jout .data.matched_trace_id)" = "$T1"
expect_http 200 "the request reads back" "$A_FTR" GET "/api/v1/tracing_requests/$R1"
check "trace 1 is verified" test "$(jout '.data.tracing_request_subform_section[0].tracing_status')" = verified
check "trace 2 is still open" test "$(jout '.data.tracing_request_subform_section[1].tracing_status')" = open
check "two decisions recorded" test "$(cnt '.data.match_decisions | length')" = 2
check "the confirmed pair's task is gone" sh -c '! printf "%s\n" "$1" | grep -q "^$2:match:$3|"' _ "$(docs task)" "$C_MOH" "$T1"
matches_of_trace "$A_FTR" "$T1"
check "the confirmed match is shown as confirmed" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .decision' "$OUT")" = confirmed
expect_http 200 "the history of the case names the decision" "$A_CW" GET "/api/v1/cases/$C_MOH/history"
check "... as an update (the confirmed match)" test "$(jout '[.data[].fields[]] | index("tracing_status") != null')" = true
check "the audit chain has a match.decide row per decision on the request" \
    test "$(db_sql "$D" "SELECT count(*) FROM audit WHERE action = 'match.decide' AND record_id = '$R1'")" = 2
check "... and one on the confirmed case" \
    test "$(db_sql "$D" "SELECT count(*) FROM audit WHERE action = 'match.decide' AND record_id = '$C_MOH'")" = 1
check "... no audit row holds the note" sh -c '! printf "%s" "$1" | grep -q -e Zephyrine -e "verified with"' _ \
    "$(db_sql "$D" "SELECT coalesce(fields, '') || outcome FROM audit")"

echo "- trace numbers are the system's"
expect_http 200 "read the request" "$A_FTR" GET "/api/v1/tracing_requests/$R1"
REV=$(jout .data.rev)
TRACES=$(jq -c '.data.tracing_request_subform_section' "$OUT")
expect_http 200 "add a fourth trace, sending the others back" "$A_FTR" PATCH "/api/v1/tracing_requests/$R1" "${JH[@]}" -H "If-Match: \"$REV\"" \
    --data-binary "{\"data\":{\"tracing_request_subform_section\":$(printf '%s' "$TRACES" | jq -c '. + [{"name":"Selam Tesfaye Kidane","sex":"female","age":6}]')}}"
expect_http 200 "read it again" "$A_FTR" GET "/api/v1/tracing_requests/$R1"
check "the first three keep their numbers" test "$(jout '[.data.tracing_request_subform_section[0:3][].unique_id] | join(" ")')" = "$T1 $T2 $T3"
T4=$(jout '.data.tracing_request_subform_section[3].unique_id')
check "the new one has a number of its own" sh -c "echo '$T4' | grep -Eq '^[0-9a-f-]{36}$' && [ '$T4' != '$T1' ]"
matches_of_trace "$A_FTR" "$T4"
REV=$(curl -s -H "Authorization: Bearer $A_FTR" "$BASE/api/v1/tracing_requests/$R1" | jq -r .data.rev)
expect_http 422 "a made-up trace number is refused" "$A_FTR" PATCH "/api/v1/tracing_requests/$R1" "${JH[@]}" -H "If-Match: \"$REV\"" \
    --data-binary '{"data":{"tracing_request_subform_section":[{"unique_id":"00000000-0000-4000-8000-000000000000","name":"Made Up","sex":"male"}]}}' && is_error "made-up id"
check "... naming the field" test "$(jout '.error.fields | keys | join(",")')" = "tracing_request_subform_section[0].unique_id"
expect_http 422 "a client may not write match decisions" "$A_FTR" PATCH "/api/v1/tracing_requests/$R1" "${JH[@]}" -H "If-Match: \"$REV\"" \
    --data-binary '{"data":{"match_decisions":[]}}'
expect_http 422 "a new request with a trace number is refused" "$A_FTR" POST /api/v1/tracing_requests "${JH[@]}" \
    --data-binary '{"data":{"relation_name":"Hawa Kamara","relation":"aunt","consent_for_tracing":true,"tracing_request_subform_section":[{"unique_id":"'$T1'","name":"Ali Kamara"}]}}'
expect_http 422 "a request without a child sought" "$A_FTR" POST /api/v1/tracing_requests "${JH[@]}" \
    --data-binary '{"data":{"relation_name":"Hawa Kamara","relation":"aunt","consent_for_tracing":true}}'
expect_http 400 "a request that is not {data}" "$A_FTR" POST /api/v1/tracing_requests "${JH[@]}" --data-binary '{"relation_name":"x"}'
expect_http 404 "b.ftr may not edit A's request" "$B_FTR" PATCH "/api/v1/tracing_requests/$R1" "${JH[@]}" -H "If-Match: \"$REV\"" --data-binary '{"data":{"relation_telephone":"1"}}'
expect_http 201 "a request whose person asking refused tracing" "$A_FTR" POST /api/v1/tracing_requests "${JH[@]}" \
    --data-binary '{"data":{"relation_name":"Hawa Kamara","relation":"aunt","consent_for_tracing":false,"tracing_request_subform_section":[{"name":"Mohamed Abdallah","sex":"male","age":10}]}}'
RNC_T=$(jout '.data.trace_ids[0]')
matches_of_trace "$A_FTR" "$RNC_T"
check "without the inquirer's consent nothing is compared" test "$(jout '(.data | length) == 0 and .metadata.tracing_consent == false')" = true
expect_http 200 "the case Mohamed Abdallah from its side" "$A_FTR" GET "/api/v1/cases/$C_MOH/matches"
check "the refused request is never offered" sh -c "! jq -e --arg t '$RNC_T' '[.data[].trace_id] | index(\$t)' '$OUT' >/dev/null"

echo "- decisions last across a restart"
serve_stop
check "the server stopped cleanly" test "$SERVER_STATUS" = 0
CHECKS=$((CHECKS + 1))
serve_start "$D" || fail "the server did not start again"
login A_FTR a.ftr
matches_of_trace "$A_FTR" "$T1"
check "still no rejected pair after the restart" sh -c "! jq -e --arg c '$C_OTHER' '[.data[].case_id] | index(\$c)' '$OUT' >/dev/null"
check "still confirmed after the restart" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .decision' "$OUT")" = confirmed

echo "- duplicates at registration"
login A_CW a.cw
TOTAL=$(curl -s -H "Authorization: Bearer $A_CW" "$BASE/api/v1/cases" | jq .metadata.total)
expect_http 200 "a re-registration of Mohamed Abdallah" "$A_CW" POST /api/v1/cases/duplicates "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Muhammad","name_last":"Abdalla","sex":"male","age":11,"family_details_section":[{"relation":"mother","relation_name":"Fatma Hasan"}]}}'
check "finds the case already registered" has_case "$C_MOH"
check "... as likely" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .likelihood' "$OUT")" = likely
check "... with the explanation" test "$(jq -r --arg c "$C_MOH" '.data[] | select(.case_id == $c) | .fields.name.agreement' "$OUT")" != null
check "nothing was stored" test "$(curl -s -H "Authorization: Bearer $A_CW" "$BASE/api/v1/cases" | jq .metadata.total)" = "$TOTAL"
expect_http 200 "b.cw looks for the same child" "$B_CW" POST /api/v1/cases/duplicates "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Muhammad","name_last":"Abdalla","sex":"male","age":11}}'
check "b.cw sees only agency B's own case" test "$(jout '[.data[].case_id] | join(",")')" = "$C_B"
expect_http 200 "a different child" "$A_CW" POST /api/v1/cases/duplicates "${JH[@]}" --data-binary '{"data":{"name_first":"Zerihun","name_last":"Bekele","sex":"male","age":4}}'
check "no duplicate for a different child" test "$(cnt '.data | length')" = 0
expect_http 422 "no name to look for" "$A_CW" POST /api/v1/cases/duplicates "${JH[@]}" --data-binary '{"data":{"sex":"male"}}' && is_error "no name"
expect_http 400 "data that is not an object" "$A_CW" POST /api/v1/cases/duplicates "${JH[@]}" --data-binary '{"data":"Mohamed"}'
expect_http 403 "an M&E officer may not search" "$A_MNE" POST /api/v1/cases/duplicates "${JH[@]}" --data-binary '{"data":{"name_first":"Mohamed"}}'

new_case "$A_CW" "the child registered again all the same" '"name_first":"Muhammad","name_last":"Abdalla","sex":"male","age":11,"registration_date":"'$TODAY'"'
C_DUP=$CASE_ID
S_DUP=$CASE_SID
expect_http 200 "mark it a duplicate of the first registration (by short id)" "$A_CW" POST "/api/v1/cases/$C_DUP/duplicate_of" "${JH[@]}" --data-binary "{\"case_id\":\"$S_MOH\"}"
check "the answer names the original" test "$(jout .data.duplicate_of)" = "$C_MOH"
expect_http 200 "the duplicate reads back" "$A_CW" GET "/api/v1/cases/$C_DUP"
check "... with duplicate_of" test "$(jout .data.duplicate_of)" = "$C_MOH"
check "the link is in the index column" test "$(db_sql "$D" "SELECT link_id FROM records WHERE id = '$C_DUP'")" = "$C_MOH"
expect_http 200 "links of the duplicate" "$A_CW" GET "/api/v1/cases/$S_DUP/duplicates"
check "it is a duplicate of the original" test "$(jout .data.duplicate_of.case_id)" = "$C_MOH"
expect_http 200 "links of the original" "$A_CW" GET "/api/v1/cases/$C_MOH/duplicates"
check "the original lists its duplicate" test "$(jout '[.data.duplicates[].case_id] | join(",")')" = "$C_DUP"
check "both are kept" test "$(curl -s -H "Authorization: Bearer $A_CW" "$BASE/api/v1/cases" | jq .metadata.total)" = $((TOTAL + 1))
expect_http 422 "the other way round is refused" "$A_CW" POST "/api/v1/cases/$C_MOH/duplicate_of" "${JH[@]}" --data-binary "{\"case_id\":\"$C_DUP\"}" && is_error "cycle"
expect_http 422 "a case is no duplicate of itself" "$A_CW" POST "/api/v1/cases/$C_OTHER/duplicate_of" "${JH[@]}" --data-binary "{\"case_id\":\"$C_OTHER\"}"
expect_http 422 "a case of another agency" "$A_CW" POST "/api/v1/cases/$C_OTHER/duplicate_of" "${JH[@]}" --data-binary "{\"case_id\":\"$C_B\"}"
expect_http 400 "a body without case_id" "$A_CW" POST "/api/v1/cases/$C_OTHER/duplicate_of" "${JH[@]}" --data-binary '{"id":"x"}'
expect_http 404 "b.cw may not link A's case" "$B_CW" POST "/api/v1/cases/$C_DUP/duplicate_of" "${JH[@]}" --data-binary "{\"case_id\":\"$C_B\"}"
expect_http 404 "an FTR officer may not link (no case.update)" "$A_FTR" POST "/api/v1/cases/$C_OTHER/duplicate_of" "${JH[@]}" --data-binary "{\"case_id\":\"$C_MOH\"}"
expect_http 200 "remove the link" "$A_CW" POST "/api/v1/cases/$C_DUP/duplicate_of" "${JH[@]}" --data-binary '{"case_id":null}'
check "the link is gone from the index" test -z "$(db_sql "$D" "SELECT link_id FROM records WHERE id = '$C_DUP'")"
expect_http 200 "link again" "$A_CW" POST "/api/v1/cases/$C_DUP/duplicate_of" "${JH[@]}" --data-binary "{\"case_id\":\"$C_MOH\"}"

echo "- reunification on the case"
REV=$(curl -s -H "Authorization: Bearer $A_CW" "$BASE/api/v1/cases/$C_MOH" | jq -r .data.rev)
expect_http 200 "record verification, reunification and a follow-up visit" "$A_CW" PATCH "/api/v1/cases/$C_MOH" "${JH[@]}" -H "If-Match: \"$REV\"" \
    --data-binary '{"data":{"verification_steps":[{"verification_date":"'$TODAY'","verification_method":"family_interview","verification_outcome":"confirmed"}],
 "reunification_date":"'$TODAY'","reunification_with":"Fatima Hassan","reunification_relationship":"mother","reunification_type":"parents",
 "reunification_visits":[{"visit_date":"'$TODAY'","visit_child_seen":true,"visit_outcome":"settled"}],"tracing_status":"reunified"}}'
expect_http 200 "reads back" "$A_CW" GET "/api/v1/cases/$C_MOH"
check "reunification type" test "$(jout .data.reunification_type)" = parents
check "verification step" test "$(jout '.data.verification_steps[0].verification_outcome')" = confirmed
check "follow-up visit" test "$(jout '.data.reunification_visits[0].visit_outcome')" = settled
check "tracing status reunified" test "$(jout .data.tracing_status)" = reunified
expect_http 422 "a reunification type that is no option" "$A_CW" PATCH "/api/v1/cases/$C_MOH" "${JH[@]}" -H "If-Match: \"$((REV + 1))\"" --data-binary '{"data":{"reunification_type":"teleport"}}'
check "... names the field" test "$(jout '.error.fields | keys | join(",")')" = reunification_type

echo "- pages"
page() {	# page TOKEN PATH: GET a page with the session cookie
	http_as "" GET "$2" -b "rc_session=$1"
}
page "$A_FTR" /home
check "the FTR officer's navigation has Tracing" grep -q 'href="/tracing"' "$OUT"
page "$A_CW" /home
check "a caseworker's navigation has no Tracing" sh -c "! grep -q 'href=\"/tracing\"' '$OUT'"
page "$A_FTR" /tracing
check "the list answers 200" test "$HTTP" = 200
check "the list shows the request" grep -q "$RS1" "$OUT"
page "$A_FTR" "/tracing/$RS1"
check "the request page answers 200" test "$HTTP" = 200
check "it shows the match with Mohamed Abdallah's case" grep -q "/cases/$S_MOH" "$OUT"
check "it explains the names in words" grep -Eq "The names (sound|are) the same" "$OUT"
check "it offers the decision buttons" grep -q 'value="not_a_match"' "$OUT"
check "the request page weighs under 60 KB" test "$(wc -c <"$OUT")" -lt 61440
page "$A_CW" "/tracing/$RS1"
check "a caseworker gets 404 for the request page" test "$HTTP" = 404
page "$A_FTR" /tracing/new
check "the registration page answers 200" test "$HTTP" = 200
check "it has the children sought" grep -q 'tracing_request_subform_section' "$OUT"
check "it has no input for the decisions" sh -c "! grep -q 'match_decisions' '$OUT'"
check "the registration page weighs under 60 KB" test "$(wc -c <"$OUT")" -lt 61440
expect_http 303 "register a tracing request through the page" "" POST /tracing/new -b "rc_session=$A_FTR" \
    --data-urlencode "csrf=$A_FTR_CSRF" --data-urlencode "relation_name=Letebrhan Zerai" \
    --data-urlencode "relation=mother" --data-urlencode "consent_for_tracing=true" \
    --data-urlencode "tracing_request_subform_section[0][name]=Tesfalem Gebrehiwet" \
    --data-urlencode "tracing_request_subform_section[0][sex]=male" \
    --data-urlencode "tracing_request_subform_section[0][age]=11"
PAGE_SID=$(header_val Location | sed 's|^/tracing/||')
check "... and land on it" sh -c "echo '$PAGE_SID' | grep -Eq '^[a-z0-9]{7}$'"
expect_http 200 "the page's request reads back" "$A_FTR" GET "/api/v1/tracing_requests/$PAGE_SID"
check "... with the consent the officer recorded" test "$(jout .data.consent_for_tracing)" = true
check "... and a trace number" sh -c "echo '$(jout '.data.tracing_request_subform_section[0].unique_id')' | grep -Eq '^[0-9a-f-]{36}$'"
expect_http 200 "a page registration without a child sought shows the problem" "" POST /tracing/new -b "rc_session=$A_FTR" \
    --data-urlencode "csrf=$A_FTR_CSRF" --data-urlencode "relation_name=Letebrhan Zerai" \
    --data-urlencode "relation=mother" --data-urlencode "consent_for_tracing=true"
check "... in the error summary" grep -q 'id="error-summary"' "$OUT"
page "$A_FTR" "/cases/$S_OTHER"
check "the case page of an FTR officer has the matches block" grep -q 'id="matches"' "$OUT"
page "$A_CW" "/cases/$S_MOH"
check "the case page shows its duplicate" grep -q "/cases/$S_DUP" "$OUT"
check "a caseworker sees no matches block" sh -c "! grep -q 'id=\"matches\"' '$OUT'"
page "$A_CW" "/cases/$S_DUP"
check "the duplicate's page links the original" grep -q "/cases/$S_MOH" "$OUT"
# the case form is edited a section at a time; the tracing section is one of them
page "$A_SV" "/cases/$S_MOH/edit?section=tracing"
check "the case form has the tracing and reunification section" grep -q 'id="section-tracing"' "$OUT"
check "... which weighs under 24 KB" test "$(sed -n '/id="section-tracing"/,$p' "$OUT" | sed '/<\/form>/q' | wc -c)" -lt 24576
# a decision through the page, with the form token
expect_http 303 "not a match through the page" "" POST "/tracing/$RS1/decide" -b "rc_session=$A_FTR" \
    --data-urlencode "csrf=$A_FTR_CSRF" --data-urlencode "trace_id=$T3" --data-urlencode "case_id=$C_AWA" \
    --data-urlencode "decision=not_a_match"
matches_of_trace "$A_FTR" "$T3"
check "the page decision took effect" sh -c "! jq -e --arg c '$C_AWA' '[.data[].case_id] | index(\$c)' '$OUT' >/dev/null"
expect_http 403 "a page decision without the form token" "" POST "/tracing/$RS1/decide" -b "rc_session=$A_FTR" \
    --data-urlencode "trace_id=$T3" --data-urlencode "case_id=$C_AWA" --data-urlencode "decision=confirmed"
# registering a child again through the page shows the duplicates first
expect_http 200 "the registration form shows a likely duplicate first" "" POST /cases/new -b "rc_session=$A_CW" \
    --data-urlencode "csrf=$A_CW_CSRF" --data-urlencode "name_first=Mohamed" --data-urlencode "name_last=Abdalla" \
    --data-urlencode "sex=male" --data-urlencode "age=10"
check "... the possible duplicates block" grep -q 'id="possible-duplicates"' "$OUT"
check "... linking the case" grep -q "/cases/$S_MOH" "$OUT"
check "... and save anyway" grep -q 'name="save_anyway"' "$OUT"
expect_http 303 "save anyway" "" POST /cases/new -b "rc_session=$A_CW" \
    --data-urlencode "csrf=$A_CW_CSRF" --data-urlencode "save_anyway=1" --data-urlencode "name_first=Mohamed" \
    --data-urlencode "name_last=Abdalla" --data-urlencode "sex=male" --data-urlencode "age=10"
expect_http 303 "mark a duplicate through the page" "" POST "/cases/$S_OTHER/duplicate_of" -b "rc_session=$A_CW" \
    --data-urlencode "csrf=$A_CW_CSRF" --data-urlencode "case_id=$S_NOCONSENT"

echo "- the audit of a tracing request"
expect_http 200 "a supervisor reads the audit rows of a tracing request" "$A_SV" GET "/api/v1/audit?record_id=$R1"
check "they include its registration" test "$(jout '[.data[] | select(.action == "tracing.create")] | length')" -ge 1
expect_http "403|404" "agency B's FTR officer does not" "$B_FTR" GET "/api/v1/audit?record_id=$R1"

echo "- nothing of a child in the server's log"
check "no name or note in the server log" sh -c "! grep -Eq '$SECRET' '$SERVER_LOG'"
serve_stop
check "the server stopped cleanly" test "$SERVER_STATUS" = 0
finish
