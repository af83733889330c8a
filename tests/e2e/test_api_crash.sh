# test_api_crash.sh — what the API acknowledged survives a crash: parallel creates and
# updates, a race of PATCHes on one case (one wins: rev checks inside a group commit),
# then a continuous stream of creates from eight clients with SIGKILL in the
# middle of it (no clean stop), then a new server finds every create that got a 201 by
# its id and readable, nothing half written, and an intact audit chain. Runs on SQLite
# and, under `run --pg`, on PostgreSQL.
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
CLIENTS=8		# enough at once for the server to group their commits
KILL_AFTER=60		# acknowledged creates in the stream before the SIGKILL

login() {	# login VAR USER
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

# stream K: create cases one after another until the server stops answering (or 500
# requests); one line per request in $T/stream.K: "CODE ID NAME" (ID empty unless 201,
# CODE 000 when the connection failed).
stream() {
	sk=$1
	for si in $(seq 1 500); do
		sname=Streamcase${sk}n$si
		sresp=$(curl -s --max-time 30 -w '\n%{http_code}' -X POST \
		    -H "Authorization: Bearer $TOK" "${JH[@]}" \
		    --data-binary "{\"data\":{\"name_first\":\"$sname\",\"sex\":\"female\",\"age\":$((si % 17 + 1))}}" \
		    "$BASE/api/v1/cases" 2>/dev/null)
		scode=${sresp##*$'\n'}
		sid=
		if [ "$scode" = 201 ]; then
			sid=$(printf '%s' "${sresp%$'\n'*}" | jq -r '.data.id // empty' 2>/dev/null)
		fi
		echo "$scode $sid $sname" >>"$T/stream.$sk"
		[ "$scode" = 000 ] && break
	done
}

acked() {	# acknowledged creates of the stream so far
	cat "$T"/stream.* 2>/dev/null | grep -c '^201 '
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

# Concurrent writes share a batch transaction (group commit): the rev check of each
# sees what the batch already holds, so of ten PATCHes of one case at rev 2 exactly
# one wins, whichever batch each lands in.
echo "- ten concurrent PATCHes of one case at rev 2"
ID10=$(jq -r .data.id "$T/c.10.body")
pids=
for i in $(seq 1 10); do
	curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X PATCH \
	    -H "Authorization: Bearer $TOK" "${JH[@]}" -H 'If-Match: "2"' \
	    --data-binary "{\"data\":{\"age\":$i}}" \
	    "$BASE/api/v1/cases/$ID10" >"$T/p.$i.code" 2>/dev/null &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
check "one 200 and nine 409 ($(cat "$T"/p.*.code | sort | uniq -c | tr '\n' ' '))" \
    test "$(grep -l '^200$' "$T"/p.*.code | wc -l):$(grep -l '^409$' "$T"/p.*.code | wc -l)" = "1:9"
expect_http 200 "the case after the race" "$TOK" GET "/api/v1/cases/$ID10"
check "the case is at rev 3 (one update on top of rev 2)" test "$(jout .data.rev)" = 3

echo "- $CLIENTS clients stream creates; SIGKILL after $KILL_AFTER acknowledged, mid-stream"
pids=
for k in $(seq 1 "$CLIENTS"); do
	stream "$k" &
	pids="$pids $!"
done
for _ in $(seq 1 1200); do	# up to 60 s
	[ "$(acked)" -ge "$KILL_AFTER" ] && break
	sleep 0.05
done
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
# shellcheck disable=SC2086
wait $pids	# each client stops at its first failed connection
ACKED=$(acked)
INFLIGHT=$(cat "$T"/stream.* | grep -c '^000 ')
check "$ACKED creates acknowledged before the kill" test "$ACKED" -ge "$KILL_AFTER"
check "every client was still sending when the server died (its last request failed)" \
    test "$(for k in $(seq 1 "$CLIENTS"); do tail -n 1 "$T/stream.$k"; done | grep -c '^000 ')" = "$CLIENTS"
check "no answer but 201 before the kill ($(cut -d' ' -f1 "$T"/stream.* | sort | uniq -c | tr '\n' ' '))" \
    test "$(cat "$T"/stream.* | grep -vc -e '^201 ' -e '^000 ')" = 0
check "every 201 named an id" test "$(grep -h '^201 ' "$T"/stream.* | awk 'NF != 3' | wc -l)" = 0
echo "  $ACKED acknowledged, $INFLIGHT cut off by the kill"

echo "- a new server after the crash"
expect 0 "audit chain intact after the crash" "$RC" audit verify --data "$D"
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start again after a crash"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -20 >&2
	finish
fi
expect_http 200 "the session survived the restart (sessions are in the database)" "$TOK" GET /api/v1/session
login TOK k.cw
expect_http 200 "high risk after the crash" "$TOK" GET "/api/v1/cases?risk_level=high&per=100"
check "all twenty updates are there" test "$(jout .metadata.total)" = 20
for i in 1 20; do
	id=$(jq -r .data.id "$T/c.$i.body")
	expect_http 200 "case $i readable after the crash" "$TOK" GET "/api/v1/cases/$id"
	check "case $i at rev 2" test "$(jout .data.rev)" = 2
	check "case $i has its name" test "$(jout .data.name_first)" = "Crashtest$i"
done

# Every create that got a 201: there by its id, readable, with its own name.
missing=0
grep -h '^201 ' "$T"/stream.* >"$T/acked"
while read -r _ id name; do
	http_as "$TOK" GET "/api/v1/cases/$id"
	if [ "$HTTP" != 200 ] || [ "$(jout .data.name_first)" != "$name" ]; then
		missing=$((missing + 1))
		echo "    lost: $id $name (HTTP $HTTP)" >&2
	fi
done <"$T/acked"
check "all $ACKED acknowledged creates of the stream are there and readable ($missing not)" \
    test "$missing" = 0

# The requests cut off by the kill may or may not have committed; nothing else may
# be there, and whatever is there is whole.
expect_http 200 "list after the crash" "$TOK" GET "/api/v1/cases?per=100"
total=$(jout .metadata.total)
check "between $((20 + ACKED)) and $((20 + ACKED + INFLIGHT)) cases ($total)" \
    test "$total" -ge $((20 + ACKED)) -a "$total" -le $((20 + ACKED + INFLIGHT))
: >"$T/listed"
for page in 1 2 3; do
	expect_http 200 "list page $page" "$TOK" GET "/api/v1/cases?per=100&page=$page"
	jout '.data[] | "\(.id) \(.name)"' >>"$T/listed"	# names come from the sealed body
done
check "every case listed, each with its name (none torn)" \
    test "$(awk 'NF == 2 && $2 != "null"' "$T/listed" | sort -u | wc -l)" = "$total"
check "every acknowledged create is in the list" \
    test "$(awk '{ print $2 }' "$T/acked" | sort | comm -23 - <(awk '{ print $1 }' "$T/listed" | sort) | wc -l)" = 0
check "each case has its key, its history and its audit row, and nothing more" \
    test "$(db_sql "$D" "SELECT (SELECT count(*) FROM records WHERE type = 'case') || ':' ||
        (SELECT count(*) FROM record_dk) || ':' ||
        (SELECT count(*) FROM record_history WHERE rev = 1) || ':' ||
        (SELECT count(*) FROM audit WHERE action = 'case.create' AND outcome = 'ok')")" = \
    "$total:$total:$total:$total"
serve_stop
check "SIGTERM: exit 0 (got $SERVER_STATUS)" test "$SERVER_STATUS" = 0
expect 0 "audit chain intact at the end" "$RC" audit verify --data "$D"
finish
