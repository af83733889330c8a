# lib.sh — helpers for end-to-end tests of the routecare binary.
# Each check prints what failed and counts it; `finish` exits non-zero if any did.

set -u
RC=${ROUTECARE_BIN:?ROUTECARE_BIN must name the binary}
T=$(mktemp -d /tmp/rc-e2e-XXXXXX)
trap 'rm -rf "$T"' EXIT

# ---- the database behind a data directory ---------------------------------------------
# SQLite by default: DIR/routecare.db. With ROUTECARE_PG_SERVER (a postgresql:// URL;
# tests/e2e/run --pg sets it) every data directory gets a database of its own on that
# server: $RC runs the binary through pg-wrap, which passes it as ROUTECARE_DB.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DB_PG=0
if [ -n "${ROUTECARE_PG_SERVER:-}" ]; then
	DB_PG=1
	E2E_PG_LIST=$T/pg-databases
	export E2E_PG_LIST ROUTECARE_PG_SERVER
	RC_BIN=$RC
	RC=$T/routecare
	printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$E2E_DIR/pg-wrap" "$RC_BIN" >"$RC"
	chmod +x "$RC"
fi

# db_sql DIR SQL: run SQL on the database of data directory DIR; rows on stdout,
# columns separated by |.
db_sql() {
	if [ "$DB_PG" = 1 ]; then
		psql -qXAt -v ON_ERROR_STOP=1 "$("$E2E_DIR/pg-wrap" --url "$1")" -c "$2"
	else
		sqlite3 "$1/routecare.db" "$2"
	fi
}

# db_hex COLUMN: the SQL for a BLOB/BYTEA column in hex.
db_hex() {
	if [ "$DB_PG" = 1 ]; then echo "encode($1, 'hex')"; else echo "hex($1)"; fi
}

# db_dump DIR TABLE: every row of TABLE as the database stores it.
db_dump() {
	if [ "$DB_PG" = 1 ]; then
		pg_dump --data-only --table="$2" "$("$E2E_DIR/pg-wrap" --url "$1")"
	else
		sqlite3 "$1/routecare.db" ".dump $2"
	fi
}
FAILS=0
CHECKS=0
OUT=$T/out
ERR=$T/err

fail() {
	FAILS=$((FAILS + 1))
	echo "  FAIL: $*" >&2
	if [ -s "$ERR" ]; then sed 's/^/    stderr: /' "$ERR" | head -5 >&2; fi
}

# run CMD...: runs with stdout in $OUT, stderr in $ERR, exit status in $STATUS
run() {
	set +e
	"$@" >"$OUT" 2>"$ERR"
	STATUS=$?
}

# expect STATUS DESCRIPTION CMD...: run and check the exit status
expect() {
	want=$1
	what=$2
	shift 2
	CHECKS=$((CHECKS + 1))
	run "$@"
	if [ "$STATUS" -ne "$want" ]; then
		fail "$what: exit $STATUS, expected $want"
		return 1
	fi
	return 0
}

# expect_in STATUS DESCRIPTION INPUTFILE CMD...: same with stdin from a file
expect_in() {
	want=$1
	what=$2
	input=$3
	shift 3
	CHECKS=$((CHECKS + 1))
	set +e
	"$@" <"$input" >"$OUT" 2>"$ERR"
	STATUS=$?
	if [ "$STATUS" -ne "$want" ]; then
		fail "$what: exit $STATUS, expected $want"
		return 1
	fi
	return 0
}

# check DESCRIPTION TEST...: any shell test
check() {
	what=$1
	shift
	CHECKS=$((CHECKS + 1))
	if ! "$@"; then
		fail "$what"
	fi
}

# stderr_has TEXT: the last command's stderr contains TEXT (case-insensitive)
stderr_has() {
	CHECKS=$((CHECKS + 1))
	if ! grep -qi -- "$1" "$ERR"; then
		fail "stderr should mention '$1'"
	fi
}

stdout_has() {
	CHECKS=$((CHECKS + 1))
	if ! grep -qi -- "$1" "$OUT"; then
		fail "stdout should mention '$1'"
		sed 's/^/    stdout: /' "$OUT" | head -5 >&2
	fi
}

json() {	# json FILTER: jq on the last stdout
	jq -r "$1" "$OUT"
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		echo "  $FAILS of $CHECKS checks failed" >&2
		exit 1
	fi
	echo "  $CHECKS checks passed"
}

# ---- HTTP: a real `routecare serve` over loopback (test_api*.sh) ---------------------

HDR=$T/headers
SERVER_PID=
SERVER_LOG=$T/server.log
BASE=
HTTP=

# serve_start DATA_DIR [ARGS...]: start `routecare serve` on a free loopback port and
# wait until /healthz answers 200. Sets SERVER_PID, PORT, BASE (http://127.0.0.1:PORT);
# the server's stderr goes to $SERVER_LOG. Returns 1 when it would not start.
serve_start() {
	sdata=$1
	shift
	trap 'serve_kill; rm -rf "$T"' EXIT
	for try in 0 1 2 3 4 5 6 7; do
		PORT=$((20000 + ($$ * 7 + try * 977 + RANDOM) % 20000))
		BASE=http://127.0.0.1:$PORT
		"$RC" serve --data "$sdata" --listen "127.0.0.1:$PORT" "$@" >>"$SERVER_LOG" 2>&1 &
		SERVER_PID=$!
		for _ in $(seq 1 300); do	# up to 60 s: the ASan build starts slowly
			if ! kill -0 "$SERVER_PID" 2>/dev/null; then
				break
			fi
			if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			    "$BASE/healthz" 2>/dev/null)" = 200 ]; then
				return 0
			fi
			sleep 0.2
		done
		if kill -0 "$SERVER_PID" 2>/dev/null; then	# alive but never healthy
			kill -TERM "$SERVER_PID" 2>/dev/null || true
			wait "$SERVER_PID" 2>/dev/null || true
			SERVER_PID=
			return 1
		fi
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
		grep -qi "in use" "$SERVER_LOG" || return 1	# another reason: give up
	done
	return 1
}

# serve_stop: SIGTERM to the server and wait for it; its exit status in SERVER_STATUS
# (124 when it had not stopped after 60 s; it is then killed).
serve_stop() {
	SERVER_STATUS=
	if [ -z "$SERVER_PID" ]; then
		SERVER_STATUS=255
		return
	fi
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	for _ in $(seq 1 600); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_STATUS=124
	else
		SERVER_STATUS=0
		wait "$SERVER_PID" || SERVER_STATUS=$?
	fi
	SERVER_PID=
}

serve_kill() {	# on exit: never leave a server behind
	if [ -n "${SERVER_PID:-}" ]; then
		kill -KILL "$SERVER_PID" 2>/dev/null || true
	fi
}

# http_as TOKEN METHOD PATH [CURL-ARGS...]: one request to the server (TOKEN "" = none)
# with the body in $OUT, the headers in $HDR and the status code in $HTTP ("000" when
# the connection failed).
http_as() {
	htok=$1
	hm=$2
	hp=$3
	shift 3
	if [ -n "$htok" ]; then
		set -- -H "Authorization: Bearer $htok" "$@"
	fi
	: >"$OUT"
	: >"$HDR"
	HTTP=$(curl -sS -o "$OUT" -D "$HDR" -w '%{http_code}' --max-time 60 -X "$hm" \
	    "$@" "$BASE$hp" 2>"$ERR") || true
	[ -n "$HTTP" ] || HTTP=000
}

# expect_http CODES DESCRIPTION TOKEN METHOD PATH [CURL-ARGS...]: request and check the
# status; CODES is one code or several separated by | ("403|404").
expect_http() {
	hwant=$1
	hwhat=$2
	shift 2
	CHECKS=$((CHECKS + 1))
	http_as "$@"
	case "|$hwant|" in
	*"|$HTTP|"*)
		return 0 ;;
	esac
	fail "$hwhat: HTTP $HTTP, expected $hwant ($2 $3)"
	head -c 300 "$OUT" | sed 's/^/    body: /' >&2
	echo >&2
	return 1
}

# header_is NAME VALUE: the last response has header NAME with exactly VALUE
header_is() {
	CHECKS=$((CHECKS + 1))
	hv=$(header_val "$1")
	if [ "$hv" != "$2" ]; then
		fail "header $1 should be '$2', is '$hv'"
		return 1
	fi
}

# header_val NAME: the value of a header of the last response (empty when absent)
header_val() {
	tr -d '\r' <"$HDR" | awk -v n="$1" 'BEGIN { n = tolower(n) }
	    { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) {
	      v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v; exit } }'
}

# jout FILTER: jq on the last body; "<not json>" when it is not JSON
jout() {
	jq -r "$1" "$OUT" 2>/dev/null || echo "<not json>"
}

# ---- several servers on one database (test_scaleout.sh) --------------------------------

SERVE_NAMES=

# serve_named NAME DATA_DIR [ARGS...]: serve_start with its log in $T/server.NAME.log,
# then keep that server as NAME (PID_NAME, PORT_NAME, BASE_NAME) and make no server
# current. Every named server is killed on exit. Returns 1 when it would not start.
serve_named() {
	sname=$1
	shift
	SERVER_LOG=$T/server.$sname.log
	if ! serve_start "$@"; then
		SERVER_LOG=$T/server.log
		return 1
	fi
	printf -v "PID_$sname" '%s' "$SERVER_PID"
	printf -v "PORT_$sname" '%s' "$PORT"
	printf -v "BASE_$sname" '%s' "$BASE"
	SERVE_NAMES="$SERVE_NAMES $sname"
	SERVER_PID=
	SERVER_LOG=$T/server.log
	trap 'serve_kill_named; serve_kill; rm -rf "$T"' EXIT
	return 0
}

# serve_use NAME: the named server answers http_as and expect_http from now on.
serve_use() {
	sb=BASE_$1
	BASE=${!sb}
}

# serve_stop_named NAME: serve_stop for a named server (SERVER_STATUS as there).
serve_stop_named() {
	sp=PID_$1
	SERVER_PID=${!sp}
	serve_stop
	printf -v "PID_$1" '%s' ""
}

serve_kill_named() {	# on exit: never leave a named server behind
	for sname in $SERVE_NAMES; do
		sp=PID_$sname
		if [ -n "${!sp:-}" ]; then
			kill -KILL "${!sp}" 2>/dev/null || true
		fi
	done
}
