#!/bin/sh
# Golden tests for `bgpd --check`: for every tests/data/config/<case>.args,
# run bgpd on <case>.yaml (or the directory <case>.d) with those arguments
# and compare stdout, stderr and the exit status with <case>.ok.
#
#   golden.sh BGPD            compare; print a diff for each mismatch
#   golden.sh BGPD --update   rewrite the .ok files (review with git diff)
#
# An .args file holds one line: optional VAR=value words for the
# environment, then bgpd's arguments.  --config is added unless given.
set -u
bgpd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
update=${2:-}
cd "$(dirname "$0")/data/config" || exit 1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
for args in *.args; do
	case=${args%.args}
	line=$(cat "$args")
	envs="" rest=""
	for w in $line; do
		if [ -z "$rest" ] &&
		    echo "$w" | grep -q '^[A-Z_][A-Z0-9_]*='; then
			envs="$envs $w"
		else
			rest="$rest $w"
		fi
	done
	case " $rest " in
	*" --config "*) cfg="" ;;
	*)
		if [ -d "$case.d" ]; then cfg="--config $case.d"
		else cfg="--config $case.yaml"; fi ;;
	esac
	# shellcheck disable=SC2086
	# No endpoint status files but a case's own (--endpoint-status-dir).
	env -u NODENAME -u CALICO_ROUTER_ID \
	    CALICO_ENDPOINT_STATUS_PATH_PREFIX="$tmp/none" \
	    $envs "$bgpd" --check $cfg $rest \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
	{
		cat "$tmp/out"
		echo "--- stderr"
		cat "$tmp/err"
		echo "--- exit $rc"
	} >"$tmp/got"
	# JSON output must also parse as JSON.
	case " $rest " in
	*" --json "*)
		if [ $rc -eq 0 ] && ! python3 -m json.tool "$tmp/out" \
		    >/dev/null 2>"$tmp/jerr"; then
			echo "FAIL: golden $case: output is not valid JSON:"
			cat "$tmp/jerr"
			fail=$((fail + 1))
			continue
		fi ;;
	esac
	if [ "$update" = "--update" ]; then
		cp "$tmp/got" "$case.ok"
		pass=$((pass + 1))
	elif [ -f "$case.ok" ] && cmp -s "$tmp/got" "$case.ok"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: golden $case"
		if [ -f "$case.ok" ]; then
			diff -u "$case.ok" "$tmp/got" | head -60
		else
			echo "  (no $case.ok)"
		fi
	fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
