#!/bin/sh
# Replay tests/fuzz/corpus/<name>/ through build/.../replay_<name> (the
# harness linked with driver.c, under ASan+UBSan): every seed and every
# past crasher is a regression test in `make check`.
set -eu
BIN=$1
DIR=$(cd "$(dirname "$0")" && pwd)
fail=0
for b in "$BIN"/replay_*; do
	name=${b##*/replay_}
	corpus="$DIR/corpus/$name"
	if [ ! -d "$corpus" ]; then
		echo "fuzz replay: no corpus for $name ($corpus)" >&2
		fail=1
		continue
	fi
	"$b" "$corpus" || fail=1
done
exit $fail
