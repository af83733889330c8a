# lib.sh — helpers for end-to-end tests of the routecare binary.
# Each check prints what failed and counts it; `finish` exits non-zero if any did.

set -u
RC=${ROUTECARE_BIN:?ROUTECARE_BIN must name the binary}
T=$(mktemp -d /tmp/rc-e2e-XXXXXX)
trap 'rm -rf "$T"' EXIT
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
	set -e
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
	set -e
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
