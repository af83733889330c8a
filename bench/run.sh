#!/usr/bin/env bash
# bench/run.sh — the RouteCare benchmark (issue 5), run by `make bench`, never by
# `make test`. For each backend (SQLite, then PostgreSQL on a throwaway server from
# scripts/pg-test-server) in a fresh temporary data directory:
#
#   1. load BENCH_CASES generated fictional cases with `routecare gen` (cases/s);
#   2. `routecare serve`: GET /api/v1/cases/{id} with wrk (req/s, p50, p99, server CPU
#      per request), in BENCH_GET_ROUNDS turns with the minimal libmicrohttpd server
#      (bench/minimal.c) returning the same bytes under the same load: the floor
#      routecare is compared to, the round of median ratio reported; then name search
#      (p50, p95 over BENCH_NAMES names of the loaded cases), then durable POST
#      /api/v1/cases with wrk (201s per second), then the server's peak RSS; database
#      size after the load and after the runs.
#
# Prints one table (metric x backend, with the goals of issue 5) and writes it with the
# machine, versions and notes to bench/results/latest.md. bench/README.md explains
# every figure.
#
# Environment (all optional): BENCH_CASES (100000), BENCH_SEED (1), BENCH_BACKENDS
# ("sqlite postgresql"; either alone), BENCH_SECONDS (10: each measured wrk run),
# BENCH_WARMUP (3: seconds of wrk before the GET runs), BENCH_GET_ROUNDS (5: GET runs,
# each followed by one of the minimal server), BENCH_NAMES (200),
# BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (2), BENCH_THREADS (server threads, nproc),
# ROUTECARE_BIN (build/routecare), BENCH_DATA (SQLite only: measure an existing data
# directory made by `routecare gen` instead of loading one; the POST run adds to it).
set -euo pipefail
cd "$(dirname "$0")/.."
unset ROUTECARE_DB ROUTECARE_DATA	# the data directory and database are ours alone

RC=${ROUTECARE_BIN:-build/routecare}
NPROC=$(nproc)
CASES=${BENCH_CASES:-100000}
SEED=${BENCH_SEED:-1}
SECS=${BENCH_SECONDS:-10}
WARM=${BENCH_WARMUP:-3}
GET_ROUNDS=${BENCH_GET_ROUNDS:-5}
NAMES=${BENCH_NAMES:-200}
CONNS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
THREADS=${BENCH_THREADS:-$NPROC}
PASSWORD=routecare-demo		# every demo user's (routecare gen makes them)
READER=horizon.cw1		# GET and POST: a caseworker, on their own cases
SEARCHER=horizon.supervisor	# name search: sees the whole agency
MINIMAL=build/bench/minimal
RESULTS=bench/results/latest.md

BACKENDS=
for b in ${BENCH_BACKENDS:-sqlite postgresql}; do
	case ${b,,} in
	sqlite) BACKENDS="$BACKENDS sqlite" ;;
	postgresql | postgres | pg) BACKENDS="$BACKENDS postgresql" ;;
	*) echo "bench: BENCH_BACKENDS: unknown backend '$b' (sqlite, postgresql)" >&2; exit 2 ;;
	esac
done
for v in CASES SEED SECS WARM GET_ROUNDS NAMES CONNS WRK_THREADS THREADS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "bench: $v must be a whole number" >&2; exit 2; }
done
[ "$CASES" -ge 1 ] && [ "$SECS" -ge 1 ] && [ "$NAMES" -ge 1 ] && [ "$GET_ROUNDS" -ge 1 ] ||
    { echo "bench: BENCH_CASES, BENCH_SECONDS, BENCH_NAMES and BENCH_GET_ROUNDS must be at least 1" >&2; exit 2; }
DATA_DIR=${BENCH_DATA:-}
if [ -n "$DATA_DIR" ]; then
	[ "$BACKENDS" = " sqlite" ] ||
	    { echo "bench: BENCH_DATA needs BENCH_BACKENDS=sqlite" >&2; exit 2; }
	[ -f "$DATA_DIR/routecare.db" ] && [ -f "$DATA_DIR/master.key" ] ||
	    { echo "bench: BENCH_DATA: $DATA_DIR is not a data directory made by routecare gen" >&2; exit 2; }
	CASES=$(sqlite3 "$DATA_DIR/routecare.db" "SELECT count(*) FROM records WHERE type = 'case'")
fi

for tool in wrk curl jq sqlite3 psql pkg-config; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x "$RC" ] || { echo "bench: $RC not built (run make)" >&2; exit 1; }

W=$(mktemp -d /tmp/rc-bench-XXXXXX)
SPID=
MPID=
PGDIR=
cleanup() {
	if [ -n "$SPID" ]; then kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
	if [ -n "$MPID" ]; then kill -TERM "$MPID" 2>/dev/null || true; wait "$MPID" 2>/dev/null || true; fi
	if [ -n "$PGDIR" ]; then scripts/pg-test-server stop "$PGDIR" || true; fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A R	# R[backend.key]: the figures
put() { R["$1.$2"]=$3; }
val() { echo "${R[$1.$2]:-n/a}"; }

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

now() { date +%s.%N; }

cpu_ticks() {	# cpu_ticks PID: user + system CPU time of a process, in clock ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# warm_get OUT URL: BENCH_WARMUP seconds of GET $CASE_PATH, wrk output in OUT.warm
warm_get() {
	if [ "$WARM" -gt 0 ]; then
		BENCH_PATH=$CASE_PATH wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WARM}s" -s bench/get.lua "$2" >"$1.warm"
	else
		: >"$1.warm"
	fi
}

# run_get OUT URL PID: one measured run of GET $CASE_PATH; wrk output in OUT.wrk, the
# server's CPU ticks during the run in OUT.cpu
run_get() {
	local t0
	t0=$(cpu_ticks "$3")
	BENCH_PATH=$CASE_PATH wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/get.lua "$2" >"$1.wrk"
	echo $(( $(cpu_ticks "$3") - t0 )) >"$1.cpu"
}

rounds_errors() {	# rounds_errors OUT: errors of OUT.1.wrk .. OUT.GET_ROUNDS.wrk, summed
	local i n=0
	for i in $(seq 1 "$GET_ROUNDS"); do
		n=$((n + $(wrk_field "$1.$i.wrk" errors)))
	done
	echo "$n"
}

cpu_per_request() {	# cpu_per_request OUT: server CPU microseconds per request
	awk -v t="$(cat "$1.cpu")" -v hz="$(getconf CLK_TCK)" -v n="$(wrk_field "$1.wrk" requests)" \
	    'BEGIN { if (n > 0) printf "%.0f\n", t / hz / n * 1e6; else print "n/a" }'
}

bytes_per_response() {	# bytes_per_response OUT: bytes read by wrk / requests
	awk '/requests in/ {	# "116754 requests in 10.00s, 178.05MB read"
		v = $(NF - 1); u = v; sub(/^[0-9.]+/, "", u); v += 0
		m = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : 1
		printf "%.0f\n", v * m / $1 }' "$1.wrk"
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

# percentile FILE P: the P-th percentile (nearest rank) of the numbers in FILE, one a line
percentile() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a"; exit }
		r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1
		printf "%.2f\n", v[r] }'
}

login() {	# login USER: prints a session token
	local t
	t=$(curl -sf -H 'Content-Type: application/json' \
	    --data-binary "$(jq -nc --arg u "$1" --arg p "$PASSWORD" '{username: $u, password: $p}')" \
	    "$BASE/api/v1/session" | jq -r .data.token)
	[ -n "$t" ] && [ "$t" != null ] || { echo "bench: login as $1 failed" >&2; exit 1; }
	echo "$t"
}

api() {	# api TOKEN PATH: GET an API path, the body on stdout; fails unless 200
	curl -sf -H "Authorization: Bearer $1" "$BASE$2"
}

mib() { awk -v b="$1" 'BEGIN { printf "%.1f\n", b / 1048576 }'; }

db_bytes() {	# db_bytes BACKEND DIR URL: the database's size in bytes
	if [ "$1" = sqlite ]; then
		local f s=0
		for f in "$2/routecare.db" "$2/routecare.db-wal"; do
			[ -f "$f" ] && s=$((s + $(stat -c %s "$f")))
		done
		echo "$s"
	else
		psql -AtX "$3" -c 'SELECT pg_database_size(current_database())'
	fi
}

sql() {	# sql BACKEND DIR URL QUERY: one value from the database
	if [ "$1" = sqlite ]; then
		sqlite3 "$2/routecare.db" "$4"
	else
		psql -AtX "$3" -c "$4"
	fi
}

# bench_backend B: every measurement on backend B (sqlite | postgresql)
bench_backend() {
	local b=$1 d=$W/$1 data=$W/$1/data url="" t0 t1 code total_before total_after
	local -a db=()
	mkdir -p "$d"
	put "$b" load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
	if [ "$b" = postgresql ]; then
		PGDIR=$(mktemp -u -d /tmp/rc-bench-pg-XXXXXX)
		echo "bench[$b]: starting PostgreSQL (scripts/pg-test-server) in $PGDIR"
		url=$(scripts/pg-test-server start "$PGDIR")
		db=(--db "$url")
		put "$b" version "$(psql -AtX "$url" -c 'SHOW server_version')"
	else
		put "$b" version "$(pkg-config --modversion sqlite3)"
	fi

	# 1. load (or an existing data directory)
	if [ -n "$DATA_DIR" ]; then
		data=$DATA_DIR
		echo "bench[$b]: the existing data directory $data ($CASES cases)"
		put "$b" load_cps n/a
		put "$b" load_secs n/a
		put "$b" load_wall n/a
		put "$b" size_load "$(db_bytes "$b" "$data" "$url")"
	else
		echo "bench[$b]: routecare gen --cases $CASES --seed $SEED"
		t0=$(now)
		if ! "$RC" gen --data "$data" "${db[@]}" --cases "$CASES" --seed "$SEED" >"$d/gen.json" 2>"$d/gen.err"; then
			echo "bench[$b]: routecare gen failed:" >&2
			tail -5 "$d/gen.err" >&2
			exit 1
		fi
		t1=$(now)
		put "$b" load_cps "$(jq -r '.data.cases_per_second | floor' "$d/gen.json")"
		put "$b" load_secs "$(jq -r '.data.seconds | . * 10 | round / 10' "$d/gen.json")"
		put "$b" load_wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }')"
		put "$b" size_load "$(db_bytes "$b" "$data" "$url")"
	fi

	# 2. the server
	local port
	port=$(free_port)
	BASE=http://127.0.0.1:$port
	echo "bench[$b]: routecare serve, $THREADS threads"
	"$RC" serve --data "$data" "${db[@]}" --listen "127.0.0.1:$port" --threads "$THREADS" 2>"$d/serve.log" &
	SPID=$!
	wait_up "$BASE/healthz" "$SPID" "$d/serve.log"
	local rtok stok
	rtok=$(login "$READER")
	stok=$(login "$SEARCHER")

	# 2a. GET one case the reader may see
	local case_id
	case_id=$(api "$rtok" "/api/v1/cases?per=1" | jq -r '.data[0].id')
	[ -n "$case_id" ] && [ "$case_id" != null ] || { echo "bench: $READER sees no case" >&2; exit 1; }
	CASE_PATH=/api/v1/cases/$case_id
	code=$(curl -s -o "$d/case.json" -D "$d/case.headers" -w '%{http_code}' \
	    -H "Authorization: Bearer $rtok" "$BASE$CASE_PATH")
	[ "$code" = 200 ] || { echo "bench: GET $CASE_PATH answered $code" >&2; exit 1; }
	put "$b" body_bytes "$(wc -c <"$d/case.json")"
	# the floor: the same bytes from the minimal server, the same wrk load. The two are
	# measured in turns, routecare then minimal, GET_ROUNDS times: this VM's speed
	# drifts by about 15% from minute to minute, and two lone runs put the ratio of
	# one binary anywhere from 0.24 to 0.37. The round of median ratio is reported;
	# errors count over all rounds.
	echo "bench[$b]: minimal libmicrohttpd server, $THREADS threads, the same $(val "$b" body_bytes)-byte body"
	port=$(free_port)
	"$MINIMAL" "$port" "$THREADS" "$d/case.json" "$d/case.headers" 2>"$d/minimal.log" &
	MPID=$!
	wait_up "http://127.0.0.1:$port/" "$MPID" "$d/minimal.log"
	local min_url=http://127.0.0.1:$port$CASE_PATH i
	echo "bench[$b]: $GET_ROUNDS rounds of wrk -t$WRK_THREADS -c$CONNS -d${SECS}s GET /api/v1/cases/{id}, routecare then minimal"
	BENCH_TOKEN=$rtok warm_get "$d/get" "$BASE$CASE_PATH"
	BENCH_TOKEN=$rtok warm_get "$d/min" "$min_url"
	: >"$d/rounds"
	for i in $(seq 1 "$GET_ROUNDS"); do
		BENCH_TOKEN=$rtok run_get "$d/get.$i" "$BASE$CASE_PATH" "$SPID"
		BENCH_TOKEN=$rtok run_get "$d/min.$i" "$min_url" "$MPID"
		echo "$i $(wrk_field "$d/get.$i.wrk" rps) $(wrk_field "$d/min.$i.wrk" rps)" >>"$d/rounds"
	done
	stop "$MPID"
	MPID=
	# "round ratio" sorted by ratio; the middle one (the lower middle of an even count)
	awk '{ printf "%d %.4f\n", $1, ($3 > 0 ? $2 / $3 : 0) }' "$d/rounds" | sort -k2,2n >"$d/rounds.sorted"
	i=$(awk -v n="$GET_ROUNDS" 'NR == int((n + 1) / 2) { print $1 }' "$d/rounds.sorted")
	for f in wrk cpu; do
		cp "$d/get.$i.$f" "$d/get.$f"
		cp "$d/min.$i.$f" "$d/min.$f"
	done
	put "$b" get_rounds "$(awk '{ printf "%s%.0f / %.0f = %.2f", (NR > 1 ? "; " : ""), $2, $3,
	    ($3 > 0 ? $2 / $3 : 0) }' "$d/rounds")"

	# 2b. name search: names of loaded cases, from pages spread over the agency's list
	echo "bench[$b]: name search, $NAMES names as $SEARCHER"
	local per=100 pages k page
	total_before=$(api "$stok" "/api/v1/cases?per=1" | jq -r .metadata.total)
	pages=$(( (total_before + per - 1) / per ))
	: >"$d/names.all"
	for k in 0 1 2 3 4 5 6 7; do
		page=$(( 1 + k * pages / 8 ))
		api "$stok" "/api/v1/cases?per=$per&page=$page" | jq -r '.data[].name // empty' >>"$d/names.all"
	done
	awk 'NF && !seen[$0]++' "$d/names.all" >"$d/names"
	# the first 20 (or fewer) warm the server up; the next NAMES are measured
	local nwarm=20 nall
	nall=$(wc -l <"$d/names")
	[ "$nall" -gt "$nwarm" ] || nwarm=0
	head -n "$nwarm" "$d/names" >"$d/names.warm"
	tail -n +"$((nwarm + 1))" "$d/names" | head -n "$NAMES" >"$d/names.measured"
	put "$b" search_n "$(wc -l <"$d/names.measured")"
	mkdir -p "$d/search"
	search_config "$d/names.warm" "$d/search/w" >"$d/search.warm.cfg"
	search_config "$d/names.measured" "$d/search/m" >"$d/search.cfg"
	[ "$nwarm" -eq 0 ] || curl -s -K "$d/search.warm.cfg" -H "Authorization: Bearer $stok" -w '%{http_code}\n' >/dev/null
	curl -s -K "$d/search.cfg" -H "Authorization: Bearer $stok" \
	    -w '%{http_code} %{time_total}\n' >"$d/search.times"
	awk '{ printf "%.3f\n", $2 * 1000 }' "$d/search.times" >"$d/search.ms"
	put "$b" search_p50 "$(percentile "$d/search.ms" 50)"
	put "$b" search_p95 "$(percentile "$d/search.ms" 95)"
	put "$b" search_max "$(percentile "$d/search.ms" 100)"
	put "$b" search_non200 "$(awk '$1 != 200' "$d/search.times" | wc -l)"
	put "$b" search_found "$(cat "$d"/search/m.* 2>/dev/null | jq -s '[.[] | select(.metadata.total >= 1)] | length')"
	put "$b" search_hits "$(cat "$d"/search/m.* 2>/dev/null | jq -s 'if length > 0 then ([.[].metadata.total] | add / length * 10 | round / 10) else 0 end')"

	# 2c. durable creates: bodies of the reader's own generated cases, names varied
	echo "bench[$b]: wrk -t$WRK_THREADS -c$CONNS -d${SECS}s POST /api/v1/cases as $READER"
	api "$rtok" "/api/v1/cases?per=100" | jq -r '.data[].id' >"$d/own.ids"
	: >"$d/own.json"
	while read -r id; do
		api "$rtok" "/api/v1/cases/$id" | jq -c .data >>"$d/own.json"
	done <"$d/own.ids"
	# the view's metadata and deadlines, and the fields only the server sets
	# ("system": true in config/forms/case.json), are not a client's to send
	jq -c '{data: (del(.id, .short_id, .type, .rev, .status, .workflow, .age_band,
	    .created_at, .updated_at, .assessment_due, .overdue, .deadlines, .owned_by,
	    .name, .name_middle, .name_original_script, .risk_level_suggested,
	    .risk_level_suggested_reasons, .case_status_reopened, .reopened_logs,
	    .approval_subforms, .consent_overrides, .transfers,
	    .matched_tracing_request_id, .matched_trace_id, .duplicate_of) |
	    with_entries(select(.key | startswith("approval_status_") | not)) |
	    .name_first = "@FIRST@" | .name_last = "@LAST@")}' \
	    "$d/own.json" >"$d/post.templates"
	jq -r 'select(.name_first and .sex) | "\(.sex) \(.name_first | tojson | .[1:-1])"' \
	    "$d/own.json" | sort -u >"$d/post.first"
	jq -r 'select(.name_last) | .name_last | tojson | .[1:-1]' "$d/own.json" | sort -u >"$d/post.last"
	total_before=$(api "$stok" "/api/v1/cases?per=1" | jq -r .metadata.total)
	BENCH_TOKEN=$rtok BENCH_TEMPLATES=$d/post.templates BENCH_FIRST=$d/post.first \
	    BENCH_LAST=$d/post.last wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" --latency \
	    -s bench/post.lua "$BASE/api/v1/cases" >"$d/post.wrk"
	total_after=$(api "$stok" "/api/v1/cases?per=1" | jq -r .metadata.total)
	local created other dur_us
	read -r created other dur_us < <(awk -F'[ =]' '/^bench-post / { print $3, $5, $7 }' "$d/post.wrk") || true
	[ -n "$created" ] || { echo "bench: post.lua printed no counts" >&2; cat "$d/post.wrk" >&2; exit 1; }
	put "$b" post_created "$created"
	put "$b" post_rps "$(awk -v c="$created" -v d="$dur_us" 'BEGIN { printf "%.0f\n", (d > 0 ? c / (d / 1e6) : 0) }')"
	put "$b" post_other "$other"
	put "$b" post_sockerr "$(awk '/Socket errors:/ { gsub(",", ""); n = $4 + $6 + $8 + $10 }
	    END { print n + 0 }' "$d/post.wrk")"
	put "$b" post_p50 "$(wrk_field "$d/post.wrk" p50)"
	put "$b" post_p99 "$(wrk_field "$d/post.wrk" p99)"
	put "$b" post_added "$((total_after - total_before))"

	# 2d. peak memory of the server over all of the above
	put "$b" rss_kb "$(awk '/^VmHWM:/ { print $2 }' "/proc/$SPID/status")"
	stop "$SPID"
	SPID=
	put "$b" size_end "$(db_bytes "$b" "$data" "$url")"
	put "$b" audit_reads "$(sql "$b" "$data" "$url" \
	    "SELECT count(*) FROM audit WHERE action = 'case.read' AND record_id = '$case_id'")"
	# wrk's requests, the one that captured the body, and the case's GET for the templates
	local gets
	gets=$(wrk_field "$d/get.warm" requests)
	for i in $(seq 1 "$GET_ROUNDS"); do
		gets=$((gets + $(wrk_field "$d/get.$i.wrk" requests)))
	done
	put "$b" get_requests "$((gets + 1 + $(grep -cx "$case_id" "$d/own.ids" || true)))"
	if "$RC" audit verify --data "$data" "${db[@]}" >"$d/verify.out" 2>"$d/verify.err"; then
		put "$b" verify "ok ($(grep -o '[0-9]* rows' "$d/verify.out" || echo '? rows'))"
	else
		put "$b" verify "FAILED: $(head -1 "$d/verify.err")"
	fi
	put "$b" get_rps "$(wrk_field "$d/get.wrk" rps)"
	put "$b" get_p50 "$(wrk_field "$d/get.wrk" p50)"
	put "$b" get_p99 "$(wrk_field "$d/get.wrk" p99)"
	put "$b" get_cpu "$(cpu_per_request "$d/get")"
	put "$b" get_bytes "$(bytes_per_response "$d/get")"
	put "$b" get_err "$(rounds_errors "$d/get")"

	# 3. the floor, measured in turns with the GET above
	put "$b" min_rps "$(wrk_field "$d/min.wrk" rps)"
	put "$b" min_p50 "$(wrk_field "$d/min.wrk" p50)"
	put "$b" min_p99 "$(wrk_field "$d/min.wrk" p99)"
	put "$b" min_cpu "$(cpu_per_request "$d/min")"
	put "$b" min_bytes "$(bytes_per_response "$d/min")"
	put "$b" min_err "$(rounds_errors "$d/min")"
	put "$b" get_ratio "$(awk -v a="$(val "$b" get_rps)" -v m="$(val "$b" min_rps)" \
	    'BEGIN { if (m > 0) printf "%.2f\n", a / m; else print "n/a" }')"
	put "$b" cpu_ratio "$(awk -v a="$(val "$b" get_cpu)" -v m="$(val "$b" min_cpu)" \
	    'BEGIN { if (m > 0) printf "%.1f\n", a / m; else print "n/a" }')"

	put "$b" load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
	if [ -n "$PGDIR" ]; then
		scripts/pg-test-server stop "$PGDIR"
		PGDIR=
	fi
	# a data directory of its own goes; one given in BENCH_DATA stays
	[ -n "$DATA_DIR" ] || rm -rf "$data"
}

# search_config NAMES PREFIX: a curl config that asks for each name in turn, keeping the
# connection, each answer in PREFIX.N
search_config() {
	local n=0 q
	while IFS= read -r name; do
		n=$((n + 1))
		q=$(jq -rn --arg s "$name" '$s | @uri')
		printf 'url = "%s/api/v1/cases?query=%s"\noutput = "%s.%d"\n' "$BASE" "$q" "$2" "$n"
	done <"$1"
}

echo "bench: building $MINIMAL"
mkdir -p "$(dirname "$MINIMAL")" bench/results
# shellcheck disable=SC2046
${CC:-cc} -std=c17 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -o "$MINIMAL" \
    bench/minimal.c $(pkg-config --cflags --libs libmicrohttpd)

for b in $BACKENDS; do
	bench_backend "$b"
done

# ---- the report ------------------------------------------------------------------

# goal VALUE OP LIMIT: "met" or "missed (...)" for VALUE OP LIMIT, OP one of >= <
goal() {
	awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN {
		if (v == "n/a" || v == "") { print "n/a"; exit }
		if (op == ">=") {
			if (v + 0 >= g + 0) print "met"
			else printf "missed: %.0f%% of goal\n", v / g * 100
		} else {
			if (v + 0 < g + 0) print "met"
			else printf "missed: %.1fx the limit\n", v / g
		}
	}'
}

cell() {	# cell BACKEND KEY [OP LIMIT]: a table cell, with met/missed when given a goal
	local v
	v=$(val "$1" "$2")
	if [ $# -eq 4 ] && [ "$v" != n/a ]; then
		echo "$v ($(goal "$v" "$3" "$4"))"
	else
		echo "$v"
	fi
}

for b in sqlite postgresql; do
	[ -n "${R[$b.load_cps]:-}" ] || continue
	put "$b" rss_mib "$(mib "$(( $(val "$b" rss_kb) * 1024 ))")"
	put "$b" size_load_mib "$(mib "$(val "$b" size_load)")"
	put "$b" size_end_mib "$(mib "$(val "$b" size_end)")"
	put "$b" post_bad "$(( $(val "$b" post_other) + $(val "$b" post_sockerr) ))"
	put "$b" get_errs "$(val "$b" get_err) / $(val "$b" min_err)"
	put "$b" post_check "$(val "$b" post_created) / $(val "$b" post_added)"
	put "$b" search_ok "$(val "$b" search_found) of $(val "$b" search_n)"
done

row() {	# row TITLE GOAL KEY [OP LIMIT [sqlite]]: one line of the table
	local title=$1 g=$2 key=$3 op=${4:-} lim=${5:-} only=${6:-} b s p
	for b in sqlite postgresql; do
		if [ -z "${R[$b.load_cps]:-}" ]; then
			s="not run"
		elif [ -n "$op" ] && { [ -z "$only" ] || [ "$only" = "$b" ]; }; then
			s=$(cell "$b" "$key" "$op" "$lim")
		else
			s=$(cell "$b" "$key")
		fi
		if [ "$b" = sqlite ]; then p=$s; fi
	done
	printf '| %-40s | %-32s | %-32s | %-22s |\n' "$title" "$p" "$s" "$g"
}

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal:/ { printf "%.1f GiB\n", $2 / 1048576 }' /proc/meminfo)
VERSION=$("$RC" --version 2>/dev/null || echo unknown)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- src 2>/dev/null)" ] || COMMIT="$COMMIT (with uncommitted changes in src/)"
{
	echo "# RouteCare benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: ${CPU:-unknown CPU}, $NPROC CPUs, $MEM RAM, $(uname -sr)"
	echo "- routecare: $VERSION, commit $COMMIT; libmicrohttpd $(pkg-config --modversion libmicrohttpd);" \
	    "SQLite $(val sqlite version) (WAL, synchronous=FULL);" \
	    "$(if [ -n "${R[postgresql.version]:-}" ]; then
		echo "PostgreSQL $(val postgresql version) (scripts/pg-test-server: default settings," \
		    "fsync and synchronous_commit on)"
	    else
		echo "PostgreSQL not run"
	    fi)"
	echo "- tools: $(wrk --version 2>&1 | head -1 | awk '{ print $1, $2 }'); $(curl --version | head -1 | awk '{ print $1, $2 }')"
	if [ -n "$DATA_DIR" ]; then
		echo "- data: $CASES cases in the existing data directory $DATA_DIR (made by \`routecare gen\`; not loaded in this run)"
	else
		echo "- data: $CASES cases from \`routecare gen --seed $SEED\` (fictional), a fresh data directory per backend"
	fi
	echo "- load: wrk -t$WRK_THREADS -c$CONNS -d${SECS}s --latency on the same machine as the server" \
	    "(GET after a ${WARM} s warm-up, in $GET_ROUNDS rounds each followed by the minimal" \
	    "server's, the round of median ratio shown); server threads $THREADS"
	echo
	printf '| %-40s | %-32s | %-32s | %-22s |\n' metric SQLite PostgreSQL "goal (issue 5)"
	printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' $(seq 42))" "$(printf -- '-%.0s' $(seq 34))" \
	    "$(printf -- '-%.0s' $(seq 34))" "$(printf -- '-%.0s' $(seq 24))"
	row "load: cases/s (routecare gen)" ">= 5000" load_cps ">=" 5000
	row "load: seconds" "" load_secs
	row "GET /api/v1/cases/{id}: req/s" "" get_rps
	row "GET: p50 ms" "" get_p50
	row "GET: p99 ms" "" get_p99
	row "minimal server, same bytes: req/s" "" min_rps
	row "minimal server: p50 ms" "" min_p50
	row "minimal server: p99 ms" "" min_p99
	row "GET req/s routecare / minimal" ">= 0.40" get_ratio ">=" 0.40
	row "GET server CPU us/req: routecare" "" get_cpu
	row "GET server CPU us/req: minimal" "" min_cpu
	row "GET errors: routecare / minimal" "0 / 0" get_errs
	row "POST /api/v1/cases: creates/s (201s)" ">= 2000 on SQLite" post_rps ">=" 2000 sqlite
	row "POST: p50 ms" "" post_p50
	row "POST: p99 ms" "" post_p99
	row "POST: answers other than 201" "0" post_bad
	row "POST: 201s / cases added" "equal, or added <= +$CONNS" post_check
	row "name search: p50 ms" "" search_p50
	row "name search: p95 ms" "< 50" search_p95 "<" 50
	row "name search: names found" "all" search_ok
	row "name search: mean results per name" "" search_hits
	row "server peak RSS (VmHWM), MiB" "< 150" rss_mib "<" 150
	row "database size after load, MiB" "" size_load_mib
	row "database size after the runs, MiB" "" size_end_mib
	echo
	echo "The goals are stated for 1,000,000 cases on a 2-core machine; this run has $CASES." \
	    "bench/README.md explains each row."
	for b in sqlite postgresql; do
		[ -n "${R[$b.load_cps]:-}" ] || continue
		echo
		echo "$b: load took $(val "$b" load_wall) s of wall time in all (data directory, demo users and" \
		    "$CASES cases); GET body $(val "$b" body_bytes) bytes, wrk read $(val "$b" get_bytes) /" \
		    "$(val "$b" min_bytes) bytes per response (routecare / minimal); routecare / minimal" \
		    "server CPU per request $(val "$b" cpu_ratio)x; GET rounds, routecare / minimal" \
		    "req/s: $(val "$b" get_rounds); read audit on: $(val "$b" audit_reads)" \
		    "case.read rows for the case read, $(val "$b" get_requests) GET requests counted by wrk" \
		    "(wrk does not count the ≤ $CONNS in flight when each run stops); audit verify after" \
		    "the run: $(val "$b" verify); name search: slowest $(val "$b" search_max) ms," \
		    "$(val "$b" search_non200) answers other than 200; load average (1, 5, 15 min) of the" \
		    "machine at the start $(val "$b" load_start), at the end $(val "$b" load_end)."
		if [ "$(val "$b" get_err)" != 0 ] || [ "$(val "$b" min_err)" != 0 ] ||
		    [ "$(val "$b" post_bad)" != 0 ] || [ "$(val "$b" search_non200)" != 0 ]; then
			echo
			echo "**Warning** ($b): errors during the runs (see the rows above); those figures are not valid."
		fi
		if [ "$(val "$b" post_added)" -lt "$(val "$b" post_created)" ]; then
			echo
			echo "**Warning** ($b): fewer cases were added than 201s were answered: an acknowledged create is missing."
		fi
	done
} >"$RESULTS"
echo
cat "$RESULTS"
echo
echo "bench: written to $RESULTS"
