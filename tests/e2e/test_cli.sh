# test_cli.sh — the routecare command line on a real data directory: set-up, users,
# sealed cases, search, revisions, bad input, tampering. Fictional data only.
. "$(dirname "$0")/lib.sh"

D=$T/data
export ROUTECARE_DATA=$D
printf 'correct horse battery\n' >"$T/pw"
printf 'another long password\n' >"$T/pw2"

echo "- version, help and usage errors"
expect 0 "--version" "$RC" --version && stdout_has "routecare "
expect 0 "help" "$RC" help && stdout_has "case add"
expect 0 "help case update" "$RC" help case update && stdout_has "conflict"
expect 2 "no command" "$RC"
expect 2 "unknown command" "$RC" frobnicate && stderr_has "unknown command"
expect 2 "unknown option" "$RC" case list --as x --bogus && stderr_has "unknown option --bogus"
expect 1 "not a data directory" "$RC" case list --as x && stderr_has "routecare init"

echo "- init"
expect 0 "init" "$RC" init --admin chief --password-file "$T/pw" && stdout_has "chief"
check "master.key is mode 0600" test "$(stat -c %a "$D/master.key")" = 600
check "data directory is private" test "$(stat -c %a "$D")" = 700
check "master.key is 32 bytes" test "$(stat -c %s "$D/master.key")" = 32
cp "$D/master.key" "$T/key.before"
expect 1 "second init refuses" "$RC" init --password-file "$T/pw" && stderr_has "refusing to overwrite"
check "key unchanged after refused init" cmp -s "$D/master.key" "$T/key.before"
expect 0 "init with a random password" "$RC" init --data "$T/other"
stdout_has "Password: "

echo "- users"
expect 0 "caseworker of agency A" "$RC" user add --username amal.cw --role caseworker --agency agency-a --password-file "$T/pw"
expect 0 "second caseworker of A" "$RC" user add --username omar.cw --role caseworker --agency agency-a --password-file "$T/pw"
expect 0 "supervisor of A" "$RC" user add --username sara.sv --role supervisor --agency agency-a --password-file "$T/pw"
expect 0 "caseworker of agency B" "$RC" user add --username beto.cw --role caseworker --agency agency-b --password-file "$T/pw2"
expect 2 "taken username" "$RC" user add --username amal.cw --role caseworker --agency agency-a --password-file "$T/pw" && stderr_has "taken"
expect 2 "unknown role" "$RC" user add --username x.y --role wizard --agency agency-a --password-file "$T/pw" && stderr_has "unknown role"
printf 'short\n' >"$T/short"
expect 2 "short password" "$RC" user add --username x.y --role caseworker --agency agency-a --password-file "$T/short" && stderr_has "at least 10"
expect 2 "bad username" "$RC" user add --username "X Y" --role caseworker --agency agency-a --password-file "$T/pw" && stderr_has "username"
expect 2 "missing password file" "$RC" user add --username x.y --role caseworker --agency agency-a --password-file "$T/none" && stderr_has "cannot read password file"
expect 2 "bad location" "$RC" user add --username x.y --role caseworker --agency agency-a --location ZZ99 --password-file "$T/pw" && stderr_has "location"

echo "- register a case; nothing readable on disk"
cat >"$T/amina.json" <<'J'
{"data": {"name_first": "Amina", "name_last": "Yusuf", "sex": "female", "age": 14,
 "estimated": true, "nationality": ["SO"], "unaccompanied_separated_status": "unaccompanied",
 "protection_concerns": ["unaccompanied"], "risk_level": "high",
 "family_details_section": [{"relation": "mother", "relation_name": "Hodan Warsame"}]}}
J
expect_in 0 "case add" "$T/amina.json" "$RC" case add --as amal.cw
ID=$(json .data.id)
SHORT=$(json .data.short_id)
check "rev 1 returned" test "$(json .data.rev)" = 1
check "id is a UUID" test "${#ID}" = 36
check "short id has 7 characters" test "${#SHORT}" = 7
for f in "$D"/*; do
	check "no plaintext name in $(basename "$f")" sh -c "! grep -a -q -e Amina -e Yusuf -e Hodan -e Warsame '$f'"
done
if [ "$DB_PG" = 1 ]; then
	for table in records record_history record_keys audit; do
		db_dump "$D" "$table" >"$T/dump.$table"
		check "no plaintext name in the PostgreSQL table $table" sh -c "! grep -a -q -e Amina -e Hodan '$T/dump.$table'"
	done
else
	sqlite3 "$D/routecare.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	for f in "$D"/*; do
		check "no plaintext name in $(basename "$f") after checkpoint" sh -c "! grep -a -q -e Amina -e Hodan '$f'"
	done
fi

expect 0 "show by id" "$RC" case show --as amal.cw "$ID"
check "name read back" test "$(json .data.name)" = "Amina Yusuf"
check "family details read back" test "$(json '.data.family_details_section[0].relation_name')" = "Hodan Warsame"
expect 0 "show by short id" "$RC" case show --as amal.cw "$SHORT"
check "same case by short id" test "$(json .data.id)" = "$ID"
expect 0 "supervisor of A reads it" "$RC" case show --as sara.sv "$SHORT"
expect 1 "colleague caseworker may not (own scope)" "$RC" case show --as omar.cw "$SHORT" && stderr_has "no case"
expect 1 "caseworker of B may not" "$RC" case show --as beto.cw "$ID" && stderr_has "no case"
expect 0 "B lists nothing of A" "$RC" case list --as beto.cw --query amina
check "B sees no result" test "$(json .metadata.total)" = 0
expect 1 "admin sees no case content" "$RC" case list --as chief && stderr_has "may not"
expect 1 "admin may not read" "$RC" case show --as chief "$ID"
expect 2 "missing --as" "$RC" case show "$ID" && stderr_has "--as"
expect 1 "unknown user" "$RC" case show --as nobody "$ID" && stderr_has "no user"

echo "- search through the blind index"
printf '{"data":{"name_first":"Mohamed","name_middle":"Abdelrahman","name_last":"El-Tayeb","sex":"male","age":16}}' >"$T/mo.json"
expect_in 0 "case add Mohamed" "$T/mo.json" "$RC" case add --as amal.cw
MO=$(json .data.id)
printf '{"data":{"name_original_script":"محمد عبد الرحمن","sex":"male"}}' >"$T/ar.json"
expect_in 0 "case add with only an Arabic-script name" "$T/ar.json" "$RC" case add --as amal.cw
AR=$(json .data.id)
for q in mohamed MOHAMED Mohamed moham "mohamed el-tayeb" "TAYEB" "Abdelrahman"; do
	expect 0 "query $q" "$RC" case list --as amal.cw --query "$q"
	check "query '$q' finds Mohamed" test "$(json '[.data[].id] | index("'"$MO"'") != null')" = true
done
expect 0 "query moham" "$RC" case list --as amal.cw --query "moham el-tay"
check "prefixes find only him" test "$(json .metadata.total)" = 1
expect 0 "query in Latin for a name written in Arabic" "$RC" case list --as amal.cw --query "Muhammad"
check "Muhammad finds the Arabic-script محمد" test "$(json '[.data[].id] | index("'"$AR"'") != null')" = true
check "and the Latin Mohamed" test "$(json .metadata.total)" = 2
expect 0 "query Amina" "$RC" case list --as amal.cw --query "Amina"
check "Amina does not find Mohamed" test "$(json '[.data[].id] | index("'"$MO"'") == null')" = true
expect 0 "query in Arabic script" "$RC" case list --as amal.cw --query "محمد عبد"
check "Arabic query finds the Arabic name" test "$(json '.data[0].id')" = "$AR"
expect 0 "query with hamza variant" "$RC" case list --as amal.cw --query "عبد الرحمٰن"
check "Arabic variant finds it" test "$(json .metadata.total)" = 1
expect 0 "query by short id" "$RC" case list --as amal.cw --query "$SHORT"
check "short id query finds Amina" test "$(json '.data[0].id')" = "$ID"
expect 0 "no match" "$RC" case list --as amal.cw --query "zzzzzz"
check "no match is empty" test "$(json .metadata.total)" = 0
expect 0 "filter by risk" "$RC" case list --as amal.cw --risk-level high
check "one high-risk case" test "$(json .metadata.total)" = 1
expect 2 "bad risk filter" "$RC" case list --as amal.cw --risk-level extreme && stderr_has "risk_level"
expect 2 "bad page" "$RC" case list --as amal.cw --page 0 && stderr_has "--page"
expect 0 "list as supervisor" "$RC" case list --as sara.sv
check "supervisor sees all three of agency A" test "$(json .metadata.total)" = 3
expect 0 "list pages" "$RC" case list --as sara.sv --per 2 --page 2
check "second page has one" test "$(json '.data | length')" = 1

echo "- updates and revisions"
printf '{"data":{"age":15,"risk_level":"medium"}}' >"$T/p1.json"
expect_in 0 "update at rev 1" "$T/p1.json" "$RC" case update --as amal.cw --rev 1 "$ID"
check "rev 2 after update" test "$(json .data.rev)" = 2
printf '{"data":{"age":16}}' >"$T/p2.json"
expect_in 2 "stale rev refused" "$T/p2.json" "$RC" case update --as amal.cw --rev 1 "$ID" && stderr_has "conflict"
expect 0 "show after conflict" "$RC" case show --as amal.cw "$ID"
check "age is still 15" test "$(json .data.age)" = 15
check "rev is still 2" test "$(json .data.rev)" = 2
printf '{"data":{"name_first":"Aminata"}}' >"$T/p3.json"
expect_in 0 "rename" "$T/p3.json" "$RC" case update --as amal.cw --rev 2 "$SHORT"
expect 0 "show renamed" "$RC" case show --as amal.cw "$ID"
check "derived name follows" test "$(json .data.name)" = "Aminata Yusuf"
expect 0 "old spelling no longer found" "$RC" case list --as amal.cw --query "amina yusuf"
check "search index was updated" test "$(json '.data[0].name')" = "Aminata Yusuf"
printf '{"data":{"risk_level":null}}' >"$T/p4.json"
expect_in 0 "remove a field with null" "$T/p4.json" "$RC" case update --as amal.cw --rev 3 "$ID"
expect 0 "history" "$RC" case show --as amal.cw --history "$ID"
check "four history entries" test "$(json '.data | length')" = 4
check "history names fields, not values" test "$(json '.data[1].fields | join(",")')" = "age,risk_level"
check "history has no values" sh -c "! grep -q Aminata '$OUT'"
expect_in 1 "B cannot update A's case" "$T/p2.json" "$RC" case update --as beto.cw --rev 4 "$ID"
expect_in 2 "update with bad rev" "$T/p2.json" "$RC" case update --as amal.cw --rev abc "$ID" && stderr_has "--rev"
expect_in 2 "update with empty input" /dev/null "$RC" case update --as amal.cw --rev 4 "$ID" && stderr_has "empty"

echo "- bad input never changes what is stored"
snapshot() { db_sql "$D" "SELECT id, rev, $(db_hex body) FROM records ORDER BY id" | sha256sum; }
BEFORE=$(snapshot)
bad() {	# bad DESCRIPTION EXPECTED-TEXT JSON
	printf '%s' "$3" >"$T/bad.json"
	expect_in 2 "$1" "$T/bad.json" "$RC" case add --as amal.cw && stderr_has "$2"
}
bad "malformed JSON" "malformed JSON" '{"data": {"sex": "female",'
bad "not an envelope" "data" '{"sex":"female","name_first":"A"}'
bad "unknown field" "favourite_colour" '{"data":{"sex":"female","name_first":"A","favourite_colour":"red"}}'
bad "wrong type" "age" '{"data":{"sex":"female","name_first":"A","age":"twelve"}}'
bad "bad date" "date_of_birth" '{"data":{"sex":"female","name_first":"A","date_of_birth":"2025-02-30"}}'
bad "option not in lookup" "sex" '{"data":{"sex":"dragon","name_first":"A"}}'
bad "no sex" "sex" '{"data":{"name_first":"A"}}'
bad "no name" "name" '{"data":{"sex":"female"}}'
bad "bad nationality" "nationality" '{"data":{"sex":"female","name_first":"A","nationality":["XX"]}}'
bad "unknown location" "location_current" '{"data":{"sex":"female","name_first":"A","location_current":"ZZ9999"}}'
bad "deep nesting" "nested" "$(printf '{"data":%.0s' $(seq 1 100))"
head -c 10485760 /dev/zero | tr '\0' 'a' | sed 's/^/{"data":{"sex":"female","name_first":"/; s/$/"}}/' >"$T/big.json"
expect_in 2 "10 MB body" "$T/big.json" "$RC" case add --as amal.cw && stderr_has "too large"
printf '{"data":{"age":"x"}}' >"$T/bad.json"
expect_in 2 "bad patch" "$T/bad.json" "$RC" case update --as amal.cw --rev 4 "$ID" && stderr_has "age"
check "stored cases unchanged by bad input" test "$(snapshot)" = "$BEFORE"

echo "- a server refuses to start with a master.key that is not the database's"
cp -p "$D/master.key" "$T/right.key"
head -c 32 /dev/urandom >"$D/master.key"
expect 1 "serve with another key" timeout 20 "$RC" serve --listen 127.0.0.1:0 &&
    stderr_has "does not belong"
cp -p "$T/right.key" "$D/master.key"
expect 0 "the right key still opens it" "$RC" audit verify

echo "- a changed byte in a sealed body is detected"
if [ "$DB_PG" = 1 ]; then
	db_sql "$D" "UPDATE records SET body = set_byte(body, 60, (get_byte(body, 60) + 1) % 256) WHERE id = '$MO'" >/dev/null
else
	sqlite3 "$D/routecare.db" "SELECT writefile('$T/body', body) FROM records WHERE id = '$MO'" >/dev/null
	byte=$(od -An -tu1 -j 60 -N 1 "$T/body" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" | dd of="$T/body" bs=1 seek=60 conv=notrunc 2>/dev/null
	sqlite3 "$D/routecare.db" "UPDATE records SET body = readfile('$T/body') WHERE id = '$MO'"
fi
expect 1 "tampered case is refused" "$RC" case show --as amal.cw "$MO" && stderr_has "integrity"
check "no data printed for a tampered case" test ! -s "$OUT"
expect 1 "a list containing it fails loudly" "$RC" case list --as amal.cw && stderr_has "integrity"
expect 0 "other cases still readable" "$RC" case show --as amal.cw "$ID"

echo "- demo data"
expect 0 "demo into a new directory" "$RC" demo --data "$T/demo"
stdout_has "horizon.cw1"
stdout_has "routecare-demo"
expect 0 "demo caseworker lists own cases" "$RC" case list --data "$T/demo" --as horizon.cw1 --per 100
check "caseworker has cases" test "$(json .metadata.total)" -gt 0
expect 0 "demo supervisor lists agency cases" "$RC" case list --data "$T/demo" --as horizon.supervisor --per 1
check "supervisor sees more than one caseworker" test "$(json .metadata.total)" -gt 22
N=$(db_sql "$T/demo" "SELECT count(*) FROM records WHERE type = 'case'")
check "200 demo cases" test "$N" = 200
expect 2 "demo twice refused" "$RC" demo --data "$T/demo" && stderr_has "already loaded"

echo "- generated caseloads"
expect 0 "gen into a new directory" "$RC" gen --data "$T/gen1" --cases 120 --seed 7
check "gen reports 120 cases" test "$(json .data.cases)" = 120
expect 0 "gen again, same seed" "$RC" gen --data "$T/gen2" --cases 120 --seed 7
names() { "$RC" case list --data "$1" --as "$2" --per 100 | jq -r '[.data[].name] | sort | join("|")'; }
check "the same seed gives the same cases" test "$(names "$T/gen1" horizon.supervisor)" = "$(names "$T/gen2" horizon.supervisor)"
expect 0 "gen with another seed" "$RC" gen --data "$T/gen3" --cases 120 --seed 8
check "another seed gives other cases" test "$(names "$T/gen1" horizon.supervisor)" != "$(names "$T/gen3" horizon.supervisor)"
expect 0 "gen adds to an existing directory" "$RC" gen --data "$T/gen1" --cases 30 --seed 9
check "150 cases after two runs" test "$(db_sql "$T/gen1" "SELECT count(*) FROM records")" = 150
expect 2 "gen without --cases" "$RC" gen --data "$T/gen1" && stderr_has "--cases"
expect 0 "audit chain intact after batch loads" "$RC" audit verify --data "$T/gen1"

finish
