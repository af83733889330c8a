#!/usr/bin/env bash
# bench/api.sh — requests per second and latency of an authenticated
# GET /api/v1/cases/{id} on `routecare serve`, and of the same wrk load on a minimal
# libmicrohttpd server (bench/minimal.c) that returns a fixed body of the same bytes,
# on the same machine in the same run. Prints a table and writes bench/results/latest.md.
#
# Environment (all optional): ROUTECARE_BIN (build/routecare), BENCH_THREADS (server
# threads, default nproc), BENCH_CONNECTIONS (64), BENCH_DURATION (10s),
# BENCH_WRK_THREADS (2), BENCH_CASES (1000), BENCH_USER (horizon.cw1).
set -euo pipefail
cd "$(dirname "$0")/.."

RC=${ROUTECARE_BIN:-build/routecare}
NPROC=$(nproc)
THREADS=${BENCH_THREADS:-$NPROC}
CONNS=${BENCH_CONNECTIONS:-64}
DUR=${BENCH_DURATION:-10s}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CASES=${BENCH_CASES:-1000}
USER_NAME=${BENCH_USER:-horizon.cw1}
PASSWORD=routecare-demo
MINIMAL=build/bench/minimal
RESULTS=bench/results/latest.md

for tool in wrk curl jq sqlite3 pkg-config; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x "$RC" ] || { echo "bench: $RC not built (run make)" >&2; exit 1; }

W=$(mktemp -d /tmp/rc-bench-XXXXXX)
SPID=
MPID=
cleanup() {
	if [ -n "$SPID" ]; then kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
	if [ -n "$MPID" ]; then kill -TERM "$MPID" 2>/dev/null || true; wait "$MPID" 2>/dev/null || true; fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {	# a loopback port nobody listens on
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "bench: no free port" >&2
	exit 1
}

wait_up() {	# wait_up URL PID LOG: until URL answers
	for _ in $(seq 1 300); do
		kill -0 "$2" 2>/dev/null || { echo "bench: server died:" >&2; tail -5 "$3" >&2; exit 1; }
		curl -s -o /dev/null --max-time 2 "$1" && return 0
		sleep 0.1
	done
	echo "bench: $1 did not come up" >&2
	exit 1
}

stop() {	# stop PID: SIGTERM and wait
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

cpu_ticks() {	# cpu_ticks PID: user + system CPU time of a process, in clock ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# run_wrk NAME URL PID: a 3 s warm-up, then the measured run; output in $W/NAME.wrk,
# the server's CPU time during the measured run (ticks) in $W/NAME.cpu
run_wrk() {
	local t0
	BENCH_PATH=$CASE_PATH wrk -t"$WRK_THREADS" -c"$CONNS" -d3s -s bench/get.lua "$2" >"$W/$1.warm"
	t0=$(cpu_ticks "$3")
	BENCH_PATH=$CASE_PATH wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DUR" --latency -s bench/get.lua "$2" >"$W/$1.wrk"
	echo $(( $(cpu_ticks "$3") - t0 )) >"$W/$1.cpu"
}

cpu_per_request() {	# cpu_per_request NAME: server CPU microseconds per request
	awk -v t="$(cat "$W/$1.cpu")" -v hz="$(getconf CLK_TCK)" -v n="$(wrk_field "$W/$1.wrk" requests)" \
	    'BEGIN { if (n > 0) printf "%.0f\n", t / hz / n * 1e6; else print "n/a" }'
}

bytes_per_response() {	# bytes_per_response NAME: bytes read by wrk / requests
	awk '/requests in/ {	# "116754 requests in 10.00s, 178.05MB read"
		v = $(NF - 1); u = v; sub(/^[0-9.]+/, "", u); v += 0
		m = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : 1
		printf "%.0f\n", v * m / $1 }' "$W/$1.wrk"
}

# wrk_field FILE WHAT: rps | p50 | p99 (in ms) | requests | errors (non-2xx + socket errors)
wrk_field() {
	awk -v what="$2" '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
		return v
	}
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/requests in/ { req = $1 }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
	END {
		if (what == "rps") printf "%.0f\n", rps
		else if (what == "p50") printf "%.2f\n", p50
		else if (what == "p99") printf "%.2f\n", p99
		else if (what == "requests") print req + 0
		else if (what == "errors") print err + 0
	}' "$1"
}

echo "bench: building $MINIMAL"
mkdir -p "$(dirname "$MINIMAL")" bench/results
# shellcheck disable=SC2046
${CC:-cc} -std=c17 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -o "$MINIMAL" \
    bench/minimal.c $(pkg-config --cflags --libs libmicrohttpd)

echo "bench: loading $CASES demo cases"
"$RC" demo --data "$W/data" --cases "$CASES" --seed 1 >/dev/null

echo "bench: routecare serve, $THREADS threads"
P1=$(free_port)
"$RC" serve --data "$W/data" --listen "127.0.0.1:$P1" --threads "$THREADS" 2>"$W/serve.log" &
SPID=$!
wait_up "http://127.0.0.1:$P1/healthz" "$SPID" "$W/serve.log"

TOKEN=$(curl -sf -H 'Content-Type: application/json' \
    --data-binary "$(jq -nc --arg u "$USER_NAME" --arg p "$PASSWORD" '{username: $u, password: $p}')" \
    "http://127.0.0.1:$P1/api/v1/session" | jq -r .data.token)
[ -n "$TOKEN" ] && [ "$TOKEN" != null ] || { echo "bench: login failed" >&2; exit 1; }
export BENCH_TOKEN=$TOKEN
CASE_ID=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$P1/api/v1/cases?per=1" |
    jq -r '.data[0].id')
[ -n "$CASE_ID" ] && [ "$CASE_ID" != null ] || { echo "bench: $USER_NAME sees no case" >&2; exit 1; }
CASE_PATH=/api/v1/cases/$CASE_ID
code=$(curl -s -o "$W/case.json" -D "$W/case.headers" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$P1$CASE_PATH")
[ "$code" = 200 ] || { echo "bench: GET $CASE_PATH answered $code" >&2; exit 1; }
BODY_BYTES=$(wc -c <"$W/case.json")
AUDIT_BEFORE=$(sqlite3 "$W/data/routecare.db" 'SELECT count(*) FROM audit')

echo "bench: wrk -t$WRK_THREADS -c$CONNS -d$DUR GET /api/v1/cases/{id} (body $BODY_BYTES bytes)"
run_wrk routecare "http://127.0.0.1:$P1$CASE_PATH" "$SPID"
stop "$SPID"
SPID=
AUDIT_AFTER=$(sqlite3 "$W/data/routecare.db" 'SELECT count(*) FROM audit')
AUDIT_READS=$(sqlite3 "$W/data/routecare.db" \
    "SELECT count(*) FROM audit WHERE action = 'case.read' AND record_id = '$CASE_ID'")
if "$RC" audit verify --data "$W/data" >/dev/null 2>"$W/verify.err"; then
	VERIFY=ok
else
	VERIFY="FAILED: $(head -1 "$W/verify.err")"
fi

echo "bench: minimal libmicrohttpd server, $THREADS threads, the same $BODY_BYTES-byte body"
P2=$(free_port)
"$MINIMAL" "$P2" "$THREADS" "$W/case.json" "$W/case.headers" 2>"$W/minimal.log" &
MPID=$!
wait_up "http://127.0.0.1:$P2/" "$MPID" "$W/minimal.log"
run_wrk minimal "http://127.0.0.1:$P2$CASE_PATH" "$MPID"
stop "$MPID"
MPID=

R_RPS=$(wrk_field "$W/routecare.wrk" rps)
M_RPS=$(wrk_field "$W/minimal.wrk" rps)
R_ERR=$(wrk_field "$W/routecare.wrk" errors)
M_ERR=$(wrk_field "$W/minimal.wrk" errors)
R_REQ=$(( $(wrk_field "$W/routecare.warm" requests) + $(wrk_field "$W/routecare.wrk" requests) ))
CPU_RATIO=$(awk -v a="$(cpu_per_request routecare)" -v b="$(cpu_per_request minimal)" \
    'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }')
RATIO=$(awk -v a="$R_RPS" -v b="$M_RPS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
VERSION=$("$RC" --version 2>/dev/null || echo unknown)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- src 2>/dev/null)" ] || COMMIT="$COMMIT (with uncommitted changes)"

row() {	# row TITLE NAME
	printf '| %-34s | %8s | %8s | %8s | %10s | %9s | %6s |\n' "$1" "$(wrk_field "$W/$2.wrk" rps)" \
	    "$(wrk_field "$W/$2.wrk" p50)" "$(wrk_field "$W/$2.wrk" p99)" "$(cpu_per_request "$2")" \
	    "$(bytes_per_response "$2")" "$(wrk_field "$W/$2.wrk" errors)"
}
{
	echo "# API benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $NPROC CPUs, ${CPU:-unknown CPU}, $(uname -sr)"
	echo "- routecare: $VERSION, commit $COMMIT; libmicrohttpd $(pkg-config --modversion libmicrohttpd)"
	echo "- load: wrk -t$WRK_THREADS -c$CONNS -d$DUR --latency (after a 3 s warm-up), on the same machine as the server"
	echo "- request: GET /api/v1/cases/{id} with a bearer token of $USER_NAME (caseworker, own case), $CASES demo cases, server threads $THREADS"
	echo "- response: $BODY_BYTES bytes of JSON; the minimal server returns these same bytes with the same headers"
	echo
	echo "| server                             |    req/s | p50 (ms) | p99 (ms) | CPU us/req | bytes/req | errors |"
	echo "|------------------------------------|---------:|---------:|---------:|-----------:|----------:|-------:|"
	row "routecare GET /api/v1/cases/{id}" routecare
	row "minimal libmicrohttpd, fixed body" minimal
	echo
	echo "routecare / minimal: **$RATIO** in requests per second (goal: at least 0.40);" \
	    "**$CPU_RATIO** in server CPU time per request."
	echo
	echo "CPU us/req: user + system CPU time of the server process during the measured run," \
	    "divided by the requests served. wrk shares the same $NPROC CPUs, so when the load" \
	    "generator or the loopback path is the limit, req/s of the two servers come close" \
	    "and CPU per request shows the cost each one really has."
	echo
	echo "Read audit on: $((AUDIT_AFTER - AUDIT_BEFORE)) audit rows written for $R_REQ requests" \
	    "(warm-up included); $AUDIT_READS case.read rows for this case in total;" \
	    "audit verify after the run: $VERIFY."
	if [ "$R_ERR" != 0 ] || [ "$M_ERR" != 0 ]; then
		echo
		echo "**Warning**: errors during the run (non-2xx responses or socket errors):" \
		    "routecare $R_ERR, minimal $M_ERR. The figures above are not valid."
	fi
} >"$RESULTS"
echo
cat "$RESULTS"
echo
echo "bench: written to $RESULTS"
