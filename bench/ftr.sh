#!/usr/bin/env bash
# bench/ftr.sh — how long one trace's matches take on a generated caseload: times
# GET /api/v1/traces/{id}/matches (and the registration of the tracing requests, which
# looks for tasks) against `routecare gen --cases N`, and reports p50/p95. Never part of
# `make test`; see bench/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${ROUTECARE_BIN:-$ROOT/build/routecare}
CASES=${BENCH_CASES:-100000}
TRACES=${BENCH_TRACES:-20}
ROUNDS=${BENCH_ROUNDS:-5}
USER_NAME=${BENCH_USER:-horizon.ftr}
SEED=${BENCH_SEED:-1}
PW=routecare-demo

for need in curl jq awk sort; do
	command -v "$need" >/dev/null 2>&1 || { echo "ftr: $need not found" >&2; exit 2; }
done
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "ftr: $BIN is not built (make build/routecare)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/rc-ftr-XXXXXX)
SERVER=
cleanup() {
	if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ -n "${BENCH_DATA:-}" ]; then
	# a data directory generated before (routecare gen); the requests made here stay
	DATA=$BENCH_DATA
	CASES=$(sqlite3 "$DATA/routecare.db" "SELECT count(*) FROM records WHERE type = 'case'" 2>/dev/null || echo "?")
	echo "ftr: using $DATA ($CASES cases)" >&2
else
	DATA=$TMP/data
	echo "ftr: generating $CASES cases (seed $SEED) ..." >&2
	GEN=$("$BIN" gen --data "$DATA" --cases "$CASES" --seed "$SEED" 2>/dev/null)
	echo "ftr: $GEN" >&2
fi

PORT=$((20000 + ($$ * 7 + RANDOM) % 20000))
BASE=http://127.0.0.1:$PORT
"$BIN" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz" || true)" = 200 ] && break
	sleep 0.2
done
TOKEN=$(curl -s "$BASE/api/v1/session" -H 'Content-Type: application/json' \
    --data-binary "$(jq -nc --arg u "$USER_NAME" --arg p "$PW" '{username: $u, password: $p}')" |
    jq -r '.data.token // empty')
[ -n "$TOKEN" ] || { echo "ftr: cannot sign in as $USER_NAME" >&2; exit 1; }
AUTH=(-H "Authorization: Bearer $TOKEN")
JH=(-H 'Content-Type: application/json')

# ---- tracing requests made from cases the officer may see ----------------------------
# BENCH_REUSE=FILE: the traces of an earlier run (its BENCH_KEEP file), on the same data
# directory, instead of new ones: two builds compared on the very same traces.
# A family describes the child as it knows it: the name in the original script when the
# case has one, else the Latin name without its last part when it has three or more,
# the age one year off, the sex, and the mother's or father's name as the person asking.
TOTAL=$(curl -s "${AUTH[@]}" "$BASE/api/v1/cases?per=1" | jq .metadata.total)
PAGES=$(( (TOTAL + 99) / 100 ))
[ "$PAGES" -ge 1 ] || { echo "ftr: $USER_NAME sees no case" >&2; exit 1; }
: >"$TMP/traces"
: >"$TMP/create_ms"
n=0
tries=0
if [ -n "${BENCH_REUSE:-}" ]; then
	cp "$BENCH_REUSE" "$TMP/traces"
	n=$(wc -l <"$TMP/traces")
	TRACES=$n
	echo 0 >"$TMP/create_ms"
fi
while [ "$n" -lt "$TRACES" ] && [ "$tries" -lt $((TRACES * 10)) ]; do
	tries=$((tries + 1))
	page=$(( (RANDOM * 32768 + RANDOM) % PAGES + 1 ))
	cid=$(curl -s "${AUTH[@]}" "$BASE/api/v1/cases?per=100&page=$page" |
	    jq -r --argjson i $((RANDOM % 100)) '.data[$i].id // .data[0].id // empty')
	[ -n "$cid" ] || continue
	case_json=$(curl -s "${AUTH[@]}" "$BASE/api/v1/cases/$cid")
	consent=$(curl -s "${AUTH[@]}" "$BASE/api/v1/cases/$cid/matches" | jq -r .metadata.tracing_consent)
	body=$(printf '%s' "$case_json" | jq -c --arg today "$(date -u +%F)" '
	    .data as $c
	    | ($c.name // "" | split(" ")) as $parts
	    | {data: {inquiry_date: $today, relation: "mother", consent_for_tracing: true,
	       relation_name: ([$c.family_details_section[]? | select(.relation == "mother" or .relation == "father") | .relation_name][0] // "Amina Osman"),
	       tracing_request_subform_section: [{
	         name: (if ($c.name_original_script // "") != "" then $c.name_original_script
	                elif ($parts | length) >= 3 then ($parts[0:-1] | join(" "))
	                else $c.name end),
	         sex: $c.sex,
	         age: (if $c.age == null then null else ([($c.age + 1), 30] | min) end)}]}}
	    | del(.. | nulls)')
	[ "$(printf '%s' "$body" | jq -r '.data.tracing_request_subform_section[0].name // empty')" != "" ] || continue
	out=$(curl -s -w '\n%{time_total}' "${AUTH[@]}" "${JH[@]}" "$BASE/api/v1/tracing_requests" --data-binary "$body")
	# the body and curl's time on the last line, split without a pipe into head (a
	# large body would end printf with SIGPIPE, and pipefail the script)
	tid=$(printf '%s' "${out%$'\n'*}" | jq -r '.data.trace_ids[0] // empty')
	[ -n "$tid" ] || continue
	printf '%s\n' "${out##*$'\n'}" | awk '{ printf "%.3f\n", $1 * 1000 }' >>"$TMP/create_ms"
	printf '%s %s %s\n' "$tid" "$cid" "$consent" >>"$TMP/traces"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "ftr: no tracing request could be made" >&2; exit 1; }
[ -z "${BENCH_KEEP:-}" ] || cp "$TMP/traces" "$BENCH_KEEP"

# ---- timing ------------------------------------------------------------------------------
: >"$TMP/ms"
: >"$TMP/ms_first"
: >"$TMP/ms_again"
: >"$TMP/found"
for round in $(seq 1 "$ROUNDS"); do
	while read -r tid cid consent; do
		out=$(curl -s -w '\n%{time_total}' "${AUTH[@]}" "$BASE/api/v1/traces/$tid/matches")
		printf '%s\n' "${out##*$'\n'}" | awk '{ printf "%.3f\n", $1 * 1000 }' >>"$TMP/ms"
		if [ "$round" = 1 ]; then
			tail -1 "$TMP/ms" >>"$TMP/ms_first"
			printf '%s\n' "${out%$'\n'*}" | jq -r --arg c "$cid" --arg k "$consent" '
			    ([.data[].case_id] | index($c)) as $rank
			    | "\($k) \(if $rank == null then -1 else $rank end) \(.metadata.candidates) \(.metadata.capped)"' >>"$TMP/found"
		else
			tail -1 "$TMP/ms" >>"$TMP/ms_again"
		fi
	done <"$TMP/traces"
done

pct() {	# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; print v[i] }'
}
consented=$(awk '$1 == "true"' "$TMP/found" | wc -l)
top1=$(awk '$1 == "true" && $2 == 0' "$TMP/found" | wc -l)
top10=$(awk '$1 == "true" && $2 >= 0 && $2 < 10' "$TMP/found" | wc -l)
leaked=$(awk '$1 != "true" && $2 >= 0' "$TMP/found" | wc -l)
cands=$(awk '{ s += $3 } END { printf "%.0f", s / NR }' "$TMP/found")
capped=$(awk '$4 == "true"' "$TMP/found" | wc -l)

echo
echo "## bench/ftr.sh — $(date -u +%F), $(nproc) CPU, $(uname -m)"
echo
echo "| caseload | traces | requests timed | p50 ms | p95 ms | max ms | register p50 ms | candidates (mean) | capped |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| %s cases (%s visible to %s) | %s | %s | %s | %s | %s | %s | %s | %s of %s |\n' \
    "$CASES" "$TOTAL" "$USER_NAME" "$n" "$(wc -l <"$TMP/ms")" "$(pct "$TMP/ms" 50)" \
    "$(pct "$TMP/ms" 95)" "$(pct "$TMP/ms" 100)" "$(pct "$TMP/create_ms" 50)" "$cands" \
    "$capped" "$n"
if [ -s "$TMP/ms_again" ]; then
	echo
	echo "First request for each trace: p50 $(pct "$TMP/ms_first" 50) ms, p95" \
	    "$(pct "$TMP/ms_first" 95) ms; the later rounds: p50 $(pct "$TMP/ms_again" 50) ms," \
	    "p95 $(pct "$TMP/ms_again" 95) ms."
fi
echo
echo "Source case found (only cases with valid consent for tracing can be): first for" \
    "$top1 of $consented, in the top 10 for $top10 of $consented; cases without consent" \
    "returned: $leaked (must be 0)."
