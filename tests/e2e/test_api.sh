# test_api.sh — the HTTP API of `routecare serve` over loopback, with a real server
# process on a real data directory: sessions, every endpoint, every role, two agencies,
# field visibility, bad input of every kind, lockout, disabling, concurrent updates, the
# audit log and its hash chain, metrics, graceful stop. Fictional data only.
. "$(dirname "$0")/lib.sh"
# Keep going after a failed check so that one run reports every failure: lib.sh's run()
# turns errexit on, this one leaves it off.
set +e
run() {
	"$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

D=$T/data
PW='correct horse battery'
printf '%s\n' "$PW" >"$T/pw"
JH=(-H 'Content-Type: application/json')
# Values that must never appear in an audit row, the audit API or the server's log:
# fictional names of children and relatives, and a nickname written by the race below.
SECRET='Tesfanesh|Woldemariam|Hiwotzala|Berhanezgi|Dawitzion|Kidanemariamo|Oumarou|Sanogobe|Yordanose|racer-'
SECRET_A='Tesfanesh|Woldemariam|Hiwotzala|Berhanezgi|Dawitzion|Kidanemariamo|Yordanose|racer-'	# agency A's

cnt() {	# cnt FILTER: jq on the last body, a number ("-1" when not JSON)
	jq -r "$1" "$OUT" 2>/dev/null || echo -1
}

login() {	# login VAR USER [PASSWORD]: POST /api/v1/session; the token into VAR
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "${3:-$PW}" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

bad_login() {	# bad_login CODES DESCRIPTION USER PASSWORD
	expect_http "$1" "$2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$3" --arg p "$4" '{username: $u, password: $p}')"
}

is_error() {	# the last body is an error envelope with a code and a message
	CHECKS=$((CHECKS + 1))
	if [ "$(jout '(.error.code | type) == "string" and (.error.message | type) == "string"')" != true ]; then
		fail "$1: body is not {\"error\":{\"code\",\"message\"}}: $(head -c 200 "$OUT")"
	fi
}

echo "- set-up: two agencies, every role"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
adduser() {
	expect 0 "user add $1 ($2 of $3)" "$RC" user add --data "$D" --username "$1" \
	    --role "$2" --agency "$3" --password-file "$T/pw"
}
adduser a.cw caseworker agency-a
adduser a.cw2 caseworker agency-a
adduser a.sv supervisor agency-a
adduser a.ftr ftr_officer agency-a
adduser a.ct ct_officer agency-a
adduser a.dpo dpo agency-a
adduser a.partner referral_partner agency-a
adduser a.mne mne_officer agency-a
adduser b.cw caseworker agency-b
adduser b.sv supervisor agency-b
adduser b.dpo dpo agency-b
adduser lock.me caseworker agency-a
adduser pw.me caseworker agency-a

echo "- serve"
expect 0 "help serve" "$RC" help serve && stdout_has "--listen"
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -20 >&2
	finish
fi
check "server says it is serving" grep -qi "serving" "$SERVER_LOG"
expect 1 "a second server on the same port is refused" timeout 60 "$RC" serve --data "$D" --listen "127.0.0.1:$PORT"
expect 1 "serve on a directory that is not a data directory" timeout 60 "$RC" serve --data "$T/nothing" --listen 127.0.0.1:1

echo "- health, security headers, unknown routes, no token"
expect_http 200 "GET /healthz" "" GET /healthz
header_is Content-Security-Policy "default-src 'self'; frame-ancestors 'none'"
header_is X-Content-Type-Options nosniff
expect_http "404|401" "unknown API route without a token" "" GET /api/v1/nope && is_error "unknown route"
header_is Content-Security-Policy "default-src 'self'; frame-ancestors 'none'"
header_is X-Content-Type-Options nosniff
header_is Cache-Control no-store
expect_http 404 "unknown top-level path" "" GET /no/such/thing
expect_http 401 "cases without a token" "" GET /api/v1/cases && is_error "no token"
header_is Cache-Control no-store
header_is X-Content-Type-Options nosniff
expect_http 401 "cases with a made-up token" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" GET /api/v1/cases
expect_http 401 "a non-bearer Authorization" "" GET /api/v1/cases -H 'Authorization: Basic YTpi'
expect_http 401 "session without a token" "" GET /api/v1/session

echo "- sessions"
login A_CW a.cw
check "token returned" test -n "$A_CW"
check "expires_at returned" test "$(jout '.data.expires_at | type')" != null
check "user returned" test "$(jout .data.user.username)" = a.cw
check "role returned" test "$(jout .data.user.role)" = caseworker
check "no password hash in the login answer" sh -c "! grep -qi -e argon2 -e password '$OUT'"
header_is Cache-Control no-store
# one string per token: other spellings of the same bytes are not the token
last=${A_CW: -1}
case $last in A) alt=B ;; *) alt=A ;; esac
expect_http 401 "a token with its last character changed" "${A_CW%?}$alt" GET /api/v1/session
expect_http 401 "a token with a byte above 0x7f in it" "${A_CW%?}$(printf '\xc3')" \
    GET /api/v1/session
expect_http 200 "the token itself still works" "$A_CW" GET /api/v1/session
expect_http 200 "GET /api/v1/session" "$A_CW" GET /api/v1/session
check "current user is a.cw" test "$(jout '.data.username // .data.user.username')" = a.cw
bad_login 401 "wrong password" a.cw "bad-guess-0" && is_error "wrong password"
cp "$OUT" "$T/wrongpw.json"
bad_login 401 "unknown user" nobody.here "$PW"
check "unknown user and wrong password answer alike" \
    test "$(jq -c .error.code "$T/wrongpw.json")" = "$(jq -c .error.code "$OUT" 2>/dev/null)"
expect_http 400 "login with malformed JSON" "" POST /api/v1/session "${JH[@]}" --data-binary '{"username":'
expect_http "400|422" "login without a password" "" POST /api/v1/session "${JH[@]}" --data-binary '{"username":"a.cw"}'
expect_http 415 "login as a form post" "" POST /api/v1/session --data-urlencode "username=a.cw"
login A_CW2 a.cw2
login A_SV a.sv
login A_FTR a.ftr
login A_CT a.ct
login A_DPO a.dpo
login A_PARTNER a.partner
login A_MNE a.mne
login B_CW b.cw
login B_SV b.sv
login B_DPO b.dpo
login ADMIN chief
check "tokens differ" test "$A_CW" != "$A_CW2"
expect_http 404 "path traversal" "$A_CW" GET /api/v1/cases/..%2F..%2Fetc%2Fpasswd
expect_http 404 "dot segments" "$A_CW" GET /api/v1/cases/../../../etc/passwd --path-as-is

echo "- cases: create, read, list"
C1_JSON='{"data":{"name_first":"Tesfanesh","name_last":"Woldemariam","sex":"female","age":14,
 "nationality":["ER"],"location_current":"LY0101","risk_level":"high",
 "protection_concerns":["unaccompanied"],"consent_for_services":true,"consent_for_tracing":true,
 "family_details_section":[{"relation":"mother","relation_name":"Hiwotzala Berhanezgi"}]}}'
expect_http 201 "a.cw creates case 1" "$A_CW" POST /api/v1/cases "${JH[@]}" --data-binary "$C1_JSON"
C1=$(jout .data.id)
S1=$(jout .data.short_id)
check "case 1 has a UUID" test "${#C1}" = 36
check "case 1 has a short id" test "${#S1}" = 7
check "case 1 is at rev 1" test "$(jout .data.rev)" = 1
header_is Location "/api/v1/cases/$C1"
header_is Cache-Control no-store
expect_http 201 "a.cw creates case 2 (charset in the content type)" "$A_CW" POST /api/v1/cases \
    -H 'Content-Type: application/json; charset=utf-8' \
    --data-binary '{"data":{"name_first":"Dawitzion","name_last":"Kidanemariamo","sex":"male","age":16,"location_current":"LY02","risk_level":"medium"}}'
C2=$(jout .data.id)
expect_http 201 "a.cw2 creates case 3" "$A_CW2" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Yordanose","sex":"female","age":4,"risk_level":"low"}}'
C3=$(jout .data.id)
expect_http 201 "b.cw creates case 4 in agency B" "$B_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Oumarou","name_last":"Sanogobe","sex":"male","age":15}}'
C4=$(jout .data.id)
S4=$(jout .data.short_id)

expect_http 200 "a.cw reads case 1 by id" "$A_CW" GET "/api/v1/cases/$C1"
check "name read back" test "$(jout .data.name_first)" = Tesfanesh
check "family details read back" test "$(jout '.data.family_details_section[0].relation_name')" = "Hiwotzala Berhanezgi"
check "consent read back" test "$(jout .data.consent_for_services)" = true
check "rev 1" test "$(jout .data.rev)" = 1
header_is ETag '"1"'
header_is Cache-Control no-store
header_is Content-Security-Policy "default-src 'self'; frame-ancestors 'none'"
header_is X-Content-Type-Options nosniff
check "JSON content type" sh -c "grep -qi '^content-type: application/json' '$HDR'"
expect_http 200 "a.cw reads case 1 by short id" "$A_CW" GET "/api/v1/cases/$S1"
check "same case by short id" test "$(jout .data.id)" = "$C1"
expect_http 404 "no such case" "$A_CW" GET /api/v1/cases/00000000-0000-4000-8000-000000000000 && is_error "no such case"
expect_http 404 "no such short id" "$A_CW" GET /api/v1/cases/ZZZZZZZ
expect_http "405|404" "no DELETE on a case" "$A_CW" DELETE "/api/v1/cases/$C1"
expect_http "405|404" "no PUT on a case" "$A_CW" PUT "/api/v1/cases/$C1" "${JH[@]}" -H 'If-Match: "1"' \
    --data-binary '{"data":{"name_first":"X","sex":"male"}}'
expect_http "405|404" "no DELETE on the case list" "$A_SV" DELETE /api/v1/cases
expect_http 200 "case 1 is still there, unchanged" "$A_CW" GET "/api/v1/cases/$C1"
check "still rev 1" test "$(jout .data.rev)" = 1

expect_http 200 "a.cw lists cases" "$A_CW" GET /api/v1/cases
check "a.cw sees own two cases" test "$(cnt .metadata.total)" = 2
check "metadata has page and per" test "$(jout '.metadata.page >= 1 and .metadata.per >= 1')" = true
check "list holds cases 1 and 2 only" test "$(jout '[.data[].id] | sort | join(",")')" = "$(printf '%s\n' "$C1" "$C2" | sort | paste -sd,)"
header_is Cache-Control no-store
expect_http 200 "a.cw lists page 2 of 1 per page" "$A_CW" GET "/api/v1/cases?per=1&page=2"
check "one case on page 2" test "$(cnt '.data | length')" = 1
check "per echoed" test "$(cnt .metadata.per)" = 1
check "page echoed" test "$(cnt .metadata.page)" = 2
expect_http 200 "page past the end" "$A_CW" GET "/api/v1/cases?per=1&page=9"
check "empty page past the end" test "$(cnt '.data | length')" = 0
for q in tesfanesh TESFANESH tesf "tesfanesh woldemariam" "$S1"; do
	expect_http 200 "a.cw searches '$q'" "$A_CW" GET /api/v1/cases -G --data-urlencode "query=$q"
	check "search '$q' finds case 1 only" test "$(jout '[.data[].id] | join(",")')" = "$C1"
done
filter() {	# filter QUERY-STRING N: a.cw's list with these filters has N cases
	expect_http 200 "filter $1" "$A_CW" GET "/api/v1/cases?$1"
	check "filter $1 gives $2" test "$(cnt .metadata.total)" = "$2"
}
filter "status=open" 2
filter "status=closed" 0
filter "risk_level=high" 1
filter "sex=male" 1
filter "age_band=12-14" 1
filter "location=LY" 2
filter "location=LY01" 1
filter "sex=female&risk_level=medium" 0
expect_http 400 "unknown risk level filter" "$A_CW" GET "/api/v1/cases?risk_level=extreme" && is_error "bad filter"
expect_http 400 "unknown status filter" "$A_CW" GET "/api/v1/cases?status=deleted"

echo "- agency B cannot reach agency A's cases in any way; A's supervisor can"
for id in "$C1" "$S1"; do
	expect_http 404 "b.cw reads A's case by $id" "$B_CW" GET "/api/v1/cases/$id"
	check "no content in the 404" sh -c "! grep -Eq '$SECRET' '$OUT'"
	expect_http 404 "b.cw reads the history of A's case by $id" "$B_CW" GET "/api/v1/cases/$id/history"
	expect_http 404 "b.cw patches A's case by $id" "$B_CW" PATCH "/api/v1/cases/$id" "${JH[@]}" \
	    -H 'If-Match: "1"' --data-binary '{"data":{"age":15}}'
done
expect_http 404 "b.cw and an unknown id answer alike" "$B_CW" GET /api/v1/cases/00000000-0000-4000-8000-000000000000
cp "$OUT" "$T/unknown404.json"
expect_http 404 "b.cw on A's case" "$B_CW" GET "/api/v1/cases/$C1"
check "same 404 for another agency's case and a missing case" test \
    "$(jq -c --arg id "$C1" '.error.message |= gsub($id; "ID")' "$OUT" 2>/dev/null)" = \
    "$(jq -c '.error.message |= gsub("00000000-0000-4000-8000-000000000000"; "ID")' "$T/unknown404.json" 2>/dev/null)"
expect_http 200 "b.cw lists" "$B_CW" GET "/api/v1/cases?per=100"
check "b.cw's list holds only case 4" test "$(jout '[.data[].id] | join(",")')" = "$C4"
for q in tesfanesh Woldemariam "$S1" "$C1" "' OR 1=1 --" "%" "*" "_"; do
	expect_http 200 "b.cw searches '$q'" "$B_CW" GET /api/v1/cases -G --data-urlencode "query=$q"
	check "b.cw's search '$q' finds nothing of A" test "$(jout '[.data[].id | select(. != "'"$C4"'")] | length')" = 0
	check "no name of A in b.cw's search '$q'" sh -c "! grep -Eq '$SECRET_A' '$OUT'"
done
expect_http 403 "b.cw queries the audit of A's case" "$B_CW" GET "/api/v1/audit?record_id=$C1"
check "no content in the 403" sh -c "! grep -Eq '$SECRET|$C1' '$OUT'"
http_as "$B_SV" GET "/api/v1/audit?record_id=$C1"
check "b.sv gets 404 or no rows for A's case (HTTP $HTTP)" sh -c \
    "[ $HTTP = 404 ] || { [ $HTTP = 200 ] && [ \"\$(jq '.data | length' '$OUT')\" = 0 ]; }"
http_as "$B_DPO" GET "/api/v1/audit?record_id=$S1"
check "b.dpo gets 404 or no rows for A's case (HTTP $HTTP)" sh -c \
    "[ $HTTP = 404 ] || { [ $HTTP = 200 ] && [ \"\$(jq '.data | length' '$OUT')\" = 0 ]; }"
http_as "$B_SV" GET "/api/v1/audit?user=a.cw"
check "b.sv sees no audit rows of agency A's user (HTTP $HTTP)" sh -c \
    "[ $HTTP = 404 ] || [ $HTTP = 403 ] || { [ $HTTP = 200 ] && [ \"\$(jq '.data | length' '$OUT')\" = 0 ]; }"
expect_http 200 "b.sv lists its agency" "$B_SV" GET "/api/v1/cases?per=100"
check "b.sv sees case 4 only" test "$(jout '[.data[].id] | join(",")')" = "$C4"
expect_http 404 "b.sv reads A's case" "$B_SV" GET "/api/v1/cases/$C1"
expect_http 404 "a.cw reads B's case" "$A_CW" GET "/api/v1/cases/$C4"
expect_http 404 "a.sv reads B's case" "$A_SV" GET "/api/v1/cases/$S4"
expect_http 404 "a.cw reads a colleague's case (own scope)" "$A_CW" GET "/api/v1/cases/$C3"
expect_http 200 "a.sv reads A's case" "$A_SV" GET "/api/v1/cases/$S1"
check "a.sv sees the name" test "$(jout .data.name_first)" = Tesfanesh
expect_http 200 "a.sv lists" "$A_SV" GET "/api/v1/cases?per=100"
check "a.sv sees the three cases of agency A" test "$(cnt .metadata.total)" = 3
expect_http 200 "a.sv searches by name" "$A_SV" GET /api/v1/cases -G --data-urlencode "query=woldemariam"
check "a.sv's search finds case 1" test "$(jout '[.data[].id] | join(",")')" = "$C1"
expect_http 200 "a.sv searches by short id" "$A_SV" GET /api/v1/cases -G --data-urlencode "query=$S1"
check "a.sv's short id search finds case 1" test "$(jout '[.data[].id] | join(",")')" = "$C1"
expect_http 200 "a.sv reads the history" "$A_SV" GET "/api/v1/cases/$C1/history"

echo "- field visibility by role"
expect_http 200 "ftr officer reads case 1" "$A_FTR" GET "/api/v1/cases/$C1"
check "ftr officer sees the name" test "$(jout .data.name_first)" = Tesfanesh
check "ftr officer sees family details (sensitive)" test "$(jout '.data.family_details_section | length')" = 1
check "ftr officer sees no restricted consent fields" test "$(jout '[.data | keys[] | select(startswith("consent") or startswith("disclosure"))] | length')" = 0
expect_http 200 "ftr officer lists" "$A_FTR" GET "/api/v1/cases?per=100"
check "ftr officer's list has no consent fields" test "$(jout '[.data[] | keys[] | select(startswith("consent"))] | length')" = 0
check "ftr officer sees agency A's cases" test "$(cnt .metadata.total)" = 3
expect_http 200 "ct officer reads case 1" "$A_CT" GET "/api/v1/cases/$C1"
check "ct officer sees consent (restricted)" test "$(jout .data.consent_for_services)" = true

echo "- every role: something allowed, something denied"
# caseworker
expect_http 200 "caseworker: forms" "$A_CW" GET /api/v1/forms/case
check "the case form lists fields" test "$(jout '[.. | objects | select(.id? == "name_first")] | length > 0')" = true
expect_http 404 "caseworker: unknown form" "$A_CW" GET /api/v1/forms/nope
expect_http 403 "caseworker: audit denied" "$A_CW" GET /api/v1/audit && is_error "caseworker audit"
expect_http 403 "caseworker: user list denied" "$A_CW" GET /api/v1/users
expect_http 403 "caseworker: creating a user denied" "$A_CW" POST /api/v1/users "${JH[@]}" \
    --data-binary '{"data":{"username":"evil.admin","password":"long enough password","role":"admin"}}'
# supervisor
expect_http 200 "supervisor: users of the agency" "$A_SV" GET /api/v1/users
check "supervisor sees only agency A's users" test "$(jout '[.data[].username] | any(startswith("b."))')" = false
check "no password hashes in the user list" sh -c "! grep -qi -e argon2 -e password_hash '$OUT'"
expect_http 403 "supervisor: creating an agency denied" "$A_SV" POST /api/v1/agencies "${JH[@]}" \
    --data-binary '{"data":{"code":"rogue","name":"Rogue"}}'
expect_http 403 "supervisor: creating a user denied" "$A_SV" POST /api/v1/users "${JH[@]}" \
    --data-binary '{"data":{"username":"sv.made","password":"long enough password","role":"caseworker","agency":"agency-a"}}'
# ftr officer
expect_http 403 "ftr officer: creating a case denied" "$A_FTR" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Nobody","sex":"male"}}'
expect_http "403|404" "ftr officer: updating a case denied" "$A_FTR" PATCH "/api/v1/cases/$C1" "${JH[@]}" \
    -H 'If-Match: "1"' --data-binary '{"data":{"age":15}}'
expect_http 403 "ftr officer: audit denied" "$A_FTR" GET /api/v1/audit
# ct officer
expect_http 200 "ct officer: lists" "$A_CT" GET /api/v1/cases
expect_http 403 "ct officer: creating a case denied" "$A_CT" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Nobody","sex":"male"}}'
# referral partner
expect_http 200 "referral partner: own session" "$A_PARTNER" GET /api/v1/session
expect_http 200 "referral partner: agencies" "$A_PARTNER" GET /api/v1/agencies
expect_http 403 "referral partner: case list denied" "$A_PARTNER" GET /api/v1/cases
expect_http "403|404" "referral partner: case read denied" "$A_PARTNER" GET "/api/v1/cases/$C1"
check "no content to the referral partner" sh -c "! grep -Eq '$SECRET' '$OUT'"
# M&E officer
expect_http 200 "M&E officer: locations" "$A_MNE" GET /api/v1/locations
expect_http 403 "M&E officer: case list denied (no case content)" "$A_MNE" GET /api/v1/cases
expect_http "403|404" "M&E officer: case read denied" "$A_MNE" GET "/api/v1/cases/$C1"
check "no content to the M&E officer" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 403 "M&E officer: audit denied" "$A_MNE" GET /api/v1/audit
# dpo
expect_http 200 "dpo: audit" "$A_DPO" GET /api/v1/audit
expect_http 403 "dpo: case list denied" "$A_DPO" GET /api/v1/cases
expect_http "403|404" "dpo: case read denied" "$A_DPO" GET "/api/v1/cases/$C1"
check "no content to the dpo" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 403 "dpo: creating a user denied" "$A_DPO" POST /api/v1/users "${JH[@]}" \
    --data-binary '{"data":{"username":"dpo.made","password":"long enough password","role":"caseworker","agency":"agency-a"}}'
# admin
expect_http 200 "admin: users" "$ADMIN" GET /api/v1/users
check "admin sees users of both agencies" test "$(jout '[.data[].username] | (index("a.cw") != null) and (index("b.cw") != null)')" = true
check "no password hashes in the admin's user list" sh -c "! grep -qi -e argon2 -e password_hash '$OUT'"
expect_http 403 "admin: case list denied (no case content)" "$ADMIN" GET /api/v1/cases
expect_http "403|404" "admin: case read denied" "$ADMIN" GET "/api/v1/cases/$C1"
check "no content to the admin" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 403 "admin: case create denied" "$ADMIN" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Nobody","sex":"male"}}'
expect_http 403 "admin: audit denied" "$ADMIN" GET /api/v1/audit

echo "- history and revisions (If-Match)"
expect_http 200 "a.cw reads the history of case 1" "$A_CW" GET "/api/v1/cases/$C1/history"
check "one history entry" test "$(cnt '.data | length')" = 1
check "history has no values" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 428 "PATCH without If-Match" "$A_CW" PATCH "/api/v1/cases/$C1" "${JH[@]}" \
    --data-binary '{"data":{"age":15}}' && is_error "no If-Match"
for im in 'abc' '"abc"' '"-1"' '""' '"1' '"99999999999999999999999"'; do
	expect_http 400 "PATCH with If-Match: $im" "$A_CW" PATCH "/api/v1/cases/$C1" "${JH[@]}" \
	    -H "If-Match: $im" --data-binary '{"data":{"age":15}}' && is_error "bad If-Match"
done
expect_http 409 "PATCH with a stale If-Match" "$A_CW" PATCH "/api/v1/cases/$C1" "${JH[@]}" \
    -H 'If-Match: "7"' --data-binary '{"data":{"age":15}}' && is_error "stale"
expect_http 200 "PATCH at rev 1" "$A_CW" PATCH "/api/v1/cases/$C1" "${JH[@]}" \
    -H 'If-Match: "1"' --data-binary '{"data":{"age":15,"risk_level":"medium"}}'
check "rev 2 after the update" test "$(jout .data.rev)" = 2
expect_http 409 "PATCH at rev 1 again (stale)" "$A_CW" PATCH "/api/v1/cases/$C1" "${JH[@]}" \
    -H 'If-Match: "1"' --data-binary '{"data":{"age":16}}'
expect_http 200 "read after the conflict" "$A_CW" GET "/api/v1/cases/$C1"
check "age is 15, not 16" test "$(jout .data.age)" = 15
check "rev still 2" test "$(jout .data.rev)" = 2
header_is ETag '"2"'
expect_http 200 "a.sv updates A's case" "$A_SV" PATCH "/api/v1/cases/$S1" "${JH[@]}" \
    -H 'If-Match: "2"' --data-binary '{"data":{"risk_level":"high"}}'
check "rev 3 after the supervisor's update" test "$(jout .data.rev)" = 3
expect_http 200 "remove a field with null" "$A_CW" PATCH "/api/v1/cases/$C2" "${JH[@]}" \
    -H 'If-Match: "1"' --data-binary '{"data":{"risk_level":null}}'
expect_http 200 "history after the updates" "$A_CW" GET "/api/v1/cases/$C1/history"
check "three history entries" test "$(cnt '.data | length')" = 3
check "history names fields" test "$(jout '.data[1].fields | sort | join(",")')" = "age,risk_level"
check "history has no values" sh -c "! grep -Eq '$SECRET' '$OUT'"

echo "- bad input: clear 4xx JSON errors, the server keeps serving, nothing stored changes"
snapshot() {
	http_as "$A_CW" GET "/api/v1/cases/$C1"
	cat "$OUT"
	http_as "$A_SV" GET "/api/v1/cases?per=100"
	cat "$OUT"
	db_sql "$D" "SELECT id, rev, $(db_hex body) FROM records ORDER BY id"
}
snapshot >"$T/snap.before"
still_serving() {
	expect_http 200 "still serving after: $1" "" GET /healthz
}
bad() {	# bad CODES DESCRIPTION METHOD PATH [CURL-ARGS...]
	bcodes=$1
	bwhat=$2
	shift 2
	expect_http "$bcodes" "$bwhat" "$A_CW" "$@" && is_error "$bwhat"
	cp "$OUT" "$T/bad.out"
	still_serving "$bwhat"
	cp "$T/bad.out" "$OUT"	# the error again, for the checks that follow
}
bad 400 "malformed JSON" POST /api/v1/cases "${JH[@]}" --data-binary '{"data": {"sex": "female",'
bad 400 "empty body" POST /api/v1/cases "${JH[@]}" --data-binary ''
bad "400|422" "not an envelope" POST /api/v1/cases "${JH[@]}" --data-binary '{"sex":"female","name_first":"A"}'
bad "400|422" "a JSON array" POST /api/v1/cases "${JH[@]}" --data-binary '[1,2,3]'
bad 422 "unknown field" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"sex":"female","name_first":"A","favourite_colour":"red"}}'
check "the error names the unknown field" test "$(jout '.error.fields | has("favourite_colour")')" = true
bad 422 "wrong type" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"sex":"female","name_first":"A","age":"twelve"}}'
check "the error names the field of the wrong type" test "$(jout '.error.fields | has("age")')" = true
bad 422 "option not in the lookup" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"sex":"dragon","name_first":"A"}}'
check "the error names sex" test "$(jout '.error.fields | has("sex")')" = true
bad 422 "impossible date" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"sex":"female","name_first":"A","date_of_birth":"2025-02-30"}}'
bad "400|422" "invalid UTF-8" POST /api/v1/cases "${JH[@]}" \
    --data-binary "$(printf '{"data":{"sex":"female","name_first":"A\377\376"}}')"
bad "400|422" "a NUL escape in a name" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"sex":"female","name_first":"A\u0000B"}}'
head -c 5242880 /dev/zero | tr '\0' 'a' | sed 's/^/{"data":{"sex":"female","name_first":"/; s/$/"}}/' >"$T/big.json"
bad 413 "a 5 MB body" POST /api/v1/cases "${JH[@]}" --data-binary "@$T/big.json"
expect_http "413|000" "a 5 MB body sent without waiting (Expect: none)" "$A_CW" POST /api/v1/cases "${JH[@]}" -H 'Expect:' --data-binary "@$T/big.json"
still_serving "a 5 MB body sent without waiting"
deep=$(printf '{"a":%.0s' $(seq 1 99))1$(printf '}%.0s' $(seq 1 99))
bad "400|413" "100-deep nesting" POST /api/v1/cases "${JH[@]}" --data-binary "{\"data\":$deep}"
deep=$(printf '[%.0s' $(seq 1 100000))
bad "400|413" "100000 open brackets" POST /api/v1/cases "${JH[@]}" --data-binary "$deep"
bad 415 "wrong content type" POST /api/v1/cases -H 'Content-Type: text/plain' \
    --data-binary '{"data":{"sex":"female","name_first":"A"}}'
bad 415 "form content type" POST /api/v1/cases -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary '{"data":{"sex":"female","name_first":"A"}}'
bad 400 "malformed JSON patch" PATCH "/api/v1/cases/$C1" "${JH[@]}" -H 'If-Match: "3"' --data-binary '{"data":'
bad 422 "unknown field in a patch" PATCH "/api/v1/cases/$C1" "${JH[@]}" -H 'If-Match: "3"' \
    --data-binary '{"data":{"favourite_colour":"red"}}'
check "the error names the unknown field" test "$(jout '.error.fields | has("favourite_colour")')" = true
bad 422 "wrong type in a patch" PATCH "/api/v1/cases/$C1" "${JH[@]}" -H 'If-Match: "3"' \
    --data-binary '{"data":{"age":"old"}}'
bad 415 "patch with a wrong content type" PATCH "/api/v1/cases/$C1" -H 'Content-Type: text/plain' \
    -H 'If-Match: "3"' --data-binary '{"data":{"age":16}}'
bad 413 "a 5 MB patch" PATCH "/api/v1/cases/$C1" "${JH[@]}" -H 'If-Match: "3"' --data-binary "@$T/big.json"
bad 400 "bad If-Match" PATCH "/api/v1/cases/$C1" "${JH[@]}" -H 'If-Match: three' --data-binary '{"data":{"age":16}}'
bad 428 "missing If-Match" PATCH "/api/v1/cases/$C1" "${JH[@]}" --data-binary '{"data":{"age":16}}'
bad 409 "stale If-Match" PATCH "/api/v1/cases/$C1" "${JH[@]}" -H 'If-Match: "2"' --data-binary '{"data":{"age":16}}'
bad 404 "unknown route" GET /api/v1/casez
bad 404 "unknown sub-resource" GET "/api/v1/cases/$C1/nope"
for p in "page=0" "page=abc" "page=-1" "per=0" "per=abc" "page=1e3" "page=99999999999999999999"; do
	bad 400 "bad page parameter $p" GET "/api/v1/cases?$p"
done
expect_http 400 "bad since in the audit query" "$A_DPO" GET "/api/v1/audit?since=yesterday" && is_error "bad since"
still_serving "bad since"
CHECKS=$((CHECKS + 1))
HTTP=$(curl -s -o "$OUT" -w '%{http_code}' --max-time 60 -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' 'x')" "$BASE/healthz" 2>/dev/null) || true
case $HTTP in 4[0-9][0-9] | 000) ;; *) fail "a 100 kB header: HTTP $HTTP, expected 4xx or a closed connection" ;; esac
still_serving "a 100 kB header"
pids=
for i in 1 2 3 4 5 6 7 8; do	# idle connections that never send a request
	( exec 3<>"/dev/tcp/127.0.0.1/$PORT" && sleep 3 ) 2>/dev/null &
	pids="$pids $!"
done
sleep 0.3
still_serving "eight idle connections"
expect_http 200 "a request while eight connections idle" "$A_CW" GET "/api/v1/cases/$C1"
# shellcheck disable=SC2086
wait $pids || true
snapshot >"$T/snap.after"
check "stored cases unchanged by bad input" cmp -s "$T/snap.before" "$T/snap.after"

echo "- ten concurrent PATCHes with the same If-Match: exactly one wins"
expect_http 200 "read case 2 before the race" "$A_CW" GET "/api/v1/cases/$C2"
R0=$(jout .data.rev)
pids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o "$T/race.$i.body" -w '%{http_code}' --max-time 60 -X PATCH \
	    -H "Authorization: Bearer $A_CW" "${JH[@]}" -H "If-Match: \"$R0\"" \
	    --data-binary "{\"data\":{\"name_nickname\":\"racer-$i\",\"age\":$((i + 5))}}" \
	    "$BASE/api/v1/cases/$C2" >"$T/race.$i.code" 2>/dev/null &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids || true
won=$(grep -l '^200$' "$T"/race.*.code | wc -l)
lost=$(grep -l '^409$' "$T"/race.*.code | wc -l)
check "exactly one PATCH wins (got $won 200s: $(cat "$T"/race.*.code | tr '\n' ' '))" test "$won" = 1
check "nine PATCHes get 409 (got $lost)" test "$lost" = 9
winner=$(grep -l '^200$' "$T"/race.*.code | head -1 | sed 's/.*race\.\([0-9]*\)\.code/\1/')
expect_http 200 "read case 2 after the race" "$A_CW" GET "/api/v1/cases/$C2"
check "the winner's nickname is stored" test "$(jout .data.name_nickname)" = "racer-$winner"
check "the winner's age is stored" test "$(jout .data.age)" = "$(( ${winner:-0} + 5 ))"
check "one revision more" test "$(jout .data.rev)" = "$((R0 + 1))"
for i in 1 2 3 4 5 6 7 8 9 10; do
	if [ "$(cat "$T/race.$i.code")" = 409 ]; then
		check "loser $i got a JSON conflict error" test "$(jq -r '.error.code | type' "$T/race.$i.body" 2>/dev/null)" = string
	fi
done
expect_http 200 "history of case 2" "$A_CW" GET "/api/v1/cases/$C2/history"
check "history has one entry for the race" test "$(cnt '.data | length')" = "$((R0 + 1))"

echo "- administration: users, agencies, locations"
expect_http "201|200" "admin creates an agency" "$ADMIN" POST /api/v1/agencies "${JH[@]}" \
    --data-binary '{"data":{"code":"agency-c","name":"Agency C"}}'
expect_http "409|422" "admin creates the same agency again" "$ADMIN" POST /api/v1/agencies "${JH[@]}" \
    --data-binary '{"data":{"code":"agency-c","name":"Agency C"}}'
expect_http 200 "anyone signed in lists agencies" "$A_CW" GET /api/v1/agencies
check "agency-c is listed" test "$(jout '[.data[].code] | index("agency-c") != null')" = true
expect_http "201|200" "admin creates a user" "$ADMIN" POST /api/v1/users "${JH[@]}" \
    --data-binary '{"data":{"username":"c.cw","password":"a long password here","role":"caseworker","agency":"agency-c"}}'
CCW_ID=$(jout .data.id)
check "the new user is shown without a password" sh -c "! grep -qi -e argon2 -e 'long password' '$OUT'"
expect_http "422|409" "admin creates a taken username" "$ADMIN" POST /api/v1/users "${JH[@]}" \
    --data-binary '{"data":{"username":"c.cw","password":"a long password here","role":"caseworker","agency":"agency-c"}}'
expect_http 422 "admin creates a user with an unknown role" "$ADMIN" POST /api/v1/users "${JH[@]}" \
    --data-binary '{"data":{"username":"c.x","password":"a long password here","role":"wizard","agency":"agency-c"}}'
check "the error names role" test "$(jout '.error.fields | has("role")')" = true
expect_http 422 "admin creates a user with a short password" "$ADMIN" POST /api/v1/users "${JH[@]}" \
    --data-binary '{"data":{"username":"c.y","password":"short","role":"caseworker","agency":"agency-c"}}'
login C_CW c.cw "a long password here"
expect_http 200 "the new user works" "$C_CW" GET /api/v1/cases
check "the new user sees no cases" test "$(cnt .metadata.total)" = 0
login C_CW_2 c.cw "a long password here"
expect_http 200 "admin changes the user's language" "$ADMIN" PATCH "/api/v1/users/$CCW_ID" "${JH[@]}" \
    --data-binary '{"data":{"language":"fr"}}'
check "language changed" test "$(jout .data.language)" = fr
expect_http 403 "a supervisor may not change users" "$A_SV" PATCH "/api/v1/users/$CCW_ID" "${JH[@]}" \
    --data-binary '{"data":{"disabled":true}}'
expect_http 403 "a user may not change their own role" "$C_CW" PATCH "/api/v1/users/$CCW_ID" "${JH[@]}" \
    --data-binary '{"data":{"role":"admin"}}'
expect_http 404 "admin patches an unknown user" "$ADMIN" PATCH /api/v1/users/00000000-0000-4000-8000-000000000000 "${JH[@]}" \
    --data-binary '{"data":{"disabled":true}}'
expect_http 200 "admin disables the user" "$ADMIN" PATCH "/api/v1/users/$CCW_ID" "${JH[@]}" \
    --data-binary '{"data":{"disabled":true}}'
check "the user is shown disabled" test "$(jout .data.disabled)" = true
expect_http 401 "the disabled user's token is refused at once" "$C_CW" GET /api/v1/cases
expect_http 401 "the disabled user's other token too" "$C_CW_2" GET /api/v1/session
bad_login "401|403" "the disabled user cannot log in" c.cw "a long password here"
expect_http 200 "admin re-enables the user" "$ADMIN" PATCH "/api/v1/users/$CCW_ID" "${JH[@]}" \
    --data-binary '{"data":{"disabled":false}}'
expect_http 401 "old tokens stay dead after re-enabling" "$C_CW" GET /api/v1/session
login C_CW c.cw "a long password here"
printf 'code,parent_code,level,name_en,name_fr,name_ar,name_es\nLY0201,LY02,2,Zliten,Zliten,زليتن,Zliten\n' >"$T/loc.csv"
expect_http "200|201" "admin loads a location CSV" "$ADMIN" POST /api/v1/locations -H 'Content-Type: text/csv' --data-binary "@$T/loc.csv"
check "one location loaded" test "$(jout .data.loaded)" = 1
expect_http 200 "locations list" "$A_CW" GET /api/v1/locations
check "the new location is listed with its parent" test "$(jout '[.data[] | select(.code == "LY0201") | .parent_code] | join(",")')" = LY02
check "names per language" test "$(jout '[.data[] | select(.code == "LY0201") | .names.ar] | join(",")')" = "زليتن"
expect_http 201 "a case can use the new location" "$A_CW" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Yordanose","sex":"female","location_current":"LY0201"}}'
C5=$(jout .data.id)
expect_http 415 "locations as JSON" "$ADMIN" POST /api/v1/locations "${JH[@]}" --data-binary '{"data":[]}'
printf 'code,parent_code,level,name_en,name_fr,name_ar,name_es\nLY0202,LY02,2,Good,Good,Good,Good\nLY0203,NOPE99,2,Orphan,O,O,O\n' >"$T/loc2.csv"
expect_http "400|422" "a CSV with an unknown parent" "$ADMIN" POST /api/v1/locations -H 'Content-Type: text/csv' --data-binary "@$T/loc2.csv"
expect_http 200 "locations list after the refused CSV" "$A_CW" GET /api/v1/locations
check "all or nothing: LY0202 not loaded" test "$(jout '[.data[] | select(.code == "LY0202")] | length')" = 0
printf 'bogus header\nX,Y\n' >"$T/loc3.csv"
expect_http "400|422" "a CSV with a bad header" "$ADMIN" POST /api/v1/locations -H 'Content-Type: text/csv' --data-binary "@$T/loc3.csv"
expect_http 403 "a supervisor may not load locations" "$A_SV" POST /api/v1/locations -H 'Content-Type: text/csv' --data-binary "@$T/loc.csv"

echo "- logout and password change"
login LOGOUT_TOK a.cw
expect_http "200|204" "logout" "$LOGOUT_TOK" DELETE /api/v1/session
expect_http 401 "the token is dead after logout" "$LOGOUT_TOK" GET /api/v1/session
expect_http 401 "and for cases too" "$LOGOUT_TOK" GET /api/v1/cases
expect_http 200 "other sessions of the user live on" "$A_CW" GET /api/v1/session
login PW_TOK pw.me
login PW_TOK2 pw.me
expect_http "401|403|422" "password change with a wrong old password" "$PW_TOK" POST /api/v1/session/password "${JH[@]}" \
    --data-binary '{"old_password":"not my password","new_password":"brand new password 1"}'
expect_http 422 "password change to a short password" "$PW_TOK" POST /api/v1/session/password "${JH[@]}" \
    --data-binary "{\"old_password\":\"$PW\",\"new_password\":\"short\"}"
expect_http 401 "password change without a session" "" POST /api/v1/session/password "${JH[@]}" \
    --data-binary "{\"old_password\":\"$PW\",\"new_password\":\"brand new password 1\"}"
expect_http "200|204" "password change" "$PW_TOK" POST /api/v1/session/password "${JH[@]}" \
    --data-binary "{\"old_password\":\"$PW\",\"new_password\":\"brand new password 1\"}"
bad_login 401 "the old password stops working" pw.me "$PW"
login PW_TOK3 pw.me "brand new password 1"
expect_http 401 "the user's other sessions end" "$PW_TOK2" GET /api/v1/session

echo "- lockout after ten wrong passwords"
for i in 1 2 3 4 5 6 7 8 9; do
	bad_login 401 "wrong password $i" lock.me "bad-guess-$i"
done
bad_login "401|429" "wrong password 10" lock.me "bad-guess-10"
bad_login 429 "the right password is refused while locked" lock.me "$PW" && is_error "locked"
RA=$(header_val Retry-After)
check "Retry-After is a positive number of seconds ('$RA')" sh -c "echo '$RA' | grep -Eq '^[1-9][0-9]*$'"
bad_login 429 "a wrong password while locked" lock.me "bad-guess-11"
login STILL_OK a.cw2
check "other users are not locked" test -n "$STILL_OK"

echo "- audit: reads, lists, creates, updates, logins, failed logins, denials; ids, never values"
sleep 0.5	# read audit rows are written in batches
expect_http 200 "dpo of A: the audit of case 1" "$A_DPO" GET "/api/v1/audit?record_id=$C1&per=100"
cp "$OUT" "$T/audit.c1"
has_action() {	# has_action DESCRIPTION JQ-CONDITION: some row of the last body matches
	check "$1" test "$(jout "[.data[] | select($2)] | length > 0")" = true
}
has_action "the create of case 1 is audited" '(.action | test("create")) and .record_id == "'"$C1"'"'
has_action "a read of case 1 is audited" '(.action | test("read")) and .record_id == "'"$C1"'"'
has_action "the updates of case 1 are audited" '(.action | test("update")) and .record_id == "'"$C1"'"'
has_action "audit rows name fields" '(.fields | tostring | test("risk_level"))'
check "only rows of case 1" test "$(jout '[.data[] | select(.record_id != "'"$C1"'")] | length')" = 0
check "audit rows have seq, at, user, outcome" test "$(jout '[.data[] | select(.seq == null or .at == null or .user == null or .outcome == null)] | length')" = 0
check "no value in the audit (names)" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 200 "dpo of A: by short id" "$A_DPO" GET "/api/v1/audit?record_id=$S1&per=100"
check "short id gives the same rows (and newer ones)" test "$(jq -c --slurpfile a "$T/audit.c1" '($a[0].data | map(.seq)) - (.data | map(.seq)) | length' "$OUT" 2>/dev/null)" = 0
expect_http 200 "supervisor of A: the audit of case 1" "$A_SV" GET "/api/v1/audit?record_id=$C1&per=100"
has_action "the supervisor sees the create" '(.action | test("create"))'
has_action "the supervisor sees b.cw's denied read of case 1" '.user == "b.cw"'
expect_http 200 "dpo of A: audit of a.cw" "$A_DPO" GET "/api/v1/audit?user=a.cw&per=100"
has_action "a.cw's login is audited" '(.action | test("login"))'
has_action "a.cw's list is audited" '(.action | test("list"))'
has_action "a.cw's denied audit query is audited" '(.outcome | test("den|forbid|refus"; "i"))'
has_action "a.cw's failed login is audited" '(.action | test("login")) and (.outcome | test("fail|wrong|den|invalid|refus"; "i"))'
check "only a.cw's rows" test "$(jout '[.data[] | select(.user != "a.cw")] | length')" = 0
check "no value in a.cw's audit" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 200 "dpo of A: audit of lock.me" "$A_DPO" GET "/api/v1/audit?user=lock.me&per=100"
has_action "the lockout is audited" '(.outcome | test("lock"; "i")) or (.action | test("lock"))'
check "ten failed logins or more" test "$(jout '[.data[] | select(.action | test("login"))] | length >= 10')" = true
expect_http 200 "dpo of A: audit of the race on case 2" "$A_DPO" GET "/api/v1/audit?record_id=$C2&per=100"
has_action "the winning update of the race is audited" '(.action | test("update"))'
check "the racers' values are not in the audit" sh -c "! grep -Eq '$SECRET' '$OUT'"
expect_http 200 "dpo of B: audit of b.cw" "$B_DPO" GET "/api/v1/audit?user=b.cw&per=100"
has_action "b.cw's denied read of A's case is audited for B" '(.outcome | test("den|not.?found|refus|scope"; "i"))'
check "no agency A names leak to B's dpo" sh -c "! grep -Eq '$SECRET_A' '$OUT'"
expect_http 200 "dpo of A: since tomorrow" "$A_DPO" GET "/api/v1/audit?since=$(date -u -d tomorrow +%F)"
check "nothing since tomorrow" test "$(cnt '.data | length')" = 0
expect_http 200 "dpo of A: since 2000-01-01" "$A_DPO" GET "/api/v1/audit?since=2000-01-01&per=5"
check "page of 5" test "$(cnt '.data | length')" = 5
check "audit list has metadata" test "$(jout '.metadata.total > 5')" = true
db_dump "$D" audit >"$T/audit.dump"
check "the raw audit table exists and has rows" test "$(db_sql "$D" 'SELECT count(*) FROM audit')" -gt 50
check "no value in the raw audit table" sh -c "! grep -Eq '$SECRET' '$T/audit.dump'"
check "no password in the raw audit table" sh -c "! grep -q -e '$PW' -e 'bad-guess' -e 'brand new password' '$T/audit.dump'"
check "user changes are in the raw audit table" test "$(db_sql "$D" "SELECT count(*) FROM audit WHERE action LIKE '%user%'")" -ge 3

echo "- metrics"
expect_http 200 "GET /metrics" "" GET /metrics
cp "$OUT" "$T/metrics"
check "Prometheus text" sh -c "grep -qi '^content-type: text/plain' '$HDR'"
check "metrics have HELP and TYPE lines" sh -c "grep -q '^# TYPE ' '$T/metrics' && grep -q '^# HELP ' '$T/metrics'"
mline() {	# mline STATUS ROUTE-PART: the value of a request counter with these labels
	grep -v '^#' "$T/metrics" | grep -E "status=\"$1\"" | grep -E "route=\"[^\"]*$2" |
	    grep -E 'request' | grep -v '_bucket\|_sum\|_count' | awk '{ s += $NF } END { print s + 0 }'
}
check "requests counted by route and status: 409 on a case ($(mline 409 cases))" test "$(mline 409 cases)" -ge 10
check "requests counted by route and status: 429 on the session ($(mline 429 session))" test "$(mline 429 session)" -ge 2
check "requests counted by route and status: 201 on cases ($(mline 201 cases))" test "$(mline 201 cases)" -ge 5
check "routes are templates, not ids" sh -c "! grep -q -e '$C1' -e '$S1' '$T/metrics'"
check "a latency histogram" grep -q '_bucket{' "$T/metrics"
check "open sessions" grep -Eiq '^[a-z_]*session[a-z_]* [0-9]' "$T/metrics"

echo "- graceful stop: requests in flight finish, nothing acknowledged is lost"
pids=
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	curl -s -o "$T/inflight.$i.body" -w '%{http_code}' --max-time 60 -X POST \
	    -H "Authorization: Bearer $A_CW" "${JH[@]}" \
	    --data-binary '{"data":{"name_first":"Yordanose","sex":"female","age":9}}' \
	    "$BASE/api/v1/cases" >"$T/inflight.$i.code" 2>/dev/null &
	pids="$pids $!"
done
sleep 0.05
serve_stop
# shellcheck disable=SC2086
wait $pids || true
check "SIGTERM: exit 0 (got $SERVER_STATUS)" test "$SERVER_STATUS" = 0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	code=$(cat "$T/inflight.$i.code")
	case $code in
	201)
		id=$(jq -r .data.id "$T/inflight.$i.body" 2>/dev/null || true)
		expect 0 "case $i acknowledged during the stop is stored" "$RC" case show --data "$D" --as a.cw "$id" ;;
	000 | 503) ;;
	*) check "in-flight request $i: 201, 503 or refused, got $code" false ;;
	esac
done
check "no server left on the port" sh -c "! curl -s --max-time 2 '$BASE/healthz' >/dev/null"

echo "- the server's log holds no child data, tokens or passwords"
check "no names in the log" sh -c "! grep -Eq '$SECRET' '$SERVER_LOG'"
check "no token in the log" sh -c "! grep -qF -e '$A_CW' -e '$A_SV' -e '$ADMIN' '$SERVER_LOG'"
check "no password in the log" sh -c "! grep -qF -e '$PW' -e 'bad-guess' -e 'brand new password' '$SERVER_LOG'"
check "no sanitizer report in the log" sh -c "! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' '$SERVER_LOG'"

echo "- the audit chain"
expect 0 "audit verify" "$RC" audit verify --data "$D"
expect 0 "audit show" "$RC" audit show --data "$D"
check "audit show has rows" test -s "$OUT"
check "audit show holds no values" sh -c "! grep -Eq '$SECRET' '$OUT'"
NROWS=$(db_sql "$D" 'SELECT count(*) FROM audit')
# one column of one row changed → verify fails and names that row; then put it back
tamper() {	# tamper COLUMN SEQ [append]: change the value keeping its length (or append)
	if [ "$DB_PG" = 1 ]; then
		quote=quote_nullable
		case $1 in
		at | seq) change="$1 + 1" ;;
		prev_hash | hash) change="set_byte($1, 0, (get_byte($1, 0) + 1) % 256)" ;;
		*) change="CASE WHEN $1 IS NULL OR $1 = '' THEN 'x'
		    ELSE substr($1, 1, length($1) - 1) ||
			CASE WHEN right($1, 1) = '0' THEN '1' ELSE '0' END END" ;;
		esac
	else
		quote=quote
		change="CASE
		    WHEN $1 IS NULL OR $1 = '' THEN 'x'
		    WHEN typeof($1) = 'integer' THEN $1 + 1
		    WHEN typeof($1) = 'real' THEN $1 + 1
		    WHEN typeof($1) = 'blob' THEN randomblob(length($1))
		    ELSE substr($1, 1, length($1) - 1) ||
			CASE WHEN substr($1, -1) = '0' THEN '1' ELSE '0' END END"
	fi
	orig=$(db_sql "$D" "SELECT $quote($1) FROM audit WHERE seq = $2")
	if [ "${3:-}" = append ]; then
		db_sql "$D" "UPDATE audit SET $1 = $1 || '0' WHERE seq = $2" >/dev/null
	else
		db_sql "$D" "UPDATE audit SET $1 = $change WHERE seq = $2" >/dev/null
	fi
	check "audit row $2: $1 was changed" test "$(db_sql "$D" "SELECT $quote($1) FROM audit WHERE seq = $2")" != "$orig"
	expect 1 "verify fails after changing $1 of row $2 ${3:-}" "$RC" audit verify --data "$D"
	CHECKS=$((CHECKS + 1))
	if ! grep -Eqi "(row|seq)[^0-9]{0,3}$2([^0-9]|$)" "$OUT" "$ERR"; then
		fail "verify should name row $2 after $1 changed: $(cat "$OUT" "$ERR" | head -3)"
	fi
	db_sql "$D" "UPDATE audit SET $1 = $orig WHERE seq = $2" >/dev/null
	expect 0 "verify passes again with $1 of row $2 restored" "$RC" audit verify --data "$D"
}
tamper action 5
RSEQ=$(db_sql "$D" "SELECT seq FROM audit WHERE record_id = '$C1' ORDER BY seq LIMIT 1 OFFSET 2")
for col in fields record_id at user_id agency_id outcome prev_hash hash; do
	tamper "$col" "${RSEQ:-7}"
done
for col in record_id user_id agency_id action outcome; do
	tamper "$col" "${RSEQ:-7}" append
done
tamper action "$NROWS"	# the last row
tamper at 1		# the first row
db_sql "$D" "CREATE TABLE audit_saved AS SELECT * FROM audit WHERE seq = 9; DELETE FROM audit WHERE seq = 9" >/dev/null
expect 1 "verify fails when a row is deleted" "$RC" audit verify --data "$D"
check "verify names the gap at row 9 or 10" sh -c "grep -Eqi '(row|seq)[^0-9]{0,3}(9|10)([^0-9]|$)' '$OUT' '$ERR'"
db_sql "$D" "INSERT INTO audit SELECT * FROM audit_saved; DROP TABLE audit_saved" >/dev/null
expect 0 "verify passes with the row put back" "$RC" audit verify --data "$D"
db_sql "$D" "UPDATE audit SET seq = seq + 1000 WHERE seq = 12" >/dev/null
expect 1 "verify fails when a row is renumbered" "$RC" audit verify --data "$D"
db_sql "$D" "UPDATE audit SET seq = 12 WHERE seq = 1012" >/dev/null
expect 0 "verify passes when renumbered back" "$RC" audit verify --data "$D"

finish
