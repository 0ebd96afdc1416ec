#!/bin/sh
# Run every libFuzzer harness in BUILD/tests/fuzz for SECS seconds each,
# starting from the seed corpus; new inputs land in BUILD/corpus/<name>
# (the seeds are not touched), crashers in BUILD/crashes/<name>.
# Prints the executions each harness did.  Exit 1 on any crasher.
set -eu
BUILD=$1
SECS=${2:-60}
DIR=$(cd "$(dirname "$0")" && pwd)
fail=0
total=0
for b in "$BUILD"/tests/fuzz/fuzz_*; do
	case $b in *.*) continue ;; esac
	name=${b##*/fuzz_}
	work="$BUILD/corpus/$name"
	crash="$BUILD/crashes/$name"
	mkdir -p "$work" "$crash"
	log="$BUILD/fuzz-$name.log"
	echo "fuzz: $name for ${SECS}s"
	if ! "$b" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=8192 -artifact_prefix="$crash/" -print_final_stats=1 \
	    "$work" "$DIR/corpus/$name" >"$log" 2>&1; then
		echo "fuzz: $name FOUND A CRASH (see $log, $crash)"
		tail -n 40 "$log"
		fail=1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "fuzz: $name: ${runs:-?} executions, $cov"
	total=$((total + ${runs:-0}))
done
echo "fuzz: $total executions in all"
exit $fail
