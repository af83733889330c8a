# test_scaleout.sh — two `routecare serve` processes on one database and one data
# directory (one master.key), as behind a load balancer: a session made on one is good
# on the other and ends on both; a user disabled through one is refused by the other
# at once; wrong passwords count across both; concurrent PATCHes with the same If-Match
# through both let exactly one through; the audit chain both append to stays one chain;
# processes that start together bring a new database's schema up to date once. On
# PostgreSQL also: when the server ends every connection (a restart, a failover) no
# request fails and no audit row is lost; while it refuses connections a good token
# gets 503, not 401, and works again afterwards.
# Runs on SQLite (two processes on one WAL file) and, under `run --pg`, on PostgreSQL:
# pg-wrap gives a data directory one database, so the same --data means the same one.
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
READS=0	# GETs of case $CID answered 200, each one audit row "case.read"

login() {	# login VAR USER [PASSWORD]: POST /api/v1/session on the current server
	expect_http 200 "login $2 on $BASE" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$2" --arg p "${3:-$PW}" '{username: $u, password: $p}')"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

bad_login() {	# bad_login CODES DESCRIPTION USER PASSWORD
	expect_http "$1" "$2" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(jq -nc --arg u "$3" --arg p "$4" '{username: $u, password: $p}')"
}

audit_count() {	# audit_count WHERE: audit rows matching the SQL condition
	db_sql "$D" "SELECT count(*) FROM audit WHERE $1"
}

echo "- processes starting together migrate a new database once"
# Another process holds the write lock while four start: all four read "no schema"
# first, then wait for the lock; each must look again under the lock.
M=$T/fresh
mkdir -m 0700 "$M"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
cp "$D/master.key" "$M/master.key"
chmod 0600 "$M/master.key"
if [ "$DB_PG" = 1 ]; then
	db_sql "$M" "SELECT 1" >/dev/null	# creates the database
	psql -qXAt "$("$E2E_DIR/pg-wrap" --url "$M")" >/dev/null 2>&1 <<-'EOF' &
	BEGIN;
	SELECT pg_advisory_xact_lock(23188606072120677);
	SELECT pg_sleep(2);
	COMMIT;
	EOF
	holder=$!
	for _ in $(seq 1 50); do
		[ "$(db_sql "$M" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 1 ] && break
		sleep 0.1
	done
else
	sqlite3 "$M/routecare.db" "PRAGMA journal_mode = WAL; CREATE TABLE schema_migrations (
	    version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)" >/dev/null
	printf 'BEGIN IMMEDIATE;\n.shell sleep 2\nCOMMIT;\n' | sqlite3 "$M/routecare.db" &
	holder=$!
	for _ in $(seq 1 50); do
		sqlite3 -cmd '.timeout 0' "$M/routecare.db" 'BEGIN IMMEDIATE; ROLLBACK' \
		    >/dev/null 2>&1 || break
		sleep 0.1
	done
fi
pids=
for k in 1 2 3 4; do
	"$RC" audit verify --data "$M" >"$T/mig.$k.out" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
	echo $? >>"$T/mig.status"
done
wait "$holder"
check "all four processes started ($(tr '\n' ' ' <"$T/mig.status"); $(grep -hv intact "$T"/mig.*.out | head -1))" \
    test "$(grep -c '^0$' "$T/mig.status")" = 4
check "the new database has every migration" \
    test "$(db_sql "$M" "SELECT count(*) FROM schema_migrations")" = \
    "$(db_sql "$D" "SELECT count(*) FROM schema_migrations")"

echo "- set-up: two servers, one data directory, one database"
expect 0 "user add" "$RC" user add --data "$D" --username k.cw --role caseworker \
    --agency agency-k --password-file "$T/pw"
expect 0 "user add" "$RC" user add --data "$D" --username k.leaver --role caseworker \
    --agency agency-k --password-file "$T/pw"
expect 0 "user add" "$RC" user add --data "$D" --username k.locked --role caseworker \
    --agency agency-k --password-file "$T/pw"
for s in A B; do
	CHECKS=$((CHECKS + 1))
	if ! serve_named "$s" "$D"; then
		fail "routecare serve $s did not start"
		tail -20 "$T/server.$s.log" | sed 's/^/    server: /' >&2
		finish
	fi
done
check "two processes on two ports ($PORT_A, $PORT_B)" test "$PID_A" != "$PID_B" -a "$PORT_A" != "$PORT_B"

echo "- a session opened on A is good on B; logout on B ends it on A"
serve_use A
login TOK k.cw
serve_use B
expect_http 200 "A's token on B" "$TOK" GET /api/v1/session
check "B knows the same user" test "$(jout .data.username)" = k.cw
serve_use A
login TOK2 k.cw
serve_use B
expect_http "200|204" "logout on B" "$TOK2" DELETE /api/v1/session
serve_use A
expect_http 401 "the token B logged out is refused on A" "$TOK2" GET /api/v1/session
expect_http 401 "and for cases too" "$TOK2" GET /api/v1/cases
expect_http 200 "the other session lives on on A" "$TOK" GET /api/v1/session

echo "- a user disabled through B is refused on A at once"
serve_use A
login LEAVER k.leaver
LEAVER_ID=$(jout .data.user.id)
expect_http 200 "the leaver works on A" "$LEAVER" GET /api/v1/cases
serve_use B
login ADMIN chief
expect_http 200 "admin on B disables the leaver" "$ADMIN" PATCH "/api/v1/users/$LEAVER_ID" \
    "${JH[@]}" --data-binary '{"data":{"disabled":true}}'
check "B shows the leaver disabled" test "$(jout .data.disabled)" = true
serve_use A
expect_http 401 "the leaver's token is refused on A at once" "$LEAVER" GET /api/v1/cases
bad_login "401|403" "the leaver cannot sign in on A" k.leaver "$PW"
expect_http 200 "A lists the leaver as disabled" "$ADMIN" GET /api/v1/users
check "A sees the change B made" \
    test "$(jout '[.data[] | select(.username == "k.leaver") | .disabled] | join(",")')" = true

echo "- wrong passwords on both servers count towards one lockout"
pids=
for i in $(seq 1 10); do
	if [ $((i % 2)) = 0 ]; then b=$BASE_A; else b=$BASE_B; fi
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 -X POST "${JH[@]}" \
	    --data-binary "$(jq -nc --arg p "bad-guess-$i" '{username: "k.locked", password: $p}')" \
	    "$b/api/v1/session" >"$T/guess.$i" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids	# not a bare wait: the servers are children too
check "ten wrong passwords refused ($(cat "$T"/guess.* | tr '\n' ' '))" \
    test "$(cat "$T"/guess.* | grep -c -E '^(401|429)$')" = 10
serve_use A
bad_login 429 "locked on A after ten wrong passwords spread over A and B" k.locked "$PW"
serve_use B
bad_login 429 "and on B" k.locked "$PW"

echo "- a case created on A is read on B"
serve_use A
expect_http 201 "create on A" "$TOK" POST /api/v1/cases "${JH[@]}" \
    --data-binary '{"data":{"name_first":"Scaleoutina","name_last":"Twoproc","sex":"female","age":12}}'
CID=$(jout .data.id)
serve_use B
expect_http 200 "read on B" "$TOK" GET "/api/v1/cases/$CID" && READS=$((READS + 1))
check "B reads A's case" test "$(jout .data.name_first)" = Scaleoutina
check "at rev 1" test "$(jout .data.rev)" = 1

echo "- ten PATCHes, five through each server, all with If-Match \"1\": one wins"
pids=
for i in $(seq 1 10); do
	if [ "$i" -le 5 ]; then b=$BASE_A; else b=$BASE_B; fi
	curl -s -o "$T/race.$i.body" -w '%{http_code}' --max-time 60 -X PATCH \
	    -H "Authorization: Bearer $TOK" "${JH[@]}" -H 'If-Match: "1"' \
	    --data-binary "{\"data\":{\"age\":$((i + 3))}}" \
	    "$b/api/v1/cases/$CID" >"$T/race.$i.code" 2>/dev/null &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids	# not a bare wait: the servers are children too
won=$(grep -l '^200$' "$T"/race.*.code | wc -l)
lost=$(grep -l '^409$' "$T"/race.*.code | wc -l)
check "exactly one 200 ($(cat "$T"/race.*.code | tr '\n' ' '))" test "$won" = 1
check "nine 409s" test "$lost" = 9
winner=$(grep -l '^200$' "$T"/race.*.code | head -1)
winner=${winner%.code}
winner=${winner##*.}
serve_use A
expect_http 200 "read after the race" "$TOK" GET "/api/v1/cases/$CID" && READS=$((READS + 1))
check "the rev advanced by exactly one" test "$(jout .data.rev)" = 2
check "the winner's value is stored" test "$(jout .data.age)" = "$((winner + 3))"
check "the database holds rev 2" \
    test "$(db_sql "$D" "SELECT rev FROM records WHERE id = '$CID'")" = 2
check "two history entries (create, one update)" \
    test "$(db_sql "$D" "SELECT count(*) FROM record_history WHERE record_id = '$CID'")" = 2

if [ "$DB_PG" = 1 ]; then
	DBNAME=$("$E2E_DIR/pg-wrap" --url "$D")
	DBNAME=${DBNAME##*/}
	# end_backends: PostgreSQL ends every session on the database, as a restart or a
	# failover does; returns when they are gone. Prints how many there were.
	end_backends() {
		psql -qXAt "$ROUTECARE_PG_SERVER" -c "SELECT count(pg_terminate_backend(pid))
		    FROM pg_stat_activity WHERE datname = '$DBNAME' AND pid <> pg_backend_pid()"
		for _ in $(seq 1 50); do
			[ "$(psql -qXAt "$ROUTECARE_PG_SERVER" -c "SELECT count(*) FROM
			    pg_stat_activity WHERE datname = '$DBNAME'")" = 0 ] && break
			sleep 0.1
		done
	}

	echo "- PostgreSQL ends every connection of both servers: no request fails"
	ended=$(end_backends)
	check "both servers' connections ended ($ended)" test "$ended" -ge 4
	for s in A B; do
		serve_use "$s"
		for i in 1 2 3 4; do
			expect_http 200 "read $i on $s after its connections were ended" "$TOK" \
			    GET "/api/v1/cases/$CID" && READS=$((READS + 1))
		done
		expect_http 201 "a create on $s after its connections were ended" "$TOK" \
		    POST /api/v1/cases "${JH[@]}" \
		    --data-binary '{"data":{"name_first":"Reconnecta","sex":"female","age":7}}'
	done

	echo "- while the database refuses connections: 503, and the token works after"
	psql -qXAt "$ROUTECARE_PG_SERVER" -c "ALTER DATABASE $DBNAME ALLOW_CONNECTIONS false"
	end_backends >/dev/null
	for s in A B; do
		serve_use "$s"
		expect_http 503 "a good token on $s while the database is down: 503, not 401" \
		    "$TOK" GET "/api/v1/cases/$CID"
	done
	psql -qXAt "$ROUTECARE_PG_SERVER" -c "ALTER DATABASE $DBNAME ALLOW_CONNECTIONS true"
	for s in A B; do
		serve_use "$s"
		expect_http 200 "the same token on $s once the database is back" "$TOK" \
		    GET "/api/v1/cases/$CID" && READS=$((READS + 1))
	done
fi

echo "- both servers at once: reads (audited in the background) and creates"
pids=
for i in $(seq 1 40); do
	if [ $((i % 2)) = 0 ]; then b=$BASE_A; else b=$BASE_B; fi
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 \
	    -H "Authorization: Bearer $TOK" "$b/api/v1/cases/$CID" >"$T/read.$i" &
	pids="$pids $!"
	if [ $((i % 4)) = 0 ]; then
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 -X POST \
		    -H "Authorization: Bearer $TOK" "${JH[@]}" \
		    --data-binary "{\"data\":{\"name_first\":\"Parallelo$i\",\"sex\":\"male\",\"age\":9}}" \
		    "$b/api/v1/cases" >"$T/create.$i" &
		pids="$pids $!"
	fi
done
# shellcheck disable=SC2086
wait $pids	# not a bare wait: the servers are children too
ok=$(cat "$T"/read.* | grep -c '^200$')
check "forty reads answered ($ok)" test "$ok" = 40
READS=$((READS + ok))
check "ten creates answered ($(cat "$T"/create.* | tr '\n' ' '))" \
    test "$(cat "$T"/create.* | grep -c '^201$')" = 10
# request lines reach the log within about two seconds (log_access buffers them)
both_logged() {
	test "$(grep -c 'GET /api/v1/cases/{id} 200' "$T/server.A.log")" -ge 20 -a \
	    "$(grep -c 'GET /api/v1/cases/{id} 200' "$T/server.B.log")" -ge 20
}
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	both_logged && break
	sleep 0.2
done
check "both servers answered reads of the case" both_logged

echo "- stop both; one audit chain holds what both wrote"
for s in A B; do
	serve_stop_named "$s"
	check "SIGTERM: $s exits 0 (got $SERVER_STATUS)" test "$SERVER_STATUS" = 0
	check "no audit row lost on $s" sh -c "! grep -i 'audit:' '$T/server.$s.log'"
done
expect 0 "audit chain intact" "$RC" audit verify --data "$D"
rows=$(audit_count "1 = 1")
check "every row verified ($rows): $(cat "$OUT")" grep -q "intact: $rows rows" "$OUT"
check "seq runs 1..$rows without a gap or a fork" \
    test "$(db_sql "$D" "SELECT min(seq) || ':' || max(seq) || ':' || count(DISTINCT seq) FROM audit")" = "1:$rows:$rows"
check "one case.read row per read ($READS)" \
    test "$(audit_count "action = 'case.read' AND record_id = '$CID'")" = "$READS"
check "one update row and nine conflicts for the race" \
    test "$(audit_count "action = 'case.update' AND record_id = '$CID' AND outcome = 'ok'"):$(audit_count "action = 'case.update' AND record_id = '$CID' AND outcome = 'conflict'")" = 1:9
check "every create audited" test "$(audit_count "action = 'case.create'")" = "$((11 + 2 * DB_PG))"
check "the logout on B and the disabling on B are in the chain" \
    test "$(audit_count "action IN ('logout', 'user.update')")" = 2
check "ten wrong passwords from both servers in the chain" \
    test "$(audit_count "action = 'login.failed' AND outcome LIKE 'wrong password%'")" = 10
finish
