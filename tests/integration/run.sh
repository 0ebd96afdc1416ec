#!/bin/sh
# Run every tests/integration/t_*.sh (or those named) and print one
# closing line: "N passed, N failed, N skipped".  Exit 1 if any failed.
set -u
cd "$(dirname "$0")" || exit 1
pass=0 failn=0 skipn=0
tests=${*:-$(ls t_*.sh)}
for t in $tests; do
	start=$(date +%s)
	out=$(timeout 300 sh "./$t" 2>&1)
	rc=$?
	secs=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $t (${secs}s)"
	elif [ $rc -eq 77 ]; then
		skipn=$((skipn + 1))
		echo "SKIP $t: $(echo "$out" | grep '^SKIP' | head -1)"
	else
		failn=$((failn + 1))
		echo "FAIL $t (${secs}s, exit $rc)"
		echo "$out" | tail -n 60 | sed 's/^/    /'
	fi
done
echo "integration: $pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ]
