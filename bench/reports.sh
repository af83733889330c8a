#!/usr/bin/env bash
# bench/reports.sh — how long every report takes on a large generated dataset.
#
#   bench/reports.sh [BIN] [--data DIR] [--cases N] [--vots N] [--runs N] [--write]
#
# Generates N fictional cases and VoT records (default 100000 and 20000, seed 7) into
# DIR (default a temporary directory; an existing DIR is reused as it is), serves it,
# and times with curl every report through the API (GET /api/v1/reports/NAME?...) and
# as a page (GET /reports/NAME?...), as the M&E officer (every agency) and a supervisor
# (one agency). Each request runs RUNS times (default 3): the table shows the first
# (caches cold for that query) and the slowest of the others. The goal is under 1 s
# for each. Exports are timed too, for information (no goal). --write puts the table in
# bench/results/reports.md. Never part of make test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$root/build/routecare
data=
ncases=100000
nvots=20000
runs=3
write=0
while [ $# -gt 0 ]; do
	case $1 in
	--data) data=$2; shift ;;
	--cases) ncases=$2; shift ;;
	--vots) nvots=$2; shift ;;
	--runs) runs=$2; shift ;;
	--write) write=1 ;;
	-*) echo "reports.sh: unknown option $1" >&2; exit 2 ;;
	*) bin=$1 ;;
	esac
	shift
done
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
tmp=$(mktemp -d /tmp/rc-bench-reports-XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$data" ]; then
	data=$tmp/data
fi
if [ ! -f "$data/master.key" ]; then
	echo "reports.sh: generating $ncases cases and $nvots VoT records in $data" >&2
	gen_start=$(date +%s)
	"$bin" gen --data "$data" --cases "$ncases" --vots "$nvots" --seed 7 >"$tmp/gen.json"
	gen_secs=$(( $(date +%s) - gen_start ))
else
	gen_secs="(reused)"
fi

port=$((20000 + ($$ % 20000)))
base=http://127.0.0.1:$port
"$bin" serve --data "$data" --listen "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && break
	sleep 0.2
done

token() {
	curl -s -X POST "$base/api/v1/session" -H 'Content-Type: application/json' \
	    --data-binary "{\"username\":\"$1\",\"password\":\"routecare-demo\"}" |
	    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
mne=$(token mne.officer)
sup=$(token horizon.supervisor)
ct=$(token horizon.ct)
[ -n "$mne" ] && [ -n "$sup" ] || { echo "reports.sh: cannot sign in" >&2; exit 1; }

# The reports and breakdowns timed: "name?query" for the API; pages take by1/by2.
queries="
cases?
cases?by=sex,age_band
cases?by=nationality
cases?by=location,sex&location_level=1
cases?by=location&location_level=2
cases?by=concern
cases?by=concern,sex
cases?by=uasc,risk_level
cases?by=stage,status
cases?by=month,risk_level&from=2026-01-01
cases?by=agency,sex
cases?by=sex,age_band&external=1
cases?by=concern&external=1
vots?
vots?by=sex,age_band
vots?by=nationality,sex
vots?by=location&location_level=1
vots?by=month&external=1
tracing_requests?by=sex
referrals?by=stage
timeliness?
timeliness?external=1
"

# page_query QUERY: the same report as the page's form sends it
page_query() {
	echo "$1" | sed -e 's/by=\([a-z_]*\),\([a-z_]*\)/by1=\1\&by2=\2/' -e 's/by=\([a-z_]*\)/by1=\1/'
}

# time_it TOKEN HEADER-KIND PATH: prints "first worst status bytes"
time_it() {
	local tok=$1 kind=$2 path=$3 first= worst=0 t code size i
	for i in $(seq 1 "$runs"); do
		if [ "$kind" = page ]; then
			set -- -H "Cookie: rc_session=$tok"
		else
			set -- -H "Authorization: Bearer $tok"
		fi
		read -r code t size < <(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' \
		    "$@" "$base$path")
		if [ -z "$first" ]; then
			first=$t
		elif awk -v a="$t" -v b="$worst" 'BEGIN { exit !(a > b) }'; then
			worst=$t
		fi
	done
	echo "$first $worst $code $size"
}

# one request before the clock starts, so that the database file is in the page cache
# as on a server that has been running (a cold cache is a one-off: see the notes)
warm_start=$(date +%s.%N)
curl -s -o /dev/null -H "Authorization: Bearer $mne" "$base/api/v1/reports/cases?by=sex"
warm_secs=$(awk -v a="$warm_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

out=$tmp/table.md
over=0
{
	echo "| request | as | first (s) | slowest after (s) | status | bytes |"
	echo "|---|---|---:|---:|---:|---:|"
} >"$out"
row() {	# row LABEL WHO TOKEN KIND PATH
	read -r first worst code size < <(time_it "$3" "$4" "$5")
	printf '| `%s` | %s | %.3f | %.3f | %s | %s |\n' "$1" "$2" "$first" "$worst" "$code" \
	    "$size" >>"$out"
	if [ "$code" != 200 ] || awk -v a="$first" -v b="$worst" 'BEGIN { exit !(a >= 1 || b >= 1) }'; then
		over=$((over + 1))
	fi
}
row "GET /api/v1/reports" "M&E" "$mne" api /api/v1/reports
row "GET /reports" "M&E" "$mne" page /reports
for q in $queries; do
	name=${q%%\?*}
	args=${q#*\?}
	row "GET /api/v1/reports/$q" "M&E" "$mne" api "/api/v1/reports/$name?$args"
	row "GET /api/v1/reports/$q" "supervisor" "$sup" api "/api/v1/reports/$name?$args"
	pq=$(page_query "$args")
	row "GET /reports/$name?$pq" "M&E" "$mne" page "/reports/$name?$pq"
	row "GET /reports/$name?$pq" "supervisor" "$sup" page "/reports/$name?$pq"
done

# exports, for information: no goal
exp=$tmp/exports.md
{
	echo "| export | as | seconds | status | bytes |"
	echo "|---|---|---:|---:|---:|"
} >"$exp"
erow() {
	read -r code t size < <(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' \
	    -H "Authorization: Bearer $3" "$base$4")
	printf '| `%s` | %s | %.3f | %s | %s |\n' "$1" "$2" "$t" "$code" "$size" >>"$exp"
}
erow "GET /api/v1/exports/aggregate?report=cases&by=location,sex&location_level=1" "M&E" "$mne" \
    "/api/v1/exports/aggregate?report=cases&by=location,sex&location_level=1"
erow "GET /api/v1/exports/ctdc (every agency)" "M&E" "$mne" /api/v1/exports/ctdc
erow "GET /api/v1/exports/ctdc (one agency)" "CT officer" "$ct" /api/v1/exports/ctdc

# the CTDC export of the whole dataset, recounted: every combination of its columns
# must describe at least k = 11 records (config/reports.json)
curl -s -o "$tmp/ctdc.csv" -H "Authorization: Bearer $mne" "$base/api/v1/exports/ctdc"
ctdc_recount=$(python3 - "$tmp/ctdc.csv" <<'PY'
import collections, csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
head, data = rows[0], rows[1:]
classes = collections.Counter(tuple(r) for r in data)
smallest = min(classes.values()) if classes else 0
print("%d rows, %d distinct combinations of all %d columns, smallest %d: %s" % (
    len(data), len(classes), len(head), smallest,
    "k = 11 holds" if data and smallest >= 11 else "k = 11 FAILS"))
PY
)
echo "bench: CTDC recount: $ctdc_recount" >&2

cases=$(curl -s "$base/api/v1/reports/cases" -H "Authorization: Bearer $mne" |
    sed -n 's/.*"total":\([0-9]*\).*/\1/p')
vots=$(curl -s "$base/api/v1/reports/vots" -H "Authorization: Bearer $mne" |
    sed -n 's/.*"total":\([0-9]*\).*/\1/p')
report=$tmp/report.md
{
	echo "# Reports benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr)"
	echo "- routecare: $("$bin" --version), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "- data: $cases cases and $vots VoT records (routecare gen --cases $ncases --vots $nvots --seed 7; generated in ${gen_secs} s), SQLite"
	echo "- each request $runs times with curl over loopback; server threads: one per CPU"
	echo "- CTDC export of every VoT record, recounted: $ctdc_recount"
	echo "- one warm-up request first (GET /api/v1/reports/cases?by=sex as M&E: ${warm_secs} s, reading the database into the page cache)"
	echo "- goal: every report under 1 s (API and page); $over requests over the goal or not 200"
	echo
	cat "$out"
	echo
	echo "Exports (no goal):"
	echo
	cat "$exp"
} >"$report"
cat "$report"
if [ "$write" = 1 ]; then
	mkdir -p "$root/bench/results"
	cp "$report" "$root/bench/results/reports.md"
fi
[ "$over" -eq 0 ]
