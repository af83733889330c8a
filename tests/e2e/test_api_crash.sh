# test_api_crash.sh — what the API acknowledged survives a crash: parallel creates and
# updates, then SIGKILL (no clean stop), then a new server finds every acknowledged write
# and an intact audit chain.
. "$(dirname "$0")/lib.sh"
# Keep going after a failed check (lib.sh's run() turns errexit on; this one does not).
set +e
run() {
	"$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

D=$T/data
PW='correct horse battery'
printf '%s\n' "$PW" >"$T/pw"
JH=(-H 'Content-Type: application/json')

login() {	# login VAR USER
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

echo "- set-up"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
expect 0 "user add" "$RC" user add --data "$D" --username k.cw --role caseworker \
    --agency agency-k --password-file "$T/pw"
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start"
	finish
fi
login TOK k.cw

echo "- twenty parallel creates, then one update each"
pids=
for i in $(seq 1 20); do
	curl -s -o "$T/c.$i.body" -w '%{http_code}' --max-time 60 -X POST \
	    -H "Authorization: Bearer $TOK" "${JH[@]}" \
	    --data-binary "{\"data\":{\"name_first\":\"Crashtest$i\",\"sex\":\"male\",\"age\":$((i % 17 + 1))}}" \
	    "$BASE/api/v1/cases" >"$T/c.$i.code" 2>/dev/null &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
check "twenty 201s ($(cat "$T"/c.*.code | tr '\n' ' '))" test "$(grep -l '^201$' "$T"/c.*.code | wc -l)" = 20
check "twenty distinct ids" test "$(cat "$T"/c.*.body | jq -r .data.id | sort -u | wc -l)" = 20
check "twenty distinct short ids" test "$(cat "$T"/c.*.body | jq -r .data.short_id | sort -u | wc -l)" = 20
pids=
for i in $(seq 1 20); do
	id=$(jq -r .data.id "$T/c.$i.body")
	curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X PATCH \
	    -H "Authorization: Bearer $TOK" "${JH[@]}" -H 'If-Match: "1"' \
	    --data-binary '{"data":{"risk_level":"high"}}' \
	    "$BASE/api/v1/cases/$id" >"$T/u.$i.code" 2>/dev/null &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
check "twenty updates acknowledged ($(cat "$T"/u.*.code | tr '\n' ' '))" test "$(grep -l '^200$' "$T"/u.*.code | wc -l)" = 20

echo "- SIGKILL, then a new server"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
expect 0 "audit chain intact after the crash" "$RC" audit verify --data "$D"
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start again after a crash"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -20 >&2
	finish
fi
expect_http 200 "the session survived the restart (sessions are in the database)" "$TOK" GET /api/v1/session
login TOK k.cw
expect_http 200 "list after the crash" "$TOK" GET "/api/v1/cases?per=100"
check "all twenty cases are there" test "$(jout .metadata.total)" = 20
expect_http 200 "high risk after the crash" "$TOK" GET "/api/v1/cases?risk_level=high&per=100"
check "all twenty updates are there" test "$(jout .metadata.total)" = 20
for i in 1 20; do
	id=$(jq -r .data.id "$T/c.$i.body")
	expect_http 200 "case $i readable after the crash" "$TOK" GET "/api/v1/cases/$id"
	check "case $i at rev 2" test "$(jout .data.rev)" = 2
	check "case $i has its name" test "$(jout .data.name_first)" = "Crashtest$i"
done
serve_stop
check "SIGTERM: exit 0 (got $SERVER_STATUS)" test "$SERVER_STATUS" = 0
expect 0 "audit chain intact at the end" "$RC" audit verify --data "$D"
finish
