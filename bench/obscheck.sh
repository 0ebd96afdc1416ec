#!/bin/sh
# Checks observe's sentinel mode (bench/TOOLS.md) against nlfloor, in a
# namespace of its own: no daemon, no BGP.  Root only.
#
#   sh bench/obscheck.sh [N]        (N routes, default 10000)
#
#   1. the filter drops: N routes in with `--sentinel --until-count N`
#      listening, the observer reads 1 datagram (the sentinel's), and
#      its dump has N routes; without --sentinel (the event-driven
#      mode, for comparison) it reads one per route;
#   2. the same for the withdrawal: `--until-zero`, 1 datagram, 0 left;
#   3. out of order: the sentinel first, alone, then the others: the
#      observer must not stop at the sentinel but dump until it has N
#      ("by":"dump"), and its time must not come before the last route
#      could have gone in (the last nlfloor's sendto began);
#   4. still changing: another route of the range is replaced again and
#      again (its next hop changes) while the sentinel comes: the watch sees it, and the time
#      is a dump's end ("by":"dump"), not the sentinel's moment.
# Exits 1 on the first failure.  Needs `make bench-tools`.
. "$(dirname "$0")/lib.sh"

N=${1:-10000}
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for t in "$TOOLS/observe" "$TOOLS/nlfloor"; do
	[ -x "$t" ] || die "missing $t: make bench-tools"
done
RUN="$TMP"
GW=198.51.100.10
# the last of N /32s from 100.64.0.0, as gen and nlfloor count them
SENT=$(awk -v n="$N" 'BEGIN { a = 100 * 16777216 + 64 * 65536 + n - 1;
	printf "%d.%d.%d.%d/32", int(a / 16777216), int(a / 65536) % 256,
	    int(a / 256) % 256, a % 256 }')
FAILED=0

fail() {
	log "FAIL: $*"
	FAILED=1
}

# obs NAME ARGS...: an observer in the dut namespace (lib.sh)
obs() {
	local name="$1"
	shift
	obs_start "$name" --timeout 60 "$@"
}

# done_obs NAME: wait for its final event; sets RECV and DCOUNT
done_obs() {
	ev_wait 60 "$RUN/$1.jsonl" '"event": *"final"' "$OBS_PID" ||
	    fail "$1: no final event"
	stop "$OBS_PID" 5 INT
	RECV=$(ev_field "$RUN/$1.jsonl" '"final"' received)
	DCOUNT=$(ev_field "$RUN/$1.jsonl" '"final"' dump_count)
}

nl() {	# nlfloor ARGS... in the dut namespace; its output into $RUN/nl
	ip netns exec "$NS_DUT" "$TOOLS/nlfloor" --via "$GW" --dev eth0 \
	    "$@" >"$RUN/nl.jsonl" 2>"$RUN/nl.err" ||
	    die "nlfloor $*: $(cat "$RUN/nl.err")"
}

topo_up 0
log "sentinel $SENT, $N routes"

# 1. the load, sentinel mode
obs s-add --sentinel "$SENT" --until-count "$N"
nl --count "$N"
done_obs s-add
log "sentinel mode, add: received $RECV datagram(s), dump $DCOUNT routes"
[ "$RECV" = 1 ] || fail "sentinel mode add: $RECV datagrams, not 1"
[ "$DCOUNT" = "$N" ] || fail "sentinel mode add: $DCOUNT routes, not $N"
grep -q '"event": *"reached"' "$RUN/s-add.jsonl" ||
    fail "sentinel mode add: no reached"

# 2. the withdrawal, sentinel mode
obs s-del --sentinel "$SENT" --until-zero
nl --count "$N" --delete
done_obs s-del
log "sentinel mode, delete: received $RECV datagram(s), dump $DCOUNT"
[ "$RECV" = 1 ] || fail "sentinel mode delete: $RECV datagrams, not 1"
[ "$DCOUNT" = 0 ] || fail "sentinel mode delete: $DCOUNT routes left"
grep -q '"event": *"zero"' "$RUN/s-del.jsonl" ||
    fail "sentinel mode delete: no zero"

# the event-driven mode, for comparison: one datagram per route
obs e-add --until-count "$N"
nl --count "$N"
done_obs e-add
log "event mode, add: received $RECV datagrams, dump $DCOUNT routes"
[ "${RECV:-0}" -ge "$N" ] || fail "event mode: $RECV datagrams, < $N"
nl --count "$N" --delete

# 3. out of order: the sentinel alone first, then all but the first
# route, then (0.3 s later) the first alone: the count is N only once
# that one is in, after its sendto began
obs s-ooo --sentinel "$SENT" --until-count "$N"
nl --count 1 --start "${SENT%/32}"
nl --count $((N - 2)) --start 100.64.0.1
sleep 0.3
nl --count 1 --start 100.64.0.0
tl=$(awk -v t="$(ev_t "$RUN/nl.jsonl" installed)" \
    -v s="$(ev_field "$RUN/nl.jsonl" '"installed"' secs)" \
    'BEGIN { printf "%.6f\n", t - s }')
done_obs s-ooo
tr=$(ev_t "$RUN/s-ooo.jsonl" reached)
by=$(grep '"reached"' "$RUN/s-ooo.jsonl" |
    sed -n 's/.*"by":"\([a-z]*\)".*/\1/p')
log "out of order: by $by, reached $(calc "$tr - $tl") s after the" \
    "last route's sendto began, dump $DCOUNT routes, received $RECV"
[ "$by" = dump ] || fail "out of order: reached by '$by', not by a dump"
[ "$DCOUNT" = "$N" ] || fail "out of order: $DCOUNT routes, not $N"
[ -n "$tr" ] && [ -n "$tl" ] &&
    awk -v a="$tr" -v b="$tl" 'BEGIN { exit !(a >= b) }' ||
    fail "out of order: reached at $tr, before the last route ($tl)"
nl --count "$N" --delete

# 4. still changing: a route of the range is replaced over and over
# (ip -batch, its next hop alternating: the kernel tells nothing of a
# replace by the same route) while the sentinel comes; the watch must
# see it and leave the time to a dump
nl --count $((N - 1))
awk 'BEGIN { for (i = 0; i < 200000; i++)
	printf "route replace 100.64.0.0/32 via 198.51.100.%d dev eth0 " \
	    "proto 186\n", 10 + i % 2 }' >"$RUN/replace"
obs s-chg --sentinel "$SENT" --until-count "$N"
ip -n "$NS_DUT" -batch "$RUN/replace" >/dev/null 2>&1 &
loop=$!
sleep 0.2
nl --count 1 --start "${SENT%/32}"
done_obs s-chg
kill "$loop" 2>/dev/null
wait "$loop" 2>/dev/null
by=$(grep '"reached"' "$RUN/s-chg.jsonl" |
    sed -n 's/.*"by":"\([a-z]*\)".*/\1/p')
log "still changing: by $by, dump $DCOUNT routes, received $RECV"
[ "$by" = dump ] || fail "still changing: reached by '$by', not by a dump"
[ "$DCOUNT" = "$N" ] || fail "still changing: $DCOUNT routes, not $N"
nl --count "$N" --delete

topo_down
[ "$FAILED" = 0 ] || die "obscheck: failed (logs in $TMP: KEEP_TMP=1)"
log "obscheck: all passed"
