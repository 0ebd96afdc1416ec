#!/bin/sh
# --metrics: bgpd's /metrics against Debian's promtool and a real
# Prometheus server, both in the lab: the scrape passes `promtool check
# metrics`, says what the session is doing, and Prometheus, scraping
# bgpd every second, answers a query for the session's state as it
# changes (the learned route and our block's blackhole: 2 kernel
# routes).  Wrong paths and methods get errors; bgpd keeps serving.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v promtool >/dev/null || skip "prometheus not installed"
command -v prometheus >/dev/null || skip "prometheus not installed"

{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24
	y_pool v4 100.64.0.0/16
	y_pool remote 100.65.0.0/16
	y_block b1 100.64.0.0/26 node
	y_peer bird 'peerIP: 198.51.100.2, asNumber: 65010'
} >"$TMP/cluster.yaml"
cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/bird.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.65.0.0/24 blackhole; }
protocol bgp b {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import all; export all; };
}
BIRD
ns node
ns bird
link node 198.51.100.1/24
link bird 198.51.100.2/24
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" >"$TMP/bird.out" 2>&1
bgpd_start node "$TMP/cluster.yaml" --metrics 198.51.100.1:9324
wait_for 40 "the session" all_established node 1
wait_for 10 "BIRD's route" has_route node 100.65.0.0/24
P=Global_198_51_100_2

get() {	# NS URL [METHOD]: HTTP status and body into $TMP/http
	ip netns exec "$PFX$1" python3 - "$2" "${3:-GET}" >"$TMP/http" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], method=sys.argv[2])
try:
    r = urllib.request.urlopen(req, timeout=5)
    print(r.status, r.headers.get("Content-Type"))
    sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
PY
}
get node http://198.51.100.1:9324/metrics || fail "scrape"
head -1 "$TMP/http" | grep -q '^200 text/plain; version=0.0.4' ||
    fail "scrape: $(head -1 "$TMP/http")"
tail -n +2 "$TMP/http" >"$TMP/scrape"
promtool check metrics <"$TMP/scrape" >"$TMP/promtool" 2>&1 ||
    fail "promtool check metrics: $(cat "$TMP/promtool")"
echo "scrape: $(wc -c <"$TMP/scrape") bytes, $(grep -vc '^#' \
    "$TMP/scrape") samples"
for want in "bgpd_peer_up{peer=\"$P\",afi=\"ipv4\"} 1" \
    "bgpd_peer_state{peer=\"$P\",afi=\"ipv4\",state=\"established\"} 1" \
    "bgpd_peer_state{peer=\"$P\",afi=\"ipv4\",state=\"idle\"} 0" \
    "bgpd_peer_prefixes_received{peer=\"$P\",afi=\"ipv4\"} 1" \
    "bgpd_peer_prefixes_advertised{peer=\"$P\",afi=\"ipv4\"} 1" \
    "bgpd_peer_messages_received_total{peer=\"$P\",afi=\"ipv4\",type=\"open\"} 1" \
    "bgpd_rib_prefixes 2" "bgpd_kernel_routes_installed 2" \
    "bgpd_datastore_in_sync 1" "bgpd_build_info{version=\"" \
    "process_resident_memory_bytes "; do
	grep -qF "$want" "$TMP/scrape" || fail "no '$want' in the scrape"
done
get node http://198.51.100.1:9324/other
[ "$(head -1 "$TMP/http")" = 404 ] || fail "/other: $(head -1 "$TMP/http")"
get node http://198.51.100.1:9324/metrics POST
[ "$(head -1 "$TMP/http")" = 405 ] || fail "POST: $(head -1 "$TMP/http")"
get node http://198.51.100.1:9324/metrics DELETE
head -1 "$TMP/http" | grep -q '^[45]0[0-9]$' || fail "DELETE: $(head -1 "$TMP/http")"

# A real Prometheus server in the node's namespace scrapes bgpd.
cat >"$TMP/prom.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: bgpd
    static_configs: [{targets: ["198.51.100.1:9324"]}]
YML
bg node prometheus --config.file="$TMP/prom.yml" \
    --storage.tsdb.path="$TMP/prom" --web.listen-address=127.0.0.1:9090 \
    >"$TMP/prometheus.log" 2>&1
query() {	# PROMQL EXPECTED: the instant query's one value
	get node "http://127.0.0.1:9090/api/v1/query?query=$1" || return 1
	tail -n +2 "$TMP/http" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if len(r) == 1 and r[0]["value"][1] == sys.argv[1] else 1)' "$2"
}
Q="bgpd_peer_up%7Bpeer%3D%22$P%22%7D"
wait_for 60 "Prometheus to see the session up" query "$Q" 1
birdc -s "$TMP/bird.ctl" disable b >/dev/null
wait_for 30 "Prometheus to see it down" query "$Q" 0
S="bgpd_peer_state%7Bpeer%3D%22$P%22%2Cstate%3D%22established%22%7D"
query "$S" 0 || fail "state series while down"
birdc -s "$TMP/bird.ctl" enable b >/dev/null
wait_for 40 "Prometheus to see it back" query "$S" 1
stop_bgpd node
asan_clean
echo "PASS: metrics"
