# test_transfer.sh — two RouteCare instances (two data directories, two servers)
# exchanging a case both ways, by file and over HTTP, with acknowledgements; and every
# refusal: a changed byte (signature or decryption named, nothing written), replay,
# an unknown sender, a package for another instance, an expired package, an
# acknowledgement of nothing sent. Fictional data only.
. "$(dirname "$0")/lib.sh"
set +e
run() {
	"$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

A=$T/instance-a
B=$T/instance-b
C=$T/instance-c
PW='correct horse battery'
printf '%s\n' "$PW" >"$T/pw"
JH=(-H 'Content-Type: application/json')
TXT=(-H 'Content-Type: text/plain')
SECRET='Hiwotzala|Berhanezgi|Dawitzion'
A_PID=
B_PID=
trap 'kill -KILL $A_PID $B_PID 2>/dev/null; rm -rf "$T"' EXIT

is() {	# is DESCRIPTION FILTER EXPECTED: jq on the last stdout/body
	CHECKS=$((CHECKS + 1))
	got=$(jq -r "$2" "$OUT" 2>/dev/null || echo "<not json>")
	if [ "$got" != "$3" ]; then
		fail "$1: $2 is '$got', expected '$3'"
	fi
}

# state DIR: what a refused package must leave alone (records, their keys and
# history, documents), as one line
state() {
	db_sql "$1" "SELECT (SELECT count(*) FROM records) || '|' || (SELECT count(*) FROM record_history) || '|' || (SELECT count(*) FROM docs) || '|' || (SELECT coalesce(sum(rev), 0) FROM records) || '|' || (SELECT coalesce(max(updated_at), 0) FROM docs)"
}

# flip DIR/FILE N: change the Nth base64 character of the package body (lines 2 to
# the line before last) to another base64 character
flip() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(src).read().split("\n")
body = lines[1:-2]
pos = n
for i, l in enumerate(body):
    if pos < len(l):
        c = l[pos]
        body[i] = l[:pos] + ("B" if c != "B" else "C") + l[pos + 1:]
        break
    pos -= len(l)
open(dst, "w").write("\n".join([lines[0]] + body + lines[-2:]))
EOF
}

login() {	# login VAR USER (against $BASE)
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "$PW" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

echo "- three instances: A and B trust each other, C is a stranger"
for d in "$A" "$B" "$C"; do
	expect 0 "init $(basename "$d")" "$RC" init --data "$d" --admin chief --password-file "$T/pw"
done
expect 0 "user a.cw" "$RC" user add --data "$A" --username a.cw --role caseworker --agency ag-a --password-file "$T/pw"
expect 0 "user a.sv" "$RC" user add --data "$A" --username a.sv --role supervisor --agency ag-a --password-file "$T/pw"
expect 0 "user b.sv" "$RC" user add --data "$B" --username b.sv --role supervisor --agency ag-b --password-file "$T/pw"
expect 0 "user b.cw" "$RC" user add --data "$B" --username b.cw --role caseworker --agency ag-b --password-file "$T/pw"
expect 0 "user c.sv" "$RC" user add --data "$C" --username c.sv --role supervisor --agency ag-c --password-file "$T/pw"

expect 0 "keys show on A" "$RC" keys show --data "$A"
ID_A=$(cat "$OUT")
check "one line" test "$(wc -l <"$OUT")" = 1
check "the identity's shape" sh -c "grep -Eqx 'rcid1:[A-Za-z0-9_-]{86}:[A-Za-z0-9_-]{8}' '$OUT'"
expect 0 "keys show again" "$RC" keys show --data "$A"
check "the same identity from the same master key" test "$(cat "$OUT")" = "$ID_A"
expect 0 "A's fingerprint" "$RC" keys show --data "$A" --fingerprint
FP_A=$(cat "$OUT")
check "the fingerprint's shape" sh -c "grep -Eqx '[0-9A-Z]{4}(-[0-9A-Z]{4}){4}' '$OUT'"
ID_B=$("$RC" keys show --data "$B")
FP_B=$("$RC" keys show --data "$B" --fingerprint)
ID_C=$("$RC" keys show --data "$C")
check "two instances, two identities" test "$ID_A" != "$ID_B"

expect 0 "A trusts B" "$RC" partner add b --key "$ID_B" --data "$A"
stderr_has "$FP_B"
expect 0 "B trusts A; its packages over HTTP go to ag-b" "$RC" partner add a --key "$ID_A" --agency ag-b --data "$B"
expect 0 "C trusts B" "$RC" partner add b --key "$ID_B" --data "$C"
BAD=$(printf '%s' "$ID_B" | sed 's/^\(rcid1:.\{10\}\)\(.\)/\1Q/')
[ "$BAD" = "$ID_B" ] && BAD=$(printf '%s' "$ID_B" | sed 's/^\(rcid1:.\{10\}\)\(.\)/\1R/')
expect 2 "a mistyped identity is refused" "$RC" partner add typo --key "$BAD" --data "$A"
stderr_has "checksum"
expect 2 "a cut identity is refused" "$RC" partner add cut --key "${ID_B:0:60}" --data "$A"
stderr_has "key"
expect 2 "not an identity at all" "$RC" partner add junk --key "hello" --data "$A"
stderr_has "rcid1"
expect 2 "a name trusted already" "$RC" partner add b --key "$ID_C" --data "$A"
stderr_has "already"
expect 2 "keys trusted already under another name" "$RC" partner add b2 --key "$ID_B" --data "$A"
stderr_has "already"
expect 2 "its own identity" "$RC" partner add me --key "$ID_A" --data "$A"
expect 2 "a bad partner name" "$RC" partner add "Bad Name" --key "$ID_C" --data "$A"
expect 0 "partner list on A" "$RC" partner list --data "$A"
is "one partner" '.data | length' 1
is "with B's fingerprint" '.data[0].fingerprint' "$FP_B"

echo "- A sends a case to B as a file"
expect_in 0 "a.cw registers a case" /dev/stdin "$RC" case add --data "$A" --as a.cw <<'EOF'
{"data":{"name_first":"Hiwotzala","name_last":"Berhanezgi","sex":"female","age":16,"protection_concerns":["unaccompanied"],"consent_per_purpose":[{"consent_purpose":"transfer","consent_given_by":"child","consent_granted":true,"consent_date":"2026-01-10"}]}}
EOF
CA=$(jq -r .data.id "$OUT")
expect_in 0 "a.cw registers a case without consent" /dev/stdin "$RC" case add --data "$A" --as a.cw <<'EOF'
{"data":{"name_first":"Dawitzion","sex":"male","age":15}}
EOF
CA2=$(jq -r .data.id "$OUT")
expect 2 "no transfer without consent" "$RC" transfer export --data "$A" --as a.cw --case "$CA2" --to b --out "$T/nope.txt" --reason "Moved on"
stderr_has "consent"
check "nothing written" test ! -e "$T/nope.txt"
expect 1 "a caseworker cannot override" "$RC" transfer export --data "$A" --as a.cw --case "$CA2" --to b --out "$T/nope.txt" --reason "Moved on" --override-reason "urgent"
expect 2 "fields that do not make a case" "$RC" transfer export --data "$A" --as a.cw --case "$CA" --to b --out "$T/nope.txt" --reason "Moved on" --fields name_first,age
stderr_has "register"
expect 2 "an unknown partner" "$RC" transfer export --data "$A" --as a.cw --case "$CA" --to nobody --out "$T/nope.txt" --reason "Moved on"
check "still nothing written" test ! -e "$T/nope.txt"
expect 0 "a.cw exports the case to B" "$RC" transfer export --data "$A" --as a.cw --case "$CA" --to b --out "$T/p1.txt" --reason "The child travels on to country B" --fields name_first,name_last,sex,age,protection_concerns,consent_per_purpose
P1=$(jq -r .data.package_id "$OUT")
is "sent" .data.status sent
check "the package file exists, mode 600" test "$(stat -c %a "$T/p1.txt")" = 600
check "it is a RouteCare package" test "$(head -1 "$T/p1.txt")" = "RouteCare transfer package v1"
check "no name readable in it" sh -c "! grep -Eq '$SECRET' '$T/p1.txt'"
expect 2 "the file is never overwritten" "$RC" transfer export --data "$A" --as a.cw --case "$CA" --to b --out "$T/p1.txt" --reason "again"
expect 0 "A's case shows the package sent" "$RC" case show --data "$A" --as a.cw "$CA"
is "sent to b" '.data.transfers[-1] | .transfer_kind + "|" + .transfer_partner + "|" + .transfer_status' "outgoing|b|sent"

echo "- refusals on B write nothing"
S0=$(state "$B")
for n in 0 5 40 100 200 300; do
	flip "$T/p1.txt" "$n" "$T/bad-$n.txt"
	expect 2 "a package with byte $n changed is refused" "$RC" transfer import --data "$B" --as b.sv "$T/bad-$n.txt"
	CHECKS=$((CHECKS + 1))
	grep -Eqi "signature|decryption" "$ERR" || fail "byte $n: the reason names neither signature nor decryption: $(cat "$ERR")"
done
check "B's database is unchanged" test "$(state "$B")" = "$S0"
expect 1 "a caseworker may not import" "$RC" transfer import --data "$B" --as b.cw "$T/p1.txt"
expect 2 "A cannot open what it sealed for B" "$RC" transfer import --data "$A" --as a.sv "$T/p1.txt"
stderr_has "not_for_us"
printf 'hello\n' >"$T/junk.txt"
expect 2 "not a package" "$RC" transfer import --data "$B" --as b.sv "$T/junk.txt"
stderr_has "malformed"
expect_in 0 "C registers a case" /dev/stdin "$RC" case add --data "$C" --as c.sv <<'EOF'
{"data":{"name_first":"Dawitzion","sex":"male","age":12,"consent_per_purpose":[{"consent_purpose":"transfer","consent_given_by":"caregiver","consent_granted":true,"consent_date":"2026-01-10"},{"consent_purpose":"transfer","consent_given_by":"child","consent_granted":true,"consent_date":"2026-01-10"}]}}
EOF
CC=$(jq -r .data.id "$OUT")
expect 0 "C exports it to B" "$RC" transfer export --data "$C" --as c.sv --case "$CC" --to b --out "$T/from-c.txt" --reason "x"
expect 2 "B refuses a stranger's package" "$RC" transfer import --data "$B" --as b.sv "$T/from-c.txt"
stderr_has "unknown_sender"
expect 0 "A exports with a one-second life" "$RC" transfer export --data "$A" --as a.cw --case "$CA" --to b --out "$T/short.txt" --reason "x" --ttl 1
sleep 2
expect 2 "B refuses the expired package" "$RC" transfer import --data "$B" --as b.sv "$T/short.txt"
stderr_has "expired"
check "B's database is still unchanged" test "$(state "$B")" = "$S0"
expect 0 "B's audit" "$RC" audit show --data "$B" --per 500
for why in signature unknown_sender expired malformed; do
	CHECKS=$((CHECKS + 1))
	jq -e '[.data[] | select(.action == "package.refused" and (.outcome | contains("'"$why"'")))] | length > 0' "$OUT" >/dev/null ||
	    fail "B's audit records the $why refusal"
done
CHECKS=$((CHECKS + 1))
jq -e '[.data[] | select(.action == "package.refused" and (.outcome | contains("unknown_sender from")))] | length > 0' "$OUT" >/dev/null ||
    fail "the unknown sender's fingerprint is audited"

echo "- B imports, accepts, acknowledges; A's case shows it"
expect 0 "b.sv imports the package" "$RC" transfer import --data "$B" --as b.sv "$T/p1.txt"
is "held" .data.status pending
is "from a" .data.partner a
is "signed by A" .data.fingerprint "$FP_A"
expect 2 "the same package twice" "$RC" transfer import --data "$B" --as b.sv "$T/p1.txt"
stderr_has "replay"
expect 0 "b.sv lists the held packages" "$RC" transfer list --data "$B" --as b.sv --status pending
is "one" '[.data[].package_id] == ["'"$P1"'"]' true
expect 0 "b.sv reviews it" "$RC" transfer show --data "$B" --as b.sv --package "$P1"
is "provenance: A's instance" .data.provenance.instance "$FP_A"
is "provenance: the sender's role" .data.provenance.caseworker_role caseworker
is "provenance: the consent" .data.provenance.consent.basis consent
is "the case fields" .data.case.name_first Hiwotzala
expect 0 "b.sv accepts it for b.cw, with an acknowledgement" "$RC" transfer accept --data "$B" --as b.sv --package "$P1" --assign-to b.cw --ack "$T/ack1.txt"
CB=$(jq -r .data.case_id "$OUT")
expect 0 "b.cw has the new case" "$RC" case show --data "$B" --as b.cw "$CB"
is "its name" .data.name_first Hiwotzala
is "owned by b.cw" .data.owned_by b.cw
is "linked to its origin" '.data.transfers[0] | .transfer_kind + "|" + .transfer_partner + "|" + .transfer_package_id' "incoming|a|$P1"
is "the origin case" '.data.transfers[0].transfer_origin_case | split(" ")[1]' "$CA"
expect 0 "b.sv reviews it again" "$RC" transfer show --data "$B" --as b.sv --package "$P1"
is "accepted" .data.status accepted
is "its contents dropped" '.data | has("case") or has("provenance")' false
check "the held package's sealed record is erased" test "$(db_sql "$B" "SELECT count(*) FROM records WHERE type = 'inbound_package'")" = 0
check "and its key" test "$(db_sql "$B" "SELECT count(*) FROM record_dk WHERE record_id NOT IN (SELECT id FROM records)")" = 0
expect 2 "decided once" "$RC" transfer decline --data "$B" --as b.sv --package "$P1" --reason "no"
expect 0 "A imports the acknowledgement" "$RC" transfer import --data "$A" --as a.sv "$T/ack1.txt"
is "an acknowledgement" .data.kind ack
is "accepted" .data.decision accepted
expect 0 "a.cw's case shows it" "$RC" case show --data "$A" --as a.cw "$CA"
is "accepted by b" '.data.transfers[] | select(.transfer_package_id == "'"$P1"'") | .transfer_status + "|" + .transfer_decided_by' "accepted|b"
expect 2 "the acknowledgement twice" "$RC" transfer import --data "$A" --as a.sv "$T/ack1.txt"
stderr_has "replay"
expect 0 "B hands out the acknowledgement again" "$RC" transfer ack --data "$B" --as b.sv --package "$P1" --out "$T/ack1b.txt"
check "the very same one" cmp -s "$T/ack1.txt" "$T/ack1b.txt"
expect 2 "A refuses it: imported already" "$RC" transfer import --data "$A" --as a.sv "$T/ack1b.txt"
stderr_has "replay"
expect 2 "C cannot use B's acknowledgement" "$RC" transfer import --data "$C" --as c.sv "$T/ack1b.txt"
stderr_has "not_for_us"

echo "- over HTTP: B's inbox, A pushes"
CHECKS=$((CHECKS + 1))
serve_start "$B" || { fail "B's server did not start"; finish; }
B_PID=$SERVER_PID
B_BASE=$BASE
trap 'kill -KILL $A_PID $B_PID 2>/dev/null; rm -rf "$T"' EXIT
expect 0 "a.sv exports the case without consent, on an override" "$RC" transfer export --data "$A" --as a.sv --case "$CA2" --to b --out "$T/p2.txt" --reason "Moved on" --override-reason "Cannot be reached; continuity of care"
P2=$(jq -r .data.package_id "$OUT")
S0=$(state "$B")
flip "$T/p2.txt" 77 "$T/p2-bad.txt"
expect_http 400 "the inbox refuses a changed package" "" POST /api/v1/inbox "${TXT[@]}" --data-binary @"$T/p2-bad.txt"
is "naming the signature" .error.code signature
expect_http 415 "the inbox wants text" "" POST /api/v1/inbox "${JH[@]}" --data-binary @"$T/p2.txt"
expect_http 403 "the inbox refuses a stranger" "" POST /api/v1/inbox "${TXT[@]}" --data-binary @"$T/from-c.txt"
is "naming it" .error.code unknown_sender
expect_http 413 "the inbox refuses what is too large" "" POST /api/v1/inbox "${TXT[@]}" --data-binary @<(head -c 1100000 /dev/zero | tr '\0' 'A')
check "B's database is unchanged" test "$(state "$B")" = "$S0"
expect_http 202 "the inbox takes the package" "" POST /api/v1/inbox "${TXT[@]}" --data-binary @"$T/p2.txt"
is "held" .data.status pending
expect_http 409 "but only once" "" POST /api/v1/inbox "${TXT[@]}" --data-binary @"$T/p2.txt"
is "a replay" .error.code replay
login T_bsv b.sv
login T_bcw b.cw
expect_http 200 "b.sv's packages" "$T_bsv" GET "/api/v1/packages?status=pending"
is "hold it" '[.data[].package_id] == ["'"$P2"'"]' true
expect_http 403 "a caseworker may not review packages" "$T_bcw" GET /api/v1/packages
expect_http 200 "b.sv opens it" "$T_bsv" GET "/api/v1/packages/$P2"
is "on a supervisor's override" .data.provenance.consent.basis override
expect_http 422 "a decline needs a reason" "$T_bsv" POST "/api/v1/packages/$P2/decision" "${JH[@]}" --data-binary '{"decision":"declined"}'
expect_http 200 "b.sv declines it" "$T_bsv" POST "/api/v1/packages/$P2/decision" "${JH[@]}" --data-binary '{"decision":"declined","reason":"Not in our area"}'
expect_http 200 "the acknowledgement to carry back" "$T_bsv" GET "/api/v1/packages/$P2/ack"
cp "$OUT" "$T/ack2.txt"
check "it is a package" test "$(head -1 "$T/ack2.txt")" = "RouteCare transfer package v1"
expect 0 "A imports it" "$RC" transfer import --data "$A" --as a.sv "$T/ack2.txt"
is "declined" .data.decision declined
expect 0 "A's case shows it with the reason" "$RC" case show --data "$A" --as a.sv "$CA2"
is "declined, and why" '.data.transfers[-1] | .transfer_status + "|" + .transfer_decision_reason' "declined|Not in our area"
expect 0 "a.cw pushes a case straight into B's inbox" "$RC" transfer export --data "$A" --as a.cw --case "$CA" --to b --push "$B_BASE/api/v1/inbox" --reason "Second transfer"
is "delivered" .data.status delivered
P3=$(jq -r .data.package_id "$OUT")
expect_http 200 "B holds it" "$T_bsv" GET "/api/v1/packages/$P3"
expect 2 "a refused push records nothing" "$RC" transfer export --data "$C" --as c.sv --case "$CC" --to b --push "$B_BASE/api/v1/inbox" --reason "x"
stderr_has "refused"
expect 0 "C's case" "$RC" case show --data "$C" --as c.sv "$CC"
is "shows only the first (file) transfer" '.data.transfers | length' 1
expect 2 "plain http to another machine is refused" "$RC" transfer export --data "$A" --as a.cw --case "$CA" --to b --push "http://192.0.2.1/api/v1/inbox" --reason "x"

echo "- the other way: B sends to A over HTTP"
expect 0 "A stops trusting b" "$RC" partner remove b --data "$A"
expect 0 "A trusts b again, its packages for ag-a" "$RC" partner add b --key "$ID_B" --agency ag-a --data "$A"
CHECKS=$((CHECKS + 1))
serve_start "$A" || { fail "A's server did not start"; finish; }
A_PID=$SERVER_PID
A_BASE=$BASE
trap 'kill -KILL $A_PID $B_PID 2>/dev/null; rm -rf "$T"' EXIT
expect_in 0 "b.cw registers a case" /dev/stdin "$RC" case add --data "$B" --as b.cw <<'EOF'
{"data":{"name_first":"Berhanezgi","sex":"male","age":17,"consent_per_purpose":[{"consent_purpose":"transfer","consent_given_by":"child","consent_granted":true,"consent_date":"2026-02-01"}]}}
EOF
CB2=$(jq -r .data.id "$OUT")
expect 0 "b.cw pushes it to A" "$RC" transfer export --data "$B" --as b.cw --case "$CB2" --to a --push "$A_BASE/api/v1/inbox" --reason "Returned to country A"
P4=$(jq -r .data.package_id "$OUT")
BASE=$A_BASE
login T_asv a.sv
expect_http 200 "a.sv accepts it" "$T_asv" POST "/api/v1/packages/$P4/decision" "${JH[@]}" --data-binary '{"decision":"accepted"}'
CA3=$(jout .data.case_id)
expect_http 200 "a.sv opens the new case" "$T_asv" GET "/api/v1/cases/$CA3"
is "from b" '.data.transfers[0].transfer_partner' b
expect_http 200 "the acknowledgement" "$T_asv" GET "/api/v1/packages/$P4/ack"
cp "$OUT" "$T/ack4.txt"
BASE=$B_BASE
expect_http 200 "B's inbox takes the acknowledgement" "" POST /api/v1/inbox "${TXT[@]}" --data-binary @"$T/ack4.txt"
is "accepted" .data.decision accepted
expect 0 "b.cw's case shows it" "$RC" case show --data "$B" --as b.cw "$CB2"
is "accepted by a" '.data.transfers[-1] | .transfer_status + "|" + .transfer_decided_by' "accepted|a"

echo "- each side's audit log"
for side in A B; do
	dir=$A
	[ $side = B ] && dir=$B
	expect 0 "$side's audit" "$RC" audit show --data "$dir" --per 500
	for act in package.sealed package.received package.acknowledged transfer.export; do
		CHECKS=$((CHECKS + 1))
		jq -e '[.data[] | select(.action == "'$act'")] | length > 0' "$OUT" >/dev/null ||
		    fail "$side's audit has $act"
	done
	check "$side's audit holds no names" sh -c "! grep -Eq '$SECRET' '$OUT'"
	expect 0 "$side's audit chain holds" "$RC" audit verify --data "$dir"
done
expect 0 "B's audit again" "$RC" audit show --data "$B" --per 500
CHECKS=$((CHECKS + 1))
jq -e '[.data[] | select(.action == "package.accepted" or .action == "package.declined")] | length >= 2' "$OUT" >/dev/null ||
    fail "B's audit has its decisions"

SERVER_PID=$A_PID
serve_stop
SERVER_PID=$B_PID
serve_stop
A_PID=
B_PID=
finish
