#!/bin/sh
# run1.sh RESULTS TEST: run one integration test (run.sh's worker); its
# exit status goes to RESULTS/TEST.rc, and its result line (with the
# output's tail when it failed) is printed whole, in one write.
R=$1 t=$2
start=$(date +%s)
case " ${EXCLUSIVE:-} " in
*" $t "*) flock "$R/.exclusive" timeout 300 sh "./$t" >"$R/$t.out" 2>&1 ;;
*) timeout 300 sh "./$t" >"$R/$t.out" 2>&1 ;;
esac
rc=$?
secs=$(($(date +%s) - start))
echo "$rc" >"$R/$t.rc"
case $rc in
0) echo "PASS $t (${secs}s)" ;;
77) echo "SKIP $t: $(grep '^SKIP' "$R/$t.out" | head -1)" ;;
*) echo "FAIL $t (${secs}s, exit $rc)"
   tail -n 60 "$R/$t.out" | sed 's/^/    /' ;;
esac >"$R/$t.line"
flock "$R/.print" cat "$R/$t.line"
