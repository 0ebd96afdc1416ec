#!/bin/sh
# Run every unit test binary under $1 (check suites, CK_FORK mode so one
# crash fails one test).  Prints one closing line and fails if any failed.
set -u
dir=${1:?usage: run-unit.sh DIR}
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export CK_FORK="${CK_FORK:-yes}"
pass=0 fail=0 failed=""
for t in $(find "$dir" -type f -name 'check_*' -perm -u+x | sort); do
	if "$t" >"$t.log" 2>&1; then
		pass=$((pass + 1))
		tail -n 1 "$t.log" | sed "s|^|$(basename "$t"): |"
	else
		fail=$((fail + 1))
		failed="$failed $t"
		echo "FAIL: $t"
		cat "$t.log"
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
