# test_api_expiry.sh — time limits of `routecare serve`, with the limits shortened
# through the environment: session idle time-out, session lifetime, end of a lockout.
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

login_body() {
	jq -nc --arg u "$1" --arg p "$2" '{username: $u, password: $p}'
}
login() {	# login VAR USER [PASSWORD]
	expect_http 200 "login $2" "" POST /api/v1/session "${JH[@]}" --data-binary "$(login_body "$2" "${3:-$PW}")"
	printf -v "$1" '%s' "$(jq -r '.data.token // empty' "$OUT" 2>/dev/null || true)"
}

echo "- set-up"
expect 0 "init" "$RC" init --data "$D" --admin chief --password-file "$T/pw"
for u in idle.cw busy.cw lock.cw; do
	expect 0 "user add $u" "$RC" user add --data "$D" --username "$u" --role caseworker \
	    --agency agency-a --password-file "$T/pw"
done
export ROUTECARE_SESSION_IDLE=3 ROUTECARE_SESSION_TTL=8 ROUTECARE_LOCKOUT_SECONDS=4
CHECKS=$((CHECKS + 1))
if ! serve_start "$D"; then
	fail "routecare serve did not start"
	sed 's/^/    server: /' "$SERVER_LOG" | tail -20 >&2
	finish
fi

echo "- idle time-out and lifetime of a session"
login IDLE idle.cw
login BUSY busy.cw
check "expires_at is at most the lifetime away" test "$(jout "(.data.expires_at | fromdateiso8601) - $(date +%s) <= 9")" = true
expect_http 200 "fresh idle session works" "$IDLE" GET /api/v1/session
for i in 1 2 3 4; do	# 4 s of activity: keeps the busy session alive past the idle limit
	sleep 1
	expect_http 200 "busy session alive after ${i} s" "$BUSY" GET /api/v1/session
done
expect_http 401 "idle session ended after 4 s idle" "$IDLE" GET /api/v1/session
sleep 1
expect_http 200 "busy session alive at 5 s" "$BUSY" GET /api/v1/session
sleep 4
expect_http 401 "busy session ended at its lifetime (8 s)" "$BUSY" GET /api/v1/session
login AGAIN idle.cw
expect_http 200 "a new session after expiry works" "$AGAIN" GET /api/v1/session

echo "- a lockout ends"
for i in 1 2 3 4 5 6 7 8 9 10; do
	expect_http "401|429" "wrong password $i" "" POST /api/v1/session "${JH[@]}" \
	    --data-binary "$(login_body lock.cw "wrong password $i")"
done
expect_http 429 "locked: the right password is refused" "" POST /api/v1/session "${JH[@]}" \
    --data-binary "$(login_body lock.cw "$PW")"
RA=$(header_val Retry-After)
check "Retry-After between 1 and 4 ('$RA')" sh -c "echo '$RA' | grep -Eq '^[1-4]$'"
sleep "$(( ${RA:-4} + 1 ))"
login UNLOCKED lock.cw
check "the right password works once the lockout ended" test -n "$UNLOCKED"
bad=0
for i in 1 2 3; do	# the count starts again from zero
	http_as "" POST /api/v1/session "${JH[@]}" --data-binary "$(login_body lock.cw "wrong again $i")"
	[ "$HTTP" = 401 ] || bad=1
done
check "after the lockout, a few wrong passwords do not lock again" test "$bad" = 0
login STILL lock.cw

serve_stop
check "SIGTERM: exit 0 (got $SERVER_STATUS)" test "$SERVER_STATUS" = 0
expect 0 "audit verify" "$RC" audit verify --data "$D"
finish
