#!/bin/sh
# Run every unit test binary under $1 (check suites, CK_FORK mode so one
# crash fails one test), JOBS at once (default: the number of CPUs; they
# are CPU-bound, most on virtual clocks).  Each result is printed whole
# when its test ends; one closing line; fails if any failed.
set -u
dir=${1:?usage: run-unit.sh DIR}
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export CK_FORK="${CK_FORK:-yes}"
# check's timeouts are wall-clock and catch hangs: these tests run niced
# beside the integration tests (make check), so a turn may come late.
export CK_TIMEOUT_MULTIPLIER="${CK_TIMEOUT_MULTIPLIER:-4}"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
R=$(mktemp -d "${TMPDIR:-/tmp}/bgpd-unit-XXXXXX")
trap 'rm -rf "$R"' EXIT

# The slowest first (a virtual day of timers), so they do not end last.
tests=$(find "$dir" -type f -name 'check_*' -perm -u+x | sort)
slow=
for t in $tests; do
	case $t in */check_session | */check_longrun | */check_fsm | \
	    */check_update | */check_fib) slow="$slow $t" ;; esac
done
for t in $tests; do
	case " $slow " in *" $t "*) ;; *) slow="$slow $t" ;; esac
done

printf '%s\n' $slow | xargs -P "$JOBS" -n 1 sh -c '
R=$1 t=$2
if "$t" >"$t.log" 2>&1; then
	echo 0 >"$R/$(basename "$t").rc"
	tail -n 1 "$t.log" | sed "s|^|$(basename "$t"): |" >"$R/$(basename \
	    "$t").line"
else
	echo 1 >"$R/$(basename "$t").rc"
	{ echo "FAIL: $t"; cat "$t.log"; } >"$R/$(basename "$t").line"
fi
flock "$R/.print" cat "$R/$(basename "$t").line"
' sh "$R"

pass=0 fail=0
for t in $tests; do
	case $(cat "$R/$(basename "$t").rc" 2>/dev/null || echo 1) in
	0) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
