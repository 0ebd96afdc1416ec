#!/bin/sh
# The file datastore follows its file: two bgpd nodes read one YAML file
# (--config FILE); an edit in place adds a block, a replacement by rename
# (as editors save) adds another, each applied without `bgpd reload` and
# without resetting the session; a bad edit is reported and the running
# plan kept; the file fixed again is applied.
. "$(dirname "$0")/lib.sh"

cluster() {	# EXTRA BLOCKS...
	y_pool pods 100.64.0.0/16
	y_node n1 198.51.100.1/24
	y_node n2 198.51.100.2/24
	y_block b1 100.64.1.0/26 n1
	y_block b2 100.64.2.0/26 n2
	for b in "$@"; do
		y_block "x$b" "100.64.$b.0/26" n2
	done
}
flaps() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
print(sum(p["flaps"] for p in json.load(sys.stdin)["peers"]))'
}

mkdir -p "$TMP/etc"
CFG="$TMP/etc/cluster.yaml"
cluster >"$CFG"
for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
done
for i in 1 2; do
	bgpd_start "n$i" "$CFG"
done
for i in 1 2; do
	wait_for 30 "n$i's session" all_established "n$i" 1
done
wait_for 10 "n1: n2's block" kroute n1 100.64.2.0/26 "via 198.51.100.2"

cluster 20 >"$CFG"			# written in place
wait_for 10 "n1: the block added in place" \
    kroute n1 100.64.20.0/26 "via 198.51.100.2"
cluster 20 21 >"$TMP/etc/.cluster.yaml.swp"
mv "$TMP/etc/.cluster.yaml.swp" "$CFG"	# replaced by rename
wait_for 10 "n1: the block added by rename" \
    kroute n1 100.64.21.0/26 "via 198.51.100.2"
grep -q "$CFG changed" "$TMP/bgpd-n2.log" || fail "n2 did not say why"

# A bad edit: reported, nothing changes.
{ cluster 20 21 22; echo "spec: {asNumber: [}"; } >"$CFG"
wait_for 10 "n2 to report the bad edit" grep -q \
    "reload failed, keeping the running configuration" "$TMP/bgpd-n2.log"
sleep 1
no_kroute n1 100.64.22.0/26 || fail "a block from the bad edit"
kroute n1 100.64.21.0/26 || fail "the running plan was not kept"
bgpctl n2 status --json | grep -q '"last_reload_error": "' ||
    fail "n2's status does not show the failed reload"
cluster 20 21 22 >"$CFG"
wait_for 10 "n1: the fixed file's block" \
    kroute n1 100.64.22.0/26 "via 198.51.100.2"
for i in 1 2; do
	[ "$(flaps "n$i")" = 0 ] || fail "n$i: the session reset"
done
bgpctl n1 status | grep -q "^Datastore: file $CFG, following" ||
    fail "status: $(bgpctl n1 status | tail -n 2)"
for i in 1 2; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: the file datastore follows its file"
