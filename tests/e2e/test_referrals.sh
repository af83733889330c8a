# test_referrals.sh — the service directory, referrals and transfers inside one
# instance, over real HTTP: searching services by type and location, a referral's
# every status and every refused move, what the receiving agency sees (the chosen
# fields, only while the referral is open; never the case), what another agency sees
# (nothing), consent refusals and the supervisor's override, internal transfers
# accepted, declined and withdrawn, tasks and audit rows. Fictional data only.
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
# fictional names that must never reach an audit row or a document
SECRET='Selamawit|Gebremedhin|Yohannesa|Mehretab|Tsegazeab'

login() {	# login VAR USER
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

post() {	# post CODES DESCRIPTION TOKEN PATH JSON
	expect_http "$1" "$2" "$3" POST "$4" "${JH[@]}" --data-binary "$5"
}

is() {	# is DESCRIPTION FILTER EXPECTED: jq on the last body
	CHECKS=$((CHECKS + 1))
	got=$(jout "$2")
	if [ "$got" != "$3" ]; then
		fail "$1: $2 is '$got', expected '$3'"
	fi
}

audit_has() {	# audit_has DESCRIPTION JQ-SELECT: at least one audit row matches
	CHECKS=$((CHECKS + 1))
	"$RC" audit show --data "$D" --per 500 >"$T/audit.json" 2>"$ERR"
	n=$(jq "[.data[] | select($2)] | length" "$T/audit.json" 2>/dev/null || echo 0)
	if [ "${n:-0}" -lt 1 ]; then
		fail "$1: no audit row with $2"
	fi
}

echo "- set-up: three agencies, case roles, partners, an administrator"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
adduser() {
	expect 0 "user add $1" "$RC" user add --data "$D" --username "$1" --role "$2" \
	    --agency "$3" --password-file "$T/pw"
}
adduser a.cw caseworker agency-a
adduser a.cw2 caseworker agency-a
adduser a.sv supervisor agency-a
adduser b.cw caseworker agency-b
adduser b.sv supervisor agency-b
adduser b.partner referral_partner agency-b
adduser c.cw caseworker agency-c
adduser c.partner referral_partner agency-c
adduser a.mne mne_officer agency-a
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start"
	tail -20 "$SERVER_LOG" >&2
	finish
fi
for u in a.cw a.cw2 a.sv b.cw b.sv b.partner c.cw c.partner a.mne chief; do
	v=T_${u//./_}
	login "$v" "$u"
done
AGB=$(db_sql "$D" "SELECT id FROM agencies WHERE code = 'agency-b'")

echo "- the service directory"
post 201 "admin adds a health post" "$T_chief" /api/v1/services '{"data":{"name":"Tripoli health post","agency":"agency-b","service_types":["health","psychosocial"],"locations":["LY01"],"languages":["ar","ti"],"contact":"+218 21 000 0000","age_from":0,"age_to":17,"sexes":["female","male"],"capacity":40,"provider_type":"ngo"}}'
S1=$(jout .data.id)
is "the entry names its agency" .data.agency_name agency-b
post 201 "admin adds legal aid for all Libya" "$T_chief" /api/v1/services '{"data":{"name":"Legal aid Libya","agency":"agency-c","service_types":["legal"],"locations":["LY"],"provider_type":"legal_aid"}}'
S2=$(jout .data.id)
post 201 "admin adds a shelter in Medenine" "$T_chief" /api/v1/services '{"data":{"name":"Medenine shelter","agency":"agency-b","service_types":["shelter"],"locations":["TN03"]}}'
S3=$(jout .data.id)
post 422 "an unknown service type is refused" "$T_chief" /api/v1/services '{"data":{"name":"X","agency":"agency-b","service_types":["magic"],"locations":["LY01"]}}'
is "the problem names the field" '.error.fields | has("service_types")' true
post 422 "an unknown location is refused" "$T_chief" /api/v1/services '{"data":{"name":"X","agency":"agency-b","service_types":["health"],"locations":["ZZ99"]}}'
is "the problem names the field" '.error.fields | has("locations")' true
post 422 "an unknown agency is refused" "$T_chief" /api/v1/services '{"data":{"name":"X","agency":"agency-z","service_types":["health"],"locations":["LY01"]}}'
post 422 "ages the wrong way round are refused" "$T_chief" /api/v1/services '{"data":{"name":"X","agency":"agency-b","service_types":["health"],"locations":["LY01"],"age_from":12,"age_to":5}}'
post 403 "a caseworker may not add services" "$T_a_cw" /api/v1/services '{"data":{"name":"X","agency":"agency-b","service_types":["health"],"locations":["LY01"]}}'
expect_http 200 "search: health in Tajura (below Tripoli)" "$T_a_cw" GET "/api/v1/services?type=health&location=LY0101"
is "finds the Tripoli health post" '[.data[].id] == ["'"$S1"'"]' true
expect_http 200 "search: anything in Tajura" "$T_a_cw" GET "/api/v1/services?location=LY0101"
is "finds the services of Tajura's ancestors" '[.data[].name] | sort' "$(jq -nc '["Legal aid Libya","Tripoli health post"]' | jq -r .)"
is "counts them" .metadata.total 2
expect_http 200 "search: in Libya as a whole" "$T_b_partner" GET "/api/v1/services?location=LY"
is "a region's services do not serve the whole country" '[.data[].id] == ["'"$S2"'"]' true
expect_http 200 "search: legal in Zarzis" "$T_a_cw" GET "/api/v1/services?type=legal&location=TN0301"
is "nothing" .metadata.total 0
expect_http 200 "search: shelter anywhere" "$T_a_cw" GET "/api/v1/services?type=shelter"
is "finds the shelter" '[.data[].id] == ["'"$S3"'"]' true
expect_http 400 "search: an unknown type" "$T_a_cw" GET "/api/v1/services?type=magic"
expect_http 403 "an M&E officer may not search the directory" "$T_a_mne" GET /api/v1/services
expect_http 200 "one service" "$T_a_cw" GET "/api/v1/services/$S1"
is "with its languages" '.data.languages | join(",")' "ar,ti"
expect_http 200 "admin changes the capacity" "$T_chief" PATCH "/api/v1/services/$S3" "${JH[@]}" --data-binary '{"data":{"capacity":12,"active":false}}'
is "the new capacity" .data.capacity 12
expect_http 200 "an inactive service is not found" "$T_a_cw" GET "/api/v1/services?type=shelter"
is "nothing" .metadata.total 0
expect_http 403 "a caseworker may not change a service" "$T_a_cw" PATCH "/api/v1/services/$S1" "${JH[@]}" --data-binary '{"data":{"capacity":1}}'
expect_http 404 "an unknown service" "$T_a_cw" GET /api/v1/services/00000000-0000-4000-8000-000000000000

echo "- a case with consent for referrals and a case plan"
CASE1='{"data":{"name_first":"Selamawit","name_last":"Gebremedhin","sex":"female","age":16,"location_current":"LY0101","protection_concerns":["unaccompanied"],"consent_per_purpose":[{"consent_purpose":"referral","consent_given_by":"child","consent_granted":true,"consent_date":"2026-01-10"},{"consent_purpose":"transfer","consent_given_by":"child","consent_granted":true,"consent_date":"2026-01-10"}],"cp_case_plan_subform_case_plan_interventions":[{"intervention_service_to_be_provided":"Medical check-up"},{"intervention_service_to_be_provided":"Counselling"}]}}'
post 201 "a.cw registers a case" "$T_a_cw" /api/v1/cases "$CASE1"
C1=$(jout .data.id)
post 201 "a.cw registers a case without consent" "$T_a_cw" /api/v1/cases '{"data":{"name_first":"Yohannesa","sex":"male","age":16}}'
C2=$(jout .data.id)
post 201 "a.cw registers a case with consent to NGOs only" "$T_a_cw" /api/v1/cases '{"data":{"name_first":"Mehretab","sex":"male","age":16,"consent_per_purpose":[{"consent_purpose":"referral","consent_given_by":"child","consent_granted":true,"consent_date":"2026-01-10","consent_recipient_type":"ngo"}]}}'
C3=$(jout .data.id)

echo "- a referral from the case: chosen fields only"
REF1=$(jq -nc --arg s "$S1" '{service_id: $s, reason: "Needs a medical check-up", urgency: "high", fields: ["name_first","sex","age","protection_concerns"], action_id: 1, due_date: "2026-12-31"}')
post 201 "a.cw refers the case to the health post" "$T_a_cw" "/api/v1/cases/$C1/referrals" "$REF1"
R1=$(jout .data.id)
is "pending" .data.status pending
is "to the service's agency" .data.to_agency agency-b
is "of the service's first type" .data.service_type health
is "tied to the case plan action" .data.case_plan_action_text "Medical check-up"
is "with a time to answer" '.data.respond_by | length > 0' true
is "on recorded consent" .data.consent_basis consent
is "the chosen fields, and only those, are shared" '.data.shared | keys | join(",")' "age,name_first,protection_concerns,sex"
check "the referral is a record linked to the case and sent to agency-b" test "$(db_sql "$D" "SELECT link_id || '|' || peer_agency_id || '|' || status FROM records WHERE id = '$R1'")" = "$C1|$AGB|pending"
check "a task asks agency-b to answer" test "$(db_sql "$D" "SELECT agency_id FROM docs WHERE kind = 'task' AND id = '$R1:referral'")" = "$AGB"
db_sql "$D" "SELECT body FROM docs" >"$T/docs.txt"
check "no document holds a name" sh -c "! grep -Eq '$SECRET' '$T/docs.txt'"
post 422 "an unknown field cannot be shared" "$T_a_cw" "/api/v1/cases/$C1/referrals" "$(jq -nc '{to_agency: "agency-b", service_type: "health", reason: "x", fields: ["favourite_colour"]}')"
is "the problem names fields" '.error.fields | has("fields")' true
post 422 "a system field cannot be shared" "$T_a_cw" "/api/v1/cases/$C1/referrals" "$(jq -nc '{to_agency: "agency-b", service_type: "health", reason: "x", fields: ["approval_status_case_plan"]}')"
post 422 "an action the plan does not have" "$T_a_cw" "/api/v1/cases/$C1/referrals" "$(jq -nc '{to_agency: "agency-b", service_type: "health", reason: "x", action_id: 9}')"
post 422 "a type the service does not offer" "$T_a_cw" "/api/v1/cases/$C1/referrals" "$(jq -nc --arg s "$S1" '{service_id: $s, service_type: "legal", reason: "x"}')"
post 422 "a reason is required" "$T_a_cw" "/api/v1/cases/$C1/referrals" '{"to_agency":"agency-b","service_type":"health"}'
post 422 "an unknown agency" "$T_a_cw" "/api/v1/cases/$C1/referrals" '{"to_agency":"agency-z","service_type":"health","reason":"x"}'
post 404 "a colleague may not refer a case that is not theirs" "$T_a_cw2" "/api/v1/cases/$C1/referrals" "$REF1"
post 403 "a referral partner may not refer" "$T_b_partner" "/api/v1/cases/$C1/referrals" "$REF1"

echo "- what the receiving agency sees: the referral, never the case"
expect_http 200 "b.partner's inbox" "$T_b_partner" GET "/api/v1/referrals?box=in"
is "holds the referral" '[.data[].id] == ["'"$R1"'"]' true
is "without the case's id" '.data[0] | has("case_id")' false
expect_http 200 "b.partner opens it" "$T_b_partner" GET "/api/v1/referrals/$R1"
is "as the receiver" .data.side receiver
is "exactly the fields the sender chose" '.data.shared | keys | join(",")' "age,name_first,protection_concerns,sex"
is "with their values" .data.shared.name_first Selamawit
is "not the others" '.data.shared | has("name_last")' false
is "nor the case's id" '.data | has("case_id")' false
check "no field the sender did not choose anywhere in it" sh -c "! grep -q Gebremedhin '$OUT'"
expect_http 404 "b.partner may not open the case" "$T_b_partner" GET "/api/v1/cases/$C1"
expect_http 403 "b.partner may not list cases" "$T_b_partner" GET /api/v1/cases
expect_http 200 "b.cw opens the referral" "$T_b_cw" GET "/api/v1/referrals/$R1"
expect_http 404 "b.cw may not open the case" "$T_b_cw" GET "/api/v1/cases/$C1"
expect_http 404 "b.sv may not open the case" "$T_b_sv" GET "/api/v1/cases/$C1"
expect_http 404 "another agency's partner sees nothing" "$T_c_partner" GET "/api/v1/referrals/$R1"
expect_http 404 "another agency's caseworker sees nothing" "$T_c_cw" GET "/api/v1/referrals/$R1"
expect_http 200 "c.partner's inbox" "$T_c_partner" GET "/api/v1/referrals?box=in"
is "is empty" .metadata.total 0
expect_http 404 "a colleague of the sender (own scope) sees nothing" "$T_a_cw2" GET "/api/v1/referrals/$R1"
expect_http 200 "the sender's supervisor sees it" "$T_a_sv" GET "/api/v1/referrals/$R1"
is "as the sender's side" .data.side sender
expect_http 200 "a.cw's sent referrals" "$T_a_cw" GET "/api/v1/referrals?box=out"
is "hold it" '[.data[].id] | index("'"$R1"'") != null' true
expect_http 200 "the case's referrals" "$T_a_cw" GET "/api/v1/cases/$C1/referrals"
is "hold it" '[.data[].id] == ["'"$R1"'"]' true
expect_http 404 "a case another agency may not see has no referrals for it" "$T_b_cw" GET "/api/v1/cases/$C1/referrals"

echo "- every status, every refused move"
post 422 "pending -> completed is refused" "$T_b_partner" "/api/v1/referrals/$R1/status" '{"status":"completed"}'
is "with the rule" '.error.message | test("pending -> accepted")' true
post 403 "the sender may not accept" "$T_a_cw" "/api/v1/referrals/$R1/status" '{"status":"accepted"}'
post 404 "another agency may not accept" "$T_c_partner" "/api/v1/referrals/$R1/status" '{"status":"accepted"}'
post 422 "a decline needs a reason" "$T_b_partner" "/api/v1/referrals/$R1/status" '{"status":"declined"}'
post 422 "an unknown status" "$T_b_partner" "/api/v1/referrals/$R1/status" '{"status":"lost"}'
post 200 "b.partner accepts" "$T_b_partner" "/api/v1/referrals/$R1/status" '{"status":"accepted"}'
is "accepted" .data.status accepted
check "the answer task became the service's due-date task" test "$(db_sql "$D" "SELECT at FROM docs WHERE kind = 'task' AND id = '$R1:referral'")" = "$(( $(date -u -d 2026-12-31 +%s) ))"
post 422 "the sender gives no feedback" "$T_a_cw" "/api/v1/referrals/$R1/status" '{"status":"revoked","feedback":"x"}'
post 200 "b.partner starts the service" "$T_b_partner" "/api/v1/referrals/$R1/status" '{"status":"in_progress","feedback":"First appointment booked"}'
is "in progress" .data.status in_progress
post 200 "b.partner completes it with feedback" "$T_b_partner" "/api/v1/referrals/$R1/status" '{"status":"completed","feedback":"Check-up done; no follow-up needed"}'
is "completed" .data.status completed
expect_http 200 "the receiver opens it after completion" "$T_b_partner" GET "/api/v1/referrals/$R1"
is "nothing of the case is left" '.data | has("shared")' false
is "only which fields were shared" '.data.shared_fields | join(",")' "name_first,sex,age,protection_concerns"
expect_http 200 "the caseworker reads the feedback" "$T_a_cw" GET "/api/v1/referrals/$R1"
is "feedback" .data.feedback "Check-up done; no follow-up needed"
is "the whole way" '[.data.status_log[].status] | join(",")' "pending,accepted,in_progress,completed"
post 422 "a completed referral cannot be revoked" "$T_a_cw" "/api/v1/referrals/$R1/status" '{"status":"revoked"}'
check "no task is left" test "$(db_sql "$D" "SELECT count(*) FROM docs WHERE kind = 'task' AND id = '$R1:referral'")" = 0

post 201 "a second referral, to agency-b directly" "$T_a_cw" "/api/v1/cases/$C1/referrals" '{"to_agency":"agency-b","service_type":"shelter","reason":"Needs a safe place","fields":["sex"]}'
R2=$(jout .data.id)
post 200 "b.sv declines it with a reason" "$T_b_sv" "/api/v1/referrals/$R2/status" '{"status":"declined","reason":"No place until next month"}'
is "declined" .data.status declined
is "shared fields dropped" '.data | has("shared")' false
expect_http 200 "the sender sees why" "$T_a_cw" GET "/api/v1/referrals/$R2"
is "the reason" .data.status_reason "No place until next month"
post 422 "a declined referral cannot be accepted" "$T_b_sv" "/api/v1/referrals/$R2/status" '{"status":"accepted"}'

post 201 "a third referral" "$T_a_cw" "/api/v1/cases/$C1/referrals" '{"to_agency":"agency-b","service_type":"psychosocial","reason":"Counselling","fields":["name_first"]}'
R3=$(jout .data.id)
post 403 "the receiver may not revoke" "$T_b_cw" "/api/v1/referrals/$R3/status" '{"status":"revoked"}'
post 200 "the sender revokes it while pending" "$T_a_cw" "/api/v1/referrals/$R3/status" '{"status":"revoked","reason":"The child moved on"}'
expect_http 200 "the receiver opens the revoked referral" "$T_b_cw" GET "/api/v1/referrals/$R3"
is "revoked" .data.status revoked
is "nothing of the case" '.data | has("shared")' false
check "the answer task is gone" test "$(db_sql "$D" "SELECT count(*) FROM docs WHERE kind = 'task' AND id = '$R3:referral'")" = 0

post 201 "a fourth referral" "$T_a_cw" "/api/v1/cases/$C1/referrals" '{"to_agency":"agency-b","service_type":"education","reason":"School","fields":["age"]}'
R4=$(jout .data.id)
post 200 "accepted" "$T_b_cw" "/api/v1/referrals/$R4/status" '{"status":"accepted"}'
post 200 "then revoked by the sender" "$T_a_cw" "/api/v1/referrals/$R4/status" '{"status":"revoked"}'
expect_http 200 "b.partner's inbox by status" "$T_b_partner" GET "/api/v1/referrals?box=in&status=revoked"
is "two revoked" .metadata.total 2
expect_http 400 "a bad box" "$T_a_cw" GET "/api/v1/referrals?box=sideways"

echo "- consent: refused without it, a supervisor's override with a reason"
post 422 "no referral without consent" "$T_a_cw" "/api/v1/cases/$C2/referrals" '{"to_agency":"agency-b","service_type":"health","reason":"x","fields":["sex"]}'
is "the problem names consent" '.error.fields | has("consent")' true
post 403 "a caseworker cannot override" "$T_a_cw" "/api/v1/cases/$C2/referrals" '{"to_agency":"agency-b","service_type":"health","reason":"x","override_reason":"urgent"}'
post 201 "a supervisor overrides with a reason" "$T_a_sv" "/api/v1/cases/$C2/referrals" '{"to_agency":"agency-b","service_type":"health","reason":"Injured","fields":["sex","age"],"override_reason":"Medical emergency; the child is unconscious"}'
is "on the override" .data.consent_basis override
R5=$(jout .data.id)
expect_http 200 "the receiver opens it" "$T_b_cw" GET "/api/v1/referrals/$R5"
is "sees the basis" .data.consent_basis override
is "not the supervisor's reason" '.data | has("consent_override_reason")' false
post 422 "consent to NGOs does not cover legal aid" "$T_a_cw" "/api/v1/cases/$C3/referrals" "$(jq -nc --arg s "$S2" '{service_id: $s, reason: "Asylum claim"}')"
post 201 "it covers the NGO health post" "$T_a_cw" "/api/v1/cases/$C3/referrals" "$(jq -nc --arg s "$S1" '{service_id: $s, reason: "Check-up"}')"

echo "- transfer inside the instance"
post 422 "no transfer without consent" "$T_a_cw" "/api/v1/cases/$C2/transfer" '{"to_user":"b.cw","reason":"Moves to Misrata"}'
post 422 "a transfer needs a reason" "$T_a_cw" "/api/v1/cases/$C1/transfer" '{"to_user":"b.cw"}'
post 422 "to someone who cannot take cases" "$T_a_cw" "/api/v1/cases/$C1/transfer" '{"to_user":"b.partner","reason":"x"}'
post 200 "a.cw transfers the case to b.cw" "$T_a_cw" "/api/v1/cases/$C1/transfer" '{"to_user":"b.cw","reason":"Moved to a shelter run by agency-b"}'
is "pending" .data.status pending
post 409 "one transfer at a time" "$T_a_cw" "/api/v1/cases/$C1/transfer" '{"to_agency":"agency-c","reason":"x"}'
expect_http 200 "b.cw's transfers" "$T_b_cw" GET /api/v1/transfers
is "hold the case" '[.data[].case_id] == ["'"$C1"'"]' true
is "with the reason" '.data[0].reason' "Moved to a shelter run by agency-b"
expect_http 200 "c.cw's transfers" "$T_c_cw" GET /api/v1/transfers
is "are empty" '.data | length' 0
expect_http 404 "b.cw may not open the case before accepting" "$T_b_cw" GET "/api/v1/cases/$C1"
post 404 "c.cw may not decide" "$T_c_cw" "/api/v1/cases/$C1/transfer/decision" '{"decision":"accepted"}'
post 422 "a decline needs a reason" "$T_b_cw" "/api/v1/cases/$C1/transfer/decision" '{"decision":"declined"}'
post 200 "b.cw declines" "$T_b_cw" "/api/v1/cases/$C1/transfer/decision" '{"decision":"declined","reason":"Caseload full"}'
expect_http 200 "a.cw still has the case" "$T_a_cw" GET "/api/v1/cases/$C1"
is "owned by a.cw" .data.owned_by a.cw
is "the log says declined, and why" '.data.transfers[-1] | .transfer_status + "|" + .transfer_decision_reason' "declined|Caseload full"
post 404 "once declined, b.cw reaches the case no more" "$T_b_cw" "/api/v1/cases/$C1/transfer/decision" '{"decision":"accepted"}'
post 200 "a.cw transfers it to agency-b" "$T_a_cw" "/api/v1/cases/$C1/transfer" '{"to_agency":"agency-b","reason":"Moved"}'
post 200 "and withdraws it" "$T_a_cw" "/api/v1/cases/$C1/transfer/decision" '{"decision":"revoked"}'
check "no transfer task is left" test "$(db_sql "$D" "SELECT count(*) FROM docs WHERE kind = 'task' AND id = '$C1:transfer'")" = 0
post 200 "a.cw transfers it to b.cw again" "$T_a_cw" "/api/v1/cases/$C1/transfer" '{"to_user":"b.cw","reason":"Moved to a shelter run by agency-b"}'
check "a task for b.cw" test "$(db_sql "$D" "SELECT owner_id FROM docs WHERE kind = 'task' AND id = '$C1:transfer'")" = "$(db_sql "$D" "SELECT id FROM users WHERE username = 'b.cw'")"
post 200 "b.sv accepts it for b.cw" "$T_b_sv" "/api/v1/cases/$C1/transfer/decision" '{"decision":"accepted","assign_to":"b.cw"}'
is "owned by b.cw" .data.owner b.cw
expect_http 200 "b.cw opens the case now" "$T_b_cw" GET "/api/v1/cases/$C1"
is "owned by b.cw" .data.owned_by b.cw
expect_http 404 "the sender lost it (own scope)" "$T_a_cw" GET "/api/v1/cases/$C1"
expect_http 404 "the sender's supervisor lost it (another agency now)" "$T_a_sv" GET "/api/v1/cases/$C1"
expect_http 200 "the receiving supervisor sees it" "$T_b_sv" GET "/api/v1/cases/$C1"
is "three transfers in its log" '[.data.transfers[].transfer_status] | join(",")' "declined,revoked,accepted"
check "the index columns moved" test "$(db_sql "$D" "SELECT agency_id || '|' || peer_agency_id FROM records WHERE id = '$C1'")" = "$AGB|"
post 200 "a supervisor transfers without consent, on an override" "$T_a_sv" "/api/v1/cases/$C2/transfer" '{"to_user":"a.cw2","reason":"a.cw leaves","override_reason":"The child cannot be reached; continuity of care"}'
post 200 "a.cw2 accepts" "$T_a_cw2" "/api/v1/cases/$C2/transfer/decision" '{"decision":"accepted"}'
is "owned by a.cw2" .data.owner a.cw2

echo "- pages: refer from the case page, answer from the inbox"
page_login() {	# page_login PREFIX USER: the session token and form token into PREFIX_tok, PREFIX_csrf
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1_tok" '%s' "$(jout '.data.token')"
	printf -v "$1_csrf" '%s' "$(jout '.data.csrf_token')"
}
page_login PA a.cw
page_login PB b.partner
page_login PC c.partner
post 201 "a.cw registers a fourth case" "$T_a_cw" /api/v1/cases '{"data":{"name_first":"Tsegazeab","name_last":"Mehretabi","sex":"male","age":16,"consent_per_purpose":[{"consent_purpose":"referral","consent_given_by":"child","consent_granted":true,"consent_date":"2026-01-10"}]}}'
C4S=$(jout .data.short_id)
expect_http 200 "the case page" "" GET "/cases/$C4S" -b "rc_session=$PA_tok"
check "offers to refer the case" grep -q 'id="refer-case"' "$OUT"
check "shows its transfer form" grep -q 'id="transfer-form"' "$OUT"
expect_http 200 "the referral form" "" GET "/cases/$C4S/refer" -b "rc_session=$PA_tok"
check "offers the case's fields as checkboxes" grep -q 'name="field" value="name_last"' "$OUT"
expect_http 303 "a.cw sends a referral from the form" "" POST "/cases/$C4S/refer" -b "rc_session=$PA_tok" \
    --data-urlencode "csrf=$PA_csrf" -d "to_agency=agency-b&service_type=health&reason=Check-up&field=name_first&field=sex"
R6=$(header_val Location | sed 's|.*/referrals/||')
check "it goes to the new referral" test -n "$R6"
expect_http 200 "b.partner's inbox page" "" GET /referrals -b "rc_session=$PB_tok"
check "lists the referral" grep -q "$R6" "$OUT"
expect_http 200 "b.partner's referral page" "" GET "/referrals/$R6" -b "rc_session=$PB_tok"
check "shows the chosen first name" grep -q Tsegazeab "$OUT"
check "not the last name, which was not chosen" sh -c "! grep -q Mehretabi '$OUT'"
check "no link to the case" sh -c "! grep -q 'referral-case' '$OUT'"
check "offers to accept" grep -q 'id="do-accepted"' "$OUT"
expect_http 404 "another agency's partner gets no page" "" GET "/referrals/$R6" -b "rc_session=$PC_tok"
expect_http 303 "b.partner accepts on the page" "" POST "/referrals/$R6/status" -b "rc_session=$PB_tok" \
    --data-urlencode "csrf=$PB_csrf" -d "status=accepted"
expect_http 422 "a move out of order shows the rule" "" POST "/referrals/$R6/status" -b "rc_session=$PB_tok" \
    --data-urlencode "csrf=$PB_csrf" -d "status=completed"
check "in an alert" grep -q 'id="form-error"' "$OUT"
expect_http 403 "a form without its token is refused" "" POST "/referrals/$R6/status" -b "rc_session=$PB_tok" -d "status=in_progress"
expect_http 200 "the case page shows the referral's status" "" GET "/cases/$C4S" -b "rc_session=$PA_tok"
check "accepted" grep -q 'Accepted' "$OUT"
expect_http 200 "the directory page" "" GET "/services?type=health&location=LY0101" -b "rc_session=$PA_tok"
check "lists the health post" grep -q 'Tripoli health post' "$OUT"
expect_http 200 "the transfers page" "" GET /transfers -b "rc_session=$PA_tok"

echo "- the audit log"
audit_has "services" '.action == "service.create"'
audit_has "referral created" '.action == "referral.create"'
audit_has "shared field ids on the case" '.action == "referral.send" and .record_id == "'"$C1"'" and (.fields | index("name_first") != null)'
for s in accepted in_progress completed declined revoked; do
	audit_has "referral $s" '.action == "referral.'"$s"'"'
done
audit_has "the receiver's reads" '.action == "referral.receive"'
audit_has "denied reads" '.action == "referral.read" and (.outcome | startswith("denied"))'
audit_has "consent overrides" '.action == "consent.override"'
audit_has "transfer requested" '.action == "transfer.request"'
audit_has "transfer declined" '.action == "transfer.declined"'
audit_has "transfer accepted" '.action == "transfer.accepted"'
audit_has "transfer revoked" '.action == "transfer.revoked"'
check "no name in the audit log" sh -c "! grep -Eq '$SECRET' '$T/audit.json'"
expect 0 "the audit chain holds" "$RC" audit verify --data "$D"

serve_stop
finish
