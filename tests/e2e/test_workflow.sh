# test_workflow.sh — the case management workflow over HTTP with real roles, a real
# server and a real database: registration to closure and reopening, every refused
# move answered 422 with its rule, approvals (self-approval, rejection without a
# comment), deadlines kept as tasks and the task lists of caseworkers and supervisors
# (cases registered with a registration date in the past are overdue), fields only the
# server sets, the DoMV suggestion, consent checks and a supervisor's override, age
# bands while an age is assessed, and the audit of it all. Fictional data only.
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
SECRET='Selamawit|Gebreyesusa|Tsegerede|Habtezion|Mekdelawit'
PAST=$(date -u -d '30 days ago' +%F)
TODAY=$(date -u +%F)

login() {	# login VAR USER: POST /api/v1/session; the token into VAR
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

# rule CODE DESCRIPTION: the last answer is 422 {"error":{"code":"rule"}} whose message
# starts with rule CODE
rule() {
	CHECKS=$((CHECKS + 1))
	if [ "$HTTP" != 422 ] || [ "$(jout .error.code)" != rule ] ||
	    [ "$(jout '.error.message | split(":")[0]')" != "$1" ]; then
		fail "$2: expected 422 rule $1, got HTTP $HTTP $(head -c 300 "$OUT")"
	fi
}

REV=0
# patch TOKEN ID JSON: PATCH the case at its current revision (REV, kept up to date)
patch() {
	http_as "$1" PATCH "/api/v1/cases/$2" "${JH[@]}" -H "If-Match: \"$REV\"" \
	    --data-binary "{\"data\":$3}"
	if [ "$HTTP" = 200 ]; then REV=$(jout .data.rev); fi
}
# approve TOKEN ID TYPE STATUS [COMMENT]: POST an approval request or decision
approve() {
	if [ $# -ge 5 ]; then
		body=$(jq -nc --arg s "$4" --arg c "$5" '{data: {approval_status: $s, comment: $c}}')
	else
		body=$(jq -nc --arg s "$4" '{data: {approval_status: $s}}')
	fi
	http_as "$1" POST "/api/v1/cases/$2/approvals/$3" "${JH[@]}" --data-binary "$body"
	if [ "$HTTP" = 200 ]; then REV=$(jout .data.rev); fi
}
getcase() {	# getcase TOKEN ID: GET the case, REV from it
	http_as "$1" GET "/api/v1/cases/$2"
	if [ "$HTTP" = 200 ]; then REV=$(jout .data.rev); fi
}
ok() {	# ok DESCRIPTION: the last answer was 200
	CHECKS=$((CHECKS + 1))
	if [ "$HTTP" != 200 ]; then
		fail "$1: HTTP $HTTP $(head -c 300 "$OUT")"
	fi
}

echo "- set-up: two agencies, caseworkers and supervisors"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
adduser() {
	expect 0 "user add $1 ($2 of $3)" "$RC" user add --data "$D" --username "$1" \
	    --role "$2" --agency "$3" --password-file "$T/pw"
}
adduser a.cw caseworker agency-a
adduser a.sv supervisor agency-a
adduser a.sv2 supervisor agency-a
adduser a.ftr ftr_officer agency-a
adduser b.cw caseworker agency-b
adduser b.sv supervisor agency-b
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -20 >&2
	finish
fi
login A_CW a.cw
login A_SV a.sv
login A_SV2 a.sv2
login A_FTR a.ftr
login B_CW b.cw
login B_SV b.sv

echo "- fields only the server sets cannot be written by clients"
expect_http 422 "create with an approval status" "$A_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Selamawit","sex":"female","age":12,"approval_status_case_plan":"approved"}}'
check "the refusal names approval_status_case_plan" test "$(jout '.error.fields.approval_status_case_plan')" = "is set by the system"
expect_http 422 "create with a suggested risk level" "$A_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Selamawit","sex":"female","age":12,"risk_level_suggested":"low"}}'
check "the refusal names risk_level_suggested" test "$(jout '.error.fields | keys | join(",")')" = risk_level_suggested

echo "- registration: deadlines from the risk level, kept as tasks"
NOW0=$(date -u +%s)
expect_http 201 "a.cw registers a high-risk case now" "$A_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Mekdelawit","sex":"female","age":15,"risk_level":"high"}}'
C0=$(jout .data.id)
expect_http 200 "read it" "$A_CW" GET "/api/v1/cases/$C0"
check "stage new, status open" test "$(jout '.data.workflow + "/" + .data.status')" = new/open
RESP_AT=$(jout '.data.deadlines[] | select(.kind == "response") | .due_at')
RESP_S=$(date -u -d "$RESP_AT" +%s 2>/dev/null || echo 0)
CREATED_S=$(date -u -d "$(jout .data.created_at)" +%s 2>/dev/null || echo 0)
check "the response is due 24 hours after registration ($RESP_AT)" test "$((RESP_S - CREATED_S))" = 86400
check "not overdue yet" test "$(jout '.data.overdue')" = false
check "assessment_due is the response deadline" test "$(jout .data.assessment_due)" = "$RESP_AT"
check "assessment and case plan are due too" test "$(jout '[.data.deadlines[].kind] | join(",")')" = response,assessment,case_plan
jq -cS .data.deadlines "$OUT" >"$T/fast.json"
expect_http 200 "the same case through the full read" "$A_CW" GET "/api/v1/cases/$C0/workflow"
check "the fast read and the full read show the same deadlines" test "$(jq -cS .data.deadlines "$OUT")" = "$(cat "$T/fast.json")"

expect_http 201 "a.cw registers a case dated $PAST (low risk)" "$A_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary "{\"data\":{\"name_first\":\"Selamawit\",\"name_last\":\"Gebreyesusa\",\"sex\":\"female\",\"age\":14,\"risk_level\":\"low\",\"registration_date\":\"$PAST\",\"family_details_section\":[{\"relation\":\"mother\",\"relation_name\":\"Tsegerede Habtezion\"}]}}"
C1=$(jout .data.id)
S1=$(jout .data.short_id)
REV=$(jout .data.rev)
expect_http 200 "read it" "$A_CW" GET "/api/v1/cases/$C1"
check "its response time passed: overdue" test "$(jout '.data.deadlines[] | select(.kind == "response") | .overdue')" = true
check "so is the comprehensive assessment (14 days)" test "$(jout '.data.deadlines[] | select(.kind == "assessment") | .overdue')" = true
check "the case is overdue" test "$(jout .data.overdue)" = true
expect_http 200 "the case list shows the same" "$A_CW" GET "/api/v1/cases?query=$S1"
check "overdue in the list too" test "$(jout '.data[0].overdue')" = true

expect_http 200 "a.cw's tasks" "$A_CW" GET /api/v1/tasks
check "a.cw has both cases' tasks (6)" test "$(jout .metadata.total)" = 6
check "three are overdue" test "$(jout .metadata.overdue)" = 3
check "soonest first: the late ones lead" test "$(jout '.data[0].overdue')" = true
check "the new case's response task is due, not overdue" test \
    "$(jout '.data[] | select(.record_id == "'"$C0"'" and .kind == "response") | .overdue')" = false
check "tasks carry no name" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 200 "a.cw's overdue tasks" "$A_CW" GET "/api/v1/tasks?overdue=1"
check "only the late case's" test "$(jout '[.data[].record_id] | unique | join(",")')" = "$C1"
check "all marked overdue" test "$(jout '[.data[].overdue] | all')" = true
expect_http 200 "a.cw's tasks not late yet" "$A_CW" GET "/api/v1/tasks?overdue=0"
check "the other three" test "$(jout '([.data[].overdue | not] | all) and (.data | length == 3)')" = true
expect_http 200 "paging: one per page" "$A_CW" GET "/api/v1/tasks?per=1&page=2"
check "one task on page 2 of 6" test "$(jout '(.data | length | tostring) + "/" + (.metadata.total | tostring)')" = 1/6
expect_http 400 "a bad overdue filter" "$A_CW" GET "/api/v1/tasks?overdue=yes"
expect_http 200 "a.sv's tasks: the agency's" "$A_SV" GET "/api/v1/tasks?overdue=1"
check "a.sv sees a.cw's overdue tasks" test "$(jout .metadata.total)" = 3
check "with the caseworker's name" test "$(jout '.data[0].owned_by')" = a.cw
expect_http 200 "b.cw's tasks" "$B_CW" GET /api/v1/tasks
check "b.cw sees none of agency A's" test "$(jout .metadata.total)" = 0
expect_http 200 "b.sv's tasks" "$B_SV" GET /api/v1/tasks
check "b.sv sees none of agency A's" test "$(jout .metadata.total)" = 0
expect_http 403 "an ftr officer has no task list" "$A_FTR" GET /api/v1/tasks

echo "- DoMV: the suggested risk level with its reasons, beside the caseworker's own"
patch "$A_CW" "$C1" '{"domv_factors":[{"domv_level":"household","domv_factor":"individual_history_exploitation","domv_factor_type":"risk"}]}'
check "a factor under the wrong level: 422 ($HTTP)" test "$HTTP" = 422
check "the refusal names the entry" test "$(jout '.error.fields | keys | join(",")')" = "domv_factors[0].domv_factor"
patch "$A_CW" "$C1" '{"domv_factors":[{"domv_level":"individual","domv_factor":"individual_history_exploitation","domv_factor_type":"risk","domv_date":"'"$PAST"'"},{"domv_level":"household","domv_factor":"household_caregiver","domv_factor_type":"protective"},{"domv_level":"community","domv_factor":"community_safety","domv_factor_type":"risk"}],"domv_summary_individual":"exploited on the journey"}'
ok "a.cw records three DoMV factors"
getcase "$A_CW" "$C1"
check "suggested high" test "$(jout .data.risk_level_suggested)" = high
check "because of a critical factor" test "$(jout .data.risk_level_suggested_reasons)" = "critical_factor:individual_history_exploitation"
check "the caseworker's risk level stays theirs (low)" test "$(jout .data.risk_level)" = low
patch "$A_CW" "$C1" '{"risk_level_suggested":"low"}'
check "the suggestion cannot be written: 422 ($HTTP)" test "$HTTP" = 422
check "the refusal names risk_level_suggested" test "$(jout '.error.fields | keys | join(",")')" = risk_level_suggested
expect_http 200 "the case's workflow state" "$A_CW" GET "/api/v1/cases/$C1/workflow"
check "profile: individual 1 risk" test "$(jout '.data.domv.levels.individual.risk')" = 1
check "profile: household 1 protective" test "$(jout '.data.domv.levels.household.protective')" = 1
check "profile: community 1 risk" test "$(jout '.data.domv.levels.community.risk')" = 1
check "profile: the summary" test "$(jout '.data.domv.levels.individual.summary')" = "exploited on the journey"
check "profile: suggested high with the reason" test "$(jout '.data.domv.suggested + ":" + .data.domv.reasons[0].code')" = high:critical_factor

echo "- stages: each refused move answers 422 with its rule"
patch "$A_CW" "$C1" '{"workflow":"case_plan"}'
rule transition.not_allowed "new to case plan"
patch "$A_CW" "$C1" '{"workflow":"assessment"}'
rule assessment.needs_initial_assessment "assessment without the initial assessment"
patch "$A_CW" "$C1" '{"workflow":"closed"}'
rule transition.not_allowed "new to closed"
patch "$A_CW" "$C1" '{"status":"closed"}'
rule transition.not_allowed "status closed from new"
patch "$A_CW" "$C1" '{"status":"paused"}'
rule status.unknown "an unknown status"
patch "$A_CW" "$C1" '{"workflow":"nowhere"}'
rule stage.unknown "an unknown stage"
patch "$A_CW" "$C1" '{"workflow":5}'
check "a stage that is no string: 422 ($HTTP)" test "$HTTP" = 422
patch "$A_CW" "$C1" '{"workflow":"closed","status":"open"}'
rule status.mismatch "a stage and a status that disagree"
check "nothing was written by the refusals (rev $REV)" test "$REV" = 2
patch "$A_CW" "$C1" "{\"initial_assessment_date\":\"$TODAY\",\"workflow\":\"assessment\"}"
ok "assessment, with the initial assessment in the same change"
check "at revision 3" test "$REV" = 3
getcase "$A_CW" "$C1"
check "the stage is assessment" test "$(jout .data.workflow)" = assessment
check "the response deadline is gone" test "$(jout '[.data.deadlines[].kind] | index("response")')" = null
expect_http 200 "history" "$A_CW" GET "/api/v1/cases/$C1/history"
check "the history names the stage change" test "$(jout '.data[-1].fields | join(",")')" = initial_assessment_date,workflow

echo "- approvals: request, refuse, reject with a comment, approve"
approve "$A_CW" "$C1" assessment requested
rule approval.needs_assessment "an assessment approval without the comprehensive assessment"
patch "$A_CW" "$C1" "{\"comprehensive_assessment_date\":\"$TODAY\"}"
ok "comprehensive assessment recorded"
approve "$A_CW" "$C1" nonsense requested
rule approval.unknown_type "an unknown approval type"
approve "$A_CW" "$C1" assessment maybe
rule approval.unknown_status "an unknown approval status"
approve "$A_CW" "$C1" assessment requested
ok "a.cw requests the assessment approval"
check "answer names the approval" test "$(jout '.data.approval.type + "/" + .data.approval.status')" = assessment/requested
header_is ETag "\"$REV\""
approve "$A_CW" "$C1" assessment requested
rule approval.already_requested "a second request"
approve "$A_CW" "$C1" assessment approved
rule approval.role_decide "a caseworker approving"
approve "$B_CW" "$C1" assessment approved
check "b.cw cannot reach A's case: 404 ($HTTP)" test "$HTTP" = 404
approve "$B_SV" "$C1" assessment approved
check "b.sv cannot reach A's case: 404 ($HTTP)" test "$HTTP" = 404
check "no content in the 404" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 200 "a.sv's tasks include the approval" "$A_SV" GET /api/v1/tasks
check "an approval task for a.sv" test "$(jout '[.data[] | select(.kind == "approval" and .approval == "assessment")] | length')" = 1
check "waiting for supervisors, not a caseworker" test "$(jout '[.data[] | select(.kind == "approval")][0].owned_by')" = null
expect_http 200 "a.cw's tasks" "$A_CW" GET /api/v1/tasks
check "the approval is not a.cw's task" test "$(jout '[.data[] | select(.kind == "approval")] | length')" = 0
approve "$A_SV" "$C1" assessment rejected
rule approval.comment_required "a rejection without a comment"
approve "$A_SV" "$C1" assessment rejected "the family assessment is missing"
ok "a.sv rejects with a comment"
patch "$A_CW" "$C1" '{"workflow":"case_plan"}'
rule case_plan.needs_approved_assessment "case plan after a rejection"
http_as "$A_CW" POST "/api/v1/cases/$C1/approvals/assessment" "${JH[@]}" -H 'If-Match: "1"' \
    --data-binary '{"data":{"approval_status":"requested"}}'
check "a stale If-Match on an approval: 409 ($HTTP)" test "$HTTP" = 409
approve "$A_CW" "$C1" assessment requested
ok "a.cw requests again"
approve "$A_SV" "$C1" assessment approved "complete now"
ok "a.sv approves"
getcase "$A_CW" "$C1"
check "approval_status_assessment approved" test "$(jout .data.approval_status_assessment)" = approved
check "four entries in approval_subforms" test "$(jout '.data.approval_subforms | length')" = 4
check "the decision names its decider by id" test "$(jout '.data.approval_subforms[3].approved_by | length')" = 36
check "the comment is kept" test "$(jout '.data.approval_subforms[1].approval_manager_comments')" = "the family assessment is missing"
patch "$A_CW" "$C1" '{"approval_subforms":[]}'
check "the approval log cannot be written: 422 ($HTTP)" test "$HTTP" = 422
patch "$A_CW" "$C1" '{"approval_status_assessment":"approved"}'
check "resending the stored status passes ($HTTP)" test "$HTTP" = 200

echo "- case plan: a durable solution needs a BID"
patch "$A_CW" "$C1" '{"workflow":"case_plan"}'
ok "case plan"
approve "$A_CW" "$C1" case_plan requested
rule approval.needs_case_plan "a plan approval without a plan"
patch "$A_CW" "$C1" "{\"date_case_plan\":\"$TODAY\",\"cp_case_plan_subform_case_plan_interventions\":[{\"intervention_service_to_be_provided\":\"family tracing\",\"case_plan_action_status\":\"in_progress\"}],\"durable_solution_proposed\":true}"
ok "the plan, proposing a durable solution"
approve "$A_CW" "$C1" case_plan requested
ok "plan approval requested"
approve "$A_SV" "$C1" case_plan approved
ok "plan approved"
patch "$A_CW" "$C1" '{"workflow":"implementation"}'
rule implementation.needs_bid "implementation without a BID"
getcase "$A_CW" "$C1"
check "a BID deadline is shown" test "$(jout '[.data.deadlines[].kind] | index("bid") != null')" = true
patch "$A_CW" "$C1" "{\"bid_decision\":\"defer\",\"bid_followup_date\":\"$TODAY\"}"
ok "BID deferred"
patch "$A_CW" "$C1" '{"workflow":"implementation"}'
rule implementation.needs_bid "implementation with a deferred BID"
patch "$A_CW" "$C1" "{\"bid_decision\":\"approve\",\"bid_decision_date\":\"$TODAY\",\"workflow\":\"implementation\"}"
ok "BID approves: implementation"
patch "$A_CW" "$C1" '{"workflow":"follow_up"}'
ok "follow-up"
getcase "$A_CW" "$C1"
check "plan review and follow-up are due" test "$(jout '[.data.deadlines[].kind] | sort | join(",")')" = follow_up,plan_review

echo "- closure: a reason, an approved request, then closed; reopened by a supervisor"
patch "$A_CW" "$C1" '{"workflow":"closed"}'
rule transition.not_allowed "closing straight from follow-up"
patch "$A_CW" "$C1" '{"workflow":"closure_requested"}'
rule closure.needs_reason "closure request without a reason"
patch "$A_CW" "$C1" '{"closure_reason":"other","workflow":"closure_requested"}'
rule closure.needs_other_reason "closure for another reason, not written"
patch "$A_CW" "$C1" '{"closure_reason":"reunified","workflow":"closure_requested"}'
ok "closure requested with its reason"
patch "$A_CW" "$C1" '{"status":"closed"}'
rule closure.needs_approval "closing without an approved closure request"
approve "$A_CW" "$C1" closure requested
ok "closure approval requested"
patch "$A_CW" "$C1" '{"status":"closed"}'
rule closure.needs_approval "closing while the request waits"
approve "$A_SV" "$C1" closure approved
ok "closure approved"
patch "$A_CW" "$C1" '{"status":"closed"}'
ok "closed"
getcase "$A_CW" "$C1"
check "stage closed, status closed" test "$(jout '.data.workflow + "/" + .data.status')" = closed/closed
check "date_closure set to today" test "$(jout .data.date_closure)" = "$TODAY"
check "no deadline for a closed case" test "$(jout '.data.deadlines | length')" = 0
expect_http 200 "a.cw's tasks" "$A_CW" GET /api/v1/tasks
check "no task of the closed case" test "$(jout '[.data[] | select(.record_id == "'"$C1"'")] | length')" = 0
expect_http 200 "the closed list" "$A_CW" GET "/api/v1/cases?status=closed"
check "the case is listed as closed" test "$(jout '[.data[].id] | join(",")')" = "$C1"
approve "$A_CW" "$C1" bia requested
rule approval.case_closed "an approval on a closed case"
patch "$A_CW" "$C1" '{"status":"open"}'
rule transition.role "a caseworker reopening"
patch "$A_SV" "$C1" '{"status":"open"}'
ok "a.sv reopens"
getcase "$A_CW" "$C1"
check "stage reopened, status open" test "$(jout '.data.workflow + "/" + .data.status')" = reopened/open
check "case_status_reopened" test "$(jout .data.case_status_reopened)" = true
check "one reopening logged" test "$(jout '.data.reopened_logs | length')" = 1
check "the previous closure's reason was cleared" test "$(jout .data.closure_reason)" = null
expect_http 200 "history" "$A_SV" GET "/api/v1/cases/$C1/history"
check "the reopening names stage and status" test "$(jout '.data[-1].fields | map(select(. == "workflow" or . == "status")) | sort | join(",")')" = status,workflow

echo "- self-approval: a supervisor may not decide on their own case"
expect_http 201 "a.sv registers a case" "$A_SV" POST /api/v1/cases "${JH[@]}" \
    --data-binary "{\"data\":{\"name_first\":\"Habtezion\",\"sex\":\"male\",\"age\":16,\"risk_level\":\"medium\",\"initial_assessment_date\":\"$TODAY\",\"comprehensive_assessment_date\":\"$TODAY\"}}"
C2=$(jout .data.id)
REV=$(jout .data.rev)
patch "$A_SV" "$C2" '{"workflow":"assessment"}'
ok "assessment"
approve "$A_SV" "$C2" assessment requested
ok "a.sv requests"
approve "$A_SV" "$C2" assessment approved
rule approval.self "a supervisor approving their own request"
approve "$A_SV2" "$C2" assessment approved
ok "another supervisor approves"

echo "- consent by age band, and a supervisor's override"
expect_http 201 "a.cw registers a 9-year-old" "$A_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Tsegerede","sex":"female","age":9}}'
C3=$(jout .data.id)
REV=$(jout .data.rev)
expect_http 200 "consent for a referral" "$A_CW" GET "/api/v1/cases/$C3/consent?purpose=referral"
check "not granted" test "$(jout .data.granted)" = false
check "says why" test -n "$(jout '.data.why // empty')"
check "ages 9 to 9 by the age given" test "$(jout '.data.age.from, .data.age.to, .data.age.basis' | paste -sd,)" = 9,9,age
expect_http 400 "an unknown purpose" "$A_CW" GET "/api/v1/cases/$C3/consent?purpose=gossip"
expect_http 400 "a purpose is required" "$A_CW" GET "/api/v1/cases/$C3/consent"
expect_http 404 "b.cw cannot ask about A's case" "$B_CW" GET "/api/v1/cases/$C3/consent?purpose=referral"
patch "$A_CW" "$C3" "{\"consent_per_purpose\":[{\"consent_purpose\":\"referral\",\"consent_given_by\":\"caregiver\",\"consent_granted\":true,\"consent_date\":\"$TODAY\"}]}"
ok "the caregiver's consent"
expect_http 200 "consent again" "$A_CW" GET "/api/v1/cases/$C3/consent?purpose=referral"
check "still not granted: the child's assent is needed at 9" test "$(jout .data.granted)" = false
patch "$A_CW" "$C3" "{\"consent_per_purpose\":[{\"consent_purpose\":\"referral\",\"consent_given_by\":\"caregiver\",\"consent_granted\":true,\"consent_date\":\"$TODAY\"},{\"consent_purpose\":\"referral\",\"consent_given_by\":\"child\",\"consent_granted\":true,\"consent_date\":\"$TODAY\"}]}"
ok "and the child's assent"
expect_http 200 "consent again" "$A_CW" GET "/api/v1/cases/$C3/consent?purpose=referral&recipient_type=ngo"
check "granted" test "$(jout .data.granted)" = true
check "not by an override" test "$(jout .data.overridden)" = false
expect_http 200 "tracing was not consented to" "$A_CW" GET "/api/v1/cases/$C3/consent?purpose=tracing"
check "tracing not granted" test "$(jout .data.granted)" = false
OV='{"data":{"purpose":"tracing","reason":"the child is in danger and the family must be found"}}'
expect_http 403 "a caseworker may not override" "$A_CW" POST "/api/v1/cases/$C3/consent_override" "${JH[@]}" --data-binary "$OV"
expect_http 404 "b.sv cannot reach A's case" "$B_SV" POST "/api/v1/cases/$C3/consent_override" "${JH[@]}" --data-binary "$OV"
expect_http 422 "an override needs a reason" "$A_SV" POST "/api/v1/cases/$C3/consent_override" "${JH[@]}" \
    --data-binary '{"data":{"purpose":"tracing","reason":"  "}}'
check "the refusal names reason" test "$(jout '.error.fields | keys | join(",")')" = reason
expect_http 422 "an override for an unknown purpose" "$A_SV" POST "/api/v1/cases/$C3/consent_override" "${JH[@]}" \
    --data-binary '{"data":{"purpose":"gossip","reason":"because"}}'
expect_http 200 "a.sv overrides for tracing" "$A_SV" POST "/api/v1/cases/$C3/consent_override" "${JH[@]}" --data-binary "$OV"
REV=$(jout .data.rev)
expect_http 200 "consent for tracing now" "$A_CW" GET "/api/v1/cases/$C3/consent?purpose=tracing"
check "granted by the override" test "$(jout '[.data.granted, .data.overridden] | map(tostring) | join(",")')" = true,true
getcase "$A_CW" "$C3"
check "the override is in the case, with its reason" test "$(jout '.data.consent_overrides[0].consent_override_reason')" = "the child is in danger and the family must be found"
patch "$A_CW" "$C3" '{"consent_overrides":[]}'
check "clients cannot remove an override: 422 ($HTTP)" test "$HTTP" = 422

echo "- age: a child until an age assessment decides"
expect_http 201 "an age being assessed (16 to 19)" "$A_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Habtezion","sex":"male","age":19,"estimated":true,"age_range_from":16,"age_range_to":19}}'
C4=$(jout .data.id)
REV=$(jout .data.rev)
getcase "$A_CW" "$C4"
check "age band from the range's lower bound: 15-17" test "$(jout .data.age_band)" = 15-17
patch "$A_CW" "$C4" '{"age_assessment_outcome":"undetermined","age_range_from":null,"age_range_to":null}'
ok "undetermined"
getcase "$A_CW" "$C4"
check "undetermined keeps the band under 18" test "$(jout .data.age_band)" = 15-17
expect_http 200 "consent at an undetermined age" "$A_CW" GET "/api/v1/cases/$C4/consent?purpose=services"
check "consent judged for a child" test "$(jout .data.age.to)" = 17
patch "$A_CW" "$C4" '{"age_assessment_outcome":"adult"}'
ok "decided: adult"
getcase "$A_CW" "$C4"
check "18+ once decided" test "$(jout .data.age_band)" = 18+

echo "- the pages: stage buttons, a refused move, the task list"
csrf_login() {	# csrf_login USER: session cookie in $T/jar-USER, CSRF token in CSRF
	curl -sS -c "$T/jar-$1" -o "$OUT" "${JH[@]}" --max-time 30 \
	    --data-binary "$(jq -nc --arg u "$1" --arg p "$PW" '{username: $u, password: $p}')" \
	    "$BASE/api/v1/session"
	CSRF=$(jout .data.csrf_token)
}
csrf_login a.cw
getcase "$A_CW" "$C3"
page() {	# page USER PATH: GET a page with the user's cookie into $OUT, status in HTTP
	HTTP=$(curl -sS -b "$T/jar-$1" -o "$OUT" -w '%{http_code}' --max-time 30 "$BASE$2")
}
S3=$(jout .data.short_id)
page a.cw "/cases/$S3"
check "the case page shows the stage ($HTTP)" grep -q 'id="stage"' "$OUT"
check "and why assessment is not possible yet" grep -q 'id="not-assessment"' "$OUT"
HTTP=$(curl -sS -b "$T/jar-a.cw" -o "$OUT" -D "$HDR" -w '%{http_code}' --max-time 30 \
    --data-urlencode "csrf=$CSRF" --data-urlencode "rev=$REV" --data-urlencode "to=assessment" \
    "$BASE/cases/$S3/stage")
check "a refused move from the page goes back to the case ($HTTP)" test "$HTTP" = 303
check "with the rule" test "$(header_val Location)" = "/cases/$S3?rule=assessment.needs_initial_assessment"
page a.cw "/cases/$S3?rule=assessment.needs_initial_assessment"
check "which the page explains" grep -q 'id="workflow-refused"' "$OUT"
patch "$A_CW" "$C3" "{\"initial_assessment_date\":\"$TODAY\",\"risk_level\":\"medium\"}"
ok "initial assessment"
HTTP=$(curl -sS -b "$T/jar-a.cw" -o "$OUT" -D "$HDR" -w '%{http_code}' --max-time 30 \
    --data-urlencode "csrf=$CSRF" --data-urlencode "rev=$REV" --data-urlencode "to=assessment" \
    "$BASE/cases/$S3/stage")
check "the move from the page goes through ($HTTP)" test "$(header_val Location)" = "/cases/$S3?done=stage"
getcase "$A_CW" "$C3"
check "stage assessment" test "$(jout .data.workflow)" = assessment
page a.cw /tasks
check "the task list page (HTTP $HTTP)" grep -q 'id="task-list"' "$OUT"
page a.cw "/tasks?overdue=1"
check "the overdue tasks page (HTTP $HTTP): nothing is late now" grep -q 'id="only-overdue" href="/tasks?overdue=1" aria-current="page"' "$OUT"
page a.cw /home
check "the caseworker's home shows what is due" grep -q 'id="home-tasks"' "$OUT"
csrf_login a.sv
page a.sv /home
check "the supervisor's home shows the overdue tasks" grep -q 'id="tasks-overdue"' "$OUT"
check "the home pages carry no name in the task list" sh -c "! sed -n '/home-tasks/,\$p' '$OUT' | grep -Eq '$SECRET'"

echo "- deadlines in the office's time zone (TZ), across daylight saving time"
Y=$(( $(date -u +%Y) - 1 ))
tzcase() {	# tzcase DATE: a.cw registers through the CLI in Europe/Rome; its deadlines
	printf '{"data":{"name_first":"Mekdelawit","sex":"female","age":8,"risk_level":"low","registration_date":"%s"}}\n' "$1" >"$T/tz.json"
	expect_in 0 "register a case dated $1 in Europe/Rome" "$T/tz.json" \
	    env TZ=Europe/Rome "$RC" case add --data "$D" --as a.cw
	expect_http 200 "read it" "$A_CW" GET "/api/v1/cases/$(json .data.id)"
}
tzcase "$Y-01-05"
check "winter (UTC+1): the response is due 7 days after local midnight" test \
    "$(jout '.data.deadlines[] | select(.kind == "response") | .due_at')" = "$Y-01-11T23:00:00Z"
check "winter: the assessment by the end of the 14th day, local time" test \
    "$(jout '.data.deadlines[] | select(.kind == "assessment") | .due_at + " " + .due_date')" = "$Y-01-19T23:00:00Z $Y-01-19"
tzcase "$Y-07-01"
check "summer (UTC+2): the response is due 7 days after local midnight" test \
    "$(jout '.data.deadlines[] | select(.kind == "response") | .due_at')" = "$Y-07-07T22:00:00Z"
check "summer: the assessment by the end of the 14th day, local time" test \
    "$(jout '.data.deadlines[] | select(.kind == "assessment") | .due_at + " " + .due_date')" = "$Y-07-15T22:00:00Z $Y-07-15"
tzcase "$Y-03-20"
check "registered in winter, due after the change to summer time: UTC+2" test \
    "$(jout '.data.deadlines[] | select(.kind == "assessment") | .due_at')" = "$Y-04-03T22:00:00Z"

echo "- audit: approvals, refusals and moves, field ids only"
expect_http 200 "a.sv reads the audit of case 1" "$A_SV" GET "/api/v1/audit?record_id=$C1&per=100"
check "approval decisions audited" test "$(jout '[.data[] | select(.action == "case.approval" and .outcome == "ok")] | length')" = 8
check "a refused approval audited with its rule" test "$(jout '[.data[] | select(.outcome == "refused: approval.comment_required")] | length')" = 1
check "a refused move audited" test "$(jout '[.data[] | select(.action == "case.update" and .outcome == "refused by rule")] | length > 5')" = true
check "the stage change audited with its fields" test "$(jout '[.data[] | select(.action == "case.update" and (.fields // [] | index("workflow")))] | length > 5')" = true
check "no names or comments in the audit" sh -c "! grep -Eq '$SECRET|family assessment is missing' '$OUT'"
check "no names in the server's log" sh -c "! grep -Eq '$SECRET' '$SERVER_LOG'"

serve_stop
check "the server stopped cleanly" test "$SERVER_STATUS" = 0
expect 0 "the audit chain verifies" "$RC" audit verify --data "$D"

echo "- config/workflow.json changes the rules: supervisors self-approve, high risk 48 h"
mkdir -p "$T/cfg"
jq '.approvals.assessment.self_approval = ["supervisor"] | .response_hours.high = 48' \
    "$(dirname "$0")/../../config/workflow.json" >"$T/cfg/workflow.json"
export ROUTECARE_CONFIG=$T/cfg
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start with the edited workflow.json"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -5 >&2
	finish
fi
unset ROUTECARE_CONFIG
login A_SV a.sv
expect_http 201 "a.sv registers a high-risk case" "$A_SV" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Habtezion","sex":"male","age":13,"risk_level":"high"}}'
C5=$(jout .data.id)
REV=$(jout .data.rev)
getcase "$A_SV" "$C5"
RESP_S=$(date -u -d "$(jout '.data.assessment_due // empty')" +%s 2>/dev/null || echo 0)
CREATED_S=$(date -u -d "$(jout .data.created_at)" +%s 2>/dev/null || echo 0)
check "the response is now due 48 hours after registration" test "$((RESP_S - CREATED_S))" = 172800
patch "$A_SV" "$C5" "{\"initial_assessment_date\":\"$TODAY\",\"comprehensive_assessment_date\":\"$TODAY\",\"workflow\":\"assessment\"}"
ok "assessment"
approve "$A_SV" "$C5" assessment requested
ok "a.sv requests"
approve "$A_SV" "$C5" assessment approved
ok "a.sv approves their own request, as the edited configuration allows"
approve "$A_SV" "$C5" case_plan requested
rule approval.stage "other rules still hold"
printf '{"response_hours": {"high": 24}}\n' >"$T/cfg/workflow.json"
serve_stop
export ROUTECARE_CONFIG=$T/cfg
expect 1 "a workflow.json without its keys stops the start" timeout 60 "$RC" serve --data "$D" \
    --listen 127.0.0.1:1
unset ROUTECARE_CONFIG
stderr_has "workflow.json"
finish
